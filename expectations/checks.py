"""Reusable GX expectations for the formats of `expectations.formats`.

Each function returns a list of `gxe.Expect...` objects (GX is imported inside, so a
suite module stays cheap to import) with `meta={"severity": ...}`; a suite adds them:

    from expectations import checks
    for expectation in checks.wilaya_codes("wilaya_code", date_column="created_date"):
        suite.add_expectation(expectation)

Registry and trade suites (issue 5) use these so that NIS/NIF, HS, ISO3, wilaya and
coordinate rules are written once. Row conditions use the pandas parser: the runner
validates pandas frames (see runner.py).
"""

from __future__ import annotations

from datetime import date

from expectations import formats

ERROR = "error"
WARNING = "warning"


def _meta(severity: str, check: str, **extra) -> dict:
    if severity not in (ERROR, WARNING):
        raise ValueError(f"severity must be 'error' or 'warning', not {severity!r}")
    return {"severity": severity, "check": check, **extra}


def _regex(column: str, pattern: str, severity: str, check: str, mostly: float = 1.0):
    import great_expectations.expectations as gxe

    return [gxe.ExpectColumnValuesToMatchRegex(column=column, regex=pattern, mostly=mostly,
                                               meta=_meta(severity, check))]


def nis(column: str, severity: str = ERROR, mostly: float = 1.0):
    """NIS: 15 digits (nulls are not checked here: add a not-null expectation if needed)."""
    return _regex(column, formats.NIS_PATTERN, severity, "nis_format", mostly)


def nif(column: str, severity: str = ERROR, mostly: float = 1.0):
    """NIF: 15 or 20 digits."""
    return _regex(column, formats.NIF_PATTERN, severity, "nif_format", mostly)


def hs_codes(column: str, severity: str = ERROR, national: bool = False):
    """HS code as text: 2/4/6 digits (8/10 with national=True), chapter 01-97, not 77."""
    pattern = formats.HS_NATIONAL_PATTERN if national else formats.HS_PATTERN
    return _regex(column, pattern, severity, "hs_code_format")


def iso3(column: str, severity: str = ERROR, extra_codes: tuple[str, ...] = ()):
    """ISO 3166-1 alpha-3. `extra_codes` admits a source's own aggregates (e.g. UN
    Comtrade's `W00` for World) explicitly."""
    import great_expectations.expectations as gxe

    values = sorted(formats.iso3_codes() | set(extra_codes))
    return [gxe.ExpectColumnValuesToBeInSet(column=column, value_set=values,
                                            meta=_meta(severity, "iso3_code"))]


def urls(column: str, severity: str = ERROR, mostly: float = 1.0):
    return _regex(column, formats.URL_PATTERN, severity, "url_format", mostly)


def no_presentation_forms(column: str, severity: str = WARNING):
    import great_expectations.expectations as gxe

    return [gxe.ExpectColumnValuesToNotMatchRegex(
        column=column, regex=formats.PRESENTATION_FORMS_PATTERN,
        meta=_meta(severity, "no_presentation_forms"))]


def non_negative(column: str, severity: str = ERROR):
    import great_expectations.expectations as gxe

    return [gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0,
                                              meta=_meta(severity, "non_negative"))]


def coordinates_in_algeria(latitude: str, longitude: str, severity: str = WARNING):
    """Latitude and longitude inside Algeria's bounding box (swapped pairs fail too)."""
    import great_expectations.expectations as gxe

    lat_min, lat_max = formats.ALGERIA_LATITUDE
    lon_min, lon_max = formats.ALGERIA_LONGITUDE
    return [
        gxe.ExpectColumnValuesToBeBetween(column=latitude, min_value=lat_min, max_value=lat_max,
                                          meta=_meta(severity, "coordinates_in_algeria")),
        gxe.ExpectColumnValuesToBeBetween(column=longitude, min_value=lon_min, max_value=lon_max,
                                          meta=_meta(severity, "coordinates_in_algeria")),
    ]


def wilaya_codes(column: str, date_column: str | None = None, severity: str = ERROR):
    """Two-digit wilaya codes valid for the map in force at each record's date.

    One expectation per map version, each restricted (row condition) to the records
    dated while it was in force; records without a date are held to the newest map.
    Without `date_column`, every record is held to the newest map."""
    import great_expectations.expectations as gxe

    versions = formats.wilaya_versions()
    if date_column is None:
        newest = versions[-1]
        return [gxe.ExpectColumnValuesToBeInSet(
            column=column, value_set=newest.codes(),
            meta=_meta(severity, "wilaya_code", wilaya_version=newest.version))]
    expectations = []
    for index, version in enumerate(versions):
        following: date | None = versions[index + 1].valid_from if index + 1 < len(versions) else None
        conditions = []
        if index > 0:
            conditions.append(f'{date_column} >= "{version.valid_from.isoformat()}"')
        if following is not None:
            conditions.append(f'{date_column} < "{following.isoformat()}"')
        else:  # the newest map also covers undated records
            conditions = [f"({' and '.join(conditions)}) or {date_column}.isnull()"] if conditions else []
        expectation_args = dict(
            column=column, value_set=version.codes(),
            meta=_meta(severity, "wilaya_code", wilaya_version=version.version,
                       valid_from=version.valid_from.isoformat(), verified=version.verified),
        )
        if conditions:
            expectation_args.update(row_condition=" and ".join(conditions), condition_parser="pandas")
        expectations.append(gxe.ExpectColumnValuesToBeInSet(**expectation_args))
    return expectations
