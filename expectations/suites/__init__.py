"""One module per checked relation; `SUITE_NAME` equals the module name."""
