# Remit developer tasks. `make run` serves a demo; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Two pytest-xdist workers, one per core: the slow process and fuzzing tests then overlap. -n 0 runs serially.
PYTEST_WORKERS ?= 2

# Stamps keyed on pyproject.toml: dependencies are installed again only when it changes.
CREATED := $(VENV)/.created
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
PIP := $(BIN)/python -m pip install --disable-pip-version-check -q

.PHONY: .venv run test check migrate demo clean bench bench-quick

.venv: $(RUN_STAMP)

# A venv copied from another machine has a python that does not run: rebuild it then.
$(CREATED):
	@if $(BIN)/python -c "" 2>/dev/null; then :; \
	elif [ -e $(VENV) ]; then echo "$(VENV) is unusable here; recreating it"; $(PYTHON) -m venv --clear $(VENV); \
	else $(PYTHON) -m venv $(VENV); fi
	@touch $@

$(RUN_STAMP): pyproject.toml $(CREATED)
	$(PIP) -e .
	@touch $@

$(DEV_STAMP): pyproject.toml $(CREATED)
	$(PIP) -e ".[dev]"
	@touch $@ $(RUN_STAMP)

migrate: $(RUN_STAMP)
	$(BIN)/remit migrate

demo: migrate
	REMIT_HOST=$(HOST) REMIT_PORT=$(PORT) $(BIN)/remit demo

run: demo
	@echo "Serving on http://$(HOST):$(PORT): the web UI at http://$(HOST):$(PORT)/app (sign in with the demo login above), the API at /v1 (Ctrl-C stops it)"
	$(BIN)/remit serve --host $(HOST) --port $(PORT)

test: $(DEV_STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# Figures, not tests: each writes bench/results.json and bench/RESULTS.md. PostgreSQL is used when it answers
# at REMIT_BENCH_POSTGRES_URL (default a throwaway remit_bench database on 127.0.0.1).
bench: $(DEV_STAMP)
	$(BIN)/python -m bench.run

bench-quick: $(DEV_STAMP)
	$(BIN)/python -m bench.run --quick

check: $(RUN_STAMP)
	$(BIN)/remit check

# Keeps remit.db: it holds your data, not build output.
clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
