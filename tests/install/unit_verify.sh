#!/usr/bin/env bash
# usage: unit_verify.sh BUILD_DIR
# The systemd unit as installed: cmake --install into a scratch DESTDIR, then
# systemd-analyze verify inside that root, so ExecStart must name the binary the
# install put there (the unit once hard-coded /usr/bin/opensqt while `make install`
# put it in /usr/local/bin). Exit 77 (skipped) where systemd-analyze is absent.
set -euo pipefail
build=$1

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "unit_verify: SKIPPED: systemd-analyze not installed (Debian package systemd)" >&2
    exit 77
fi
tmp=$(mktemp -d /tmp/sqt-unit-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "unit_verify: FAILED: $*" >&2; exit 1; }

DESTDIR=$tmp cmake --install "$build" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "cmake --install"; }
unit=$(find "$tmp" -name 'opensqt@.service' -path '*/systemd/system/*')
[ -n "$unit" ] || fail "opensqt@.service not installed"
grep -q '@[A-Z_]*@' "$unit" && fail "unsubstituted @VAR@ left in $unit"
exe=$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$unit")
[ -x "$tmp$exe" ] || fail "ExecStart names $exe, not installed there"
grep -qx 'RestartPreventExitStatus=2 3' "$unit" || fail "RestartPreventExitStatus is not '2 3'"
grep -q '^StateDirectory=opensqt' "$unit" || fail "no StateDirectory"

# verify resolves the targets the unit pulls in (sysinit.target, ...) under --root:
# give it the system's own unit files there.
sysunits=""
for d in /usr/lib/systemd/system /lib/systemd/system; do
    [ -f "$d/sysinit.target" ] && { sysunits=$d; break; }
done
[ -n "$sysunits" ] || { echo "unit_verify: SKIPPED: no system unit files to verify against" >&2; exit 77; }
mkdir -p "$tmp/usr/lib/systemd"
cp -r "$sysunits" "$tmp/usr/lib/systemd/system"
ln -s opensqt@.service "$(dirname "$unit")/opensqt@test.service"
systemd-analyze verify --man=no --root="$tmp" "$(dirname "$unit")/opensqt@test.service" \
    >"$tmp/verify.log" 2>&1 || { cat "$tmp/verify.log" >&2; fail "systemd-analyze verify"; }
if [ -s "$tmp/verify.log" ]; then
    cat "$tmp/verify.log" >&2
    fail "systemd-analyze verify printed warnings"
fi
echo "unit_verify: ok ($exe)"
