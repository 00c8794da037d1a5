#!/bin/sh
# Install the Debian packages OpenSQT-C needs to build and test, only those missing.
# Idempotent and silent when everything is present. Needs root (or sudo) only when
# something is missing.
set -eu

PKGS="gcc make cmake pkg-config binutils ca-certificates openssl
libuv1-dev libcurl4-openssl-dev libssl-dev libjansson-dev libyaml-dev
libcunit1-dev libwslay-dev libhttp-parser-dev libsqlite3-dev libjsmn-dev zlib1g-dev nettle-dev libjemalloc-dev
jq curl python3 python3-prometheus-client"
# zlib1g-dev: the backtest reads gzip-compressed data (.csv.gz). nettle-dev: the plugin
# kit's HMAC signatures. libjemalloc-dev: the host's allocator, its heap on huge pages
# (host/memalloc.h; OPENSQT_JEMALLOC=OFF builds without it).
# jq and curl: the README's emulator commands. python3-prometheus-client: the metrics
# test checks /metrics with a real Prometheus parser. systemd (systemd-analyze, for the
# unit's test) is not installed here: ~16 MB with libsystemd-shared, and installing an
# init system into a build container is more than a test is worth; that test skips,
# saying so, where the tool is absent.

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-deps: need root to install:$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
