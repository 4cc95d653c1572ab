#!/usr/bin/env bash
# Large-workspace benchmark: cold indexing of Django (wall time, peak memory, index size)
# and the first answer of a fresh process on the persisted index, through the release
# `ail` binary. Prints a markdown table. Usage: benches/large_workspace.sh [RUNS]
set -euo pipefail

RUNS="${1:-5}"
QUESTION="how are model fields validated"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ ! -x /usr/bin/time ]; then
    echo "error: /usr/bin/time (GNU time) is needed for peak memory; install the 'time' package" >&2
    exit 2
fi

WORKSPACE="$("$ROOT/benches/fetch_workspace.sh")"
cargo build --release --quiet --bin ail
AIL="${CARGO_TARGET_DIR:-$ROOT/target}/release/ail"

CACHE="$(mktemp -d)"
LOGS="$(mktemp -d)"
trap 'rm -rf "$CACHE" "$LOGS"' EXIT

# Pull "wall seconds" and "peak RSS in KiB" out of a GNU time -v report.
wall_seconds() {
    # "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:12.34"
    sed -n "s/.*(h:mm:ss or m:ss): //p" "$1" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'
}
peak_kib() {
    sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"
}
mib() {
    awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'
}
json_field() {
    # A top-level number from `ail status --json`; no jq needed.
    python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"
}
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "indexing $WORKSPACE (fresh cache $CACHE)" >&2
/usr/bin/time -v -o "$LOGS/index.time" "$AIL" --cache-dir "$CACHE" index "$WORKSPACE" \
    >"$LOGS/index.out" 2>"$LOGS/index.err"
INDEX_S="$(wall_seconds "$LOGS/index.time")"
INDEX_RSS="$(peak_kib "$LOGS/index.time")"

"$AIL" --cache-dir "$CACHE" status --json "$WORKSPACE" >"$LOGS/status.json"
FILES="$(json_field files <"$LOGS/status.json")"
CHUNKS="$(json_field chunks <"$LOGS/status.json")"
INDEX_BYTES="$(du -sb "$CACHE" | cut -f1)"

echo "asking \"$QUESTION\" $RUNS times, each in a fresh process" >&2
for i in $(seq 1 "$RUNS"); do
    # Exit code 1 means "nothing matched"; that still counts as an answer here.
    /usr/bin/time -v -o "$LOGS/context.$i.time" "$AIL" --cache-dir "$CACHE" context \
        --workspace "$WORKSPACE" "$QUESTION" >"$LOGS/context.$i.out" 2>"$LOGS/context.$i.err" || {
        rc=$?
        if [ "$rc" -ne 1 ]; then
            echo "error: ail context failed (exit $rc):" >&2
            cat "$LOGS/context.$i.err" >&2
            exit 2
        fi
    }
    wall_seconds "$LOGS/context.$i.time" >>"$LOGS/context.wall"
    echo >>"$LOGS/context.wall"
    peak_kib "$LOGS/context.$i.time" >>"$LOGS/context.rss"
done
ANSWER_S="$(median <"$LOGS/context.wall")"
ANSWER_RSS="$(median <"$LOGS/context.rss")"
TOP="$(grep -m1 -E '^ *1[.)]? ' "$LOGS/context.1.out" || head -n1 "$LOGS/context.1.out")"

CPU="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
MEM="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"

cat <<TABLE

Machine: $(nproc) cores, ${CPU:-unknown CPU}, $MEM RAM. Workspace: $WORKSPACE.

| measure | value |
|---|---|
| files indexed | $FILES |
| chunks | $CHUNKS |
| cold index: wall time | ${INDEX_S} s |
| cold index: peak RSS | $(mib "$INDEX_RSS") MiB |
| index size on disk | $(mib $((INDEX_BYTES / 1024))) MiB |
| first answer, fresh process: wall time (median of $RUNS) | ${ANSWER_S} s |
| first answer, fresh process: peak RSS (median of $RUNS) | $(mib "$ANSWER_RSS") MiB |

Question: "$QUESTION". Top place: ${TOP:-none}
TABLE
