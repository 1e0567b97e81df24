# Vetted — `make run` serves the demo site; `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# The embedded default needs no secret; DEBUG=1 is for this local demo only.
RUN_ENV := DEBUG=1

.PHONY: run test test-serial test-fast venv dev-venv migrate seed worker beat serve services reliability lint format bench bench-lists export clean node-deps assets messages compilemessages

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

venv: $(VENV)/.installed
dev-venv: $(VENV)/.installed-dev

node_modules/.installed: package.json
	@if command -v npm >/dev/null 2>&1; then npm install --silent --no-audit --no-fund && touch $@; \
	else echo "npm not found: browser accessibility tests will skip"; fi

node-deps: node_modules/.installed

## assets: rebuild the studio editor bundle (static/studio/editor.bundle.js, committed) from static/studio/src/
assets: node-deps
	npm run build

migrate: venv
	$(RUN_ENV) $(PY) manage.py migrate --noinput

seed: migrate
	$(RUN_ENV) $(PY) manage.py seed_demo

## run: set everything up (venv, database, demo data) and serve http://127.0.0.1:8000
run: seed
	@echo ""
	@echo "  Vetted demo: http://$(HOST):$(PORT)/"
	@echo "  Sign in at http://$(HOST):$(PORT)/accounts/login/ — password for every demo user: vetted-demo"
	@echo "    author, author2 (Authors)   reviewer, reviewer2, reviewer3 (Medical Advisory Board)"
	@echo "    editor (Editors)            admin (superuser: /admin/)"
	@echo ""
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

## test: install the dev requirements and run the whole suite on two workers (pytest-xdist)
# Each worker gets its own var folder and Redis databases (tests/parallel.py);
# worksteal hands a free worker the tests still queued on the other one.
TEST_WORKERS ?= -n 2 --dist worksteal
# Bytecode caching on, even where the environment turns it off
# (PYTHONDONTWRITEBYTECODE): otherwise every worker, and every manage.py and
# gunicorn a test starts, compiles the project and rewrites the tests again.
test: dev-venv node-deps
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest $(TEST_WORKERS) $(PYTEST_ARGS)

## test-serial: the whole suite in one process, in pytest's order (slower; for debugging)
test-serial: dev-venv node-deps
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest $(PYTEST_ARGS)

## services mode: run these beside gunicorn with DATABASE_URL and REDIS_URL set
worker: venv
	$(VENV)/bin/celery -A cms worker --loglevel=info --concurrency=2

beat: venv
	$(VENV)/bin/celery -A cms beat --loglevel=info

serve: venv
	$(PY) manage.py collectstatic --noinput
	$(PY) manage.py refresh_live_pages --background
	$(VENV)/bin/gunicorn cms.wsgi --bind $(HOST):$(PORT) --workers 3

## reliability: the full-size fault figures of RELIABILITY.md (PostgreSQL + Redis, then SQLite); `make test` runs small versions
reliability: dev-venv
	RELIABILITY_LONG=1 $(PY) -m pytest -p no:cacheprovider -s tests/reliability $(PYTEST_ARGS)
	env -u DATABASE_URL -u REDIS_URL -u REDIS_CACHE_URL RELIABILITY_LONG=1 \
	  $(PY) -m pytest -p no:cacheprovider -s tests/reliability/test_concurrent_saves.py

## services: gunicorn, a worker and beat together (Procfile, run by honcho); see README "Services mode"
services: venv
	$(PY) manage.py collectstatic --noinput
	$(PY) manage.py refresh_live_pages --background
	HOST=$(HOST) $(VENV)/bin/honcho start -f Procfile -p $(PORT)

lint: dev-venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -q -c pyproject.toml -r cms textkit audit articles review publishing evidence ops

format: dev-venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: dev-venv
	DEBUG=0 SECRET_KEY=bench TESTING=1 $(PY) -m bench
	$(PY) -m bench.reader

## cluster: two app instances behind Varnish, a PostgreSQL primary and replica, Redis, a worker per queue (bench/cluster.py)
.PHONY: cluster bench-cluster
cluster: dev-venv
	$(PY) -m bench.cluster --serve

