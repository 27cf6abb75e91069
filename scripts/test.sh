#!/usr/bin/env bash
# The one test command (README: `npm test`): typecheck, lint, build, Firefox lint,
# unit, integration and end-to-end tests in Chromium and Firefox. Stops at the first failing layer.
# The build step writes the production extension (dist/, dist-firefox/) and the test build
# (dist-test/, failpoints compiled in) that the tests arming TTM failpoints load; then the dapp SDK
# (sdk/dist/) and the demo dapp's bundle (demo/build/).
set -euo pipefail
source "$(dirname "$0")/ensure-deps.sh"
# The tests expect a wallet built with no default routers (npm start builds one with its own).
unset WEFT_DEFAULT_ROUTERS
source scripts/ensure-chromium.sh
source scripts/ensure-firefox.sh

step() { printf '\n== %s\n' "$*"; }

step typecheck;   npx tsc --noEmit
step lint;        npx biome check --log-level=error .
step build;       npx vite build --logLevel warn && npx vite build --mode test --logLevel warn \
                  && npm run --silent build:sdk && npm run --silent build:demo
step firefox-lint; node scripts/lint-firefox.ts
# Quiet on success, every detail on failure, one "LAYER: N passed, N failed" line each.
layer() { WEFT_TEST_LAYER=$1 node --test --test-reporter=./test/reporter.ts "${@:2}"; }
step unit;        layer unit 'test/unit/**/*.test.ts'
step integration; layer integration --test-concurrency=1 'test/integration/**/*.test.ts'
step e2e;         layer e2e --test-concurrency=1 'test/e2e/**/*.test.ts'
