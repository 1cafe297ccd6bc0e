#!/bin/sh
# `make test` runs this first: the browser tests drive Debian's chromium (never a downloaded
# browser). Found (CHROMIUM, or chromium / chromium-browser on PATH): exit 0 silently. Missing:
# install it with apt-get when this runs as root on a system with apt-get; otherwise stop at once
# with one line that says what to run.
set -u

found() {
    for candidate in "${CHROMIUM:-}" "$(command -v chromium)" "$(command -v chromium-browser)"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" --version >/dev/null 2>&1; then
            return 0
        fi
    done
    return 1
}

found && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "make test: installing Debian's chromium for the browser tests (apt-get install chromium)"
    if apt-get update -qq >/dev/null \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
        && found; then
        exit 0
    fi
    echo "make test needs Debian's chromium for the browser tests, and \`apt-get install chromium\` failed: run it yourself to see why" >&2
    exit 1
fi

echo "make test needs Debian's chromium for the browser tests: run \`sudo apt-get install chromium\` (or set CHROMIUM to a chromium binary)" >&2
exit 1
