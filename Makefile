# One task runner for humans and CI.
PY ?= python3

.PHONY: install test lint bench
install:
	$(PY) -m pip install -e '.[test]'

lint:
	ruff check digest tests bench
	ruff format --check digest tests bench

test: lint
	$(PY) -m pytest -q

bench:
	$(PY) bench/ingest.py
	$(PY) bench/translate_eval.py
