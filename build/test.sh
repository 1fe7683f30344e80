#!/bin/sh
# Everything `npm test` checks: the static checks of build/lint.sh (types, format, lint, layers,
# dead code) and every test file on Node 24 inside a private D-Bus session with an unlocked
# gnome-keyring on a fresh HOME. The static checks are CPU work and the tests mostly wait on the
# processes they start, so both run at once; the static checks' report is printed as one block
# when they end (well before the tests), and the exit status fails if either failed.
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/node_modules/.bin:$PATH"
export PATH
case "$(node --version)" in
  v2[4-9].*|v[3-9][0-9].*) ;;
  *) echo "tray-cred: tests run on Node 24 or newer, found $(node --version): run them through npm test" >&2; exit 1 ;;
esac
checks=$(mktemp /tmp/tray-cred-checks.XXXXXX)
HOME=$(mktemp -d /tmp/tray-cred-test-home.XXXXXX)
export HOME
trap 'rm -rf "$HOME" "$checks" "$checks.status"' EXIT
( status=0; sh build/lint.sh >"$checks" 2>&1 || status=$?; echo "$status" >"$checks.status"; cat "$checks" ) &
lint_pid=$!
echo "== tests on $(node --version) (the static checks run beside them)"
# Passed through to the tests as the way to reach a Secret Service; the keychain tests also
# start and stop their own D-Bus sessions to test a daemon that is absent or goes away.
# build/run-tests.ts runs the files four at a time (TEST_CONCURRENCY; many wait on the processes they start, so four
# keep two cores busy where three left gaps), as `node --test` does, with a time limit on
# each test (TEST_TIMEOUT_MS, for a test without its own) and on each file (TEST_FILE_TIMEOUT_MS):
# a stuck file is killed with what it started and fails by name. TEST_FILES holds files or globs
# (the runner expands them: set -f); TEST_TIMES=<file> writes each file's wall time there.
# TEST_REPORTER=tap prints TAP (its summary lines are `# tests N`, `# pass N`, `# fail N`);
# the default, spec, is what `node --test` prints (`ℹ tests N`, ...).
tests=0
dbus-run-session -- sh -c '
  eval "$(printf "\n" | gnome-keyring-daemon --unlock --components=secrets --daemonize)"
  export GNOME_KEYRING_CONTROL
  set -f
  exec node build/run-tests.ts --concurrency="${TEST_CONCURRENCY:-4}" --test-reporter="${TEST_REPORTER:-spec}" \
    --test-timeout="${TEST_TIMEOUT_MS:-180000}" --file-timeout="${TEST_FILE_TIMEOUT_MS:-600000}" \
    ${TEST_TIMES:+--times="$TEST_TIMES"} ${TEST_FILES:-test/**/*.test.ts}
' || tests=$?
wait "$lint_pid" || true
lint=$(cat "$checks.status" 2>/dev/null || echo 1)
if [ "$lint" != 0 ]; then
  echo "tray-cred: the static checks failed (their report is above, under == static checks)" >&2
fi
[ "$tests" = 0 ] && [ "$lint" = 0 ]
