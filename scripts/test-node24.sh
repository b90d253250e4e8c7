#!/usr/bin/env sh
# The test suite on Node 24: the devDependency `node24` (npm:node@24) beside the project's
# Node 22, whose bin stays `node`. Says which Node ran, and refuses any other.
set -eu
cd "$(dirname "$0")/.."
node24=node_modules/node24/bin/node
version="$("$node24" --version)"
case "$version" in
  v24.*) ;;
  *) echo "test:node24: expected Node 24 at $node24, got $version" >&2; exit 1 ;;
esac
echo "test:node24: vitest on Node $version"
exec "$node24" node_modules/vitest/vitest.mjs run "$@"
