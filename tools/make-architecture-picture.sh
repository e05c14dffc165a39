#!/usr/bin/env bash
# Regenerates doc/architecture.svg and doc/architecture.png from doc/architecture.dot with
# Graphviz (Debian package graphviz: apt-get install graphviz).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v dot >/dev/null 2>&1 || { echo "make-architecture-picture: needs Graphviz's dot; apt-get install graphviz" >&2; exit 2; }
dot -Tsvg "$ROOT/doc/architecture.dot" -o "$ROOT/doc/architecture.svg"
dot -Tpng -Gdpi=80 "$ROOT/doc/architecture.dot" -o "$ROOT/doc/architecture.png"
echo "wrote doc/architecture.svg and doc/architecture.png"
