"""Write the SYNTHETIC demo files of this folder (run from anywhere; deterministic).

    python demo/landing/make_synthetic_files.py

Nothing here is real data: the values are invented to give the demo's marts something
to compute (RCA needs several exporters and products; the location quotient needs
companies with an activity code and a headcount). Magnitudes are loosely inspired by
public trade profiles (Algeria's exports dominated by HS chapter 27), no more.
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
BACI_FILE = HERE / "trade" / "SYNTHETIC_BACI_HS17_Y2021_V000000.csv"
COUNTRIES_FILE = HERE / "trade" / "SYNTHETIC_baci_country_codes_V000000.csv"
REGISTRY_FILE = HERE / "registry" / "SYNTHETIC_registry_industrial_companies.csv"

# BACI numeric code, ISO2, ISO3, name.
COUNTRIES = [
    (12, "DZ", "DZA", "Algeria"), (156, "CN", "CHN", "China"), (251, "FR", "FRA", "France"),
    (381, "IT", "ITA", "Italy"), (504, "MA", "MAR", "Morocco"), (724, "ES", "ESP", "Spain"),
    (788, "TN", "TUN", "Tunisia"), (842, "US", "USA", "USA"),
]
# HS6 product -> (price in thousand USD per tonne, is a hydrocarbon).
PRODUCTS = {
    "270900": (0.5, True), "271111": (0.4, True), "271121": (0.3, True), "271019": (0.7, True),
    "310230": (0.3, False), "170199": (0.4, False), "080410": (2.0, False), "252329": (0.06, False),
    "720839": (0.6, False), "870323": (15.0, False), "851712": (60.0, False), "300490": (40.0, False),
    "392321": (2.5, False), "040221": (3.0, False), "220290": (1.0, False),
}
# Exports in 2019, million USD, per exporter (ISO3) and product.
EXPORTS_2019 = {
    "DZA": {"270900": 9000, "271111": 4000, "271121": 8000, "271019": 7500, "310230": 1200,
            "170199": 300, "080410": 70, "252329": 150, "720839": 250},
    "FRA": {"271019": 3000, "870323": 12000, "300490": 15000, "220290": 9000, "170199": 800,
            "040221": 2500, "851712": 1500, "252329": 200, "720839": 3000, "392321": 1800,
            "310230": 400},
    "ITA": {"271019": 4000, "870323": 6000, "300490": 10000, "220290": 3000, "720839": 3500,
            "392321": 1500, "252329": 150, "851712": 500, "040221": 300},
    "ESP": {"271019": 3500, "870323": 14000, "300490": 4000, "220290": 2500, "252329": 300,
            "720839": 2000, "392321": 900},
    "TUN": {"270900": 600, "271019": 200, "080410": 300, "851712": 400, "870323": 50,
            "310230": 300, "392321": 100, "300490": 80},
    "MAR": {"310230": 4000, "870323": 5000, "851712": 200, "170199": 100, "252329": 200},
    "CHN": {"851712": 90000, "720839": 20000, "392321": 12000, "870323": 4000, "300490": 3000,
            "252329": 500, "310230": 2500, "220290": 300},
    "USA": {"270900": 30000, "271111": 8000, "271121": 4000, "271019": 25000, "870323": 20000,
            "300490": 25000, "851712": 6000, "220290": 3000, "310230": 1500, "392321": 5000,
            "720839": 3000, "040221": 1500},
}
# Year factor: hydrocarbons fell in 2020 and recovered in 2021, the rest moved less.
YEARS = {2019: (1.0, 1.0), 2020: (0.6, 0.9), 2021: (1.1, 1.05)}
IMPORTER_SHARES = (0.5, 0.3, 0.2)


def baci_rows() -> list[tuple]:
    """(t, i, j, k, v in thousand USD, q in tonnes): each exporter-product total split
    over three importers (the next countries in COUNTRIES, cyclically)."""
    code = {iso3: number for number, _, iso3, _ in COUNTRIES}
    order = [iso3 for _, _, iso3, _ in COUNTRIES]
    rows = []
    for year, (hydrocarbon_factor, other_factor) in YEARS.items():
        for exporter, products in EXPORTS_2019.items():
            position = order.index(exporter)
            importers = [order[(position + step) % len(order)] for step in (1, 2, 3)]
            for product, millions in products.items():
                price, is_hydrocarbon = PRODUCTS[product]
                total_kusd = millions * 1000 * (hydrocarbon_factor if is_hydrocarbon else other_factor)
                for importer, share in zip(importers, IMPORTER_SHARES):
                    value = round(total_kusd * share, 3)
                    rows.append((year, code[exporter], code[importer], product, value,
                                 round(value / price, 3)))
    return rows


# (wilaya code, wilaya name, NAA activity code, headcounts of its companies).
REGISTRY = [
    ("34", "Bordj Bou Arréridj", "2640", [120, 80, 60, 40]),
    ("34", "Bordj Bou Arréridj", "2751", [90, 50]),
    ("34", "Bordj Bou Arréridj", "1071", [15]),
    ("19", "Sétif", "1051", [150, 90, 60, 30]),
    ("19", "Sétif", "1061", [40]),
    ("19", "Sétif", "2222", [45, 35, 20]),
    ("19", "Sétif", "2640", [25]),
    ("07", "Biskra", "1039", [70, 40, 30]),
    ("16", "Alger", "2110", [200, 150, 80]),
    ("16", "Alger", "2640", [60, 40]),
    ("16", "Alger", "1107", [120, 60]),
    ("16", "Alger", "2910", [90]),
    ("16", "Alger", "1051", [50]),
    ("25", "Constantine", "2910", [250, 100, 50]),
    ("25", "Constantine", "2812", [60, 40]),
    ("31", "Oran", "2222", [80, 40]),
    ("31", "Oran", "2013", [100, 50]),
    ("31", "Oran", "1107", [30]),
    ("09", "Blida", "1107", [90, 70, 40]),
    ("09", "Blida", "2120", [60]),
    ("16", "Alger", "4711", [12]),   # retail: no observatory sector
    ("16", "Alger", "", [8]),        # no activity code
]


# Cluster memberships, as a registry writes them (names, aliases, an acronym; the
# gazetteer's aliases resolve them): the first two companies of a (wilaya, activity)
# group are members, so every demo cluster profile has members, but not every company is one.
MEMBERSHIPS = {
    ("34", "2640"): "cluster numérique de Bordj Bou Arréridj",
    ("34", "2751"): "cluster électronique de Bordj Bou Arréridj",
    ("19", "1051"): "Cluster agroalimentaire (lait) de Sétif",
    ("07", "1039"): "cluster dattes de Biskra",
    ("16", "1107"): "Cluster Boissons Algérie",
    ("09", "1107"): "CBA",
    ("25", "2910"): "Cluster mécanique automobile",
    ("16", "2910"): "Cluster mécanique automobile",
    ("25", "2812"): "cluster de mécanique de précision",
    ("31", "2222"): "Cluster plasturgie",
    ("19", "2222"): "Cluster plasturgie",
}
MEMBERS_PER_GROUP = 2


def registry_rows() -> list[list[str]]:
    rows = []
    for wilaya_code, wilaya_name, activity, headcounts in REGISTRY:
        for number, headcount in enumerate(headcounts, start=1):
            label = activity or "sans-code"
            cluster = MEMBERSHIPS.get((wilaya_code, activity), "") if number <= MEMBERS_PER_GROUP else ""
            rows.append([f"SYNTHETIC {label} {wilaya_code}-{number}", "SARL", wilaya_name, wilaya_code,
                         activity, str(headcount), f"20{10 + number:02d}-01-15", cluster])
    return rows


def write_files() -> list[Path]:
    with BACI_FILE.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["t", "i", "j", "k", "v", "q"])
        writer.writerows(baci_rows())
    with COUNTRIES_FILE.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["country_code", "country_name", "country_iso2", "country_iso3"])
        writer.writerows((number, name, iso2, iso3) for number, iso2, iso3, name in COUNTRIES)
    with REGISTRY_FILE.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["Raison sociale", "Forme juridique", "Wilaya", "Code wilaya", "Code activité",
                         "Effectif", "Date de création", "Cluster"])
        writer.writerows(registry_rows())
    return [BACI_FILE, COUNTRIES_FILE, REGISTRY_FILE]


if __name__ == "__main__":
    for path in write_files():
        print(path)
