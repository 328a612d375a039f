# Two commands on a fresh machine:  `make` (build every output; render the manuscript where Quarto is installed)
# and  `make test`.  The first call creates .venv and installs the project into it.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := all
.PHONY: all build test bench check check-manuscript manuscript manuscript-review submission snapshot diff clean \
        distclean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

QUARTO := $(shell command -v quarto 2>/dev/null)

# Where Quarto is installed, `make` is `python -m analysis render`: the build, then `quarto render` only when
# something the article shows changed (the render key in _manuscript/render.json), into a staging folder that
# replaces _manuscript/ on success. With nothing changed it takes a fraction of a second.
all: $(STAMP)  ## build results, tables, figures and manuscript variables; render the manuscript if Quarto is installed
ifneq ($(QUARTO),)
	$(PY) -m analysis render
else
	$(PY) -m analysis build
	@echo "make: Quarto is not installed, so the manuscript was not rendered (analysis outputs are in build/)."
	@echo "  Install Quarto (bash ../shared/tools/quarto/install.sh, or https://quarto.org/docs/get-started/)"
	@echo "  and run 'make' again."
endif

build: $(STAMP)
	$(PY) -m analysis build

test: $(STAMP)  ## run the test suite (includes the static manuscript check)
	$(PY) -m pytest

bench: $(STAMP)  ## time pool and the engine (k up to 1,000,000), then the build and render, each figure beside its goal
	$(PY) -m analysis.cli.bench
	$(PY) -m analysis.pipeline.benchmark

define need_quarto
	@command -v quarto >/dev/null 2>&1 || { \
	  echo "make $@: Quarto is not installed (or not on PATH)."; \
	  echo "  Install Quarto >= 1.5 (bash ../shared/tools/quarto/install.sh, or https://quarto.org/docs/get-started/)"; \
	  echo "  and run 'make $@' again. The analysis outputs (build/, _variables.yml) are built already."; \
	  exit 1; }
endef

check-manuscript: build  ## static check of the Quarto sources (file:line:column messages), no Quarto needed
	$(PY) -m analysis check-manuscript

# Quarto runs the project's scripts and cells with the interpreter of `python -m analysis render` (QUARTO_PYTHON),
# so VENV=elsewhere works too; the static check runs before every render.
manuscript: $(STAMP)  ## render the web page, DOCX and PDF into _manuscript/ when anything they show changed (needs Quarto)
	$(need_quarto)
	$(PY) -m analysis render

manuscript-review: $(STAMP)  ## double-spaced, line-numbered PDF and DOCX (+ JATS, MECA bundle) into _manuscript-review/
	$(need_quarto)
	$(PY) -m analysis render --profile review

submission: manuscript-review  ## build/submission/ (+ .zip): line-numbered article, MECA, figures, tables, PRISMA checklists
	$(PY) -m analysis submission --no-build

check: $(STAMP)  ## audit every number; report in build/audit.{md,html} (STRICT=1: warnings fail too)
	$(PY) -m analysis check $(if $(STRICT),--strict)

snapshot: $(STAMP)  ## store the current build as _snapshots/NAME (make snapshot NAME=submission-1 [FORCE=1])
	@test -n "$(NAME)" || { echo "usage: make snapshot NAME=submission-1"; exit 2; }
	$(PY) -m analysis snapshot "$(NAME)" $(if $(FORCE),--force)

diff: $(STAMP)  ## numbers changed since a snapshot + marked-up manuscript (make diff BASE=submission-1 [TO=NAME])
	@test -n "$(BASE)" || { echo "usage: make diff BASE=submission-1 [TO=submission-2]"; exit 2; }
	$(PY) -m analysis diff "$(BASE)" $(if $(TO),--to "$(TO)")

clean:  ## remove generated outputs (build/, _manuscript*/, _variables.yml)
	rm -rf build _manuscript _manuscript-review _manuscript*.rendering _variables.yml .quarto

distclean: clean  ## also remove the virtual environment
	rm -rf $(VENV)
