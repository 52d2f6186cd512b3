#!/usr/bin/env bash
# The install rules and the systemd unit: stages `cmake --install` into a temporary DESTDIR,
# checks every file lands where the unit and the docs say, runs the installed binary on the
# installed configuration, and runs `systemd-analyze verify` on the installed unit (ExecStart
# pointed at the staged binary, since verify insists the command exists).
#   tests/install_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:?usage: install_test.sh BUILD_DIR}" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
fail() { echo "install_test: $*" >&2; exit 1; }

DESTDIR=$stage cmake --install "$build" >"$stage.log" 2>&1 || { cat "$stage.log" >&2; fail "cmake --install failed"; }
rm -f "$stage.log"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
[[ $prefix == /usr ]] || fail "the default prefix should be /usr, not $prefix"

for f in usr/bin/electd usr/lib/systemd/system/electd.service usr/lib/sysusers.d/electd.conf usr/lib/tmpfiles.d/electd.conf \
         etc/electd/electd.toml usr/share/electd/ge2024/reference/constituencies.csv \
         usr/share/electd/ge2024/reference/models/models.csv usr/share/electd/README.md \
         usr/share/doc/electd/README.md usr/share/doc/electd/openapi.yaml; do
  [[ -e $stage/$f ]] || fail "not installed: /$f"
done
[[ -x $stage/usr/bin/electd ]] || fail "/usr/bin/electd is not executable"
[[ $(stat -c %a "$stage/etc/electd/electd.toml") == 640 ]] || fail "/etc/electd/electd.toml should be 0640 (webhook secrets)"

# The unit and the configuration agree with each other and with the binary.
unit=$stage/usr/lib/systemd/system/electd.service
grep -qx 'ExecStart=/usr/bin/electd serve --config /etc/electd/electd.toml' "$unit" || fail "ExecStart is not the installed binary and config"
grep -qx 'Type=notify' "$unit" || fail "the unit is not Type=notify"
grep -q '^db = "/var/lib/electd/electd.db"' "$stage/etc/electd/electd.toml" || fail "the config's db is not in StateDirectory"
grep -qx 'StateDirectory=electd' "$unit" || fail "no StateDirectory=electd"
"$stage/usr/bin/electd" check-config "$stage/etc/electd/electd.toml" >/dev/null || fail "the installed config does not pass check-config"
"$stage/usr/bin/electd" version | grep -q electd || fail "the installed binary does not run"

# The service user, and the configuration readable by its group (what a package's postinst does).
systemd-sysusers --root="$stage" >/dev/null 2>&1 || fail "systemd-sysusers could not create the electd user"
gid=$(awk -F: '$1 == "electd" { print $3 }' "$stage/etc/group")
[[ -n $gid ]] || fail "sysusers.d did not create the electd group"
systemd-tmpfiles --root="$stage" --create "$stage/usr/lib/tmpfiles.d/electd.conf" || fail "systemd-tmpfiles failed"
[[ $(stat -c %g "$stage/etc/electd/electd.toml") == "$gid" ]] || fail "/etc/electd/electd.toml is not in the electd group"

# A second install keeps an operator's edited configuration.
echo '# edited' >>"$stage/etc/electd/electd.toml"
DESTDIR=$stage cmake --install "$build" >/dev/null
tail -1 "$stage/etc/electd/electd.toml" | grep -qx '# edited' || fail "a reinstall overwrote /etc/electd/electd.toml"

# systemd's own check of the unit: directives, sandboxing options, commands.
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (scripts/install-deps installs systemd)"
sed "s|^ExecStart=/usr/bin/electd|ExecStart=$stage/usr/bin/electd|" "$unit" >"$stage/electd.service"
if ! out=$(systemd-analyze verify --man=no "$stage/electd.service" 2>&1) || [[ -n $out ]]; then
  echo "$out" >&2
  fail "systemd-analyze verify found problems in the unit"
fi
echo "install_test: $(find "$stage" -type f | wc -l) files installed; the unit verifies"
