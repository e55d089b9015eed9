# Two entry points: `make demo` (synthetic municipality + monthly evaluation on Prefect's
# embedded server) and `make test`. Both create .venv and install the pinned stack first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-12)

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
# One BLAS thread per process: on a small shared machine threaded BLAS spins against the
# other processes (Prefect server, Chromium) and can double wall times.
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: install demo test lint bench contracts

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing the pinned stack into $(VENV) (log: $(VENV)/pip-install.log)"
	@$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]' \
		>$(VENV)/pip-install.log 2>&1 || { tail -n 40 $(VENV)/pip-install.log; exit 1; }
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

demo: install
	$(BIN)/mereffekt demo

test: install
	@.ci/install-chromium.sh
	@.ci/install-postgresql.sh
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff format --check . && $(BIN)/ruff check .

contracts: install
	$(BIN)/python -m flows.contracts
	$(BIN)/python -m flows.dictionary

bench: install
	$(BIN)/python benchmarks/bench_matching.py
