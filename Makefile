# One task runner for humans and CI.
PY ?= python3

.PHONY: install test lint format bench
install:
	$(PY) -m pip install -e '.[test]'

lint:
	$(PY) -m ruff check digest tests bench
	$(PY) -m ruff format --check digest tests bench

format:
	$(PY) -m ruff format digest tests bench

test: lint
	$(PY) -m pytest -q

bench:
	$(PY) bench/ingest.py
	$(PY) bench/classify_eval.py
	$(PY) bench/translate_eval.py
	$(PY) bench/query.py
	$(PY) bench/news.py
	$(PY) bench/hostile.py
	$(PY) bench/first_hour.py
