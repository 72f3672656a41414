# make run    demo site on http://127.0.0.1:8000/ (installs what is missing first)
# make test   the whole suite on SQLite, then on a throwaway PostgreSQL cluster
# make lint   ruff check, ruff format --check and mypy (services, selectors, core)
# make clean  caches and test artifacts (distclean: also .venv and var/)

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PYTHON := $(VENV)/bin/python
# Touched after a successful install: pip runs again only when a requirements file is newer.
INSTALLED := $(VENV)/.requirements-installed
# The Chinese face the PDF documents embed, extracted from fonts-noto-cjk (README "Document font").
DOC_FONT := $(or $(DOCUMENT_FONT),var/fonts/NotoSansSC-Documents.otf)

# Test processes (pytest-xdist): one per core; each has its own test database. A process
# that runs out of tests takes half of another's queue (work stealing).
TEST_WORKERS ?= auto
XDIST := -n $(TEST_WORKERS) --dist worksteal

.PHONY: help run test test-sqlite test-postgres lint typecheck clean distclean system-packages venv messages fonts

help:
	@sed -n 's/^# \(make .*\)/\1/p' $(firstword $(MAKEFILE_LIST))

run: system-packages venv messages fonts
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py seed_demo
	scripts/serve.sh

test: test-sqlite test-postgres

test-sqlite: system-packages venv messages fonts
	$(VENV)/bin/pytest $(XDIST)

# Browser tests run in the SQLite pass only: they test pages, not the database.
test-postgres: system-packages venv messages fonts
	scripts/with-postgres.sh $(VENV)/bin/pytest $(XDIST) -m "not e2e"

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MAKE) --no-print-directory typecheck

# The files listed in pyproject.toml [tool.mypy]: every service, selector and core module.
typecheck: venv
	$(VENV)/bin/mypy

system-packages:
	@scripts/system-packages.sh

venv: $(INSTALLED)

$(INSTALLED): requirements.txt requirements-dev.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Built once (about a minute); delete the file to build it again.
fonts: $(DOC_FONT)

$(DOC_FONT): | system-packages venv
	$(PYTHON) manage.py build_document_font --out $@

# compilemessages needs at least one locale directory to look in.
messages: venv
	mkdir -p locale
	$(PYTHON) manage.py compilemessages --ignore .venv --verbosity 0

clean:
	rm -rf .pytest_cache .ruff_cache .mypy_cache test-artifacts
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) var
