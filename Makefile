# Microblog — the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := microblog
# The development commands run in debug mode: no "development SECRET_KEY" warning (config.check_production
# keeps it for a server started without debug or production settings).
DEV_FLASK := $(BIN)/flask --debug

.PHONY: run test test-quick lint check serve worker translations static install clean loadtest bench bench-streams wheel

# Every step below is a file make compares with what it is built from, so a second `make run` with nothing
# changed goes straight to `flask run` (a few seconds).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP)

## translations: the compiled catalogues (.mo, build products), redone when a .po changes
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard microblog/translations/*/LC_MESSAGES/messages.po))
$(CATALOGUES): %.mo: %.po $(STAMP)
	$(DEV_FLASK) translate compile
	touch $(CATALOGUES)

translations: $(CATALOGUES) static

## static: the .br/.gz copies of microblog/static/ that WhiteNoise serves (build products, not in git)
STATIC_STAMP := $(VENV)/.static
STATIC_FILES := $(shell find microblog/static -type f ! -name '*.br' ! -name '*.gz')
$(STATIC_STAMP): $(STAMP) $(STATIC_FILES) microblog/static_files.py
	$(BIN)/python -m microblog.static_files
	touch $(STATIC_STAMP)

static: $(STATIC_STAMP)

## The database of `make run`: instance/microblog.db, migrated (demo data loaded the first time) again only
## when a migration is newer than it; with DATABASE_URL set, that database is migrated on every start.
RUN_DB := $(if $(DATABASE_URL),.run-db-always,instance/microblog.db)
.PHONY: .run-db-always
$(RUN_DB): $(STAMP) $(wildcard migrations/*.py migrations/versions/*.py)
	$(DEV_FLASK) db upgrade
	$(DEV_FLASK) demo-data
	$(if $(DATABASE_URL),,touch $(RUN_DB))

## make run: serve the app on SQLite with demo data at http://$(HOST):$(PORT) (make run PORT=8080 HOST=0.0.0.0)
HOST ?= 127.0.0.1
PORT ?= 5000
run: translations $(RUN_DB)
	DEVELOPMENT_URL=http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT) $(BIN)/flask run --host $(HOST) --port $(PORT) --debug

## make test: the whole suite (PostgreSQL too when TEST_DATABASE_URL is set; browser tests when Chromium is
## present) on TEST_WORKERS processes (pytest-xdist, one PostgreSQL database each), then the tests that need
## the machine to themselves (tests/load/) on their own; one summary line for the skipped groups.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest
test: translations
	@skips=$$(mktemp); export SKIPS_FILE=$$skips; \
	echo "$(PYTEST) -n $(TEST_WORKERS) --part=parallel $(PYTEST_ARGS)"; \
	$(PYTEST) -n $(TEST_WORKERS) --part=parallel $(PYTEST_ARGS); a=$$?; \
	echo "$(PYTEST) --part=serial $(PYTEST_ARGS)"; \
	$(PYTEST) --part=serial $(PYTEST_ARGS); b=$$?; \
	rm -f $$skips; \
	for rc in $$a $$b; do [ $$rc = 0 ] || [ $$rc = 5 ] || exit $$rc; done; \
	[ $$a = 5 ] && [ $$b = 5 ] && exit 5; exit 0

## make test-quick: the inner loop, in parallel: SQLite only, no browser, no load tests, no `slow` ones
test-quick: translations
	env -u TEST_DATABASE_URL -u REQUIRE_PG -u REQUIRE_BROWSER $(PYTEST) -n $(TEST_WORKERS) --part=parallel \
		--ignore=tests/browser --ignore=tests/load -m "not slow" -q $(PYTEST_ARGS)

## make lint: ruff check and ruff format --check (settings in pyproject.toml); make check: lint, then the quick tests
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: lint test-quick

## make serve: production server (gunicorn gevent workers: streams are cheap) on DATABASE_URL; needs SECRET_KEY
serve: translations
	MICROBLOG_ENV=production PUBLIC_URL=$${PUBLIC_URL:-http://$${BIND:-127.0.0.1:8000}} $(BIN)/flask db upgrade
	MICROBLOG_ENV=production PUBLIC_URL=$${PUBLIC_URL:-http://$${BIND:-127.0.0.1:8000}} $(BIN)/gunicorn --config python:microblog.push.gunicorn_conf --workers $${WORKERS:-4} --bind $${BIND:-127.0.0.1:8000} 'microblog:create_app()'

## make worker: background-job workers (Huey, microblog/jobs) on DATABASE_URL; one per host, any number of hosts
worker: translations
	MICROBLOG_ENV=production PUBLIC_URL=$${PUBLIC_URL:-http://$${BIND:-127.0.0.1:8000}} $(BIN)/python -m microblog.jobs.worker --workers $${JOB_WORKERS:-4}

wheel: translations
	$(BIN)/pip wheel --no-deps --no-build-isolation -w dist .

clean:
	rm -rf $(VENV) dist build .pytest_cache

## make loadtest: many gunicorn workers under load on PostgreSQL and SQLite; exactness and 5xx check (python -m tools.loadtest)
loadtest: translations
	$(BIN)/python -m tools.loadtest $(LOADTEST_ARGS)

## make bench: throughput and latency of the badge poll and every page at three data sizes (python -m bench.run)
BENCH_SIZE ?= full
bench: translations
	$(BIN)/python -m bench.run --size $(BENCH_SIZE)

## make bench-pages: every page a signed-in user opens as a share of the /healthz floor, 1k and 1M messages (python -m bench.pages)
.PHONY: bench-pages
bench-pages: translations
	$(BIN)/python -m bench.pages $(BENCH_PAGES_ARGS)

## make bench-features: what each feature of issues 21-24 costs a page (CPU by part, statements, bytes; python -m bench.features)
.PHONY: bench-features
bench-features: translations
	$(BIN)/python -m bench.features $(BENCH_FEATURES_ARGS)

## make bench-streams: live push with 1,000 open streams on 2 gevent workers, SQLite (+ PostgreSQL with BENCH_DATABASE_URL) (python -m bench.streams)
bench-streams: translations
	$(BIN)/python -m bench.streams $(BENCH_STREAMS_ARGS)

## make bench-sends: sends/s on PostgreSQL (BENCH_DATABASE_URL) with 1, 8, 32 senders, with and without NOTIFY (python -m bench.sends)
.PHONY: bench-sends bench-tabs
bench-sends: translations
	$(BIN)/python -m bench.sends $(BENCH_SENDS_ARGS)

## make bench-tabs: 1,000 / 5,000 / 10,000 live tabs (stream, badge polls, pages, sends) on 2 gevent workers, SQLite (+ PostgreSQL with BENCH_DATABASE_URL) (python -m bench.tabs)
bench-tabs: translations
	$(BIN)/python -m bench.tabs $(BENCH_TABS_ARGS)
