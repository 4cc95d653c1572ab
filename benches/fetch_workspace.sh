#!/usr/bin/env bash
# Fetches the benchmark workspace: the Django 5.2.19 source distribution, unpacked into
# bench-data/django/ at the repository root. Safe to run again: it downloads and unpacks
# only what is missing. Prints the workspace path on stdout. PYTHON names the Python whose pip
# downloads it (default python3; CI passes the virtual environment tests/mcp/run.sh makes).
set -euo pipefail

VERSION="5.2.19"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/bench-data"
DEST="$DATA/django"
TARBALL="$DATA/django-$VERSION.tar.gz"
STAMP="$DEST/.unpacked-$VERSION"

mkdir -p "$DATA"

if [ ! -f "$STAMP" ]; then
    if [ ! -f "$TARBALL" ]; then
        echo "downloading django==$VERSION (source distribution)" >&2
        # The source distribution, not a wheel: it has the tests and docs a real checkout has.
        "${PYTHON:-python3}" -m pip download --quiet --no-binary :all: --no-deps "django==$VERSION" -d "$DATA" >&2
    fi
    echo "unpacking $TARBALL" >&2
    # Unpack beside the destination and move into place, so an interrupted run leaves no
    # half-filled workspace behind.
    tmp="$(mktemp -d "$DATA/.unpack.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    tar -xzf "$TARBALL" -C "$tmp" --strip-components=1
    rm -rf "$DEST"
    mv "$tmp" "$DEST"
    trap - EXIT
    touch "$STAMP"
fi

echo "$DEST"
