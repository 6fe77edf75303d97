#!/usr/bin/env bash
# Install everything the tests need on a fresh machine and run them.
#   - Debian: Prometheus + Alertmanager (unpacked into .cache/), headless Chromium
#   - Python: this package (Rust extension built in release mode) with the [test] extra
#   - then pytest over tests/ and the benchmarks in quick mode (each benchmark once)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-prometheus.sh >/dev/null
bash scripts/install-chromium.sh
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'

python3 -m pytest tests "$@"
NEXUS_BENCH_QUICK=1 python3 -m pytest benches -q -p no:cacheprovider
