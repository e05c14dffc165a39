#!/usr/bin/env bash
# Did a change move any result? Runs the same workloads, with the same seeds, on a build of a git
# commit and on this tree's build, and compares them figure by figure:
#   - every ns-3 test suite, each figure its checks compute (UB_FIGURES, see ub-test-utils.h);
#   - the demo, the fabric demo, ub-memory-latency, latency against load on the 8-ary torus,
#     ub-collectives on UB-Mesh (64 ranks, all operations; multi-ring AllReduce) and AllReduce
#     across two SuperPoDs over UBoE and over RoCE with PFC: their printed output and every row
#     of their results database, less what measures the machine (wall-clock time, memory).
# A refactor must print "same results"; a change that moves figures on purpose lists them.
#
#   test/same-results.sh <ref> [--new=<ref2>] [--quick] [--keep=DIR]
#     <ref>     the commit to compare with (a branch, tag or hash), built in build-at/<sha>/
#     --new     compare with commit <ref2> (also built in build-at/) instead of this tree, so that
#               the tree can change while the comparison runs
#     --quick   test suites and the small examples only (skips the demo and the collectives)
#     --keep    leave both runs' outputs in DIR (default: a temporary folder, removed at the end)
# Exit status: 0 same results, 1 results differ (the differences are printed), 2 bad usage.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REF="" QUICK=0 KEEP="" NEWREF=""
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    --new=*) NEWREF="${a#--new=}" ;;
    --keep=*) KEEP="${a#--keep=}" ;;
    -*) echo "same-results: unknown option '$a'; use --new=REF, --quick or --keep=DIR" >&2; exit 2 ;;
    *) REF="$a" ;;
  esac
done
[ -n "$REF" ] || { echo "usage: test/same-results.sh <git ref> [--new=REF] [--quick] [--keep=DIR]" >&2; exit 2; }
NEWNAME="${NEWREF:-this tree}"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

OUT="${KEEP:-$(mktemp -d)}"
mkdir -p "$OUT"
[ -n "$KEEP" ] || trap 'rm -rf "$OUT"' EXIT

REF_BUILD="$("$ROOT/ubsim" build --at="$REF" | tail -n 1)" || exit 2
if [ -n "$NEWREF" ]; then
  NEW_BUILD="$("$ROOT/ubsim" build --at="$NEWREF" | tail -n 1)" || exit 2
else
  "$ROOT/ubsim" build >"$OUT/build.log" 2>&1 || { tail -n 30 "$OUT/build.log"; echo "same-results: this tree does not build (above)" >&2; exit 2; }
  NEW_BUILD="${UB_BUILD_DIR:-$ROOT/build}"
fi

# The workloads: name|program and arguments (run from the repository root).
WORKLOADS=(
  "fabric-demo|ub-fabric-demo"
  "memory-latency|ub-memory-latency"
  "load-latency-torus|ub-load-latency --preset=kary-torus8x8 --npus=0"
)
if [ "$QUICK" = 0 ]; then
  WORKLOADS+=(
    "demo|superpod-vs-nvlink --systems=ub,nvl72 --ubNpus=128 --sizes=65536,1048576,4194304 --p2pBytes=4194304"
    "collectives-ubmesh|ub-collectives --preset=ubmesh-ub2 --ranks=64 --op=all --maxBytes=1048576"
    "multiring-ubmesh|ub-collectives --preset=ubmesh-ub2 --ranks=64 --algo=multiring --minBytes=1048576 --maxBytes=4194304"
    "supercluster-pfc|supercluster-allreduce --maxBytes=4194304"
  )
fi

run_side() { # side, build dir
  local side="$1" bin="$2/bin" dir="$OUT/$1" suite w name args
  rm -rf "$dir"
  mkdir -p "$dir"
  for suite in $("$bin/ub-test-runner" --list); do
    mkdir -p "$dir/tmp-$suite"
    UB_FIGURES="$dir/$suite.fig" "$bin/ub-test-runner" --fullness=EXTENSIVE --suite="$suite" \
      --tempdir="$dir/tmp-$suite" >"$dir/$suite.log" 2>&1 || echo "FAIL" >>"$dir/$suite.fig"
  done
  for w in "${WORKLOADS[@]}"; do
    name="${w%%|*}"; args="${w#*|}"
    # shellcheck disable=SC2086
    (cd "$ROOT" && $bin/$args --db="$dir/$name.db" >"$dir/$name.raw" 2>"$dir/$name.err")
    echo "exit $?" >>"$dir/$name.raw"
    # Printed output, less lines that report wall-clock time or memory.
    grep -viE 'wall|elapsed|memory|RSS|results: run' "$dir/$name.raw" >"$dir/$name.out"
    "$PY" "$ROOT/test/results-dump.py" "$dir/$name.db" >"$dir/$name.rows" 2>&1
  done
  echo "[same-results] $side: done" >&2
}

echo "[same-results] comparing $REF ($REF_BUILD) with $NEWNAME ($NEW_BUILD)" >&2
run_side ref "$REF_BUILD" &
run_side new "$NEW_BUILD"
wait

# Figures are compared without their line numbers and without the blanks in the expression, so
# that an edit above a check, or a check reformatted, does not count.
strip_lines() { perl -pe 's/^([^ :]+):\d+ (.*?) = /my ($f, $e) = ($1, $2); $e =~ s|\s+||g; "$f $e = "/e' "$1"; }

status=0 figures=0 files=0
for f in "$OUT"/ref/*.fig "$OUT"/ref/*.out "$OUT"/ref/*.rows; do
  [ -e "$f" ] || continue
  base="$(basename "$f")"
  files=$((files + 1))
  [ "${base##*.}" = fig ] && figures=$((figures + $(wc -l <"$f")))
  if [ ! -e "$OUT/new/$base" ]; then
    echo "only in $REF: $base"
    status=1
  elif ! diff -q <(strip_lines "$f") <(strip_lines "$OUT/new/$base") >/dev/null; then
    echo "---- $base differs ($REF < > $NEWNAME) ----"
    diff <(strip_lines "$f") <(strip_lines "$OUT/new/$base") | head -n 40
    status=1
  fi
done
for f in "$OUT"/new/*.fig; do
  [ -e "$OUT/ref/$(basename "$f")" ] || echo "new suite (nothing to compare): $(basename "$f" .fig)"
done
if [ "$status" = 0 ]; then
  echo "same results: $NEWNAME against $REF, $files outputs and $figures test figures equal"
else
  echo "results differ from $REF (above)"
fi
exit "$status"
