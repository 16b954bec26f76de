# trendcast — two commands do everything on a fresh machine:
#   make run    create .venv, install the locked dependencies, run the whole pipeline on DuckDB
#   make test   install, then ruff, sqlfluff (models, tests, macros; DuckDB and Postgres), pytest (DuckDB always, Postgres when reachable)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# test processes (pytest-xdist); modules stay whole on one worker (--dist loadscope), handed out
# in the order tests/python/conftest.py sorts them (the long ones first; --no-loadscope-reorder
# keeps xdist from re-sorting them by their number of tests, which started the one-test
# end-to-end module among the last). A worker that dies is not replaced: xdist's loadscope
# scheduler cannot hand a replacement its modules (INTERNALERROR KeyError, and the run ends
# without its summary or durations); without restarts the dead worker's tests are reported as
# failed and the rest of the run completes.
PYTEST_WORKERS ?= auto
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
SPARK_STAMP := $(VENV)/.spark-$(shell cat requirements-spark.lock | cksum | cut -d' ' -f1)
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DBT_SEND_ANONYMOUS_USAGE_STATS ?= false
export PGTZ ?= UTC

.PHONY: install run test lint sqlfluff pytest bench sample lock clean docs browser spark test-spark test-extended

install: $(STAMP)

# uv installs from its cache first (--offline: the locked versions, no index request) and asks the
# index only when the cache lacks one. Online, uv revalidates pyspark's source archive (PyPI has no
# wheel of it) on every install, and when the index's answer does not let it keep the archive it
# downloads and builds the ~450 MB package again: `make spark` took 121 s that way on a clean clone
# here, 0.4 s from the cache (2026-12-03, load average 7-9).
UV_INSTALL = $(BIN)/uv pip install --quiet --python $(BIN)/python

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(UV_INSTALL) --offline -r requirements.lock 2>/dev/null || $(UV_INSTALL) -r requirements.lock
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
	$(UV_INSTALL) --offline -r requirements.lock -r requirements-spark.lock 2>/dev/null || \
	  $(UV_INSTALL) -r requirements.lock -r requirements-spark.lock
	@rm -f $(VENV)/.spark-*
	@touch $@

run: install
	$(BIN)/trendcast run

test: install spark browser lint sqlfluff pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# sqlfluff, in four passes:
# 1. DuckDB: the dbt templater compiles every model and singular test against a throwaway file.
# 2. Postgres: the same for the files whose SQL differs by target (tests/lint/dialect_files.py; the
#    rest renders the same SQL as in pass 1), compiled against the server (catalog reads only). On a
#    machine without Postgres it is skipped with a note; in CI (CI=true) that is an error.
# 3. macros/ and tests/generic/ as raw text (jinja templater): a file of macro definitions renders
#    to nothing, so only the source-level rules apply there (line length, Jinja padding, end of
#    file; LT02 would only see indented tags); the SQL they generate is linted in the models.
# 4. the landing SQL, which runs outside dbt: its own config (placeholder templater) in its folder.
PG_LINT_DB ?= postgres
sqlfluff: install
	@tmp=$$(mktemp -d); \
	TRENDCAST_DUCKDB_PATH=$$tmp/lint.duckdb DBT_TARGET_PATH=$$tmp/target DBT_LOG_PATH=$$tmp/logs \
	  $(BIN)/sqlfluff lint models tests --processes 2 --disable-progress-bar; \
	rc=$$?; rm -rf $$tmp; test $$rc -eq 0
	@if $(BIN)/python -c "import psycopg, os; psycopg.connect(host=os.environ.get('TRENDCAST_PG_HOST', '127.0.0.1'), port=os.environ.get('TRENDCAST_PG_PORT', '5432'), user=os.environ.get('TRENDCAST_PG_USER', 'postgres'), password=os.environ.get('TRENDCAST_PG_PASSWORD', ''), dbname='$(PG_LINT_DB)', connect_timeout=5).close()" 2>/dev/null; then \
	  tmp=$$(mktemp -d); \
	  TRENDCAST_PG_DBNAME=$(PG_LINT_DB) DBT_TARGET_PATH=$$tmp/target DBT_LOG_PATH=$$tmp/logs \
	    $(BIN)/sqlfluff lint $$($(BIN)/python tests/lint/dialect_files.py models tests) \
	    --config config/sqlfluff_postgres.cfg --processes 2 --disable-progress-bar; \
	  rc=$$?; rm -rf $$tmp; test $$rc -eq 0; \
	elif [ "$${CI:-}" = "true" ]; then \
	  echo "sqlfluff: Postgres unreachable, the Postgres-dialect pass cannot run (CI=true)"; exit 1; \
	else echo "note: Postgres unreachable, Postgres-dialect lint pass skipped"; fi
	$(BIN)/sqlfluff lint macros tests/generic --templater jinja --exclude-rules LT02 --disable-progress-bar
	cd trendcast/landing/sql && $(abspath $(BIN))/sqlfluff lint . --disable-progress-bar

pytest: install spark browser
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadscope --no-loadscope-reorder --max-worker-restart=0 --durations=15 -m "not spark and not extended"

# the long integration suites listed in tests/python/conftest.py (EXTENDED)
test-extended: install spark browser
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadscope --no-loadscope-reorder --max-worker-restart=0 --durations=15 -m "extended and not spark"

# the fuller Spark suite (docs/SPARK.md): every test_spark*.py module (the marts of each system on
# the local two-worker cluster compared with DuckDB, incremental runs, the Python stages) and
# `trendcast bench --target spark` on a small day (one worker). `make test` runs the small
# comparison (one load, one build) and every dbt unit test on Spark (test_spark_unit.py).
SPARK_TESTS := $(sort $(wildcard tests/python/test_spark*.py)) tests/python/test_bench_spark.py

test-spark: install spark
	$(BIN)/pytest -q -p no:xdist -m spark $(SPARK_TESTS) --durations=5

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
