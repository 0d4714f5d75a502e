"""The GX runner against a real PostgreSQL: a good batch passes, a bad one is blocked,
and every result is stored per expectation with its observed value and a sample."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from clusterwatch import db
from expectations.runner import DataQualityError, require_success, validate_batch

pytestmark = pytest.mark.postgres

BODY_AR = ("كشفت ربيعة خرفي، الأمينة العامة لوزارة الصناعة والمناجم، عن دعم الوزارة لمبادرة إستحداث "
           "تجمعات صناعية، مشيرة أنه تم الموافقة لإنشاء 7 تجمعات في عديد القطاعات على غرار الميكانيك والرقمنة، "
           "على أن يتم توسيع القائمة مستقبلا.")
BODY_FR = ("Le forum des clusters industriels, tenu à l'hôtel El Aurassi d'Alger, a réuni le ministère de "
           "l'Industrie et des Mines, des universitaires et des chefs d'entreprise autour de sept clusters "
           "agréés, dont la mécanique de précision et le numérique.")


def _insert(conn, batch_id, url, *, title="عنوان", body=BODY_AR, language="ar", published=None):
    published = published or datetime(2017, 2, 21, 9, 0, tzinfo=timezone.utc)
    conn.execute(
        """insert into raw.news_articles (article_id, source_id, canonical_url, url, language, title,
               body_text, published_at, content_hash, extractor, _batch_id, _scraped_at)
           values (md5(%s), 'demo_aps_ar', %s, %s, %s, %s, %s, %s, %s, 'selectors', %s, now())""",
        (url, url, url, language, title, body, published, hashlib.sha256(body.encode()).hexdigest(), batch_id),
    )


def test_good_batch_passes_and_is_recorded(fresh_warehouse_url):
    with db.connect(fresh_warehouse_url) as conn:
        _insert(conn, "run-good", "https://www.aps.dz/ar/economie/a1")
        _insert(conn, "run-good", "https://www.aps.dz/fr/economie/a2", title="Clusters", body=BODY_FR, language="fr")
        _insert(conn, "other-run", "https://www.aps.dz/ar/economie/a3")
    outcome = require_success(validate_batch("news_articles", "run-good", fresh_warehouse_url))
    assert outcome.rows_checked == 2
    assert outcome.error_failures == 0
    with db.connect(fresh_warehouse_url) as conn:
        run = conn.execute("select success, rows_checked from monitoring.dq_runs where batch_id = 'run-good'").fetchone()
        results = conn.execute("select count(*), bool_and(success) from monitoring.dq_results").fetchone()
    assert run == (True, 2)
    assert results[0] >= 10 and results[1] is True


def test_bad_batch_is_blocked_with_details(fresh_warehouse_url):
    future = datetime.now(timezone.utc) + timedelta(days=30)
    with db.connect(fresh_warehouse_url) as conn:
        _insert(conn, "run-bad", "ftp://example.dz/a", published=future)
        # Presentation Forms-B letters that NFKC should have folded: a warning, not an error.
        _insert(conn, "run-bad", "https://www.elkhabar.com/press/article/1/", title="ﺍﻟﺘﺠﻤﻌﺎﺕ", language="en")
    outcome = validate_batch("news_articles", "run-bad", fresh_warehouse_url)
    assert not outcome.success
    failed = {(f["expectation_type"], f["column_name"], f["severity"]) for f in outcome.failed}
    assert ("expect_column_values_to_match_regex", "canonical_url", "error") in failed
    assert ("expect_column_values_to_be_between", "published_at", "error") in failed
    assert ("expect_column_values_to_be_in_set", "language", "warning") in failed
    assert ("expect_column_values_to_not_match_regex", "title", "warning") in failed
    with pytest.raises(DataQualityError, match="run-bad"):
        require_success(outcome)
    with db.connect(fresh_warehouse_url) as conn:
        sample = conn.execute(
            """select unexpected_count, unexpected_sample from monitoring.dq_results r
               join monitoring.dq_runs using (dq_run_id)
               where batch_id = 'run-bad' and column_name = 'canonical_url' and not r.success""").fetchone()
    assert sample[0] == 1 and sample[1] == ["ftp://example.dz/a"]


def test_validate_cli_exits_non_zero_on_error(fresh_warehouse_url, monkeypatch):
    with db.connect(fresh_warehouse_url) as conn:
        _insert(conn, "run-cli", "not-a-url")
    env = {"CLUSTERWATCH_DATABASE_URL": fresh_warehouse_url}
    import os

    result = subprocess.run([sys.executable, "-m", "clusterwatch.cli", "validate", "news_articles",
                             "--batch", "run-cli"], env={**os.environ, **env}, capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["success"] is False and last["batch_id"] == "run-cli"
    assert "ERROR" in result.stdout
