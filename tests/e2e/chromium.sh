#!/bin/sh
# `make test` runs this first: the browser tests drive Debian's chromium (never a downloaded
# browser). Found (CHROMIUM, or chromium / chromium-browser on PATH): exit 0 silently. Missing:
# install it with apt-get when this runs as root on a system with apt-get; otherwise stop at once
# with one line that says what to run. The same for Pango (libpangoft2), which WeasyPrint loads
# for the plan's PDF: Debian's chromium usually brings it along.
set -u

found() {
    for candidate in "${CHROMIUM:-}" "$(command -v chromium)" "$(command -v chromium-browser)"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" --version >/dev/null 2>&1; then
            return 0
        fi
    done
    return 1
}

has_pango() {
    [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || return 1
    ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1\.0\.so\.0' && return 0
    for dir in /usr/lib/*-linux-gnu /usr/lib /lib/*-linux-gnu; do
        ls "$dir"/libpangoft2-1.0.so.0* >/dev/null 2>&1 && return 0
    done
    return 1
}

pango() {
    has_pango && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "make test: installing Pango for the plan's PDF (apt-get install libpangoft2-1.0-0 fonts-dejavu-core)"
        if apt-get update -qq >/dev/null \
            && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpangoft2-1.0-0 fonts-dejavu-core >/dev/null \
            && has_pango; then
            return 0
        fi
        echo "make test needs Pango (libpangoft2) and the DejaVu fonts for the plan's PDF (WeasyPrint), and \`apt-get install libpangoft2-1.0-0 fonts-dejavu-core\` failed: run it yourself to see why" >&2
        exit 1
    fi
    echo "make test needs Pango (libpangoft2) and the DejaVu fonts for the plan's PDF (WeasyPrint): run \`sudo apt-get install libpangoft2-1.0-0 fonts-dejavu-core\`" >&2
    exit 1
}

found && pango && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "make test: installing Debian's chromium for the browser tests (apt-get install chromium)"
    if apt-get update -qq >/dev/null \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
        && found; then
        pango && exit 0
    fi
    echo "make test needs Debian's chromium for the browser tests, and \`apt-get install chromium\` failed: run it yourself to see why" >&2
    exit 1
fi

echo "make test needs Debian's chromium for the browser tests: run \`sudo apt-get install chromium\` (or set CHROMIUM to a chromium binary)" >&2
exit 1
