#!/usr/bin/env bash
# Makes this machine ready for the test suite, or fails within seconds saying what to run.
# Used by `npm test` (and test:integration / test:browser) and by .ci/run.
#   - PostgreSQL on 127.0.0.1:5432 (integration tests run on PGlite AND on a real server):
#     started with pg_ctlcluster when installed but stopped.
#   - Debian's chromium (the browser test drives /usr/bin/chromium; never a browser download):
#     installed with apt-get when missing and we are root.
# Usage: scripts/setup-test-env.sh [postgres] [chromium]   (both when no argument is given)
set -uo pipefail

wants() { [ "$#" -eq 0 ] || [[ " ${ARGS} " == *" $1 "* ]]; }
ARGS="$*"
failed=0

if [ -z "$ARGS" ] || wants postgres; then
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    version="$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)"
    if [ -n "$version" ] && command -v pg_ctlcluster >/dev/null 2>&1; then
      pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
      for _ in 1 2 3 4 5 6 7 8 9 10; do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.5; done
    fi
    if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
      echo "setup-test-env: PostgreSQL is not accepting connections on 127.0.0.1:5432." >&2
      if [ -n "$version" ]; then
        echo "  start it:   pg_ctlcluster --skip-systemctl-redirect $version main start" >&2
      else
        echo "  install it: apt-get install -y postgresql && pg_ctlcluster --skip-systemctl-redirect 15 main start" >&2
      fi
      echo "  (trust auth on loopback, or set ANTIDOTE_TEST_PG_URL)" >&2
      failed=1
    fi
  fi
fi

if [ -z "$ARGS" ] || wants chromium; then
  if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "setup-test-env: installing Debian chromium for the browser test ..." >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 || true
    fi
    if [ ! -x /usr/bin/chromium ]; then
      echo "setup-test-env: /usr/bin/chromium is missing; install it: sudo apt-get install -y chromium" >&2
      failed=1
    fi
  fi
fi

exit "$failed"
