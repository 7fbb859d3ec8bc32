#!/usr/bin/env bash
# Every test: README's test command (`cargo test --workspace`, the contributor's loop) plus the
# heavy tests it leaves out, marked `#[ignore = "heavy ..."]` (the mutation corpus over every
# field of two bundles, a real assembly segment of 234 stations proved and verified), and the
# web verifier in Debian's chromium. CI runs all of it (.ci/run).
#   scripts/test-all.sh            everything
#   scripts/test-all.sh --no-web   without the browser test (no chromium needed)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace -- --include-ignored
if [ "${1:-}" != "--no-web" ]; then
  scripts/web.sh test
fi
