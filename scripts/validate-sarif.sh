#!/usr/bin/env bash
# Checks lenslint's SARIF the way GitHub code scanning ingests it: runs lenslint on examples/
# and fixtures/, then Microsoft's SARIF Multitool (`validate --rule-kind "Gh;Ghas"`, the rules
# GitHub's upload applies) on each log, and fails on any error or warning it reports.
# The Multitool comes from the npm registry (@microsoft/sarif-multitool-linux, a self-contained
# binary) and is cached under target/sarif-multitool/. Exits 3 when npm or node is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

MULTITOOL_VERSION=5.7.0
CACHE="target/sarif-multitool"
OUT="target/sarif-validate"
TOOL="$CACHE/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "validate-sarif: npm and node are needed to install the SARIF Multitool; not found" >&2
    exit 3
fi

if [ ! -f "$TOOL" ] || ! grep -q "\"version\": \"$MULTITOOL_VERSION\"" \
    "$CACHE/node_modules/@microsoft/sarif-multitool-linux/package.json" 2>/dev/null; then
    echo "validate-sarif: installing @microsoft/sarif-multitool-linux@$MULTITOOL_VERSION into $CACHE"
    mkdir -p "$CACHE"
    npm install --prefix "$CACHE" --no-audit --no-fund --no-package-lock --loglevel=error \
        "@microsoft/sarif-multitool-linux@$MULTITOOL_VERSION"
fi
# npm may skip the package's postinstall (chmod), so make the binary executable here.
chmod u+x "$TOOL"

cargo build --locked --quiet --bin lenslint
LENSLINT="${CARGO_TARGET_DIR:-target}/debug/lenslint"

rm -rf "$OUT"
mkdir -p "$OUT"

# name, then lenslint arguments. Exit 0/1 (findings) and 2 (unparsable inputs, reported as
# notifications in the log) are expected; anything else (a crash) fails the check.
run_scan() {
    local name="$1"
    shift
    local rc=0
    "$LENSLINT" scan --format sarif --output "$OUT/$name.sarif" "$@" || rc=$?
    if [ "$rc" -gt 2 ]; then
        echo "validate-sarif: lenslint scan $* exited $rc" >&2
        exit 1
    fi
}
run_scan examples examples/
run_scan fixtures fixtures/
run_scan report --rules fixtures/report/rules fixtures/report/

status=0
for log in "$OUT"/*.sarif; do
    case "$log" in *.validation.sarif) continue ;; esac
    verdict="${log%.sarif}.validation.sarif"
    if ! DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$TOOL" validate --rule-kind "Gh;Ghas" \
        --log ForceOverwrite -o "$verdict" "$log" >"$verdict.log" 2>&1 || [ ! -s "$verdict" ]; then
        cat "$verdict.log" >&2
        echo "validate-sarif: the SARIF Multitool did not run on $log" >&2
        status=1
        continue
    fi
    # The Multitool exits 0 even when rules fire: read its verdict log instead.
    if ! node -e '
        const fs = require("fs");
        const [verdict, log] = process.argv.slice(1);
        const v = JSON.parse(fs.readFileSync(verdict, "utf8"));
        const sarif = JSON.parse(fs.readFileSync(log, "utf8"));
        const results = sarif.runs.reduce((n, r) => n + (r.results || []).length, 0);
        const run = v.runs[0];
        const notes = (run.invocations || []).flatMap(i =>
            (i.toolExecutionNotifications || []).concat(i.toolConfigurationNotifications || []))
            .filter(n => n.level === "error" || n.level === "warning");
        const bad = (run.results || []).filter(r => (r.level || "warning") !== "note" && (r.level || "warning") !== "none");
        const rules = Object.fromEntries(((run.tool.driver.rules) || []).map(r => [r.id, r]));
        for (const r of bad) {
            let text = (r.message && r.message.text) || "";
            const rule = rules[r.ruleId];
            if (!text && rule && r.message && r.message.id && rule.messageStrings) {
                text = (rule.messageStrings[r.message.id] || {}).text || "";
                (r.message.arguments || []).forEach((a, i) => { text = text.split("{" + i + "}").join(a); });
            }
            console.log(`  ${r.level || "warning"} ${r.ruleId}: ${text}`);
        }
        for (const n of notes) console.log(`  tool ${n.level}: ${(n.message || {}).text || ""}`);
        const verdictText = bad.length + notes.length === 0 ? "no errors, no warnings" :
            `${bad.length + notes.length} problem(s)`;
        console.log(`validate-sarif: ${log}: ${results} result(s); Multitool (Gh;Ghas): ${verdictText}`);
        process.exit(bad.length + notes.length === 0 ? 0 : 1);
    ' "$verdict" "$log"; then
        status=1
    fi
done
if [ "$status" -ne 0 ]; then
    echo "validate-sarif: FAILED: GitHub would reject or degrade lenslint's SARIF (see above)" >&2
fi
exit "$status"
