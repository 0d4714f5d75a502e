"""`clusterwatch docs`: dbt's documentation as one static page under the home."""

from __future__ import annotations

import pytest

from clusterwatch.transform import generate_docs

pytestmark = pytest.mark.postgres


def test_docs_are_a_self_contained_page_under_the_home(fresh_warehouse_url, test_home):
    page = generate_docs(fresh_warehouse_url)
    assert page.parent == test_home / "dbt_docs"
    html = page.read_text(encoding="utf-8")
    # manifest inlined: model names and their descriptions are in the page itself
    assert "fct_article_publications" in html and "dim_sources" in html
    assert "One row per article" in html or "one row per article" in html.lower()
