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

# Debian tools the tests use (command:package): promtool unit-tests the SLO alert rules (tests/test_slo_rules.py),
# Graphviz's dot checks and renders `llz graph` output (tests/test_graph.py). Installed when missing; without
# them (no root, no apt) `make test` stops here with the reason instead of letting tests skip.
DEBIAN_TOOLS := promtool:prometheus dot:graphviz
$(TOOLS)/.debian:
	@missing=""; for t in $(DEBIAN_TOOLS); do command -v $${t%%:*} >/dev/null || missing="$$missing $${t##*:}"; done; \
	if [ -n "$$missing" ]; then apt-get update -qq && apt-get install -y -qq $$missing || true; fi; \
	for t in $(DEBIAN_TOOLS); do command -v $${t%%:*} >/dev/null || { \
	  echo "error: $${t%%:*} (Debian package $${t##*:}) is required by the tests and could not be installed;" >&2; \
	  echo "       apt-get install $${t##*:} (or put $${t%%:*} on PATH), then run make test again" >&2; exit 1; }; done
	@mkdir -p $(TOOLS) && touch $@

test: $(VENV)/.installed $(TOOLS)/.installed $(TOOLS)/.debian
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)
