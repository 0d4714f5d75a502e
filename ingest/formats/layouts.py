"""Layouts: what the columns of a file mean, how each row is typed (or rejected with a
reason), which raw table it goes to and what findings it raises (pure functions).

One layout per kind of source: `registry` (company lists: CNRC extracts, professional
lists, cluster membership lists), and for trade `comtrade` (UN Comtrade API / CSV
columns), `baci` (CEPII BACI t,i,j,k,v,q), `baci_countries` (BACI's country-code file),
`national` (the national customs format of docs/ingestion.md) and `aggregates`
(country-year totals such as harvard-growth-lab's comtrade-mirroring statistics).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ingest import reference
from ingest.formats.base import (
    Finding,
    HeaderMap,
    NUMBER,
    RowRejected,
    a_date,
    boolean,
    integer,
    is_missing,
    json_text,
    layouts_config,
    number,
    text_array,
    text_or_none,
)
from ingest.text import label_key, place_key


@dataclass(frozen=True)
class TableSpec:
    name: str                       # schema.table
    columns: tuple[str, ...]        # data columns, in COPY order (loader metadata excluded)
    key: tuple[str, ...]
    # Partitioned tables: the columns one partition (or set of partitions) covers whole,
    # created on demand by `<schema>.ensure_<table>_partition(<slice values>)`
    # (clusterwatch/sql/007_baci_partitions.sql). Empty: not partitioned.
    slice: tuple[str, ...] = ()


@dataclass
class Context:
    """What a layout knows about the file while typing its rows."""

    file_name: str
    decimal_comma: bool = False
    counters: dict = field(default_factory=dict)
    samples: dict = field(default_factory=dict)

    def count(self, name: str, sample: str | None = None) -> None:
        self.counters[name] = self.counters.get(name, 0) + 1
        if sample is not None:
            self.samples.setdefault(name, sample)


class Layout:
    name: str
    dataset: str
    main: TableSpec
    side: TableSpec | None = None
    suites: tuple[str, ...] = ()    # expectations/suites DATASETs to run on a batch

    def compile(self, header: HeaderMap, labels: list[str], context: Context):
        """A function cells -> (row, side_rows, findings), raising RowRejected."""
        raise NotImplementedError

    def file_findings(self, header: HeaderMap, labels: list[str], sheet: str) -> list[Finding]:
        found = [Finding("unmapped_column", f"column {label!r} has no alias for layout {self.name}; "
                         "its values are kept in `extra` where the table has one",
                         field=label, sheet=sheet) for position, label in header.unmapped
                 if labels[position]]  # unnamed columns: kept in extra when they hold values
        found += [Finding("repeated_column", f"column {label!r} maps to {canonical} like an earlier "
                          "column; the first one is used", field=label, sheet=sheet)
                  for _, label, canonical in header.repeated]
        return found

    def batch_findings(self, context: Context) -> list[Finding]:
        return []


def _getter(header: HeaderMap):
    index = header.index

    def values(cells: list) -> dict[str, str | None]:
        return {name: text_or_none(cells[position]) for name, position in index.items()}

    return values


def _extra(header: HeaderMap, cells: list) -> dict:
    extra = {}
    for position, label in header.unmapped:
        value = text_or_none(cells[position])
        if value is not None:
            extra[label] = value
    for position, label, _ in header.repeated:
        value = text_or_none(cells[position])
        if value is not None:
            extra.setdefault(label, value)
    return extra


# -- registry ----------------------------------------------------------------------------
EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_ID_SEPARATORS = re.compile(r"[\s.\-/]")
ARABIC_ONLY = re.compile(r"[\u0600-\u06ff\s\d\W]*[\u0621-\u064a][\u0600-\u06ff\s\d\W]*")
_CLUSTER_SEPARATORS = re.compile(r"\s*[;|\n\u060c\u061b]\s*")
ALGERIA_LATITUDE = (18.9, 37.2)
ALGERIA_LONGITUDE = (-8.7, 12.0)


def identifier(value: str | None, column: str) -> str | None:
    """NIS / NIF: digits only (spaces, dots, dashes dropped), 15 to 20 of them, as text."""
    if value is None:
        return None
    digits = _ID_SEPARATORS.sub("", value)
    if "e+" in digits.lower():
        raise RowRejected("invalid_identifier", f"{column}: {value!r} was stored as a number too large "
                          "for a spreadsheet cell, digits are lost; store identifiers as text")
    if not digits.isdigit():
        raise RowRejected("invalid_identifier", f"{column}: {value!r} is not made of digits")
    if not 15 <= len(digits) <= 20:
        hint = " (leading zeros lost by a spreadsheet?)" if len(digits) < 15 else ""
        raise RowRejected("invalid_identifier", f"{column}: {len(digits)} digits, expected 15 to 20{hint}")
    return digits


def company_key(nif, nis, rc, name, wilaya, address) -> str:
    if nif:
        return f"nif:{nif}"
    if nis:
        return f"nis:{nis}"
    if rc:
        return "rc:" + re.sub(r"\s+", "", rc.upper())
    basis = "|".join([label_key(name or ""), wilaya or "", label_key(address or "")])
    return "name:" + hashlib.md5(basis.encode("utf-8")).hexdigest()[:24]


class RegistryLayout(Layout):
    name = "registry"
    dataset = "registry"
    main = TableSpec("raw.registry_companies", (
        "company_key", "nis", "nif", "rc_number", "name_fr", "name_ar", "legal_form",
        "wilaya_code", "wilaya_name", "commune", "address", "activity_code", "sector",
        "creation_date", "employees", "email", "phone", "latitude", "longitude",
        "cluster_memberships", "extra"), ("company_key",))
    side = TableSpec("raw.registry_cluster_memberships", ("company_key", "cluster_name"),
                     ("company_key", "cluster_name"))
    suites = ("registry_companies",)

    def compile(self, header: HeaderMap, labels: list[str], context: Context):
        values_of = _getter(header)
        has_extra = bool(header.unmapped or header.repeated)
        decimal_comma = context.decimal_comma

        def type_row(cells: list):
            v = values_of(cells)
            findings: list[Finding] = []
            nis = identifier(v.get("nis"), "nis")
            nif = identifier(v.get("nif"), "nif")
            rc = " ".join(v["rc_number"].upper().split()) if v.get("rc_number") else None
            name_fr, name_ar = v.get("name_fr"), v.get("name_ar")
            if name_fr and not name_ar and ARABIC_ONLY.fullmatch(name_fr):
                name_fr, name_ar = None, name_fr  # a 'Nom' column written in Arabic
            if not (nis or nif or rc or name_fr or name_ar):
                raise RowRejected("missing_key", "no NIS, NIF, RC number or name: the row names no one")

            code_given, wilaya_name = v.get("wilaya_code"), v.get("wilaya_name")
            code = None
            if code_given:
                code = reference.normalise_code(code_given)
                if code is None:
                    raise RowRejected("invalid_wilaya_code", f"wilaya_code: {code_given!r} is not a wilaya "
                                      "code (01 to 69)")
            address = v.get("address")
            if code and wilaya_name:
                named = reference.code_for_name(wilaya_name)
                if named is None:
                    findings.append(Finding("unknown_wilaya_name", f"wilaya name {wilaya_name!r} is not in "
                                            "the wilaya reference", field="wilaya_name", value=wilaya_name))
                elif named != code:
                    detail = (f"wilaya_code {code_given} is {reference.name_of(code)} ({code}) but "
                              f"wilaya {wilaya_name!r} is {reference.name_of(named)} ({named})")
                    in_address = reference.wilaya_in_text(address or "")
                    if in_address:
                        detail += (f"; the address ends with {reference.name_of(in_address)} "
                                   f"({in_address})")
                    findings.append(Finding("wilaya_mismatch", detail, field="wilaya_code",
                                            value=code_given))
            elif wilaya_name and reference.code_for_name(wilaya_name) is None:
                findings.append(Finding("unknown_wilaya_name", f"wilaya name {wilaya_name!r} is not in "
                                        "the wilaya reference", field="wilaya_name", value=wilaya_name))

            email = v.get("email")
            if email and not EMAIL.fullmatch(email):
                compact = re.sub(r"\s+", "", email)
                if EMAIL.fullmatch(compact):
                    findings.append(Finding("email_with_space", f"e-mail {email!r} contains a space (an OCR "
                                            f"error?); without it: {compact}", field="email", value=email))
                else:
                    findings.append(Finding("invalid_email", f"{email!r} is not an e-mail address",
                                            field="email", value=email))

            latitude = number(v.get("latitude"), "latitude", decimal_comma=decimal_comma)
            longitude = number(v.get("longitude"), "longitude", decimal_comma=decimal_comma)
            if latitude is not None and not -90 <= float(latitude) <= 90:
                raise RowRejected("out_of_range", f"latitude: {latitude} is not a latitude")
            if longitude is not None and not -180 <= float(longitude) <= 180:
                raise RowRejected("out_of_range", f"longitude: {longitude} is not a longitude")
            if (latitude is None) != (longitude is None):
                findings.append(Finding("incomplete_coordinates", "only one of latitude and longitude is "
                                        "given", field="latitude" if latitude is None else "longitude"))
            elif latitude is not None:
                lat, lon = float(latitude), float(longitude)
                inside = ALGERIA_LATITUDE[0] <= lat <= ALGERIA_LATITUDE[1] and \
                    ALGERIA_LONGITUDE[0] <= lon <= ALGERIA_LONGITUDE[1]
                if not inside:
                    swapped = ALGERIA_LATITUDE[0] <= lon <= ALGERIA_LATITUDE[1] and \
                        ALGERIA_LONGITUDE[0] <= lat <= ALGERIA_LONGITUDE[1]
                    findings.append(Finding("coordinates_outside_algeria",
                                            f"({lat}, {lon}) is outside Algeria"
                                            + ("; latitude and longitude look swapped" if swapped else ""),
                                            field="latitude", value=f"{lat},{lon}"))

            clusters = []
            if v.get("cluster_memberships"):
                for name in _CLUSTER_SEPARATORS.split(v["cluster_memberships"]):
                    name = " ".join(name.split())
                    if name and name not in clusters:
                        clusters.append(name)

            key = company_key(nif, nis, rc, name_fr or name_ar, code or place_key(wilaya_name or ""),
                              address or v.get("commune"))
            row = (
                key, nis, nif, rc, name_fr, name_ar, v.get("legal_form"), code, wilaya_name,
                v.get("commune"), address, v.get("activity_code"), v.get("sector"),
                a_date(v.get("creation_date"), "creation_date"),
                integer(v.get("employees"), "employees", minimum=0), email, v.get("phone"),
                latitude, longitude, text_array(clusters),
                json_text(_extra(header, cells)) if has_extra else None,
            )
            side = [(key, cluster) for cluster in clusters] if clusters else None
            return row, side, findings or None

        return type_row


# -- trade -------------------------------------------------------------------------------
HS_CODE = re.compile(r"\d{2}(\d{2}){0,2}")
ISO3 = re.compile(r"[A-Z]{3}")
COMTRADE_AREA = re.compile(r"[A-Z0-9_]{1,3}")
_LOW_PRECISION = re.compile(r"[+-]?\d(\.\d{0,3})?[eE][+-]?\d+")


def hs_code(value: str | None, column: str, *, allow_total: bool = False, national: bool = False) -> str:
    if value is None:
        raise RowRejected("missing_value", f"{column}: empty")
    text = value.strip().replace(" ", "").replace(".", "")
    if allow_total and text.upper() == "TOTAL":
        return "TOTAL"
    valid = re.fullmatch(r"\d{2}(\d{2}){0,4}", text) if national else HS_CODE.fullmatch(text)
    if not valid:
        hint = " (a leading zero lost by a spreadsheet?)" if text.isdigit() and len(text) % 2 else ""
        allowed = "2, 4, 6, 8 or 10" if national else "2, 4 or 6"
        raise RowRejected("invalid_hs_code", f"{column}: {value!r} is not an HS code of {allowed} "
                          f"digits{hint}")
    return text


def required(value, column: str):
    if value is None:
        raise RowRejected("missing_value", f"{column}: empty")
    return value


class ComtradeLayout(Layout):
    name = "comtrade"
    dataset = "trade"
    _integers = {"ref_period_id", "reporter_code", "partner_code", "partner2_code", "aggr_level",
                 "qty_unit_code", "alt_qty_unit_code", "legacy_estimation_flag"}
    _numbers = {"qty", "alt_qty", "net_wgt", "gross_wgt", "cif_value", "fob_value", "primary_value"}
    _booleans = {"is_original_classification", "is_leaf", "is_qty_estimated", "is_alt_qty_estimated",
                 "is_net_wgt_estimated", "is_gross_wgt_estimated", "is_reported", "is_aggregate"}
    main = TableSpec("raw.trade_comtrade_records", (
        "type_code", "freq_code", "period", "ref_year", "ref_month", "ref_period_id",
        "reporter_code", "reporter_iso", "reporter_desc", "flow_code", "flow_desc",
        "partner_code", "partner_iso", "partner_desc", "partner2_code", "partner2_iso",
        "partner2_desc", "classification_code", "classification_search_code",
        "is_original_classification", "cmd_code", "cmd_desc", "aggr_level", "is_leaf",
        "customs_code", "customs_desc", "mos_code", "mot_code", "mot_desc", "qty_unit_code",
        "qty_unit_abbr", "qty", "is_qty_estimated", "alt_qty_unit_code", "alt_qty_unit_abbr",
        "alt_qty", "is_alt_qty_estimated", "net_wgt", "is_net_wgt_estimated", "gross_wgt",
        "is_gross_wgt_estimated", "cif_value", "fob_value", "primary_value",
        "legacy_estimation_flag", "is_reported", "is_aggregate"),
        ("type_code", "freq_code", "period", "reporter_iso", "flow_code", "partner_iso",
         "partner2_iso", "classification_code", "cmd_code", "customs_code", "mos_code", "mot_code"))
    suites = ("trade_comtrade_records",)

    def compile(self, header: HeaderMap, labels: list[str], context: Context):
        values_of = _getter(header)
        columns = self.main.columns

        def type_row(cells: list):
            v = values_of(cells)
            out = {}
            for column in columns:
                value = v.get(column)
                if column in self._integers:
                    out[column] = integer(value, column)
                elif column in self._numbers:
                    out[column] = number(value, column, non_negative=True)
                elif column in self._booleans:
                    out[column] = boolean(value, column)
                else:
                    out[column] = value
            year = integer(v.get("ref_year"), "ref_year", minimum=1900, maximum=2100)
            month = integer(v.get("ref_month"), "ref_month", minimum=1, maximum=52)
            period = v.get("period")
            if period is None and year is None:
                raise RowRejected("missing_value", "neither period nor refYear")
            if year is None:
                year = integer(period[:4], "period", minimum=1900, maximum=2100)
            monthly = month is not None and month != "52" or (period is not None and len(period) == 6)
            out["ref_year"], out["ref_month"] = year, month
            out["freq_code"] = (v.get("freq_code") or ("M" if monthly else "A")).upper()
            out["period"] = period or (f"{year}{int(month):02d}" if monthly and month else year)
            out["type_code"] = (v.get("type_code") or "C").upper()
            for side in ("reporter_iso", "partner_iso"):
                code = required(v.get(side), side).upper()
                if not COMTRADE_AREA.fullmatch(code):
                    raise RowRejected("invalid_country_code", f"{side}: {code!r} is not a country/area code")
                out[side] = code
            out["partner2_iso"] = (v.get("partner2_iso") or "W00").upper()
            flow = required(v.get("flow_code"), "flow_code").upper()
            if not re.fullmatch(r"[A-Z]{1,3}", flow):
                raise RowRejected("invalid_flow_code", f"flow_code: {flow!r}")
            out["flow_code"] = flow
            classification = (v.get("classification_code") or "HS").upper()
            out["classification_code"] = classification
            cmd = v.get("cmd_code")
            out["cmd_code"] = hs_code(cmd, "cmd_code", allow_total=True) \
                if classification.startswith("H") else required(cmd, "cmd_code")
            out["customs_code"] = v.get("customs_code") or "C00"
            out["mos_code"] = v.get("mos_code") or "0"
            out["mot_code"] = out["mot_code"] if v.get("mot_code") else "0"
            out["mot_code"] = integer(out["mot_code"], "mot_code")
            required(out["primary_value"], "primary_value")
            return tuple(out[c] for c in columns), None, None

        return type_row


_BACI_NAME = re.compile(r"BACI_(HS\d{2})_Y\d{4}_(V\d{6})", re.IGNORECASE)


def baci_constants(file_name: str) -> dict:
    """The columns every row of a BACI file shares, from its name (BACI_HS17_Y2022_V202401.csv)."""
    match = _BACI_NAME.search(file_name)
    revision, release = (match.group(1).upper(), match.group(2).upper()) if match else ("unknown", None)
    return {"hs_revision": revision, "baci_release": release}


class BaciLayout(Layout):
    name = "baci"
    dataset = "trade"
    main = TableSpec("raw.trade_baci_flows", (
        "hs_revision", "year", "exporter_code", "importer_code", "product_code", "value_kusd",
        "quantity_tonnes", "baci_release"),
        ("hs_revision", "year", "exporter_code", "importer_code", "product_code"),
        slice=("hs_revision", "year"))
    suites = ("trade_baci_flows",)

    def compile(self, header: HeaderMap, labels: list[str], context: Context):
        constants = baci_constants(context.file_name)
        revision, release = constants["hs_revision"], constants["baci_release"]
        it, ii, ij, ik, iv = (header.index[c] for c in
                              ("year", "exporter_code", "importer_code", "product_code", "value_kusd"))
        iq = header.index.get("quantity_tonnes")
        number_match = NUMBER.fullmatch
        count = context.count

        def plain_number(text: str) -> bool:  # '975.553' without a regex (hot path)
            return text.replace(".", "", 1).isdigit() or (number_match(text) is not None and text[0] != "-")

        def slow(cells):
            year = integer(required(text_or_none(cells[it]), "t"), "t", minimum=1900, maximum=2100)
            exporter = integer(required(text_or_none(cells[ii]), "i"), "i", minimum=0)
            importer = integer(required(text_or_none(cells[ij]), "j"), "j", minimum=0)
            product = text_or_none(cells[ik])
            if product and product.isdigit() and len(product) == 5:
                product = "0" + product
                count("hs_code_zero_padded", cells[ik])
            product = hs_code(product, "k")
            if len(product) != 6:
                raise RowRejected("invalid_hs_code", f"k: {product!r} is not an HS6 code")
            value = required(number(text_or_none(cells[iv]), "v", non_negative=True), "v")
            quantity = number(text_or_none(cells[iq]), "q", non_negative=True) if iq is not None else None
            return (revision, year, exporter, importer, product, value, quantity, release), None, None

        def type_row(cells: list):
            # Fast path for the common, clean row; anything unusual takes the careful one.
            t, i, j, k, v = cells[it], cells[ii], cells[ij], cells[ik], cells[iv]
            q = cells[iq].strip() if iq is not None else None
            if (len(t) == 4 and t.isdigit() and "1900" <= t <= "2100" and i.isdigit() and j.isdigit() and len(k) == 6
                    and k.isdigit() and plain_number(v)):
                if not q or q == "NA":
                    return (revision, t, i, j, k, v, None, release), None, None
                if plain_number(q):
                    return (revision, t, i, j, k, v, q, release), None, None
            return slow(cells)

        return type_row

    def batch_findings(self, context: Context) -> list[Finding]:
        padded = context.counters.get("hs_code_zero_padded")
        if not padded:
            return []
        return [Finding("hs_code_zero_padded", f"{padded} product code(s) had 5 digits (a leading zero "
                        f"lost, e.g. {context.samples.get('hs_code_zero_padded')!r}); padded to HS6",
                        field="k")]


class BaciCountriesLayout(Layout):
    name = "baci_countries"
    dataset = "trade"
    main = TableSpec("raw.trade_baci_countries", (
        "country_code", "country_name", "country_name_full", "iso2", "iso3"), ("country_code",))
    suites = ()

    def compile(self, header: HeaderMap, labels: list[str], context: Context):
        values_of = _getter(header)

        def type_row(cells: list):
            v = values_of(cells)
            code = integer(required(v.get("country_code"), "country_code"), "country_code", minimum=0)
            return (code, required(v.get("country_name"), "country_name"), v.get("country_name_full"),
                    v.get("iso2"), v.get("iso3")), None, None

        return type_row


_FLOWS = {"x": "X", "e": "X", "exp": "X", "export": "X", "exports": "X", "exportation": "X",
          "exportations": "X", "تصدير": "X", "صادرات": "X",
          "m": "M", "i": "M", "imp": "M", "import": "M", "imports": "M", "importation": "M",
          "importations": "M", "استيراد": "M", "واردات": "M"}


class NationalLayout(Layout):
    name = "national"
    dataset = "trade"
    main = TableSpec("raw.trade_national_flows", (
        "year", "month", "flow_code", "partner_iso3", "hs_code", "value_dzd", "value_usd",
        "net_weight_kg", "quantity", "quantity_unit"),
        ("year", "month", "flow_code", "partner_iso3", "hs_code"))
    suites = ("trade_national_flows",)

    def compile(self, header: HeaderMap, labels: list[str], context: Context):
        values_of = _getter(header)
        comma = context.decimal_comma

        def type_row(cells: list):
            v = values_of(cells)
            year = integer(required(v.get("year"), "year"), "year", minimum=1900, maximum=2100)
            month = integer(v.get("month"), "month", minimum=0, maximum=12) or "0"
            flow_given = required(v.get("flow_code"), "flow_code")
            flow = _FLOWS.get(label_key(flow_given))
            if flow is None:
                raise RowRejected("invalid_flow_code", f"flow: {flow_given!r} is neither an export nor "
                                  "an import")
            partner = required(v.get("partner_iso3"), "partner_iso3").upper()
            if not ISO3.fullmatch(partner):
                raise RowRejected("invalid_country_code", f"partner_iso3: {partner!r} is not ISO 3166 "
                                  "alpha-3")
            values = [number(v.get(c), c, decimal_comma=comma, non_negative=True)
                      for c in ("value_dzd", "value_usd", "net_weight_kg", "quantity")]
            if values[0] is None and values[1] is None:
                raise RowRejected("missing_value", "neither value_dzd nor value_usd")
            return (year, month, flow, partner, hs_code(v.get("hs_code"), "hs_code", national=True),
                    *values, v.get("quantity_unit")), None, None

        return type_row


class AggregatesLayout(Layout):
    name = "aggregates"
    dataset = "trade"
    _values = ("gdp_usd", "gdp_per_capita_usd", "population", "natural_resource_exports_usd",
               "natural_resource_imports_usd", "natural_resource_net_exports_usd",
               "total_exports_usd", "total_imports_usd")
    main = TableSpec("raw.trade_country_aggregates", (
        "country_iso3", "year", *_values, "extra"), ("country_iso3", "year"))
    suites = ("trade_country_aggregates",)

    def compile(self, header: HeaderMap, labels: list[str], context: Context):
        values_of = _getter(header)
        present = [c for c in self._values if c in header.index]
        source_label = {c: labels[header.index[c]] for c in present}

        def type_row(cells: list):
            v = values_of(cells)
            country = required(v.get("country_iso3"), "country_iso3").upper()
            if not ISO3.fullmatch(country):
                raise RowRejected("invalid_country_code", f"country: {country!r} is not ISO 3166 alpha-3")
            year = integer(required(v.get("year"), "year"), "year", minimum=1900, maximum=2100)
            values, findings = [], []
            for column in self._values:
                given = v.get(column)
                typed = number(given, column, non_negative=column != "natural_resource_net_exports_usd")
                if given is not None and _LOW_PRECISION.fullmatch(given):
                    context.count(f"low_precision:{column}", given)
                values.append(typed)
            missing = [source_label[c] for c in present
                       if c.startswith("total_") and values[self._values.index(c)] is None]
            if missing:
                findings.append(Finding("missing_value", f"{country} {year}: no value for "
                                        f"{', '.join(missing)} (kept as null)", field=",".join(missing)))
            extra = {label: text_or_none(cells[pos]) for pos, label in header.unmapped
                     if not is_missing(text_or_none(cells[pos]))}
            context.count("rows")
            return (country, year, *values, json_text(extra)), None, findings or None

        return type_row

    def batch_findings(self, context: Context) -> list[Finding]:
        rows = context.counters.get("rows", 0)
        found = []
        for name, count in sorted(context.counters.items()):
            if name.startswith("low_precision:"):
                column = name.split(":", 1)[1]
                found.append(Finding("low_precision", f"{count} of {rows} values of {column} have at most "
                                     f"4 significant digits (e.g. {context.samples[name]}): rounded at the "
                                     "source, do not divide them by exact totals without saying so",
                                     field=column))
        return found


LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (
    RegistryLayout(), ComtradeLayout(), BaciLayout(), BaciCountriesLayout(), NationalLayout(),
    AggregatesLayout())}
DATASET_LAYOUTS = {
    "registry": ("registry",),
    "trade": ("comtrade", "baci", "baci_countries", "national", "aggregates"),
}


def detect_layout(dataset: str, mapped_by_layout: dict[str, set[str]]) -> str | None:
    """The trade layout whose `detect` columns are all in the header (most columns wins)."""
    names = DATASET_LAYOUTS[dataset]
    if len(names) == 1:
        return names[0]
    candidates = []
    for name in names:
        config = layouts_config()[name]
        detect = set(config.get("detect", config["columns"]))
        mapped = mapped_by_layout.get(name, set())
        if detect <= mapped:
            candidates.append((len(mapped), name))
    return max(candidates)[1] if candidates else None
