# Sourced by start.sh and test.sh: installs what a fresh clone needs.
# npm packages (including the pinned Node runtime, see README "Runtime") when
# package-lock.json changed since the last install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stamp=node_modules/.weft-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "weft: installing npm packages"
  # npm install, not npm ci: this registry's lock files omit other platforms' optional
  # packages (biome, rolldown), which makes npm ci refuse an otherwise good lock.
  npm install --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

# Every later command resolves `node` to the pinned runtime in node_modules/.bin.
export PATH="$PWD/node_modules/.bin:$PATH"
