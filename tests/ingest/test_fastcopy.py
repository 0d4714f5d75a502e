"""The fast path (ingest/fastcopy.py): a well-formed BACI file into an empty raw table is
parsed and typed by PostgreSQL, and ends exactly as the careful path would have left it;
anything doubtful falls back to the careful path and leaves no trace of the attempt."""

from __future__ import annotations

import logging

import psycopg
import pytest

from ingest.fastcopy import NotFast, blocks, clean_block

from ingest_files import query, scalar, write_text

pytestmark = [pytest.mark.postgres]

NAME = "BACI_HS17_Y2022_V202401.csv"
# Well-formed, with what real files carry: padded NA, a 5-digit product code (its
# leading zero lost), exponents, '.5' and '5.', leading zeros in a country code.
CLEAN = (
    "t,i,j,k,v,q\n"
    "2022,12,251,270900,2150432.118,3871223.5\n"
    "2022,12,381,271111,7250010.5,           NA\n"
    "2022,12,251,10121,12.5,3.2\n"
    "2022,251,012,040210,4.43e+10,.5\n"
    "2022,251,12,040211,5.,1E3\n"
)


def _raw_rows(url: str) -> list[tuple]:
    return query(url, """select hs_revision, year, exporter_code, importer_code, product_code, value_kusd::text,
                                quantity_tonnes::text, baci_release, _batch_id, _line_number, _sheet
                         from raw.trade_baci_flows where year <> 1999 order by _line_number""")


def _findings(url: str) -> list[tuple]:
    return query(url, "select kind, line_number, field, detail from ingest.findings order by finding_number")


def _table_shape(url: str) -> list[tuple]:
    """Indexes and column defaults of the raw table: the fast path drops and sets some
    for the load only."""
    return query(url, """select 'index', pg_get_indexdef(indexrelid) from pg_index
                         where indrelid = 'raw.trade_baci_flows'::regclass
                         union all
                         select a.attname, pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d
                         join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
                         where d.adrelid = 'raw.trade_baci_flows'::regclass order by 1, 2""")


def _path_taken(caplog) -> str:
    (message,) = [r.getMessage() for r in caplog.records
                  if r.name == "ingest.load" and "seconds per phase" in r.getMessage()]
    return message.split("(")[1].split(")")[0]


# -- pure ------------------------------------------------------------------------------------
def test_clean_block_drops_field_padding_and_refuses_what_postgresql_would_read_otherwise():
    assert clean_block(b"2022, 12 ,251,10121,12.5,           NA\r\n 2022,1,2,3,4,5\n") == \
        b"2022,12,251,10121,12.5,NA\r\n2022,1,2,3,4,5\n"
    assert clean_block(b"2022,1,2,10 121,4,5\n") == b"2022,1,2,10 121,4,5\n"  # inner space: PostgreSQL refuses
    for bad in (b'2022,1,2,"3",4,5\n', b"2022,1,2,3,-4,5\n", b"2022,1,2,3,4,NAN\n",
                b"2022,1,2,3,4,nan\n", b"2022,1,x,3,4,5\n", b"2022\t1\n", b"2022,1,2,3,4,\xd9\xa1\n"):
        with pytest.raises(NotFast):
            clean_block(bad)


def test_blocks_are_whole_lines_and_report_progress(tmp_path):
    body = "".join(f"2022,{n},1,010121,1.5, NA\n" for n in range(1000))
    path = write_text(tmp_path / NAME, "t,i,j,k,v,q\n" + body)
    seen = []
    parts = list(blocks(path, seen.append, every=300, size=1000))
    assert parts[0] == b"t,i,j,k,v,q\n"
    assert all(p.endswith(b"\n") for p in parts) and len(parts) > 10
    assert b"".join(parts[1:]) == body.replace(", NA", ",NA").encode()
    assert seen == sorted(seen) and seen[0] >= 300 and len(seen) == 3


def test_first_record_as_the_fast_path_would_load_it(tmp_path):
    from ingest.fastcopy import Plan, first_record

    plan = Plan(("year", "exporter_code", "importer_code", "product_code", "value_kusd", "quantity_tonnes"), 1,
                {"hs_revision": "HS17", "baci_release": "V202401"})
    path = write_text(tmp_path / NAME, "t,i,j,k,v,q\n2022, 12,251,10121,12.5,   NA\r\n2022,1,2,3,4,5\n")
    assert first_record(path, plan) == {"hs_revision": "HS17", "baci_release": "V202401", "year": "2022",
                                        "exporter_code": "12", "importer_code": "251", "product_code": "010121",
                                        "value_kusd": "12.5", "quantity_tonnes": None}
    assert first_record(write_text(tmp_path / "q.csv", 't,i,j,k,v,q\n"2022",1,2,3,4,5\n'), plan) is None
    assert first_record(write_text(tmp_path / "e.csv", "t,i,j,k,v,q\n"), plan) is None


