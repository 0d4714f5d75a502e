"""Checks on one registry batch of raw.registry_companies (rows the batch inserted or
changed: `_batch_id` = the batch). Identifiers and wilaya codes are errors (the loader
already rejects bad ones: this is the safety net); coordinates and e-mails are warnings,
because real lists carry such defects and the loader reports them as findings."""

from __future__ import annotations

SUITE_NAME = "raw__registry_companies"
DATASET = "registry_companies"
RELATION = "raw.registry_companies"
BATCH_COLUMN = "_batch_id"
COLUMNS = ["company_key", "nis", "nif", "rc_number", "name_fr", "name_ar", "wilaya_code",
           "employees", "email", "latitude", "longitude"]

ALGERIA_LATITUDE = (18.9, 37.2)
ALGERIA_LONGITUDE = (-8.7, 12.0)


def build_suite():
    import great_expectations as gx
    import great_expectations.expectations as gxe

    from ingest.reference import wilayas

    error, warning = {"severity": "error"}, {"severity": "warning"}
    suite = gx.ExpectationSuite(name=SUITE_NAME)
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="company_key", meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(column="company_key", meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(
        column="company_key", regex=r"^(?:nif|nis|rc|name):\S+$", meta=error))
    for column in ("nis", "nif"):  # text of 15 to 20 digits: leading zeros kept
        suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(column=column, regex=r"^\d{15,20}$", meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
        column="wilaya_code", value_set=sorted(wilayas()), meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="employees", min_value=0, meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="latitude", min_value=ALGERIA_LATITUDE[0], max_value=ALGERIA_LATITUDE[1], meta=warning))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="longitude", min_value=ALGERIA_LONGITUDE[0], max_value=ALGERIA_LONGITUDE[1], meta=warning))
    suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(
        column="email", regex=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$", meta=warning))
    return suite
