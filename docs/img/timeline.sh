#!/usr/bin/env bash
# Regenerates docs/img/timeline.png, the README's picture: `tokenward explain --format html` of one
# bundled test case, rendered by headless Chromium.
#   bash docs/img/timeline.sh [TOKENWARD] [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/release/tokenward}
out=${2:-docs/img/timeline.png}
browser=${TOKENWARD_CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" explain aitm-session-replay \
  rules/tests/aitm-session-replay/stolen-cookie-import.sentinel.json --format html > "$tmp/timeline.html"
HOME=$tmp timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
  --user-data-dir="$tmp/profile" --window-size=1100,760 --screenshot="$tmp/timeline.png" \
  "file://$tmp/timeline.html" >/dev/null 2>&1
cp "$tmp/timeline.png" "$out"
echo "wrote $out"
