#!/usr/bin/env bash
# `npm run bench [filter]`: builds the extension, then prints every benchmark's figures beside its budget.
set -euo pipefail
source "$(dirname "$0")/ensure-deps.sh"
# The tests expect a wallet built with no default routers (npm start builds one with its own).
unset WEFT_DEFAULT_ROUTERS
source scripts/ensure-chromium.sh
npx vite build --logLevel warn
npx vite build --mode test --logLevel warn
node bench/run.ts "$@"
