#!/usr/bin/env bash
# Runs the whole test suite: builds the solution, then every test project. The tests start what they
# need themselves (PostgreSQL from the local binaries, the upstream fixture server, the Aspire stack);
# headless Chromium for the browser test is installed here from Debian's packages when missing.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        echo "Installing Debian chromium for the browser tests..."
        (apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; })
    else
        echo "chromium is missing: run 'sudo apt-get install chromium' for the browser tests." >&2
    fi
fi

dotnet build Kasparro.sln -c Debug -warnaserror -nologo -v q

log=$(mktemp)
status=0
dotnet test Kasparro.sln --no-build -c Debug --logger "console;verbosity=normal" 2>&1 | tee "$log" || status=$?

# One closing line for whoever reads the log: the totals over every test project (the summary block
# each project prints: "Passed: N", "Failed: N", "Skipped: N").
awk '/^ *(Passed|Failed|Skipped): *[0-9]+ *$/ { gsub(/ /, ""); split($0, kv, ":"); total[kv[1]] += kv[2] }
     END { printf "%d passed, %d failed, %d skipped\n", total["Passed"], total["Failed"], total["Skipped"] }' "$log"
rm -f "$log"
exit $status
