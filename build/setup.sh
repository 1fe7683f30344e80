#!/bin/sh
# Installs the npm dependencies (among them Node 24, from the registry's `node` package, which
# npm scripts put first on PATH) when the lockfile changed, then bundles the helper and the CLI
# when a source is newer than the last bundle (npm start and npm run agent start in a second,
# not after a 12-14 s build, when nothing changed). `npm run build` always bundles.
set -eu
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
fi
stamp=dist/.built
if [ -f "$stamp" ] && [ -z "$(find common helper main preload renderer build package.json package-lock.json tsconfig.json node_modules/.package-lock.json -newer "$stamp" -type f -print 2>/dev/null | head -n 1)" ]; then
  exit 0
fi
# Stamped with the time the bundle started: a source saved while it runs is newer, and is built next time.
mkdir -p dist
touch dist/.building
node_modules/.bin/node build/bundle.ts
mv dist/.building "$stamp"
