# Two commands on a fresh machine: `make demo` and `make test`. Each installs what it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup browser demo test faults up bench lock stop status clean

setup: $(STAMP)

# Re-running is quick: nothing happens unless pyproject.toml or the lock changed.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

demo: setup          ## the whole pipeline, end to end, on the embedded PostgreSQL if none is configured
	$(BIN)/clusterwatch demo

# Debian's Chromium drives the report's browser test (tests/report/test_report_browser.py
# fails without it); installed from Debian's packages, never downloaded by a test.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	    echo "installing Debian's chromium for the report's browser test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

test: setup browser  ## every test, against a real PostgreSQL and a real Airflow scheduler
	$(BIN)/pytest

faults: setup        ## the fault suite alone, with the marts rebuilt and compared; prints the figures table
	$(BIN)/python -m benchmarks faults

up: setup            ## Airflow locally (api-server, scheduler, dag-processor, triggerer); Ctrl-C stops
	$(BIN)/clusterwatch up

status: setup
	$(BIN)/clusterwatch status

stop: setup          ## stop the embedded PostgreSQL
	$(BIN)/clusterwatch db stop

bench: setup
	$(BIN)/python -m benchmarks

lock:                ## rewrite constraints.txt from the current venv (after changing pyproject.toml)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt

clean:
	rm -rf $(VENV) .clusterwatch dbt_project/target dbt_project/logs
