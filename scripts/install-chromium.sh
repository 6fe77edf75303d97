#!/usr/bin/env bash
# Install Debian's headless-capable `chromium` for the HTML report tests.
# Idempotent: does nothing when a chromium binary is already on PATH.
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

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# --no-install-recommends keeps it small; fonts-dejavu-core gives the SVG text real glyphs.
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
command -v chromium >/dev/null
