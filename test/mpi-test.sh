#!/usr/bin/env bash
# The MPI route's checks, run by './ubsim test' when the MPI build is there (./ubsim setup
# --mpi; doc/distributed.md): UB links between MPI processes give the results of one process,
# bit for bit. Each check writes <logdir>/mpi-<name>.result (PASS/FAIL) for ubsim's count.
#
#   test/mpi-test.sh <logdir> <bin dir of build-mpi>
set -u
LOGDIR="${1:?usage: mpi-test.sh <logdir> <bin dir>}"
BIN="${2:?usage: mpi-test.sh <logdir> <bin dir>}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# mpirun as root (CI runs as root) and without waiting on standard input; more ranks than cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN=(mpirun --oversubscribe --bind-to none)

result() { # name, PASS/FAIL, detail
  echo "$2 mpi-$1${3:+ ($3)}" | tee "$LOGDIR/mpi-$1.result"
}

# One run of ub-mpi-links on N ranks: every rank's lines, sorted, in $TMP/<tag>.txt.
links() { # tag, ranks, options...
  local tag="$1" np="$2"
  shift 2
  if ! timeout 600 "${MPIRUN[@]}" -np "$np" "$BIN/ub-mpi-links" --out="$TMP/$tag" "$@" \
    </dev/null >"$TMP/$tag.log" 2>&1; then
    tail -n 20 "$TMP/$tag.log" >"$LOGDIR/mpi-$tag.log"
    return 1
  fi
  cat "$TMP/$tag".[0-9]* | sort >"$TMP/$tag.txt"
}

if ! links one 1; then
  result links-one-rank FAIL "the 1-rank run failed; see $LOGDIR/mpi-one.log"
  exit 0
fi
arrivals="$(grep -c '^arrival ' "$TMP/one.txt")"
if [ "$arrivals" -eq 384 ]; then
  result links-one-rank PASS
else
  result links-one-rank FAIL "384 arrivals wanted (6 senders x 64 packets), $arrivals"
fi
for run in "2 gtw" "4 gtw" "2 null" "4 null"; do
  set -- $run
  tag="np$1-$2"
  if ! links "$tag" "$1" --kernel="$2"; then
    result "links-$tag" FAIL "the run failed; see $LOGDIR/mpi-$tag.log"
  elif cmp -s "$TMP/one.txt" "$TMP/$tag.txt"; then
    result "links-$tag" PASS
  else
    diff "$TMP/one.txt" "$TMP/$tag.txt" | head -n 20 >"$LOGDIR/mpi-links-$tag.log"
    result "links-$tag" FAIL "differs from the 1-rank run: $(diff "$TMP/one.txt" "$TMP/$tag.txt" | grep -c '^<') lines; see $LOGDIR/mpi-links-$tag.log"
  fi
done
# A kernel that is not one gives a message, not a hang.
if out="$(timeout 120 "${MPIRUN[@]}" -np 1 "$BIN/ub-mpi-links" --kernel=bogus --out="$TMP/x" </dev/null 2>&1)"; then
  result bad-kernel FAIL "exit 0"
elif grep -qF "kernel 'bogus' is neither gtw" <<<"$out"; then
  result bad-kernel PASS
else
  result bad-kernel FAIL "no message naming the kernel"
fi
