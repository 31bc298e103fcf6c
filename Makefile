# Microblog — the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := microblog

.PHONY: run test serve worker translations static install clean loadtest bench bench-streams wheel

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP)

translations: $(STAMP) static
	$(BIN)/flask translate compile

## static: the .br/.gz copies of microblog/static/ that WhiteNoise serves (build products, not in git)
static: $(STAMP)
	$(BIN)/python -m microblog.static_files

## make run: serve the app on SQLite with demo data at http://127.0.0.1:5000
run: translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo-data
	$(BIN)/flask run --host 127.0.0.1 --port 5000 --debug

## make test: the whole suite (PostgreSQL too when TEST_DATABASE_URL is set; browser tests when Chromium is present)
test: translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make serve: production server (gunicorn gevent workers: streams are cheap) on DATABASE_URL; needs SECRET_KEY
serve: translations
	MICROBLOG_ENV=production PUBLIC_URL=$${PUBLIC_URL:-http://$${BIND:-127.0.0.1:8000}} $(BIN)/flask db upgrade
	MICROBLOG_ENV=production PUBLIC_URL=$${PUBLIC_URL:-http://$${BIND:-127.0.0.1:8000}} $(BIN)/gunicorn --config python:microblog.push.gunicorn_conf --workers $${WORKERS:-4} --bind $${BIND:-127.0.0.1:8000} 'microblog:create_app()'

## make worker: background-job workers (Huey, microblog/jobs) on DATABASE_URL; one per host, any number of hosts
worker: translations
	MICROBLOG_ENV=production $(BIN)/python -m microblog.jobs.worker --workers $${JOB_WORKERS:-4}

wheel: translations
	$(BIN)/pip wheel --no-deps --no-build-isolation -w dist .

clean:
	rm -rf $(VENV) dist build .pytest_cache

## make loadtest: many gunicorn workers under load on PostgreSQL and SQLite; exactness and 5xx check (scripts/loadtest.py)
loadtest: translations
	$(BIN)/python scripts/loadtest.py $(LOADTEST_ARGS)

## make bench: throughput and latency of the badge poll and every page at three data sizes (bench/run.py)
BENCH_SIZE ?= full
bench: translations
	$(BIN)/python bench/run.py --size $(BENCH_SIZE)

## make bench-streams: live push with 1,000 open streams on 2 gevent workers, SQLite (+ PostgreSQL with BENCH_DATABASE_URL) (bench/streams.py)
bench-streams: translations
	$(BIN)/python bench/streams.py $(BENCH_STREAMS_ARGS)
