#!/usr/bin/env bash
# Install Debian's `chromium` for the HTML report tests (headless rendering).
# Idempotent and quiet: does nothing when chromium is on PATH; apt output is shown
# only when something fails.
set -euo pipefail

for bin in chromium chromium-browser; do
    if command -v "$bin" >/dev/null 2>&1; then
        exit 0
    fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
# fonts-dejavu-core gives the report's text and SVG labels real glyphs.
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends \
        chromium fonts-dejavu-core; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-chromium.sh: apt-get failed" >&2
    exit 1
fi
command -v chromium >/dev/null
