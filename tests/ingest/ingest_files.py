"""Test files for the loader, written by the tests (what each test feeds the loader is
visible here): CSV in several encodings and delimiters, real XLSX workbooks written with
openpyxl, UN Comtrade JSON, BACI. The real sample files are in tests/fixtures/ingest/."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
ACCOUNTANTS = FIXTURES / "transformatek__accountants_moral.csv"
INCUBATORS = FIXTURES / "transformatek__coworking-incubators.csv"
DZA_AGGREGATES = FIXTURES / "comtrade-mirroring__auxiliary_statistics__DZA_only.tsv"


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


# Arabic headers and names, semicolons, a quoted newline in an address, Eastern Arabic
# digits in identifiers and codes. Line numbers: header 1, rows 2, 3-4 (quoted newline), 5.
REGISTRY_ARABIC = (
    "الاسم;رقم التعريف الجبائي;رقم التعريف الإحصائي;الولاية;رمز الولاية;العنوان;عدد العمال;التجمع الصناعي\n"
    "مطاحن الهضاب;٠٠٠٢١٦٠٠١٢٣٤٥٦٧;000219001234567;سطيف;١٩;المنطقة الصناعية سطيف;١٢٠;تجمع الصناعات الغذائية\n"
    'شركة الميكانيك الدقيقة;000316009876543;;قسنطينة;25;"حي 500 مسكن\nعين السمارة";45;التجمع الميكانيكي للدقة|تجمع الرقمنة\n'
    "مؤسسة بلا رقم;12345;;وهران;31;;7;\n"
)

# The same in windows-1256, which has no Eastern Arabic digits.
REGISTRY_ARABIC_CP1256 = REGISTRY_ARABIC.translate({ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")})

# French, latin-1, comma decimals would need ';' - here tabs; an accented capital (É).
REGISTRY_FRENCH = (
    "Raison sociale\tNIF\tWilaya\tCode wilaya\tCommune\tDate de création\tEffectif\tE-mail\n"
    "SARL ÉLECTRO SÉTIF\t000419004445556\tSétif\t19\tEl Eulma\t15/03/2011\t35\tcontact@electro-setif.dz\n"
    "EURL MÉCA BÉJAÏA\t000506007778889\tBéjaïa\t06\tAkbou\t2016-09-01\t12\tinfo@meca.dz\n"
)


def registry_workbook(path: Path, *, cached_formula: bool = True) -> Path:
    """A registry workbook as partners send them: a notes sheet first (no table), then the
    companies with two title rows, a two-row header with merged cells (a group label over
    the identifiers, 'Raison sociale' merged over both header rows), identifiers as text
    and as numbers, Eastern Arabic digits, a formula cell with and one without a saved
    value; a second sheet of members with Arabic headers on the first row."""
    from openpyxl import Workbook

    book = Workbook()
    notes = book.active
    notes.title = "Notes"
    notes["A1"] = "Extrait du registre - usage interne"
    notes["A2"] = "Les effectifs sont ceux déclarés au 31/12."

    sheet = book.create_sheet("Entreprises")
    sheet["A1"] = "Cluster mécanique de précision - liste des membres"
    sheet["A3"] = "Raison sociale"
    sheet.merge_cells("A3:A4")
    sheet["B3"] = "Identifiants"
    sheet.merge_cells("B3:D3")
    sheet["B4"], sheet["C4"], sheet["D4"] = "NIS", "NIF", "N° RC"
    sheet["E3"] = "Wilaya"
    sheet.merge_cells("E3:E4")
    sheet["F3"] = "Code wilaya"
    sheet.merge_cells("F3:F4")
    sheet["G3"] = "Effectif"
    sheet.merge_cells("G3:G4")
    sheet["H3"] = "Date de création"
    sheet.merge_cells("H3:H4")
    rows = [
        ["SPA Mécanique Rouiba", "000216001234567", 216001234567890, "16/00-0965432 B 09", "Alger", 16,
         250, "2009-05-04"],
        ["SARL Précision Ain Smara", "٠٠٠٢٥٦٠٠٥٥٥٤٤٤٣", None, None, "Constantine", "٢٥", "=40+5", "12/02/2015"],
        ["EURL Outillage Blida", None, "000909001112223", None, "Blida", "09", "=10+5", None],
        [None, None, None, None, None, None, None, None],
        ["SNC Tôlerie Sétif", None, None, "19/00-1234567 B 12", "Sétif", 19, 18, None],
    ]
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=5 + offset, column=column, value=value)

    members = book.create_sheet("Membres")
    members.append(["الاسم", "رقم التعريف الجبائي", "الولاية", "التجمع الصناعي"])
    members.append(["شركة الخراطة", "000916003334445", "البليدة", "التجمع الميكانيكي للدقة"])
    book.save(path)
    if cached_formula:
        # openpyxl saves formulas without a computed value; a spreadsheet program saves
        # both. Give the first formula (G6, =40+5) its value the way Excel would.
        set_cached_value(path, "xl/worksheets/sheet2.xml", "40+5", "45")
    return path


def set_cached_value(path: Path, member: str, formula: str, value: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == member:
                before = f"<f>{formula}</f><v></v>".encode()
                assert before in data, f"no cell with formula {formula} in {member}"
                data = data.replace(before, f"<f>{formula}</f><v>{value}</v>".encode())
            target.writestr(item, data)
    shutil.move(temporary, path)


COMTRADE_COLUMNS = ["typeCode", "freqCode", "refPeriodId", "refYear", "refMonth", "period", "reporterCode",
                    "reporterISO", "reporterDesc", "flowCode", "flowDesc", "partnerCode", "partnerISO",
                    "partnerDesc", "partner2Code", "partner2ISO", "partner2Desc", "classificationCode",
                    "classificationSearchCode", "isOriginalClassification", "cmdCode", "cmdDesc",
                    "aggrLevel", "isLeaf", "customsCode", "customsDesc", "mosCode", "motCode", "motDesc",
                    "qtyUnitCode", "qtyUnitAbbr", "qty", "isQtyEstimated", "altQtyUnitCode",
                    "altQtyUnitAbbr", "altQty", "isAltQtyEstimated", "netWgt", "isNetWgtEstimated",
                    "grossWgt", "isGrossWgtEstimated", "cifvalue", "fobvalue", "primaryValue",
                    "legacyEstimationFlag", "isReported", "isAggregate"]


def comtrade_record(year: int, flow: str, partner_iso: str, partner_code: int, cmd: str, value: float,
                    net_weight: float | None = None, reporter_iso: str = "DZA") -> dict:
    """A record with every field the API's /data/v1/get answers with (includeDesc=true)."""
    return {
        "typeCode": "C", "freqCode": "A", "refPeriodId": int(f"{year}0101"), "refYear": year, "refMonth": 52,
        "period": str(year), "reporterCode": 12, "reporterISO": reporter_iso, "reporterDesc": "Algeria",
        "flowCode": flow, "flowDesc": {"X": "Export", "M": "Import"}[flow], "partnerCode": partner_code,
        "partnerISO": partner_iso, "partnerDesc": partner_iso, "partner2Code": 0, "partner2ISO": "W00",
        "partner2Desc": "World", "classificationCode": "H6", "classificationSearchCode": "HS",
        "isOriginalClassification": True, "cmdCode": cmd, "cmdDesc": f"commodity {cmd}",
        "aggrLevel": 0 if cmd == "TOTAL" else len(cmd), "isLeaf": len(cmd) == 6, "customsCode": "C00",
        "customsDesc": "TOTAL CPC", "mosCode": "0", "motCode": 0, "motDesc": "TOTAL MOT", "qtyUnitCode": 8,
        "qtyUnitAbbr": "kg", "qty": net_weight, "isQtyEstimated": False, "altQtyUnitCode": -1,
        "altQtyUnitAbbr": "N/A", "altQty": None, "isAltQtyEstimated": False, "netWgt": net_weight,
        "isNetWgtEstimated": False, "grossWgt": None, "isGrossWgtEstimated": False,
        "cifvalue": value if flow == "M" else None, "fobvalue": value if flow == "X" else None,
        "primaryValue": value, "legacyEstimationFlag": 0, "isReported": True, "isAggregate": False,
    }


