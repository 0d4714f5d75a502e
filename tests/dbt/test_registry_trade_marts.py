"""Registry, trade and reference marts built by `dbt build` on files loaded by the real
ingest loader: the real registry samples (tests/fixtures/ingest), the demo's SYNTHETIC
BACI sample, its country codes and its synthetic registry (demo/landing), a UN Comtrade
CSV and a national customs file written here. Expected values are computed here in
Python from the files' own numbers (an implementation independent of the SQL), and a
few by hand in comments.

One database for the module; dbt builds once, then the snapshot test changes a company
and builds again.
"""

from __future__ import annotations

import csv
import importlib.util
import uuid
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from clusterwatch import db, transform, warehouse

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
REAL = REPO / "tests" / "fixtures" / "ingest"
DEMO = REPO / "demo" / "landing"
BACI_FILE = DEMO / "trade" / "SYNTHETIC_BACI_HS17_Y2021_V000000.csv"
COUNTRIES_FILE = DEMO / "trade" / "SYNTHETIC_baci_country_codes_V000000.csv"
SYNTHETIC_REGISTRY = DEMO / "registry" / "SYNTHETIC_registry_industrial_companies.csv"

# UN Comtrade (API column names): Algeria 2019 overlaps BACI (BACI wins for 2019); 2022
# mixes HS levels for Italy (2709 and its sub-code 270900) and has a re-export and a
# TOTAL line that must not count.
COMTRADE = """refYear,period,freqCode,reporterISO,partnerISO,flowCode,cmdCode,primaryValue,netWgt,classificationCode
2019,2019,A,DZA,ITA,X,2709,10540000000,16000000000,H5
2019,2019,A,DZA,FRA,M,0402,120500000,31000000,H5
2019,2019,A,DZA,W00,X,TOTAL,35000000000,,H5
2022,2022,A,DZA,ESP,X,2711,7250000000,,H6
2022,2022,A,DZA,ITA,X,2709,5000000000,,H6
2022,2022,A,DZA,ITA,X,270900,4000000000,,H6
2022,2022,A,DZA,FRA,RX,2709,1000000,,H6
"""
# National format: two months of crude to Italy (no month 0: summed), a yearly line
# of LNG to Spain, an import; 10-digit tariff lines roll up to HS6.
NATIONAL = (
    "Année;Mois;Flux;Pays ISO3;Code SH;Valeur DA;Valeur USD;Poids net kg\n"
    "2023;1;Exportation;ITA;2709000000;150 000 000 000;1 100 000 000;2 000 000\n"
    "2023;2;Exportation;ITA;2709000000;120 000 000 000;900 000 000;1 500 000\n"
    "2023;0;X;ESP;271111;1;2 000 000 000;\n"
    "2023;0;M;CHN;8703;80 000 000 000;592 000 000;\n"
)


