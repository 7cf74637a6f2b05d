# Two set-up commands, both self-contained on a machine with Python 3.11 and make:
#   make preview [STACK=aws-dev]   create .venv, install, plan a stack offline
#   make test                      create .venv (+ .venv-tools for checkov), install, run every test
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
TOOLS := .venv-tools
STACK ?= aws-dev
PYTEST_ARGS ?= -n auto  # pytest-xdist: one worker per core (2 on CI)

.PHONY: preview test

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e ".[dev]"
	touch $@

# checkov pins boto3/packaging versions that clash with pulumi: it gets a virtualenv of its own.
$(TOOLS)/.installed:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS)/bin/python -m pip install --quiet "checkov>=3.2,<4"
	touch $@

preview: $(VENV)/.installed
	$(VENV)/bin/llz preview $(STACK)

test: $(VENV)/.installed $(TOOLS)/.installed
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)
