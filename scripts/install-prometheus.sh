#!/usr/bin/env bash
# Fetch Debian's prometheus and prometheus-alertmanager packages and unpack them (no install,
# no root needed for the unpacking) into a cache folder the Prometheus tests look in.
# Idempotent: when the binaries are already unpacked it only prints where they are.
#
#   scripts/install-prometheus.sh [CACHE_DIR]     default: $REPO/.cache/prometheus
#
# The tests find the binaries in $REPO/.cache/prometheus/bin or in $NEXUS_PROMETHEUS_BIN_DIR.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${1:-$REPO/.cache/prometheus}"
BIN="$CACHE/bin"
PACKAGES=(prometheus prometheus-alertmanager)

have_all() {
    [ -x "$BIN/prometheus" ] && [ -x "$BIN/promtool" ] && [ -x "$BIN/alertmanager" ]
}

if ! have_all; then
    rm -rf "$CACHE/debs" "$CACHE/root"  # a half-finished earlier run leaves nothing behind
    mkdir -p "$CACHE/debs" "$CACHE/root" "$BIN"
    cd "$CACHE/debs"
    if ! apt-get download "${PACKAGES[@]}" >/dev/null 2>&1; then
        # A fresh container has empty package lists: refresh them once, then retry.
        SUDO=""
        if [ "$(id -u)" -ne 0 ]; then
            SUDO="sudo"
        fi
        $SUDO apt-get update -qq >/dev/null
        apt-get download "${PACKAGES[@]}" >/dev/null
    fi
    for deb in "$CACHE"/debs/*.deb; do
        dpkg-deb -x "$deb" "$CACHE/root"
    done
    ln -sf "$CACHE/root/usr/bin/prometheus" "$BIN/prometheus"
    ln -sf "$CACHE/root/usr/bin/promtool" "$BIN/promtool"
    # Debian names the binary prometheus-alertmanager; upstream tarballs call it alertmanager.
    if [ -x "$CACHE/root/usr/bin/prometheus-alertmanager" ]; then
        ln -sf "$CACHE/root/usr/bin/prometheus-alertmanager" "$BIN/alertmanager"
    else
        ln -sf "$CACHE/root/usr/bin/alertmanager" "$BIN/alertmanager"
    fi
    have_all || { echo "install-prometheus: binaries missing after unpacking" >&2; exit 1; }
fi

# Debian's alertmanager reads its notification templates from a fixed system path, not
# relative to the binary: put them there when missing, or it refuses to start.
TMPL_DIR=/usr/share/prometheus/alertmanager
if [ -d "$CACHE/root$TMPL_DIR" ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
    fi
    for tmpl in "$CACHE/root$TMPL_DIR"/*.tmpl; do
        [ -f "$TMPL_DIR/$(basename "$tmpl")" ] || $SUDO install -D -m 0644 "$tmpl" "$TMPL_DIR/$(basename "$tmpl")"
    done
fi

for name in prometheus promtool alertmanager; do
    echo "$name: $BIN/$name"
done