## bench-cluster: the small cluster measured: throughput through Varnish, an instance killed, purge-to-fresh, publish rate
bench-cluster: dev-venv
	$(PY) -m bench.cluster

# Reader delivery under load (needs DATABASE_URL=postgres://..., REDIS_URL, wrk, nginx; see BENCHMARKS.md).
.PHONY: bench-reader
bench-reader: dev-venv
	$(PY) -m bench.reader

## bench-lists: every list page at ARTICLES generated articles (fills DATABASE_URL; see BENCHMARKS.md)
ARTICLES ?= 1000
bench-lists: dev-venv
	@test -n "$(DATABASE_URL)" || (echo "Set DATABASE_URL to a PostgreSQL database the benchmark may fill." && exit 1)
	DEBUG=0 SECRET_KEY=bench TESTING=1 BENCH_ARTICLES=$(ARTICLES) $(PY) -m bench bench_lists

## bench-lists-measure: measure the list pages on DATABASE_URL as it is (no migration, no generation)
.PHONY: bench-lists-measure
bench-lists-measure: dev-venv
	@test -n "$(DATABASE_URL)" || (echo "Set DATABASE_URL to the generated benchmark database." && exit 1)
	DEBUG=0 SECRET_KEY=bench TESTING=1 BENCH_MEASURE_ONLY=1 $(PY) -m bench bench_lists

## bench-studio-save: a studio save (POST + the editor page) with and without the dose check, on DATABASE_URL
.PHONY: bench-studio-save
bench-studio-save: dev-venv
	@test -n "$(DATABASE_URL)" || (echo "Set DATABASE_URL to a benchmark database (make bench-lists fills one)." && exit 1)
	DEBUG=0 SECRET_KEY=bench TESTING=1 ALLOWED_HOSTS=testserver BENCH_STUDIO_SAVE=1 $(PY) -m bench bench_studio_save

## messages: refresh locale/<lang>/LC_MESSAGES/django.po and djangojs.po from the code, templates and studio scripts
# Every language of settings.LANGUAGES but English (the source language): LOCALES="es fr" to choose.
LOCALES ?= es
MESSAGES_IGNORE := --ignore=.venv --ignore=node_modules --ignore=var --ignore=tests --ignore=bench \
  --ignore=static --ignore=test-artifacts --ignore=export --ignore=deploy
# The studio's scripts: their sources, not the built bundle.
JS_MESSAGES_IGNORE := --ignore=.venv --ignore=node_modules --ignore=var --ignore=tests --ignore=bench \
  --ignore=test-artifacts --ignore=export --ignore=deploy --ignore=static/studio/editor.bundle.js
messages: venv
	$(RUN_ENV) $(PY) manage.py makemessages $(foreach l,$(LOCALES),-l $(l)) --no-obsolete --add-location=file $(MESSAGES_IGNORE)
	$(RUN_ENV) $(PY) manage.py makemessages -d djangojs $(foreach l,$(LOCALES),-l $(l)) --no-obsolete --add-location=file \
	  $(JS_MESSAGES_IGNORE)

## compilemessages: compile the .po catalogues to the .mo files Django reads (committed; see README "Languages")
compilemessages: venv
	$(RUN_ENV) $(PY) manage.py compilemessages $(foreach l,$(LOCALES),-l $(l)) --ignore=.venv --ignore=node_modules

## bench-search: search relevance and latency at SIZES generated articles (fills DATABASE_URL; see BENCHMARKS.md)
SIZES ?= 1000,10000
.PHONY: bench-search
bench-search: dev-venv
	@test -n "$(DATABASE_URL)" || (echo "Set DATABASE_URL to a PostgreSQL database the benchmark may fill." && exit 1)
	DEBUG=0 SECRET_KEY=bench TESTING=1 BENCH_SEARCH_SIZES=$(SIZES) $(PY) -m bench bench_search

export: venv
	$(RUN_ENV) $(PY) manage.py export_site export

clean:
	rm -rf $(VENV) var node_modules .pytest_cache test-artifacts
