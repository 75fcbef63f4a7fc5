#!/usr/bin/env bash
# Sets up everything KB needs on a fresh machine: a virtual environment with the pinned Python
# packages and, for the tests (`bootstrap.sh test`), Debian's chromium for the browser tests and
# the W3C HTML checker (npm's vnu-jar, on Debian's Java).
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-run}"
PYTHON="${PYTHON:-python3}"
VENV=.venv

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' 2>/dev/null; then
  echo "KB needs Python 3.11 or newer as '$PYTHON' (set PYTHON=/path/to/python3.11)." >&2
  exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "==> Creating virtual environment in $VENV"
  "$PYTHON" -m venv "$VENV"
fi

requirements=requirements.txt
[ "$mode" = "test" ] && requirements=requirements-dev.txt
stamp="$VENV/.installed-$(cat requirements.txt "$requirements" | sha256sum | cut -c1-16)-$mode"
if [ ! -f "$stamp" ]; then
  echo "==> Installing Python packages from $requirements"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  touch "$stamp"
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { $SUDO apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if [ "$mode" = "test" ] && [ ! -x /usr/bin/chromium ]; then
  echo "==> Installing Debian's chromium for the browser tests"
  apt_install chromium
fi

# The W3C HTML check (tests/test_w3c_html.py): the Nu checker, vnu.jar, pinned in
# package-lock.json, runs on Java. Java comes from Debian, so npm's install scripts are skipped
# (vnu-jar's own would download a Java runtime from GitHub).
if [ "$mode" = "test" ]; then
  if ! command -v java >/dev/null; then
    echo "==> Installing Debian's Java runtime for the W3C HTML check"
    apt_install default-jre-headless
  fi
  if ! command -v npm >/dev/null; then
    echo "==> Installing Debian's Node.js and npm for the W3C HTML check"
    apt_install nodejs npm
  fi
  npm_stamp="node_modules/.installed-$(sha256sum package-lock.json | cut -c1-16)"
  if [ ! -f "$npm_stamp" ] || [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ]; then
    echo "==> Installing npm packages from package-lock.json"
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    touch "$npm_stamp"
  fi
fi

mkdir -p var
