#!/usr/bin/env bash
# Check the hand-written stub python/nexus_sre/_core.pyi against the built extension.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python -m mypy.stubtest nexus_sre._core \
    --mypy-config-file pyproject.toml "$@"
