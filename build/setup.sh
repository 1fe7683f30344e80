#!/bin/sh
# Installs the npm dependencies (among them Node 24, from the registry's `node` package, which
# npm scripts put first on PATH) when the lockfile changed, then bundles the helper and the CLI.
set -eu
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
fi
node_modules/.bin/node build/bundle.ts
