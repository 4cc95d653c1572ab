#!/usr/bin/env bash
# Assembles the vendored-layout benchmark workspace from PyPI source distributions: Django
# 5.2.19 and pip 26.3, whose src/pip/_vendor holds about 25 vendored packages, side by side
# in bench-data/vendored/ (never committed). Safe to run again: it downloads and unpacks
# only what is missing. Prints the workspace path on stdout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/bench-data"
DEST="$DATA/vendored"
PACKAGES=("django==5.2.19" "pip==26.3")

mkdir -p "$DATA" "$DEST"
for spec in "${PACKAGES[@]}"; do
    name="${spec%%==*}"
    version="${spec##*==}"
    stamp="$DEST/.unpacked-$name-$version"
    [ -f "$stamp" ] && continue
    tarball="$(ls "$DATA"/"$name"-"$version".tar.gz "$DATA"/"${name^}"-"$version".tar.gz 2>/dev/null | head -n 1 || true)"
    if [ -z "$tarball" ]; then
        echo "downloading $spec (source distribution)" >&2
        python3 -m pip download --quiet --no-binary :all: --no-deps "$spec" -d "$DATA" >&2
        # One of the two spellings is always missing, so `ls` fails even when it finds one.
        tarball="$(ls "$DATA"/"$name"-"$version".tar.gz "$DATA"/"${name^}"-"$version".tar.gz 2>/dev/null | head -n 1 || true)"
        [ -n "$tarball" ] || { echo "no source distribution of $spec was downloaded" >&2; exit 1; }
    fi
    echo "unpacking $tarball" >&2
    tmp="$(mktemp -d "$DATA/.unpack.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    tar -xzf "$tarball" -C "$tmp" --strip-components=1
    rm -rf "${DEST:?}/$name"
    mv "$tmp" "$DEST/$name"
    trap - EXIT
    touch "$stamp"
done

echo "$DEST"
