#!/usr/bin/env bash
# Runs the test suite on another Node.js version than the one `npm ci` ran with, e.g. the line the images run:
#
#   bash scripts/test-on-node.sh 24.22.3                      # the whole `npm test`
#   bash scripts/test-on-node.sh 24.22.3 packages/chat/src    # `vitest run` on these files or folders only
#
# Node.js comes from the npm registry's `node-linux-<arch>@<version>` package (the nodejs.org binary, headers
# included), kept in ~/.cache/ownchat/node/<version> ($XDG_CACHE_HOME honoured), and goes first on PATH, so the
# tests, npm and every `ownchat` process they start run on it. The checkout's node_modules stays as npm ci made it:
# its one module built against V8's ABI rather than Node-API, better-sqlite3, is compiled once more for that version
# from a copy of its source, into the same cache (a few minutes, once per version; nothing is downloaded), and
# scripts/sqliteBindingHook.mjs, preloaded into every process of the run, loads that binary instead of the
# checkout's. The other native modules (node-llama-cpp, node-pty, reflink, lightningcss, rolldown) are Node-API and
# load on any version.
#
# Not in CI (CI runs the suite once, on the Node.js in .github/workflows); run it when Node.js moves.
set -euo pipefail

version="${1:?usage: test-on-node.sh <node version, e.g. 24.22.3> [test files or folders]}"
shift
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/ownchat/node/${version}"
say() { echo "test-on-node: $*"; }

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) say "no node-linux-* package for $(uname -m)"; exit 1 ;;
esac
if [ ! -x "$cache/node/bin/node" ]; then
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent "node-linux-${arch}@${version}" >/dev/null) ||
    { rm -rf "$work"; say "npm could not fetch node-linux-${arch}@${version} (is ${version} a Node.js release?)"; exit 1; }
  tar -xzf "$work/node-linux-${arch}-${version}.tgz" -C "$work"
  mkdir -p "$cache"
  rm -rf "$cache/node"
  mv "$work/package" "$cache/node"
  rm -rf "$work"
fi
node="$cache/node/bin/node"
nodebin="$cache/node/bin"
# As root, deploy/docker/runtimeTree.test.ts runs node (process.execPath) as the images' user, uid 10001, which
# cannot reach into root's 0700 home: that run gets the binary linked into a folder anyone may enter, as
# /usr/local/bin/node is in the images.
if [ "$(id -u)" = 0 ] && ! setpriv --reuid=10001 --regid=10001 --clear-groups test -x "$node" 2>/dev/null; then
  nodebin="$(mktemp -d "${TMPDIR:-/tmp}/ownchat-node-${version}-XXXXXX")/bin"
  trap 'rm -rf "$(dirname "$nodebin")"' EXIT
  mkdir -p "$nodebin"
  chmod 755 "$(dirname "$nodebin")"
  ln "$node" "$nodebin/node" 2>/dev/null || cp "$node" "$nodebin/node"
  node="$nodebin/node"
fi
export PATH="$nodebin:$PATH"
say "node $("$node" --version) ($node), npm $(npm --version)"

# better-sqlite3 for this version's ABI, unless the checkout's build already is.
sqlite="$root/node_modules/better-sqlite3"
abi=$("$node" -p process.versions.modules)
if ! "$node" -e "process.dlopen({ exports: {} }, '$sqlite/build/Release/better_sqlite3.node')" 2>/dev/null; then
  sqlite_version=$("$node" -p "require('$sqlite/package.json').version")
  binding="$cache/better-sqlite3-${sqlite_version}-abi${abi}/better_sqlite3.node"
  if [ ! -f "$binding" ]; then
    # npm's own node-gyp, against the headers in the node package (so node-gyp downloads none).
    gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
    [ -f "$gyp" ] || { say "npm's node-gyp is not at $gyp"; exit 1; }
    work=$(mktemp -d)
    cp -r "$sqlite" "$work/better-sqlite3"
    rm -rf "$work/better-sqlite3/build"
    say "compiling better-sqlite3 ${sqlite_version} for ABI ${abi} (once for this version)"
    started=$SECONDS
    (cd "$work/better-sqlite3" && nice -n 10 "$node" "$gyp" rebuild --release --nodedir="$cache/node" \
      --jobs="$(nproc)" >"$work/build.log" 2>&1) || { tail -30 "$work/build.log"; rm -rf "$work"; exit 1; }
    mkdir -p "$(dirname "$binding")"
    cp "$work/better-sqlite3/build/Release/better_sqlite3.node" "$binding.part"
    mv "$binding.part" "$binding"
    rm -rf "$work"
    say "better-sqlite3 compiled in $((SECONDS - started)) s"
  fi
  "$node" -e "process.dlopen({ exports: {} }, '$binding')" ||
    { say "$binding does not load on this version"; exit 1; }
  # Node.js before 22.15 has no module.registerHooks to redirect the load with.
  "$node" -e "process.exit(typeof require('node:module').registerHooks === 'function' ? 0 : 1)" ||
    { say "Node.js $version cannot redirect better-sqlite3's binary (module.registerHooks needs 22.15 or newer)"; exit 1; }
  export OWNCHAT_TEST_SQLITE_BINDING="$binding"
  export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--import=$root/scripts/sqliteBindingHook.mjs"
  say "better-sqlite3: $binding"
fi

cd "$root"
started=$SECONDS
status=0
if [ $# -gt 0 ]; then
  npx vitest run "$@" || status=$?
else
  npm test || status=$?
fi
say "node $version: exit ${status} after $((SECONDS - started)) s"
exit "$status"
