# PrintEdge developer commands. `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
DATA_DIR ?= $(CURDIR)/data
APT_PACKAGES := python3-venv python3-dev
# The panel tests drive Debian's Chromium (never a browser downloaded by Playwright); they skip without it.
CHROMIUM := /usr/bin/chromium
# Slicing runs Debian's PrusaSlicer (its command line, headless); `printedge slice` and the slicer tests need it.
PRUSA_SLICER := prusa-slicer
# The MQTT tests start Debian's mosquitto on free ports; outside CI they skip without it.
MOSQUITTO := /usr/sbin/mosquitto

.PHONY: run test lint bench soak clean system-deps browser slicer broker venv

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

system-deps:
	@if ! $(PYTHON) -c 'import venv, ensurepip' >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES); \
	  else \
	    echo "PrintEdge needs these Debian packages: sudo apt-get install $(APT_PACKAGES)"; exit 1; \
	  fi; \
	fi

browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "The panel tests need Chromium ($(CHROMIUM)): sudo apt-get install chromium; they are skipped without it"; \
	  fi; \
	fi

slicer:
	@if ! command -v $(PRUSA_SLICER) >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prusa-slicer; \
	  else \
	    echo "Slicing needs PrusaSlicer: sudo apt-get install prusa-slicer (or set agents.slicer_path); the slicer tests fail without it"; \
	  fi; \
	fi

broker:
	@if [ ! -x $(MOSQUITTO) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mosquitto; \
	  else \
	    echo "The MQTT tests need mosquitto ($(MOSQUITTO)): sudo apt-get install mosquitto; they are skipped without it"; \
	  fi; \
	fi

run: venv slicer
	PRINTEDGE_DEVICE__DATA_DIR=$(DATA_DIR) $(BIN)/printedge run

# The long link runs (tests/conftest.py) go to a second worker beside the rest, which runs in order.
test: venv browser slicer broker
	$(BIN)/pytest -q -n 2 --dist loadgroup

lint: venv
	$(BIN)/ruff check edge cloud_sync tests bench
	$(BIN)/ruff format --check edge cloud_sync tests bench
	$(BIN)/mypy

bench: venv
	$(BIN)/python bench/run_all.py

# One long print through the service (SOAK_LINES, default 400,000): memory growth, API answer times, link counters.
soak: venv
	$(BIN)/python bench/soak.py

clean:
	rm -rf $(VENV) $(DATA_DIR) .mypy_cache .ruff_cache .pytest_cache test-artifacts
