#!/usr/bin/env bash
# Sets up everything KB needs on a fresh machine: a virtual environment with the pinned Python
# packages and, for the browser tests (`bootstrap.sh test`), Debian's chromium.
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

if [ "$mode" = "test" ] && [ ! -x /usr/bin/chromium ]; then
  echo "==> Installing Debian's chromium for the browser tests"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

mkdir -p var
