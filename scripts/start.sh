#!/usr/bin/env bash
# The main job (README: `npm start`): start the local network, build the extension with its routers
# as the wallet's default list (scripts/start.ts), serve the demo dapp.
set -euo pipefail
source "$(dirname "$0")/ensure-deps.sh"
exec node scripts/start.ts "$@"