# -- against PostgreSQL -------------------------------------------------------------------
def test_the_fast_path_ends_exactly_like_the_careful_path(load, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="ingest.load")
    path = write_text(tmp_path / NAME, CLEAN)
    shape = _table_shape(load.url)
    fast = load(path, "trade")
    assert _path_taken(caplog) == "fast"
    assert (fast.rows_in, fast.rows_loaded, fast.rows_rejected, fast.rows_inserted) == (5, 5, 0, 5)
    fast_rows, fast_findings = _raw_rows(load.url), _findings(load.url)
    assert _table_shape(load.url) == shape
    assert [r[1:8] for r in fast_rows] == [
        (2022, 12, 251, "270900", "2150432.118", "3871223.5", "V202401"),
        (2022, 12, 381, "271111", "7250010.5", None, "V202401"),
        (2022, 12, 251, "010121", "12.5", "3.2", "V202401"),
        (2022, 251, 12, "040210", "44300000000", "0.5", "V202401"),
        (2022, 251, 12, "040211", "5", "1000", "V202401")]
    assert [r[9] for r in fast_rows] == [2, 3, 4, 5, 6]
    assert [f[0] for f in fast_findings] == ["hs_code_zero_padded"]

    # The same records through the careful path (a quoted field sends the file there).
    with psycopg.connect(load.url) as conn:
        conn.execute("truncate raw.trade_baci_flows, ingest.batches cascade")
    caplog.clear()
    quoted = write_text(tmp_path / "quoted" / NAME, CLEAN.replace("2022,12,251,270900", '"2022",12,251,270900'))
    careful = load(quoted, "trade")
    assert _path_taken(caplog) == "direct"
    assert [r[:8] + r[9:] for r in _raw_rows(load.url)] == [r[:8] + r[9:] for r in fast_rows]
    assert _findings(load.url) == fast_findings
    assert careful.rows_loaded == 5


@pytest.mark.parametrize("bad_line, reason", [
    ("2022,12,xx,390110,5.5,1.2", "not_an_integer"),        # refused by the byte check
    ("2022,12,251,0402,1.0,1.0", "invalid_hs_code"),        # refused by the scan after COPY
    ("1850,12,251,390110,1.0,1.0", "out_of_range"),         # the scan after COPY (year)
    ("2022,12,251,390110,,1.2", "missing_value"),           # refused by PostgreSQL ('' is no number)
    ("2022,12,251,+39011,1.0,1.0", "invalid_hs_code"),      # the scan after COPY (a sign)
    ("2022,12,251,270900,1.0,1.0", "duplicate_key"),        # refused when the primary key is rebuilt
])
def test_a_doubtful_row_sends_the_file_to_the_careful_path_and_to_the_quarantine(load, tmp_path, caplog,
                                                                                  bad_line, reason):
    caplog.set_level(logging.INFO, logger="ingest.load")
    shape = _table_shape(load.url)
    path = write_text(tmp_path / NAME, CLEAN + bad_line + "\n")
    result = load(path, "trade")
    assert _path_taken(caplog) in ("direct", "merge")
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (6, 5, 1)
    assert query(load.url, "select line_number, reason, raw_line from quarantine.trade_rows") == \
        [(7, reason, bad_line)]
    assert scalar(load.url, "select count(*) from raw.trade_baci_flows") == 5
    assert _table_shape(load.url) == shape


def test_into_a_raw_table_that_holds_rows_the_stage_is_merged(load, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="ingest.load")
    shape = _table_shape(load.url)
    load(write_text(tmp_path / NAME, CLEAN), "trade")

    caplog.clear()  # another year: a slice with no rows, parallel chunks again
    next_year = load(write_text(tmp_path / "BACI_HS17_Y2023_V202401.csv", CLEAN.replace("2022,", "2023,")), "trade")
    assert _path_taken(caplog) == "fast"
    assert (next_year.rows_inserted, next_year.rows_updated, next_year.findings) == (5, 0, 1)
    assert _table_shape(load.url) == shape

    caplog.clear()  # a second release of 2022: the same keys, one value changed, one key twice: merged
    changed = CLEAN.replace("7250010.5", "7250011.5") + "2022,12,251,270900,1.0,1.0\n"
    merged = load(write_text(tmp_path / "BACI_HS17_Y2022_V202501.csv", changed), "trade")
    assert _path_taken(caplog) == "fast+merge"
    assert (merged.rows_in, merged.rows_loaded, merged.rows_rejected) == (6, 5, 1)
    assert (merged.rows_inserted, merged.rows_updated, merged.rows_unchanged) == (0, 5, 0)  # release changed
    assert query(load.url, "select line_number, reason, raw_line from quarantine.trade_rows") == \
        [(7, "duplicate_key", "2022,12,251,270900,1.0,1.0")]
    assert scalar(load.url, "select count(*) from raw.trade_baci_flows") == 10
    assert scalar(load.url, "select value_kusd::text from raw.trade_baci_flows where year = 2022 "
                            "and importer_code = 381") == "7250011.5"
    assert _table_shape(load.url) == shape


def test_a_header_only_file_is_a_batch_of_no_rows(load, tmp_path, caplog):
    """No record tells the slice: the careful path (which says the same)."""
    caplog.set_level(logging.INFO, logger="ingest.load")
    result = load(write_text(tmp_path / NAME, "t,i,j,k,v,q\n"), "trade")
    assert _path_taken(caplog) == "merge"
    assert (result.status, result.rows_in, result.rows_loaded, result.rows_rejected) == ("loaded", 0, 0, 0)
    assert query(load.url, "select kind, line_number from ingest.findings") == [("no_data_rows", 1)]


def test_range_blocks_cover_a_byte_range_of_whole_lines(tmp_path):
    from ingest.fastcopy import range_blocks

    body = "".join(f"2022,{n},1,010121,1.5,NA\n" for n in range(500))
    path = write_text(tmp_path / NAME, "t,i,j,k,v,q\n" + body)
    start = len("t,i,j,k,v,q\n")
    middle = start + body.index("2022,250,")
    halves = [list(range_blocks(path, start, middle, size=700)), list(range_blocks(path, middle, size=700))]
    assert all(block.endswith(b"\n") for half in halves for block in half)
    assert b"".join(halves[0]).decode() == body[:body.index("2022,250,")]
    assert b"".join(halves[0] + halves[1]).decode() == body
