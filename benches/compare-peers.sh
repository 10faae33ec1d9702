#!/usr/bin/env bash
# Times lenslint against checkov, cfn-lint and cfn-guard on the same files and prints one
# Markdown table per data set: median wall time, CPU time (user + system), peak RSS, files/s,
# and each tool's time as a multiple of lenslint's; `cat` of every file is the raw floor.
# Not part of CI.
#
#   benches/compare-peers.sh              # ../shared/corpus and a generated 10,000-file tree
#   SETS="corpus" benches/compare-peers.sh
#   SCALE=1 benches/compare-peers.sh      # also lenslint alone on 100,000 files
#
# Installs (once, cached under $PEERS, default target/peers): checkov and cfn-lint from PyPI
# into a virtual environment, cfn-guard from crates.io with `cargo install`, hyperfine from
# Debian's packages. Each command runs once under /usr/bin/time (peak RSS), then RUNS times
# (default 5) after WARMUP warm-up runs (default 1); a command whose first run took longer
# than SLOW seconds (default 120) is timed by that run alone, and the table says "(1 run)".
# PEERS_RUN="cfn-guard" runs only the peers named (any of checkov cfn-lint cfn-guard; default
# all), e.g. to re-check one ratio without waiting minutes for checkov.
# PEER_LIMIT=S stops a peer's run after S seconds (the table then shows "> S s" and a lower
# bound for its ratio): checkov and cfn-lint take tens of minutes on 10,000 files.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PEERS="${PEERS:-$ROOT/target/peers}"
WORK="${WORK:-$ROOT/target/compare-peers}"
RUNS="${RUNS:-5}"
WARMUP="${WARMUP:-1}"
SLOW="${SLOW:-120}"
PEER_LIMIT="${PEER_LIMIT:-}"
SETS="${SETS:-corpus generated}"
PEERS_RUN="${PEERS_RUN:-checkov cfn-lint cfn-guard}"
wanted() { case " $PEERS_RUN " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
CORPUS="${CORPUS:-$ROOT/../shared/corpus}"
GUARD_RULES="$ROOT/benches/sagemaker.guard"
CHECKOV_VERSION=3.3.30
CFN_LINT_VERSION=1.58.0
CFN_GUARD_VERSION=3.2.1
mkdir -p "$PEERS" "$WORK"

say() { printf '%s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------------------
if ! command -v hyperfine >/dev/null; then
    say "installing hyperfine (Debian package)"
    apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
fi
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
if [ ! -x "$PEERS/venv/bin/checkov" ] || [ ! -x "$PEERS/venv/bin/cfn-lint" ]; then
    say "installing checkov $CHECKOV_VERSION and cfn-lint $CFN_LINT_VERSION (PyPI)"
    python3 -m venv "$PEERS/venv"
    "$PEERS/venv/bin/pip" install -q "checkov==$CHECKOV_VERSION" "cfn-lint==$CFN_LINT_VERSION"
fi
if [ ! -x "$PEERS/bin/cfn-guard" ]; then
    say "installing cfn-guard $CFN_GUARD_VERSION (crates.io; compiles for a few minutes)"
    cargo install --locked cfn-guard --version "$CFN_GUARD_VERSION" --root "$PEERS"
fi
CHECKOV="$PEERS/venv/bin/checkov"
CFN_LINT="$PEERS/venv/bin/cfn-lint"
CFN_GUARD="$PEERS/bin/cfn-guard"

say "building lenslint (release)"
(cd "$ROOT" && cargo build --release -q)
LENSLINT="${CARGO_TARGET_DIR:-$ROOT/target}/release/lenslint"

# --- measuring ---------------------------------------------------------------------------
# time_cmd NAME CMD [peer]: prints "NAME|median_s|cpu_s|rss_mib|runs" (runs "stopped" when
# a peer hit PEER_LIMIT). The first run, under
# /usr/bin/time, gives the peak RSS; when it took longer than SLOW seconds it is the only run
# (wall and CPU from it), otherwise hyperfine times WARMUP + RUNS more runs.
time_cmd() {
    local name="$1" cmd="$2" t="$WORK/time.txt" json="$WORK/hyperfine.json" limit=""
    if [ "${3:-}" = peer ] && [ -n "$PEER_LIMIT" ]; then
        limit="timeout -s INT $PEER_LIMIT"
    fi
    /usr/bin/time -o "$t" -f '%e %U %S %M' $limit bash -c "exec $cmd" >/dev/null 2>&1 || true
    local wall user sys rss
    read -r wall user sys rss < <(tail -1 "$t")
    rss=$(echo "scale=1; $rss / 1024" | bc)
    if [ -n "$limit" ] && [ "$(echo "$wall >= $PEER_LIMIT" | bc)" = 1 ]; then
        echo "$name|$wall|$(echo "$user + $sys" | bc)|$rss|stopped"
        return
    fi
    if [ "$(echo "$wall > $SLOW" | bc)" = 1 ]; then
        echo "$name|$wall|$(echo "$user + $sys" | bc)|$rss|1"
        return
    fi
    hyperfine -N --style none -i --warmup "$WARMUP" --runs "$RUNS" --export-json "$json" \
        -- "$cmd" >/dev/null 2>&1 ||
        hyperfine --style none -i --warmup "$WARMUP" --runs "$RUNS" --export-json "$json" \
            -- "$cmd" >/dev/null 2>&1
    local stats
    stats=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.4f|%.4f" % (r["median"], r["user"] + r["system"]))' "$json")
    echo "$name|$stats|$rss|$RUNS"
}

# table TITLE FILES ROWS...: prints the Markdown table; the first row is lenslint's.
table() {
    local title="$1" files="$2"
    shift 2
    python3 - "$title" "$files" "$@" <<'EOF'
import sys
title, files, rows = sys.argv[1], int(sys.argv[2]), [r.split("|") for r in sys.argv[3:]]
base = float(rows[0][1])
print(f"\n#### {title}\n")
print("| command | median wall | CPU (user+sys) | peak RSS | files/s | × lenslint |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for name, med, cpu, rss, runs in rows:
    med, cpu = float(med), float(cpu)
    shown = f"{med*1000:.1f} ms" if med < 10 else f"{med:.2f} s"
    note = " (1 run)" if runs == "1" else ""
    if runs == "stopped":
        print(f"| {name} (stopped) | > {med:.0f} s | > {cpu:.0f} s | > {rss} MiB | "
              f"< {files/med:,.0f} | > {med/base:,.0f} |")
        continue
    print(f"| {name}{note} | {shown} | {cpu*1000:.0f} ms | {rss} MiB | "
          f"{files/med:,.0f} | {med/base:,.1f} |")
EOF
}

# cfn_files DIR: the CloudFormation templates of DIR (what cfn-lint is given).
cfn_files() {
    find "$1" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.template' \) \
        -print0 | xargs -0 grep -lE 'AWSTemplateFormatVersion|"?Type"?: *"?AWS::' 2>/dev/null |
        sort >"$WORK/cfn-files.txt" || true
    echo "$WORK/cfn-files.txt"
}

run_set() {
    local name="$1" dir="$2"
    local files list cfn_count
    files=$(find "$dir" -type f | wc -l)
    list=$(cfn_files "$dir")
    cfn_count=$(wc -l <"$list")
    say "== $name: $dir ($files files, $cfn_count CloudFormation templates)"
    local rows=()
    rows+=("$(time_cmd "\`lenslint scan\` (all rules, 2 threads)" "$LENSLINT scan --format json $dir")")
    rows+=("$(time_cmd "\`lenslint scan\`, RAYON_NUM_THREADS=1" "env RAYON_NUM_THREADS=1 $LENSLINT scan --format json $dir")")
    rows+=("$(time_cmd "\`lenslint dev parse\` (parse only)" "$LENSLINT dev parse $dir")")
    rows+=("$(time_cmd "\`cat\` of every file (floor)" "sh -c 'find $dir -type f -print0 | xargs -0 cat'")")
    if wanted cfn-guard; then
        rows+=("$(time_cmd "cfn-guard $CFN_GUARD_VERSION validate (3 SageMaker rules)" "$CFN_GUARD validate -r $GUARD_RULES -d $dir --show-summary none" peer)")
    fi
    if wanted cfn-lint; then
        rows+=("$(time_cmd "cfn-lint $CFN_LINT_VERSION (CloudFormation files)" "sh -c 'xargs -d \"\\n\" -a $list $CFN_LINT --'" peer)")
    fi
    if wanted checkov; then
        rows+=("$(time_cmd "checkov $CHECKOV_VERSION -d (cloudformation, terraform)" "$CHECKOV -d $dir --framework cloudformation terraform --quiet --compact --skip-download -o json" peer)")
    fi
    table "$name: $files files, $(du -sh "$dir" | cut -f1) ($(date -u +%Y-%m-%d), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))" "$files" "${rows[@]}"
}

generated() {
    local n="$1" dir="$WORK/generated-$1"
    if [ ! -f "$dir.complete" ]; then
        rm -rf "$dir"
        "$LENSLINT" dev generate --seed 1 --files "$n" "$dir" >&2
        touch "$dir.complete"
    fi
    echo "$dir"
}

startup() {
    local one="$ROOT/examples/cloudformation/inference-stack.yaml"
    say "== start-up: one template"
    local rows=()
    rows+=("$(time_cmd "\`lenslint scan inference-stack.yaml\`" "$LENSLINT scan $one")")
    rows+=("$(time_cmd "cfn-guard validate (3 rules)" "$CFN_GUARD validate -r $GUARD_RULES -d $one --show-summary none")")
    rows+=("$(time_cmd "cfn-lint" "$CFN_LINT $one")")
    rows+=("$(time_cmd "checkov -f" "$CHECKOV -f $one --framework cloudformation --quiet --compact --skip-download -o json")")
    table "start-up: examples/cloudformation/inference-stack.yaml ($(wc -c <"$one") bytes)" 1 "${rows[@]}"
}

for set in $SETS; do
    case "$set" in
    corpus)
        if [ -d "$CORPUS" ]; then run_set "../shared/corpus" "$CORPUS"; else say "no $CORPUS; skipped"; fi
        ;;
    generated) run_set "generated 10,000 files" "$(generated 10000)" ;;
    startup) ;;
    *) say "unknown set $set" ;;
    esac
done
startup

if [ "${SCALE:-0}" = 1 ]; then
    say "== scaling: lenslint alone on 10,000 and 100,000 files"
    for n in 10000 100000; do
        d=$(generated "$n")
        rows=()
        rows+=("$(time_cmd "\`lenslint scan\` (2 threads)" "$LENSLINT scan --format json $d")")
        rows+=("$(time_cmd "\`lenslint scan\`, RAYON_NUM_THREADS=1" "env RAYON_NUM_THREADS=1 $LENSLINT scan --format json $d")")
        rows+=("$(time_cmd "\`lenslint dev parse\` (parse only)" "$LENSLINT dev parse $d")")
        rows+=("$(time_cmd "\`cat\` of every file (floor)" "sh -c 'find $d -type f -print0 | xargs -0 cat'")")
        table "scaling: generated $n files, $(du -sh "$d" | cut -f1)" "$n" "${rows[@]}"
    done
fi
