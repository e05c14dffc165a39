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

# A SuperCluster split by SuperPoD (issue 15): a 4 x 64 hierarchical AllReduce (UBoE, 1 MiB),
# the same with a scale-out link failing mid-run (so0.leaf0 - so0.spine1 at 60 us: the leaf is
# with pod 0 on rank 0, the spine on rank 1; failover recomputes the routes, the transport
# resends what was lost) and an MoE dispatch (All-to-Allv, EP 32 over the 4 SuperPoDs) on 1, 2
# and 4 ranks, under both kernels: the collectives, flows and ports tables and the transport
# counters, row for row.
tables() { # db -> the rows compared
  python3 "$(dirname "${BASH_SOURCE[0]}")/results-dump.py" "$1" |
    grep -E "^(collectives|flows|ports|metrics):" | grep -vE "name='(build|run)_seconds"
}
split_run() { # tag, ranks, program, options...
  local tag="$1" np="$2" prog="$3"
  shift 3
  if ! timeout 900 "${MPIRUN[@]}" -np "$np" "$BIN/$prog" --db="$TMP/$tag.db" "$@" \
    </dev/null >"$TMP/$tag.log" 2>&1; then
    tail -n 20 "$TMP/$tag.log" >"$LOGDIR/mpi-$tag.log"
    return 1
  fi
  tables "$TMP/$tag.db" >"$TMP/$tag.rows"
}
SC=(--pods=4 --npus=64 --scaleouts=uboe-400g --algos=hierarchical --minBytes=1048576 --maxBytes=1048576)
MOE=(--pods=4 --npus=64 --ep=32 --phases=dispatch)
FAIL=("${SC[@]}" --fail=so0.leaf0:so0.spine1@60)
for case in "allreduce supercluster-allreduce SC 11000" "failover supercluster-allreduce FAIL 11000" \
  "moe moe-dispatch MOE 2000"; do
  set -- $case
  name="$1" prog="$2" min="$4"
  declare -n opts="$3"
  if ! split_run "$name-1" 1 "$prog" "${opts[@]}" --mpi=gtw; then
    result "$name-one-rank" FAIL "the 1-rank run failed; see $LOGDIR/mpi-$name-1.log"
    continue
  fi
  ports="$(grep -c '^ports:' "$TMP/$name-1.rows")"
  if [ "$ports" -ge "$min" ] && grep -q '^collectives:' "$TMP/$name-1.rows"; then
    result "$name-one-rank" PASS "$ports port rows"
  else
    result "$name-one-rank" FAIL "a collective row and $min port rows wanted, $ports"
  fi
  for run in "2 gtw" "4 gtw" "2 null"; do
    set -- $run
    tag="$name-$1-$2"
    stop=()
    [ "$2" = null ] && stop=(--stopUs=1000)
    if ! split_run "$tag" "$1" "$prog" "${opts[@]}" --mpi="$2" "${stop[@]}"; then
      result "$tag" FAIL "the run failed; see $LOGDIR/mpi-$tag.log"
    elif ! grep -qE "split over $1 processes by SuperPoD: [1-9][0-9]* links between them" "$TMP/$tag.log"; then
      result "$tag" FAIL "no links between processes reported; see $TMP/$tag.log"
    elif cmp -s "$TMP/$name-1.rows" "$TMP/$tag.rows"; then
      result "$tag" PASS
    else
      diff "$TMP/$name-1.rows" "$TMP/$tag.rows" | head -n 20 >"$LOGDIR/mpi-$tag.log"
      result "$tag" FAIL "differs from the 1-rank run: $(diff "$TMP/$name-1.rows" "$TMP/$tag.rows" | grep -c '^<') rows; see $LOGDIR/mpi-$tag.log"
    fi
  done
  unset -n opts
done
# The failure mattered: packets were lost and resent, and the port rows are not those without it.
if [ -f "$TMP/failover-1.rows" ] && [ -f "$TMP/allreduce-1.rows" ]; then
  resent="$(sed -n "s/.*name='retransmitted' value=\([0-9]*\).*/\1/p" "$TMP/failover-1.rows")"
  if [ "${resent:-0}" -gt 0 ] && ! cmp -s "$TMP/failover-1.rows" "$TMP/allreduce-1.rows"; then
    result failover-mattered PASS "$resent packets resent"
  else
    result failover-mattered FAIL "no packet resent (${resent:-none}) or the same rows as without the failure"
  fi
else
  result failover-mattered FAIL "the 1-rank runs are missing"
fi
# What cannot be split says so: more than one simulation per process; the null-message kernel
# without a stop time.
expect_refusal() { # name, text, ranks, program, options...
  local name="$1" text="$2" np="$3" prog="$4"
  shift 4
  local out
  if out="$(timeout 300 "${MPIRUN[@]}" -np "$np" "$BIN/$prog" --db="$TMP/$name.db" "$@" </dev/null 2>&1)"; then
    result "$name" FAIL "exit 0"
  elif grep -qF -- "$text" <<<"$out"; then
    result "$name" PASS
  else
    result "$name" FAIL "no message containing '$text'"
  fi
}
expect_refusal split-one-simulation "give one --scaleouts, one --algos" 2 supercluster-allreduce \
  --pods=4 --npus=64 --mpi=gtw
expect_refusal split-null-needs-stop "needs a stop time past the collective's end (--stopUs)" 2 \
  supercluster-allreduce "${SC[@]}" --mpi=null
