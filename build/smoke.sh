#!/bin/sh
# The smoke test of a packaged app in the real Electron runtime (the release workflow runs it after
# `npm run dist`): sh build/smoke.sh <the unpacked app's executable>, e.g.
# dist/release/linux-unpacked/tray-cred. It runs test/smoke/packaged-app.test.ts with TRAY_CRED_APP
# set to it; on Linux under xvfb (Electron needs a display) in a private D-Bus session with an
# unlocked gnome-keyring, as npm test runs. Without an argument that test runs in npm test against
# the stand-in `electron` instead.
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/node_modules/.bin:$PATH"
export PATH
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
  echo "tray-cred: sh build/smoke.sh <packaged app executable>: ${1:-no path given} is not a file; \`npm run dist\` makes one under dist/release" >&2
  exit 2
fi
# As given (relative to the checkout): the test resolves it, since Git Bash's $PWD (/d/a/...) is no path to Node on Windows.
TRAY_CRED_APP=$1
export TRAY_CRED_APP
# node --test itself: build/run-tests.ts keeps its scratch folder in /tmp and watches /proc, both Linux's.
tests="node --test --test-timeout=180000 test/smoke/packaged-app.test.ts"
if [ "$(uname -s)" = Linux ]; then
  # A fresh HOME for the private keyring (macOS and Windows keep theirs: the login keychain and the Credential Manager are the user's).
  HOME=$(mktemp -d /tmp/tray-cred-smoke-home.XXXXXX)
  export HOME
  exec xvfb-run -a dbus-run-session -- sh -c '
    eval "$(printf "\n" | gnome-keyring-daemon --unlock --components=secrets --daemonize)"
    export GNOME_KEYRING_CONTROL
    exec '"$tests"
fi
exec $tests
