#!/bin/sh
# Install headless Chromium and its WebDriver (Debian packages chromium, chromium-driver)
# for the HTML report test, unless both are already on PATH. Quiet; exits non-zero with
# a message on stderr when they cannot be installed.
set -eu

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi

if [ "$(id -u)" = "0" ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "install-chromium: chromium/chromedriver missing and not root (no passwordless sudo);" \
        "install the Debian packages chromium and chromium-driver" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-chromium: apt-get not found; install chromium and chromedriver by hand" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { $SUDO apt-get update -qq && \
       $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver; } \
       >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "install-chromium: apt-get failed to install chromium and chromium-driver" >&2
    exit 1
fi

for bin in chromium chromedriver; do
    if ! command -v "$bin" >/dev/null 2>&1; then
        echo "install-chromium: $bin still not on PATH after installation" >&2
        exit 1
    fi
done
