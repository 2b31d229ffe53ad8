# LNOB Evidence Portal — the commands the README lists.
#   make run     serve the portal with demo data at http://127.0.0.1:8000 (SQLite, tasks in-process)
#   make test    the same set-up, then the whole test suite
#   make lint    ruff (lint + format check), import contracts (lint-imports), mypy, migration check
#   make bench   benchmarks: statistics engine, lnob-tree vs R rpart, batch reads, group pages (needs PostgreSQL), uploads, UHRI import
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: install prepare run test lint bench worker clean

install: $(STAMP)

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

prepare: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo

run: prepare
	$(PY) manage.py runserver 127.0.0.1:8000

test: prepare
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

bench: install
	$(PY) -m benchmarks.engine
	$(PY) -m benchmarks.batch --households 200000
	$(PY) -m benchmarks.cli
	$(PY) manage.py bench_group_pages $(BENCH_ARGS)
	$(PY) manage.py bench_group_pages --scale 5 $(BENCH_ARGS)
	rm -f /tmp/lnob-bench-upload.sqlite3
	DATABASE_URL=sqlite:////tmp/lnob-bench-upload.sqlite3 $(PY) manage.py bench_upload --rows 100000
	rm -f /tmp/lnob-bench-uhri.sqlite3
	DATABASE_URL=sqlite:////tmp/lnob-bench-uhri.sqlite3 $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=sqlite:////tmp/lnob-bench-uhri.sqlite3 $(PY) manage.py seed_vocabularies
	DATABASE_URL=sqlite:////tmp/lnob-bench-uhri.sqlite3 $(PY) manage.py bench_uhri_import --mb 200

# A Celery worker for the default and analysis queues (needs CELERY_BROKER_URL).
worker: install
	$(VENV)/bin/celery -A lnob_portal worker -Q default,analysis --loglevel=INFO

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .test-media
