# trendcast — two commands do everything on a fresh machine:
#   make run    create .venv, install the locked dependencies, run the whole pipeline on DuckDB
#   make test   install, then ruff, sqlfluff (every model), pytest (DuckDB always, Postgres when reachable)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# test processes (pytest-xdist); modules stay whole on one worker (--dist loadscope)
PYTEST_WORKERS ?= auto
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
SPARK_STAMP := $(VENV)/.spark-$(shell cat requirements-spark.lock | cksum | cut -d' ' -f1)
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DBT_SEND_ANONYMOUS_USAGE_STATS ?= false
export PGTZ ?= UTC

.PHONY: install run test lint sqlfluff pytest bench sample lock clean docs browser spark

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

# Debian's Chromium for the dashboard's browser tests (Playwright drives the system browser; it
# never downloads one). Quick when present; needs root (CI, containers) to install.
browser:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || { \
	  echo "installing chromium (apt) for the dashboard's browser tests"; \
	  apt-get install -y -qq chromium >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null; } || \
	  echo "note: install Chromium (apt package chromium) to run tests/python/test_dashboard.py"; }

# The optional Spark extra (pyspark + dbt-spark, docs/SPARK.md): `make run` never installs it,
# `make test` does (quick when present). requirements-spark.lock adds only the extra's packages
# to requirements.lock's versions.
spark: $(SPARK_STAMP)

$(SPARK_STAMP): requirements-spark.lock $(STAMP)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock -r requirements-spark.lock
	@rm -f $(VENV)/.spark-*
	@touch $@

run: install
	$(BIN)/trendcast run

test: install spark browser lint sqlfluff pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# sqlfluff's dbt templater compiles every model against a throwaway DuckDB file
sqlfluff: install
	@tmp=$$(mktemp -d); \
	TRENDCAST_DUCKDB_PATH=$$tmp/lint.duckdb DBT_TARGET_PATH=$$tmp/target DBT_LOG_PATH=$$tmp/logs \
	  $(BIN)/sqlfluff lint models --processes 2 --disable-progress-bar; \
	rc=$$?; rm -rf $$tmp; test $$rc -eq 0
	@# the landing SQL runs outside dbt: its own config (placeholder templater) in its folder
	cd trendcast/landing/sql && $(abspath $(BIN))/sqlfluff lint . --disable-progress-bar

pytest: install spark browser
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadscope --durations=15

bench: install
	$(BIN)/trendcast bench

# regenerate data/sample from the full real data set (maintainers only)
sample: install
	$(BIN)/python -m trendcast.sample ../shared/data/real data/sample

# re-resolve requirements.lock from pyproject.toml (maintainers only)
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra spark --python-version 3.11 \
	  -c requirements.lock --no-header --no-annotate -o requirements-spark.all
	grep -vxF -f <(grep -v '^#' requirements.lock | grep -v '^ ') requirements-spark.all \
	  > requirements-spark.lock; rm -f requirements-spark.all

clean:
	rm -rf $(VENV) target logs warehouse artifacts reports data/simulated .pytest_cache .ruff_cache
