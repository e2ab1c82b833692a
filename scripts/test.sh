#!/usr/bin/env bash
# The test command: installs what the tests need, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-deps.sh
# Unit and integration tests; benches are compile-checked by clippy --all-targets in .ci/run.
cargo test --locked --lib --bins --tests
