#!/usr/bin/env bash
# `npm run fuzz [runs]`: every fuzz surface (test/**/*.fuzz.test.ts) with at least 10,000 cases
# each (default 10000), then the count each surface ran. `npm test` runs the same files with fewer.
set -euo pipefail
source "$(dirname "$0")/ensure-deps.sh"
# The tests expect a wallet built with no default routers (npm start builds one with its own).
unset WEFT_DEFAULT_ROUTERS
source scripts/ensure-chromium.sh
npx vite build --logLevel warn
runs=${1:-10000}
if [ "$runs" -lt 10000 ]; then echo "fuzz: at least 10000 cases per surface" >&2; exit 2; fi
rm -rf test-output/fuzz
WEFT_FUZZ_RUNS=$runs WEFT_TEST_LAYER=fuzz node --test --test-reporter=./test/reporter.ts \
  --test-concurrency=1 --test-timeout=3600000 'test/**/*.fuzz.test.ts'
node -e '
const { readdirSync, readFileSync } = require("node:fs");
const dir = "test-output/fuzz";
for (const f of readdirSync(dir).sort()) {
  const { surface, cases, refused } = JSON.parse(readFileSync(`${dir}/${f}`, "utf8"));
  console.log(`${surface.padEnd(32)} ${String(cases).padStart(7)} cases${refused === undefined ? "" : `, ${refused} refused with a typed error`}`);
}'
