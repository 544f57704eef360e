#!/usr/bin/env bash
# The zoo systems of recipes/zoo/ on ../shared/data/dev beside erbdf (see benchmarks/zoo_dev.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
"$PYTHON" benchmarks/zoo_dev.py "$@"