COMTRADE_RECORDS = [
    comtrade_record(2022, "X", "ITA", 380, "2709", 10_540_000_000.0, 1.6e10),
    comtrade_record(2022, "X", "ESP", 724, "2711", 7_250_000_000.5, None),
    comtrade_record(2022, "M", "CHN", 156, "8703", 310_000_000.0, 2.5e7),
    comtrade_record(2022, "M", "FRA", 251, "0402", 120_500_000.0, 3.1e7),   # leading zero: milk
    comtrade_record(2022, "X", "W00", 0, "TOTAL", 65_000_000_000.0),
]


def comtrade_json(path: Path, records: list[dict] = COMTRADE_RECORDS) -> Path:
    path.write_text(json.dumps({"elapsedTime": "0.11 secs", "count": len(records), "data": records,
                                "error": ""}), encoding="utf-8")
    return path


def comtrade_csv(path: Path, records: list[dict] = COMTRADE_RECORDS, extra_lines: list[str] = ()) -> Path:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COMTRADE_COLUMNS)
    for record in records:
        writer.writerow(["" if record[c] is None else record[c] for c in COMTRADE_COLUMNS])
    text = buffer.getvalue() + "".join(line + "\n" for line in extra_lines)
    return write_text(path, text)


BACI = (
    "t,i,j,k,v,q\n"
    "2022,12,251,270900,2150432.118,3871223.5\n"
    "2022,12,381,271111,7250010.5,           NA\n"
    "2022,12,251,10121,12.5,3.2\n"                 # k lost its leading zero (010121)
    "2022,251,12,040210,980.25,310.1\n"
    "2022,251,12,0402,1.0,1.0\n"                   # not HS6: rejected
    "2022,12,251,270900,1.0,1.0\n"                 # same key as line 2: rejected as duplicate
    "2022,12,xx,390110,5.5,1.2\n"                  # importer not a number: rejected
)

BACI_COUNTRIES = (
    "country_code,country_name,country_iso2,country_iso3\n"
    "12,Algeria,DZ,DZA\n"
    "251,France,FR,FRA\n"
    "381,Italy,IT,ITA\n"
)

# The national format of docs/ingestion.md: ';', decimal commas, flows in words.
NATIONAL = (
    "Année;Mois;Flux;Pays ISO3;Code SH;Valeur DA;Valeur USD;Poids net kg\n"
    "2023;1;Exportation;ITA;2709000000;150 000 000 000,50;1 110 000 000,25;2 000 000\n"
    "2023;1;Importation;FRA;04021000;3 500 000 000;25 900 000;1 200 000\n"
    "2023;0;M;CHN;8703;80 000 000 000;592 000 000;\n"
    "2023;13;X;DEU;8703;1;1;1\n"          # month 13: rejected
    "2023;2;X;Allemagne;8703;1;1;1\n"     # not ISO3: rejected
)


def query(url: str, text: str, params=()) -> list[tuple]:
    from clusterwatch import db

    with db.connect(url) as conn:
        return conn.execute(text, params).fetchall()


def scalar(url: str, text: str, params=()):
    return query(url, text, params)[0][0]
