# fupin: `make demo` builds and serves a demo county; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgres://postgres@localhost:5432/fupin
DEMO_HOUSEHOLDS ?= 20000
DEMO_ADDR ?= 127.0.0.1:8000

.PHONY: install static messages demo test lint typecheck test-sqlite test-postgres test-browser chromium clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --require-hashes -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

install: $(STAMP) static messages

static: node_modules/.package-lock.json
	./scripts/build-static.sh

messages: $(STAMP)
	$(BIN)/python scripts/compile-messages.py

demo: install
	$(BIN)/fupin migrate --no-input -v0
	$(BIN)/fupin demo --households $(DEMO_HOUSEHOLDS) --serve $(DEMO_ADDR)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

test-sqlite: install
	@echo "=== tests on SQLite ==="
	env -u DATABASE_URL $(BIN)/pytest -p no:cacheprovider

# CI always has PostgreSQL on localhost; elsewhere the run says plainly when it is absent.
test-postgres: install
	@if $(BIN)/python scripts/pg-reachable.py "$(PG_TEST_URL)"; then \
		echo "=== tests on PostgreSQL ($(PG_TEST_URL)) ==="; \
		DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest -p no:cacheprovider; \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL is not reachable at $(PG_TEST_URL), and CI must test on it." >&2; exit 1; \
	else \
		echo "=== PostgreSQL not reachable at $(PG_TEST_URL): suite NOT run on PostgreSQL ==="; \
	fi

chromium:
	./scripts/ensure-chromium.sh

test: install chromium lint typecheck test-sqlite test-postgres

clean:
	rm -rf $(VENV) node_modules src/fupin/static/vendor var
