# The template's own development: `make` lists the targets.
# Everything runs from .venv, which `make dev` creates with the pinned tools of requirements-dev.txt.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.DEFAULT_GOAL := help
.PHONY: help dev demo test test-fast lint generate bench forbidden-names clean

help: ## Show this list
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed (PYTHON=$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

dev: $(BIN)/.installed ## Create .venv with the template's tools (cookiecutter, copier, poetry, pytest)

demo: dev ## Render the default project, install it, run its pipeline and tests, show its metrics
	$(BIN)/python -m tools.demo

test: dev ## Run the template's whole test suite (renders, parity, and generated projects' own checks)
	$(BIN)/python -m pytest -n 2 --dist loadgroup --no-loadscope-reorder --durations=30

test-fast: dev ## The quick tests: not those that install generated projects or walk them through releases (2 minutes)
	$(BIN)/python -m pytest -n 2 --dist loadgroup --no-loadscope-reorder -m "not slow"

lint: dev ## Lint the template's own Python (hooks, tools, tests); check that the generated question files are current
	$(BIN)/ruff check hooks tools tests
	$(BIN)/ruff format --check hooks tools tests
	$(BIN)/python -m tools.questions --check

generate: dev ## Write cookiecutter.json, copier.yml's questions, hooks/questions.json and the options tables from questions.yaml
	$(BIN)/python -m tools.questions

bench: dev ## Print the template's and its projects' figures beside their goals (VARIANTS=default,pytorch; REF=<git ref> beside)
	$(BIN)/python -m tools.bench --variants '$(VARIANTS)' --ref '$(REF)'

forbidden-names: dev ## Regenerate hooks/forbidden_names.json from the environment of a project with every option on (minutes)
	$(BIN)/python -m tools.forbidden_names

clean: ## Remove build/ (demo and benchmark projects) and caches; keeps .venv
	rm -rf build .pytest_cache .ruff_cache
