# Two commands on a fresh machine:  `make` (build every output)  and  `make test`.
# The first call creates .venv and installs the project into it.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := all
.PHONY: all build test bench check manuscript snapshot diff clean distclean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

all: build  ## build results, tables, figures and manuscript variables into build/

build: $(STAMP)
	$(PY) -m analysis build

test: $(STAMP)  ## run the test suite (includes the static manuscript check)
	$(PY) -m pytest

bench: $(STAMP)  ## time the engine on simulated data (k up to 1,000,000)
	$(PY) -m analysis.benchmark

clean:  ## remove generated outputs (build/, _manuscript/, _variables.yml)
	rm -rf build _manuscript _variables.yml .quarto

distclean: clean  ## also remove the virtual environment
	rm -rf $(VENV)
