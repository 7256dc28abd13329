#!/usr/bin/env bash
# Installs what the end-to-end tests drive, into .e2e/ at the repository root
# (ignored by git), so `cargo test` finds real clients and never skips:
#   - Debian's headless Chromium, for the board tests (needs root or sudo);
#   - playwright-core from npm, to drive that Chromium over DevTools;
#   - the official MCP Python SDK from PyPI, in a virtual environment;
#   - the hook managers the hook tests install into: husky and lefthook
#     from npm, the pre-commit framework from PyPI;
#   - zsh and fish from Debian, whose completion scripts are tested.
# Running it again is cheap: each part is skipped when already in place.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD/.e2e
mkdir -p "$root"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v zsh >/dev/null || ! command -v fish >/dev/null; then
  echo "== installing zsh and fish (Debian), for the completion tests"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq zsh fish >/dev/null
fi

if ! command -v chromium >/dev/null; then
  echo "== installing chromium (Debian)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi

if [ ! -d "$root/node/node_modules/playwright-core" ] || [ ! -d "$root/node/node_modules/husky" ] \
   || [ ! -x "$root/node/node_modules/.bin/lefthook" ]; then
  echo "== installing playwright-core, husky and lefthook (npm) into .e2e/node"
  mkdir -p "$root/node"
  # --ignore-scripts: lefthook's postinstall would install its hooks into
  # this repository's .git/hooks (its binary comes as a dependency anyway).
  npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$root/node" \
    playwright-core@1 husky@9 lefthook@1 >/dev/null
fi

if [ ! -x "$root/venv/bin/python" ] || ! "$root/venv/bin/python" -c 'import mcp' 2>/dev/null \
   || [ ! -x "$root/venv/bin/pre-commit" ]; then
  echo "== installing the MCP Python SDK and pre-commit (PyPI) into .e2e/venv"
  python3 -m venv "$root/venv"
  "$root/venv/bin/pip" install --quiet --disable-pip-version-check 'mcp>=1.20' 'pre-commit>=3'
fi
echo "== end-to-end tools ready in .e2e/"
