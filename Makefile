# Entry points for people and CI; the work is done by deploy/dev.py (standard library only).
# A fresh Debian machine may lack make itself: apt-get install make.

# Resolved once per make run; a failing pyenv shim named python3.12 must not be trusted.
PY := $(shell sh deploy/find-python)
DEV = $(PY) deploy/dev.py

.PHONY: help check-python setup services stop test demo lint

help:
	@echo "make demo      demo data, web on http://127.0.0.1:8000 + Celery worker and beat"
	@echo "make test      the pytest suite (extra pytest arguments: make test ARGS='-k qr')"
	@echo "make lint      ruff check, ruff format --check, the import layers (lint-imports) and mypy"
	@echo "make services  start the private PostgreSQL and Redis, write .data/env"
	@echo "make stop      stop them"
	@echo "make setup     .venv, Python dependencies, system libraries"

check-python:
	@test -n "$(PY)" || { echo "make: no Python >= 3.12 found (see the message above)" >&2; exit 1; }

setup: check-python
	$(DEV) setup

services: check-python
	$(DEV) services

stop: check-python
	$(DEV) stop

test: check-python
	$(DEV) test $(ARGS)

demo: check-python
	$(DEV) demo

lint: setup
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
	PYTHONPATH=platform:. .venv/bin/lint-imports --no-cache
	.venv/bin/mypy
