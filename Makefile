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

# promtool (Debian's prometheus package) unit-tests the SLO alert rules (tests/test_slo_rules.py). Installed
# when missing; without it (no root, no apt) `make test` stops here instead of skipping those tests.
$(TOOLS)/.promtool:
	@command -v promtool >/dev/null || (apt-get update -qq && apt-get install -y -qq prometheus) || { \
	  echo "error: promtool is required by tests/test_slo_rules.py and could not be installed;" >&2; \
	  echo "       install Debian's prometheus package (apt-get install prometheus) or put promtool on PATH" >&2; \
	  exit 1; }
	@command -v promtool >/dev/null || { echo "error: promtool is still not on PATH" >&2; exit 1; }
	@mkdir -p $(TOOLS) && touch $@

# Graphviz's `dot` renders `llz graph --output FILE.svg|png`; tests/test_graph.py checks the DOT it is given
# parses. Installed when missing; without it (no root, no apt) `make test` stops here instead of skipping.
$(TOOLS)/.graphviz:
	@command -v dot >/dev/null || (apt-get update -qq && apt-get install -y -qq graphviz) || { \
	  echo "error: Graphviz's dot is required by tests/test_graph.py and could not be installed;" >&2; \
	  echo "       install it (apt-get install graphviz, brew install graphviz) or put dot on PATH" >&2; \
	  exit 1; }
	@command -v dot >/dev/null || { echo "error: Graphviz's dot is still not on PATH" >&2; exit 1; }
	@mkdir -p $(TOOLS) && touch $@

test: $(VENV)/.installed $(TOOLS)/.installed $(TOOLS)/.promtool $(TOOLS)/.graphviz
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)