def load_generator():
    spec = importlib.util.spec_from_file_location("make_synthetic_files", DEMO / "make_synthetic_files.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def query(url: str, sql: str, params=()) -> list[tuple]:
    with db.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def ingest(url: str, path: Path, dataset: str):
    from ingest.pipeline import ingest_file

    result = ingest_file(path, dataset, database_url=url)
    assert result.status == "loaded" and result.rows_rejected == 0, (path.name, result)
    return result


@pytest.fixture(scope="module")
def built(pg_server_url, tmp_path_factory):
    url = warehouse.with_database(pg_server_url, f"cw_test_marts_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    db.bootstrap(url)
    files = tmp_path_factory.mktemp("trade_files")
    (files / "comtrade_dza.csv").write_text(COMTRADE, encoding="utf-8")
    (files / "douanes_2023.csv").write_text(NATIONAL, encoding="utf-8")
    for path, dataset in [
        (REAL / "transformatek__accountants_moral.csv", "registry"),
        (REAL / "transformatek__coworking-incubators.csv", "registry"),
        (SYNTHETIC_REGISTRY, "registry"),
        (REAL / "comtrade-mirroring__auxiliary_statistics__DZA_only.tsv", "trade"),
        (BACI_FILE, "trade"),
        (COUNTRIES_FILE, "trade"),
        (files / "comtrade_dza.csv", "trade"),
        (files / "douanes_2023.csv", "trade"),
    ]:
        ingest(url, path, dataset)
    target = tmp_path_factory.mktemp("dbt_target_marts")
    result = transform.build(url, target_path=target)
    yield {"url": url, "target": target, "result": result, "files": files}
    warehouse.drop_database(url)


# --- expected values from the files themselves ---------------------------------------

def baci_exports() -> dict[tuple[str, int], dict[str, Decimal]]:
    """{(iso3, year): {hs6: exports in USD}} from the synthetic BACI file."""
    with COUNTRIES_FILE.open(encoding="utf-8") as handle:
        iso3 = {int(row["country_code"]): row["country_iso3"] for row in csv.DictReader(handle)}
    exports: dict = defaultdict(lambda: defaultdict(Decimal))
    with BACI_FILE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            exports[(iso3[int(row["i"])], int(row["t"]))][row["k"]] += Decimal(row["v"]) * 1000
    return exports


def test_build_passes_every_test_and_unit_test(built):
    statuses = built["result"].summary()["statuses"]
    # "no-op": the exposures, which dbt build lists without building anything.
    assert set(statuses) <= {"success", "pass", "no-op"}, built["result"].output_tail()
    assert statuses.get("success") and statuses.get("pass")
    results = built["result"].run_results()["results"]
    unit_tests = {r["unique_id"].split(".")[-1] for r in results if r["unique_id"].startswith("unit_test.")}
    assert {"fct_product_rca_balassa_against_world_totals", "fct_export_diversification_hydrocarbon_share_and_hhi",
            "fct_wilaya_sector_specialisation_location_quotients",
            "int_companies_located_settles_wilaya_disagreements"} <= unit_tests


def test_sector_seed_agrees_with_the_text_analysis_gazetteer():
    import yaml

    gazetteer = yaml.safe_load((REPO / "scrapers/text/data/sectors.yaml").read_text(encoding="utf-8"))
    from_yaml = {s["id"]: (s["name"], s["name_fr"], s["name_ar"], s.get("parent") or "")
                 for s in gazetteer["sectors"]}
    with (REPO / "dbt_project/seeds/gazetteers/sectors.csv").open(encoding="utf-8") as handle:
        from_seed = {r["sector_id"]: (r["sector_name"], r["sector_name_fr"], r["sector_name_ar"],
                                      r["parent_sector_id"]) for r in csv.DictReader(handle)}
    assert from_seed == from_yaml
    with (REPO / "dbt_project/seeds/sector_hs_chapters.csv").open(encoding="utf-8") as handle:
        chapters = {r["hs_chapter_id"]: r["sector_id"] for r in csv.DictReader(handle)}
    assert chapters["27"] == "hydrocarbons"
    assert all(len(chapter) == 2 and chapter.isdigit() for chapter in chapters)
    assert set(chapters.values()) <= set(from_yaml)


def test_blida_coded_8_is_located_in_blida_and_bouira_keeps_its_code(built):
    rows = {name: rest for name, *rest in query(built["url"], """
        select company_name_fr, wilaya_id, wilaya_name_fr, wilaya_resolution, has_wilaya_mismatch,
               wilaya_code_given
        from marts.dim_companies where wilaya_resolution <> 'as_given'""")}
    # Incubators line 2: code_wil 8 (Béchar) but wilaya 'Blida', address '... 09001 Blida'.
    assert rows["Crearena"] == ["09", "Blida", "corrected_from_name", True, "08"]
    # Accountants line 5: wilaya 'Alger', code 10, address ending in 'BOUIRA': the code stays.
    assert rows["BOUGUER"] == ["10", "Bouira", "code_kept", True, "10"]
    assert len(rows) == 2  # every other company's code and name agree
    total = query(built["url"], "select count(*), count(sector_id) from marts.dim_companies")
    assert total == [(4 + 22 + 44, 42)]  # synthetic companies with a mapped activity code


def test_dim_wilayas_has_48_then_58_then_69_wilayas(built):
    url = built["url"]

    def in_force(day: date) -> int:
        return query(url, """select count(*) from marts.dim_wilayas
                             where valid_from <= %s and (valid_to is null or %s <= valid_to)""",
                     (day, day))[0][0]

    assert [in_force(date(2000, 1, 1)), in_force(date(2020, 1, 1)), in_force(date(2026, 1, 1))] == [48, 58, 69]
    # Adrar (01) lost Timimoun and Bordj Badji Mokhtar in 2019: two versions.
    assert query(url, """select valid_from, valid_to, is_current, ceded_to_wilaya_ids, wilayas_in_force_count
                         from marts.dim_wilayas where wilaya_id = '01' order by valid_from""") == [
        (date(1984, 2, 4), date(2019, 12, 10), False, "", 48),
        (date(2019, 12, 11), None, True, "49|50", 58),
    ]
    assert query(url, "select count(*) from marts.dim_wilayas where is_current") == [(69,)]


def test_dim_dates_spans_the_data(built):
    rows = query(built["url"], "select min(date_day), max(date_day), count(*), "
                               "count(*) filter (where is_weekend) from marts.dim_dates")
    first, last, days, _ = rows[0]
    # Earliest year in the data: the synthetic companies created in 2011.
    assert first == date(2011, 1, 1)
    assert last == date(max(date.today().year, 2023), 12, 31)
    assert days == (last - first).days + 1
    assert query(built["url"], "select month_name_ar, day_name_fr, is_weekend from marts.dim_dates "
                               "where date_day = '2019-07-05'") == [("جويلية", "vendredi", True)]


def test_fct_trade_flows_converts_baci_and_unions_the_three_sources(built):
    url = built["url"]
    # BACI line "2019,12,156,270900,4500000.0,9000000.0": thousand USD and tonnes.
    assert query(url, """select trade_value_usd, net_weight_kg, flow_code, hs_chapter, sector_id
                         from marts.fct_trade_flows where data_source = 'baci' and reporter_iso3 = 'DZA'
                         and partner_iso3 = 'CHN' and hs_code = '270900' and trade_year = 2019""") == [
        (Decimal("4500000000.0"), Decimal("9000000000.0"), "X", "27", "hydrocarbons")]
    with BACI_FILE.open(encoding="utf-8") as handle:
        baci_lines = sum(1 for _ in handle) - 1
    counts = dict(query(url, "select data_source, count(*) from marts.fct_trade_flows group by 1"))
    # Comtrade: the re-export and the TOTAL line are out; national: two months summed.
    assert counts == {"baci": baci_lines, "comtrade": 5, "national": 3}
    assert query(url, """select trade_value_usd, net_weight_kg from marts.fct_trade_flows
                         where data_source = 'national' and hs_code = '2709000000'""") == [
        (Decimal("2000000000"), Decimal("3500000"))]


def test_algeria_hydrocarbon_share_and_hhi_from_the_baci_sample(built):
    exports = baci_exports()[("DZA", 2019)]
    total = sum(exports.values())
    hydrocarbons = sum(value for code, value in exports.items() if code.startswith("27"))
    hhi = sum((value / total) ** 2 for value in exports.values())
    n = len(exports)
    # By hand: 9 products, 30 470 M USD, of which 28 500 M in chapter 27 -> 0.935346.
    assert (total, hydrocarbons) == (Decimal("30470000000.000"), Decimal("28500000000.000"))
    rows = query(built["url"], """select total_exports_usd, hydrocarbon_exports_usd, hydrocarbon_share, hhi,
                                         hhi_normalised, product_count, data_source
                                  from marts.fct_export_diversification
                                  where reporter_iso3 = 'DZA' and trade_year = 2019""")
    assert rows == [(total, hydrocarbons, Decimal("0.935346"), round(hhi, 6),
                     round((hhi - Decimal(1) / n) / (1 - Decimal(1) / n), 6), n, "baci")]


def test_algeria_later_years_come_from_comtrade_and_national_files(built):
    rows = query(built["url"], """select trade_year, data_source, total_exports_usd, hydrocarbon_share,
                                         product_count, products_with_rca_ge_1
                                  from marts.fct_export_diversification
                                  where reporter_iso3 = 'DZA' and trade_year > 2021 order by 1""")
    assert rows == [
        # 2022: 2711 to Spain (7.25 bn) and 270900 to Italy (4 bn; its parent 2709 left out).
        (2022, "comtrade", Decimal("11250000000"), Decimal("1.000000"), 2, None),
        # 2023: crude (two months, 2 bn) and LNG (2 bn); the import does not count.
        (2023, "national", Decimal("4000000000"), Decimal("1.000000"), 2, None),
    ]


def test_rca_of_algerian_crude_against_world_totals(built):
    exports = baci_exports()
    year = 2019
    world_total = sum(sum(products.values()) for (_, y), products in exports.items() if y == year)
    world_crude = sum(products.get("270900", 0) for (_, y), products in exports.items() if y == year)
    algeria = exports[("DZA", year)]
    expected = (algeria["270900"] / sum(algeria.values())) / (world_crude / world_total)
    # By hand (million USD): world 2019 = CHN 132 300 + DZA 30 470 + ESP 27 200 + FRA 49 200
    # + ITA 28 950 + MAR 9 500 + TUN 2 030 + USA 132 000 = 411 650; crude = DZA 9 000 + TUN 600
    # + USA 30 000 = 39 600. RCA = (9 000 / 30 470) / (39 600 / 411 650) = 0.295372 / 0.096198 = 3.070457.
    assert (world_crude, world_total) == (Decimal("39600000000.000"), Decimal("411650000000.000"))
    rows = query(built["url"], """select exports_usd, country_total_exports_usd, world_product_exports_usd,
                                         world_total_exports_usd, rca, is_competitive
                                  from marts.fct_product_rca
                                  where country_iso3 = 'DZA' and hs_code = '270900' and trade_year = 2019""")
    assert rows == [(algeria["270900"], sum(algeria.values()), world_crude, world_total,
                     round(expected, 6), True)]
    assert round(expected, 6) == Decimal("3.070457")
    # products_with_rca_ge_1 in the diversification mart counts the same RCAs.
    competitive = query(built["url"], """select count(*) filter (where rca >= 1) from marts.fct_product_rca
                                         where country_iso3 = 'DZA' and trade_year = 2019""")[0][0]
    assert query(built["url"], """select products_with_rca_ge_1 from marts.fct_export_diversification
                                  where reporter_iso3 = 'DZA' and trade_year = 2019""") == [(competitive,)]


def test_location_quotients_and_strong_clusters_from_the_registry(built):
    generator = load_generator()
    sectors = {"10": "agro_food", "11": "beverages", "20": "chemicals_cosmetics", "21": "pharmaceuticals",
               "22": "plastics", "26": "digital_electronics", "27": "digital_electronics", "28": "mechanics",
               "29": "automotive"}
    cells: dict = defaultdict(lambda: [0, 0])
    for wilaya, _, activity, headcounts in generator.REGISTRY:
        sector = sectors.get(activity[:2])
        if sector:
            cells[(wilaya, sector)][0] += len(headcounts)
            cells[(wilaya, sector)][1] += sum(headcounts)
    total = sum(e for _, e in cells.values())
    by_wilaya, by_sector = defaultdict(int), defaultdict(int)
    for (wilaya, sector), (_, employees) in cells.items():
        by_wilaya[wilaya] += employees
        by_sector[sector] += employees
    expected = {
        f"{w}:{s}": (n, e, round((Decimal(e) / by_wilaya[w]) / (Decimal(by_sector[s]) / total), 4))
        for (w, s), (n, e) in cells.items()
    }
    rows = query(built["url"], """select wilaya_sector_id, establishment_count, employee_count, location_quotient
                                  from marts.fct_wilaya_sector_specialisation""")
    assert {r[0]: r[1:] for r in rows} == expected
    strong = {r[0] for r in query(built["url"], """select wilaya_sector_id from marts.fct_wilaya_sector_specialisation
                                                   where is_strong_cluster""")}
    # Bordj Bou Arréridj's electronics and Biskra's food (dates) are strong; Constantine's
    # mechanics has the top LQ of its sector but 2 establishments (< 3): not strong.
    assert {"34:digital_electronics", "07:agro_food", "25:automotive"} <= strong
    assert "25:mechanics" not in strong and "31:chemicals_cosmetics" not in strong
    assert query(built["url"], """select wilaya_name_fr, sector_name_ar from marts.fct_wilaya_sector_specialisation
                                  where wilaya_sector_id = '34:digital_electronics'""") == [
        ("Bordj Bou Arréridj", "الرقمنة والإلكترونيك")]


def test_analyst_reads_the_new_marts_but_not_the_snapshot(built):
    for table in ("dim_sectors", "dim_wilayas", "dim_dates", "dim_companies", "fct_trade_flows",
                  "fct_product_rca", "fct_export_diversification", "fct_wilaya_sector_specialisation"):
        assert query(built["url"], "select has_table_privilege('clusterwatch_analyst', %s, 'select')",
                     (f"marts.{table}",)) == [(True,)], table
    assert query(built["url"], "select has_table_privilege('clusterwatch_analyst', "
                               "'snapshots.registry_companies_snapshot', 'select')") == [(False,)]


def test_a_changed_company_gets_a_second_snapshot_version(built):
    # Runs last: it loads a new file and builds again.
    url, files = built["url"], built["files"]
    changed = files / "SYNTHETIC_registry_update.csv"
    text = SYNTHETIC_REGISTRY.read_text(encoding="utf-8").splitlines()
    header, first = text[0], text[1]
    assert first.startswith("SYNTHETIC 2640 34-1,") and ",120," in first
    changed.write_text(header + "\n" + first.replace(",120,", ",135,") + "\n", encoding="utf-8")
    ingest(url, changed, "registry")
    # A new trade batch too: the incremental fact takes it without a full refresh.
    extra = files / "douanes_2024.csv"
    extra.write_text(NATIONAL.splitlines()[0] + "\n2024;0;X;ITA;270900;1;1 000;\n", encoding="utf-8")
    ingest(url, extra, "trade")
    before = query(url, "select count(*) from marts.fct_trade_flows")[0][0]
    transform.build(url, target_path=built["target"])
    versions = query(url, """select employee_count, dbt_valid_to is null
                             from snapshots.registry_companies_snapshot
                             where company_name_fr = 'SYNTHETIC 2640 34-1' order by dbt_valid_from""")
    assert versions == [(120, False), (135, True)]
    assert query(url, """select count(*) from snapshots.registry_companies_snapshot
                         group by company_id having count(*) > 1""") == [(2,)]
    assert query(url, "select employee_count from marts.dim_companies "
                      "where company_name_fr = 'SYNTHETIC 2640 34-1'") == [(135,)]
    assert query(url, "select count(*) from marts.fct_trade_flows")[0][0] == before + 1
