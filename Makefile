# jixiao: `make help` lists the targets. Every target sets up .venv first when needed.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EVALUATION ?= dongguan-2019-2021
KERNEL := jixiao
LAB_ROOT ?= .
LAB_FLAGS ?=
PARAMS ?=
RAW ?= data/raw/$(EVALUATION)

.DEFAULT_GOAL := help

## List the targets
help:
	@awk '/^## /{d=substr($$0,4); next} /^[a-z][a-z-]*:/{if(d){split($$0,t,":"); printf "  make %-10s %s\n", t[1], d}; d=""}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml constraints.txt
	@py=""; for c in python3.13 python3.12 python3.11 python3; do \
	  if command -v $$c >/dev/null && $$c -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then py=$$c; break; fi; \
	done; \
	if [ -z "$$py" ]; then echo "jixiao needs Python >= 3.11 (python3.11, python3.12 or python3.13 on PATH)" >&2; exit 1; fi; \
	if [ ! -x $(BIN)/python ]; then echo "creating $(VENV) with $$py"; $$py -m venv $(VENV); fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@# the project's kernel lives in .venv (not ~/.local), so each clone's notebooks run with its own interpreter
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python ($(KERNEL))" >/dev/null
	@touch $(STAMP)

## Create .venv and install the pinned dependencies (and the CJK font)
setup: $(STAMP)

## Open JupyterLab on the project (notebooks/ first) with the project's kernel; saves keep no outputs
lab: setup
	$(BIN)/jupyter lab --config=$(CURDIR)/jupyter_server_config.py --ServerApp.root_dir=$(LAB_ROOT) $(LAB_FLAGS)

## Run the batch of params.yaml (or PARAMS=params.NAME.yaml): every section, every period, HTML + PDF + index
report: setup
	$(BIN)/jixiao run $(if $(PARAMS),--params $(PARAMS))

## While drafting: run, then rebuild what a saved workbook, template or params edit affects (PARAMS=file, NO_PDF=1; Ctrl-C ends)
watch: setup
	$(BIN)/jixiao watch $(if $(PARAMS),--params $(PARAMS)) $(if $(NO_PDF),--no-pdf)

## Run the test suite: the layer rules (import-linter), then pytest in two processes (tests/conftest.py says which tests stay together)
test: setup
	$(BIN)/lint-imports --no-cache
	@# the package compiled once (only what changed): the suite's kernels, workers and command lines import it, and none
	@# writes its own bytecode where PYTHONDONTWRITEBYTECODE is set (as on CI machines)
	$(BIN)/python -m compileall -q lib
	$(BIN)/python -m pytest -n 2 --dist loadfile

## Check an evaluation's workbooks: RAW=folder (default the Dongguan one) or PARAMS=params file
validate: setup
	$(BIN)/jixiao validate $(if $(PARAMS),--params $(PARAMS),$(RAW))

## Regenerate the synthetic Dongguan workbooks from their seeded script
dongguan-inputs: setup
	$(BIN)/python scripts/make_dongguan_inputs.py

## Print speed ratios: the batch against the naive papermill loop, re-runs, the loaders, a 1,000,000-row run (bench/)
bench: setup
	$(BIN)/python bench/bench_batch.py
	$(BIN)/python bench/bench_loaders.py
	$(BIN)/python bench/bench_big.py

## Print notebooks per second of a 20-evaluation portfolio on the local pool and on Dask (bench/)
bench-portfolio: setup
	$(BIN)/python bench/bench_portfolio.py

## Re-pin constraints.txt from a fresh environment
lock:
	rm -rf .lock-venv && python3 -m venv .lock-venv && .lock-venv/bin/pip install --quiet -e '.[test]'
	( echo "# Every package of the environment, pinned. pyproject.toml names the direct ones; environment.yml repeats their pins."; \
	  echo "# Regenerate: make lock (pip freeze of a fresh .venv)."; .lock-venv/bin/pip freeze --exclude-editable ) > constraints.txt
	rm -rf .lock-venv

## Remove .venv, processed data and reports
clean:
	rm -rf $(VENV) data/processed/*/ reports/
