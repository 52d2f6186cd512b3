#!/usr/bin/env bash
# Runs the dashboard browser test: installs playwright-core (pinned in package-lock.json) when
# node_modules is missing or older than the lock file, then drives Debian's chromium
# (/usr/bin/chromium, from scripts/install-deps) against the electd binary.
#   tests/browser/run.sh [path/to/electd]      (or ELECTD_BIN=...; ELECTD_ARTIFACTS for screenshots)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v node >/dev/null || { echo "run.sh: node is not installed" >&2; exit 1; }
stamp="$here/node_modules/.electd-lock"
lock_sum="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [ ! -d "$here/node_modules/playwright-core" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
  echo "$lock_sum" > "$stamp"
fi
exec node "$here/dashboard.test.mjs" "$@"
