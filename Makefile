# Two commands on a fresh machine:  `make` (build every output)  and  `make test`.
# The first call creates .venv and installs the project into it.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := all
.PHONY: all build test bench check manuscript manuscript-latex snapshot diff clean distclean help

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
	$(PY) -m analysis.stats.benchmark

# Quarto's pre-render step runs `python -m analysis build`: put the project's environment first on PATH.
manuscript: build  ## render HTML, DOCX and PDF into _manuscript/ (needs Quarto >= 1.5 on PATH)
	@command -v quarto >/dev/null 2>&1 || { \
	  echo "make manuscript: Quarto is not installed (or not on PATH)."; \
	  echo "  Install Quarto >= 1.5 from https://quarto.org/docs/get-started/ and run 'make manuscript' again."; \
	  echo "  The analysis outputs (build/, _variables.yml) are built already; 'make test' needs no Quarto."; \
	  exit 1; }
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" QUARTO_PYTHON="$(CURDIR)/$(PY)" quarto render

manuscript-latex: build  ## LaTeX PDF instead of Typst (profile latex) into _manuscript-latex/ (needs Quarto + TeX)
	@command -v quarto >/dev/null 2>&1 || { echo "make manuscript-latex: Quarto is not installed (see 'make manuscript')."; exit 1; }
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" QUARTO_PYTHON="$(CURDIR)/$(PY)" quarto render --profile latex --to pdf

check: $(STAMP)  ## audit every number; report in build/audit.{md,html} (STRICT=1: warnings fail too)
	$(PY) -m analysis check $(if $(STRICT),--strict)

snapshot: $(STAMP)  ## store the current build as _snapshots/NAME (make snapshot NAME=submission-1 [FORCE=1])
	@test -n "$(NAME)" || { echo "usage: make snapshot NAME=submission-1"; exit 2; }
	$(PY) -m analysis snapshot "$(NAME)" $(if $(FORCE),--force)

diff: $(STAMP)  ## numbers changed since a snapshot + marked-up manuscript (make diff BASE=submission-1 [TO=NAME])
	@test -n "$(BASE)" || { echo "usage: make diff BASE=submission-1 [TO=submission-2]"; exit 2; }
	$(PY) -m analysis diff "$(BASE)" $(if $(TO),--to "$(TO)")

clean:  ## remove generated outputs (build/, _manuscript/, _variables.yml)
	rm -rf build _manuscript _manuscript-latex _variables.yml .quarto

distclean: clean  ## also remove the virtual environment
	rm -rf $(VENV)
