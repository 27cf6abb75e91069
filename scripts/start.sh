#!/usr/bin/env bash
# The main job (README: `npm start`): build the extension, start the local network, serve the demo dapp.
set -euo pipefail
source "$(dirname "$0")/ensure-deps.sh"
npx vite build --logLevel warn
exec node scripts/start.ts "$@"
