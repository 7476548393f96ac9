#!/usr/bin/env bash
# The browser tests drive Debian's chromium; install it when missing and we may.
set -euo pipefail
# A CJK font too: without one, screenshots of the Chinese pages show empty boxes.
if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "wqy\|noto.*cjk"; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests…"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
  exit 0
fi
echo "The browser tests need Debian's chromium: run 'sudo apt-get install chromium fonts-wqy-microhei' and retry." >&2
exit 1
