# warehouse: developer entry points. Every target builds .venv from scratch when it is missing.
#   make demo   replay the Redshift lab (COPY users from a loopback S3 server), then load
#               TPC-H SF0.1 into demo.wh and run a few queries
#   make test   run the test suite
#   make bench  TPC-H SF1 side by side with DuckDB and Polars (python -m bench.tpch)
#   make bench-load  COPY lineitem.tbl (local file and loopback S3) vs DuckDB (python -m bench.load_bench)
#   make bench-external  Wild Rydes per-minute aggregation over GB of Firehose JSON in an external
#               table vs DuckDB's read_json_auto (python -m bench.external_bench; GB=1)
#   make clean  remove generated databases, results and caches (make distclean: also .venv, data)

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -qq
export PIP_DISABLE_PIP_VERSION_CHECK := 1

SCALE ?= 1
DEMO_SCALE ?= 0.1
GB ?= 1

.PHONY: demo test bench bench-load bench-external warmup clean distclean

$(PY):
	$(PYTHON) -m venv $(VENV)

# One stamp per extra; reinstalled when pyproject.toml changes.
$(VENV)/.installed-%: pyproject.toml | $(PY)
	$(PIP) install -e '.[$*]'
	@touch $@

warmup: $(VENV)/.installed-bench
	@echo "warming the numba kernel cache ..."; $(VENV)/bin/warehouse warmup

demo: warmup
	$(PY) bench/tickit_demo.py
	$(PY) -m bench.tpch.datagen --scale $(DEMO_SCALE) >/dev/null
	$(PY) bench/demo.py --scale $(DEMO_SCALE)

# the server tests drive real clients: psql, the PostgreSQL JDBC driver (and javac/java)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
server-clients:
	@command -v psql >/dev/null && [ -e /usr/share/java/postgresql.jar ] || \
	  ( $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql-client libpostgresql-jdbc-java )

test: $(VENV)/.installed-test server-clients
	$(PY) -m pytest

bench: warmup
	$(PY) -m bench.tpch --scale $(SCALE)

bench-load: warmup
	$(PY) -m bench.load_bench --scale $(SCALE)

bench-external: warmup
	$(PY) -m bench.external_bench --gb $(GB)

clean:
	rm -rf demo.wh bench/data/*.wh bench/results .pytest_cache .benchmarks
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) bench/data
