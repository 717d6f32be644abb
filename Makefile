# django-2co-sso: every target creates the virtualenv it needs, so a fresh clone
# only needs `make` and Python.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install test clean lint matrix docs demo bench e2e fresh-project

# Development tools are PEP 735 dependency groups (pyproject.toml), which pip installs
# with --group from version 25.1 on.
PIP_FOR_GROUPS := 'pip>=25.1'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade $(PIP_FOR_GROUPS)
	$(BIN)/python -m pip install --quiet -e . --group dev
	touch $(STAMP)

install: $(STAMP)

# Coverage starts before pytest so that modules imported by the emulator's pytest plugin
# are measured too; the report fails below the threshold in pyproject.toml.
test: $(STAMP)
	$(BIN)/python -m coverage erase
	$(BIN)/python -m coverage run -m pytest $(PYTEST_ARGS)
	$(BIN)/python -m coverage combine -q
	$(BIN)/python -m coverage report

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy django_2co_sso

# A newcomer's path from the README alone (fresh_project/test_fresh_project.py): builds the
# wheel, installs it in a fresh venv, runs startproject, appends the README's Quickstart,
# starts the emulator and clicks the README's template tags. About a minute; the Quickstart's
# cache needs Redis (FRESH_PROJECT_REDIS_URL, default redis://127.0.0.1:6379/14).
fresh-project: $(STAMP)
	$(BIN)/python -m pytest fresh_project -p no:cacheprovider $(PYTEST_ARGS)

# Python 3.11 / 3.12 / 3.13 from pyenv (when present) go first on PATH so tox finds them;
# tox skips, and says so, any env whose interpreter is missing.
PYENV_ROOT ?= $(HOME)/.pyenv
MATRIX_PATH := $(subst $(eval) ,:,$(strip $(wildcard $(PYENV_ROOT)/versions/3.1[123]*/bin)))
TOX_STAMP := $(VENV)/.tox-stamp

$(TOX_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet 'tox>=4.22'
	touch $(TOX_STAMP)

matrix: $(TOX_STAMP)
	@echo "interpreter dirs put first on PATH: $(or $(MATRIX_PATH),none found under $(PYENV_ROOT))"
	PATH="$(MATRIX_PATH)$(if $(MATRIX_PATH),:)$$PATH" $(BIN)/tox $(TOX_ARGS)

# The demo shop and the 2Checkout emulator together (example_project/README.md): migrates
# SQLite, seeds demo data, prints the URL and logins. Ports: PORT (8000), EMULATOR_PORT (8765).
# Ctrl-C stops both servers.
demo: $(STAMP)
	@$(BIN)/python -c 'import environ' 2>/dev/null || $(BIN)/python -m pip install --quiet -e . --group example
	PORT="$(or $(PORT),8000)" EMULATOR_PORT="$(or $(EMULATOR_PORT),8765)" $(BIN)/python example_project/run_demo.py

# The docs group (Sphinx, furo, MyST) goes into the same venv, with its own stamp.
DOCS_STAMP := $(VENV)/.docs-stamp

$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e . --group docs
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

# Browser end-to-end test: Playwright (the e2e group) drives Debian's Chromium against the
# demo site and the emulator on free loopback ports. Chromium comes from apt when missing
# (as root, or through sudo); Playwright's own browser download is never used.
E2E_STAMP := $(VENV)/.e2e-stamp
CHROMIUM ?= /usr/bin/chromium

$(E2E_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e . --group e2e --group example
	touch $(E2E_STAMP)

e2e: $(E2E_STAMP)
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "$(CHROMIUM) is missing: installing Debian's chromium with apt-get"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y chromium; \
	fi
	CHROMIUM="$(CHROMIUM)" $(BIN)/python -m pytest -c e2e/pytest.ini e2e $(PYTEST_ARGS)

# Performance figures per backend (bench/run.py): the emulator in its own process over TLS
# with a reference-size WSDL, a delay proxy (bench/wanproxy.py, 40 ms and 150 ms RTT) between
# it and the example project under gunicorn (sync, gthread) and uvicorn workers, Redis at
# 127.0.0.1:6379 db 11 when reachable (BENCH_REDIS_URL to change). Prints the tables and
# writes bench/results.md; about 5 minutes on 2 cores. BENCH_ARGS="--wan" for the WAN figures
# only, "--loopback" for the CPU figure only, "--quick" for tiny counts. Its own group and stamp.
BENCH_STAMP := $(VENV)/.bench-stamp

$(BENCH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade $(PIP_FOR_GROUPS)
	$(BIN)/python -m pip install --quiet -e . --group bench
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
