# Code Monet — developer entry points. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest webtest web bench bench-load install clean

$(STAMP): pyproject.toml
	@sh scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The server on http://127.0.0.1:8000 (local mode, builtin artist, SQLite + files in ./data).
run: $(STAMP) web
	$(VENV)/bin/code-monet serve --host 127.0.0.1 --port 8000

web:
	bash scripts/web.sh build

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy --strict code_monet bench

webtest:
	bash scripts/web.sh test

pytest: $(STAMP) web
	@sh scripts/system-deps.sh --test
	bash scripts/with-services.sh $(VENV)/bin/pytest

test: lint typecheck webtest pytest

bench: $(STAMP)
	$(PY) -m bench.run

bench-load: $(STAMP)
	$(PY) -m bench.load

clean:
	rm -rf $(VENV) out .mypy_cache .ruff_cache .pytest_cache
