#!/usr/bin/env bash
# Command-line checks run by './ubsim test' after the ns-3 test suites: the programs a user
# starts by hand exit with the right status and say what is wrong. Each check writes
# <logdir>/cli-<name>.result (PASS/FAIL) for ubsim's count.
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOGDIR="${1:?usage: cli-test.sh <logdir>}"
BIN="${UB_BUILD_DIR:-$ROOT/build}/bin"
TMP="$(mktemp -d)"
printf "node a npu\nnode b router\n" >"$TMP/bad.topo"
printf "topology t\nnodes npu 4 npu\nnodes leaf 2 switch\nlink npu0 leaf0\nlink npu1 leaf0\nlink npu2 leaf1\nlink npu3 leaf1\nlink leaf0 leaf1 count=2\n" >"$TMP/nolanes.topo"
# A 3 x 3 2D full mesh of forwarding NPUs: row-first and column-first 2-hop routes close a cycle
# on one VL; final hops on VL 1 break it.
{ echo "topology fm3"; echo "nodes n 9 npu forward"
  for l in "0 1" "0 2" "1 2" "3 4" "3 5" "4 5" "6 7" "6 8" "7 8" "0 3" "0 6" "3 6" "1 4" "1 7" "4 7" "2 5" "2 8" "5 8"; do
    set -- $l; echo "link n$1 n$2"; done; } >"$TMP/fm3.topo"
{ echo "vlpolicy final-hop-vl1"; cat "$TMP/fm3.topo"; } >"$TMP/fm3-vl1.topo"
# A ring of 6 switches with an NPU each: shortest routes close the ring, neighbour traffic cannot.
{ echo "topology ring6"; echo "nodes e 6 npu"; echo "nodes s 6 switch"
  for i in 0 1 2 3 4 5; do echo "link e$i s$i"; echo "link s$i s$(( (i + 1) % 6 ))"; done; } >"$TMP/ring6.topo"
printf "node a npu\nnode s switch\nlink a s lanes=3\n" >"$TMP/lanes3.topo"
python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE customers(name TEXT)'); c.commit()" "$TMP/foreign.db"
# Switches only: no endpoint to send from (issue 16: --bytes crashed on it).
printf "topology switches-only\nnodes sw 4 switch\nlink sw0 sw1\nlink sw1 sw2\nlink sw2 sw3\n" >"$TMP/switches.topo"
trap 'rm -rf "$TMP"' EXIT
cd "$ROOT"

check() { # name, expected exit status, text the output must contain, command...
  local name="$1" want="$2" text="$3"
  shift 3
  local out rc
  out="$("$@" 2>&1)"
  rc=$?
  # An input error (status 2) is one clean line: never ns-3's abort format (issue 16).
  if [ "$want" -eq 2 ] && grep -qE "aborted\. |terminate called|Invalid command-line argument" <<<"$out"; then
    rc="$rc, in ns-3's abort format"
  fi
  if [ "$rc" = "$want" ] && grep -qF -- "$text" <<<"$out"; then
    echo "PASS cli-$name" | tee "$LOGDIR/cli-$name.result"
  else
    echo "FAIL cli-$name (exit $rc, wanted $want; output must contain '$text')" | tee "$LOGDIR/cli-$name.result"
    printf '%s\n' "$out" | tail -n 20 >"$LOGDIR/cli-$name.log"
  fi
}

check ubsim-unknown-command 2 "unknown command 'frobnicate'" ./ubsim frobnicate
check ubsim-run-unknown 2 "no program named 'nosuch'" ./ubsim run nosuch
check ubsim-unknown-ns3 2 "--ns3=bogus: unknown ns-3; use debian" ./ubsim --ns3=bogus list
check ubsim-setup-unknown 2 "setup: unknown option '--python=bogus'" ./ubsim setup --python=bogus
check ubsim-mpi-not-set-up 2 "ns-3 with MPI is not built yet; run ./ubsim setup --mpi" \
  env UB_MPI_CACHE="$TMP/no-mpi-cache" UB_BUILD_DIR="$TMP/build-mpi" ./ubsim --ns3=mpi build
check ubsim-bench-systems-bad-largest 2 "bench systems: --largest=abc is not a number of SuperPoDs" ./ubsim bench systems --largest=abc
check ubsim-test-unknown-part 2 "test: no test part 'nosuch'; name a suite (latency, " ./ubsim test nosuch
check ubsim-test-one-suite 0 "1 passed, 0 failed" env UB_TEST_LOGDIR="$TMP/logs" ./ubsim test link-messages
# The module's chapter of ns-3's models manual renders with Sphinx without a warning, with ns-3's
# module-documentation headings; the public headers are Doxygen-clean (issue 17).
check doc-renders 0 "sections, no warning" ./ubsim doc
check doc-headings 0 "10 of 10 headings" bash -c 'n=0; for h in "Model Description" Design "Scope and Limitations" References Usage Helpers Attributes Output Examples Validation; do grep -q "<h[1-4]>$h<" "$1" && n=$((n + 1)); done; echo "$n of 10 headings"' _ "${UB_BUILD_DIR:-$ROOT/build}/doc/html/unifiedbus.html"
check doc-api 0 "0 warnings in the module's headers" ./ubsim doc --api
check doc-bad-option 2 "doc: unknown option --pdf" ./ubsim doc --pdf
# ./ubsim compat (README, "Use it in your ns-3 tree"): the waf row runs here; the tree row with
# --if-cached and no tree built skips and says how to build one; a bad row or option is refused.
check compat-waf 0 "PASS waf" env UB_COMPAT_LOGDIR="$TMP/compat" ./ubsim compat waf
check compat-tree-not-cached 0 "SKIP tree (not cached)" env UB_TREE_CACHE="$TMP/no-trees" UB_COMPAT_LOGDIR="$TMP/compat" ./ubsim compat tree --if-cached
check compat-bad-row 2 "compat: no row 'nvlink'; the rows are debian tree wheel waf" ./ubsim compat nvlink
check compat-bad-option 2 "compat: unknown option --fast" ./ubsim compat --fast
check demo-negative-bytes 2 "ub-fabric-demo: --bytes=-1 is not a whole number from 0 to" "$BIN/ub-fabric-demo" --bytes=-1
check demo-too-many-bytes 2 "--bytes must be 1 to 1099511627776 (1 TiB" "$BIN/ub-fabric-demo" --bytes=1099511627777
check demo-bad-pattern 2 "--pattern=sideways is not one of" "$BIN/ub-fabric-demo" --pattern=sideways
check p2p-preset-default-size 0 "p2p-sweep: nvlink5-gb200 (72 endpoints)" "$BIN/p2p-sweep" --preset=nvlink5-gb200 --maxBytes=64 --db="$TMP/p2p72.db"
check p2p-bad-npus 2 "--npus=-5 is not a number of endpoints" "$BIN/p2p-sweep" --npus=-5
# Lanes and rates from the preset, not the file: 4 endpoints x 4 lanes x 112 Gb/s x 2 directions
check system-topology-aggregate 0 "per endpoint 56.0 GB/s per direction (line rate); all endpoints, both directions 0.448 TB/s" "$BIN/ub-system" --topology="$TMP/nolanes.topo" --preset=ascend950-ub2
# The VL policy where users look for it: the deadlock stop names it, and the command line or the
# file's vlpolicy line builds the full mesh cycle-free on 2 VLs.
check system-cycle-names-vlpolicy 2 "--vlPolicy=final-hop-vl1" "$BIN/ub-system" --topology="$TMP/fm3.topo" --preset=ascend950-ub2
check system-vlpolicy-option 0 "deadlock check: no cycle (2 VL(s) used" "$BIN/ub-system" --topology="$TMP/fm3.topo" --preset=ascend950-ub2 --vlPolicy=final-hop-vl1
check system-vlpolicy-file 0 "deadlock check: no cycle (2 VL(s) used" "$BIN/ub-system" --topology="$TMP/fm3-vl1.topo" --preset=ascend950-ub2
check system-vlpolicy-bad 2 "--vlPolicy=bogus is not from-sl or final-hop-vl1" "$BIN/ub-system" --vlPolicy=bogus
check system-negative-npus 2 "--npus=-5 is not a number of endpoints from 0 (the preset's) to 10000000" "$BIN/ub-system" --npus=-5
check system-bytes-no-endpoints 2 "--bytes=4096 needs endpoints, and topology 'switches-only' has none" "$BIN/ub-system" --topology="$TMP/switches.topo" --bytes=4096
# A skipped deadlock check says so, in the output and in the results (no deadlock_free metric).
# Options are checked against their types before anything is built (issue 16): ns-3 alone reads
# --bytes=-1 as 2^64 - 1, prints its whole help for an unknown option, and aborts on a malformed
# attribute value.
check system-bytes-negative 2 "ub-system: --bytes=-1 is not a whole number from 0 to 18446744073709551615" "$BIN/ub-system" --bytes=-1
check system-unknown-option 2 "ub-system: unknown option --npu=64; --help lists" "$BIN/ub-system" --npu=64
# Found by ./ubsim fuzz options: ns-3 printed its whole help and exited for these.
check system-option-without-value 2 "ub-system: --op needs a value: --op=..." "$BIN/ub-system" --op
check system-option-blank-value 2 "ub-system: --preset=  needs a value: --preset=..." "$BIN/ub-system" "--preset= "
check fuzz-bad-seconds 2 "fuzz: --seconds=abc is not a whole number of seconds from 1" ./ubsim fuzz --seconds=abc
check fuzz-bad-target 2 "fuzz: no target 'json'; the targets are topology preset link-message options" ./ubsim fuzz json
check system-bad-attribute-text 2 "ub-system: --ns3::UbNetDevice::Lanes=abc is not a valid value of ns3::UbNetDevice::Lanes" "$BIN/ub-system" --ns3::UbNetDevice::Lanes=abc
# A default set on the command line wins over the preset, and a bad one is refused at build time.
check system-default-beats-preset 2 "ub-system: UbNetDevice node 0 port 0: VlCount=200 is invalid; use 1 to 16" "$BIN/ub-system" --preset=nvlink4-h100 --ns3::UbNetDevice::VlCount=200
check system-lanes-3-in-file 2 "line 3: lanes='3' must be 1, 2, 4 or 8" "$BIN/ub-system" --topology="$TMP/lanes3.topo"
# A --db it cannot write is refused before the run (issue 16: after a 56-s run, the rows were lost).
check system-db-folder 2 "ub-system: UbResults: results file $TMP is a folder; give a file in it" "$BIN/ub-system" --preset=ascend950-ub2 --npus=0 --db="$TMP"
check system-db-foreign 2 "holds tables ns3-unifiedbus did not write (customers); use another file" "$BIN/ub-system" --preset=ascend950-ub2 --npus=0 --db="$TMP/foreign.db"
check system-check-skipped 0 "deadlock check: skipped (--check=0)" "$BIN/ub-system" --preset=nvlink4-h100 --check=0 --db="$TMP/skip.db"
# A run that cannot deliver (every packet likely corrupted, no link-level retry): the watchdog
# stops it, names the waiting transport channels, keeps the row marked failed; status 3.
check system-watchdog 3 "UB watchdog: nothing was delivered" "$BIN/ub-system" --preset=ascend950-ub2 --npus=16 --bytes=65536 --ns3::UbNetDevice::PacketErrorRate=0.9 --ns3::UbNetDevice::LinkRetry=false --db="$TMP/wd.db"
check system-incomplete 3 "ub-system: the run failed: the write did not complete; its rows are in $TMP/wd.db as run 2, marked failed" "$BIN/ub-system" --preset=nvlink4-h100 --bytes=65536 --ns3::UbNetDevice::PacketErrorRate=0.9 --ns3::UbNetDevice::LinkRetry=false --db="$TMP/wd.db"
check system-invariants-off 0 "note: the end-of-run invariant checks were skipped (UbCheckInvariants=false)" "$BIN/ub-system" --preset=nvlink4-h100 --bytes=4096 --UbCheckInvariants=0 --db="$TMP/wd.db"
check collectives-vlpolicy 0 "AllReduce              ring      9       65536" "$BIN/ub-collectives" --preset=ascend950-ub2 --topology="$TMP/fm3.topo" --vlPolicy=final-hop-vl1 --maxBytes=65536 --db="$TMP/fm3.db"
# The deadlock check scoped to the collective's pairs: a ring AllReduce runs on the ring of
# switches, an All-to-All (pairs 2 and 3 hops apart) stops with the cycle.
check collectives-ring-on-ring 0 "the 6 endpoint pairs of this run cannot close a cycle" "$BIN/ub-collectives" --preset=ascend950-ub2 --topology="$TMP/ring6.topo" --maxBytes=65536 --db="$TMP/ring6.db"
check collectives-alltoall-on-ring 2 "this run's 30 endpoint pairs can deadlock" "$BIN/ub-collectives" --preset=ascend950-ub2 --topology="$TMP/ring6.topo" --op=alltoall --maxBytes=65536 --db="$TMP/ring6.db"
# NVLink's links carry 316-B packets: the load-latency default fits them, a larger one is refused.
check load-latency-nvlink-default 0 "uniform traffic, 304-B packets" "$BIN/ub-load-latency" --preset=nvlink5-gb200 --loads=0.1 --duration=1 --db="$TMP/ll.db"
check load-latency-too-large 2 "--packetSize=4096 does not fit nvlink5-gb200's links (UbNetDevice::Mtu 316 B less the 12-B network header: at most 304)" "$BIN/ub-load-latency" --preset=nvlink5-gb200 --packetSize=4096
check load-latency-bad-unit 2 "--loadUnit=bytes is not payload or flits" "$BIN/ub-load-latency" --loadUnit=bytes
# Preset values varied from the command line, and textbook terminals on the k-ary n-cubes only.
check load-latency-bad-set 2 "ub-load-latency: --set: UbNetDevice has no attribute 'VlBufferCels'" "$BIN/ub-load-latency" --set=UbNetDevice::VlBufferCels=27
check load-latency-bad-set-value 2 "'many' is not a valid value of UbNetDevice::VlCount" "$BIN/ub-load-latency" --set=UbNetDevice::VlCount=many
check load-latency-terminals-not-cube 2 "--terminals needs a k-ary n-cube preset" "$BIN/ub-load-latency" --preset=ascend950-ub2 --terminals
check load-latency-terminals-set 0 "uniform traffic, 4096-B packets" "$BIN/ub-load-latency" --preset=kary-mesh8x8 --npus=0 --perChannel --terminals --set=UbNetDevice::VlBufferCells=27,UbNetDevice::VlWeights=1,3 --loads=0.1 --duration=1 --db="$TMP/ll-set.db"
check demo-bad-fanin 2 "--fanin=16 is not 1 to 15" "$BIN/ub-fabric-demo" --pattern=incast --fanin=16
check demo-fanin 0 "== incast: 4 endpoints -> endpoint 0" "$BIN/ub-fabric-demo" --pattern=incast --fanin=4 --quiet --db="$TMP/fanin.db"
check demo-bad-mode 2 "--mode=Lossy is not one of Credit, None" "$BIN/ub-fabric-demo" --mode=Lossy
check demo-runs 0 "results: run 2 in $TMP/demo.db" \
  "$BIN/ub-fabric-demo" --bytes=65536 --quiet --db="$TMP/demo.db"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
check demo-rows 0 "runs=2 flows=31 ports=" \
  "$PY" -c "
import sqlite3, sys
db = sqlite3.connect('$TMP/demo.db')
q = lambda s: db.execute(s).fetchone()[0]
print(f\"runs={q('select count(*) from runs')} flows={q('select count(*) from flows')} ports={q('select count(*) from ports')}\")
"
check system-check-skipped-row 0 "deadlock_check=skipped deadlock_free rows=0" \
  "$PY" -c "
import sqlite3
db = sqlite3.connect('$TMP/skip.db')
check = db.execute(\"select value from params where name = 'deadlock_check'\").fetchone()[0]
rows = db.execute(\"select count(*) from metrics where name = 'deadlock_free'\").fetchone()[0]
print('deadlock_check=' + check + ' deadlock_free rows=' + str(rows))
"
check credit-loop-bound 0 "0.000" "$BIN/ub-credit-loop" --packets=400 --db="$TMP/loop.db"
check runs-status-rows 0 "1 failed: the watchdog stopped the run (nothing delivered for its span) | passed, 1 stopped by the watchdog; 2 failed: the write did not complete | passed; 3 ok | skipped (UbCheckInvariants=false)" \
  "$PY" -c "
import re, sqlite3
db = sqlite3.connect('$TMP/wd.db')
short = lambda c: re.sub(r'^passed: [0-9]+ checks;?', 'passed,', c).rstrip(',')
print('; '.join(f'{i} {s} | {short(c)}' for i, s, c in db.execute('select run_id, status, checks from runs')))
"
check scratch-program 0 "received 1048576 B" ./ubsim run ub-first
check scratch-program-bad-lanes 2 "ub-first: UbNetDevice node 0 port 0: Lanes=3 is invalid; set Lanes to 1, 2, 4 or 8" ./ubsim run ub-first --lanes=3
check presets-list 0 "cm384-ub1" ./ubsim presets
check presets-show 0 "UbNetDevice::LaneRate = 112Gbps ; [S]" ./ubsim presets cm384-ub1
check presets-sources 0 "sources: nvidia.com GB200 NVL72" ./ubsim presets
check system-nvl72 0 "endpoints 72, switches 18, links 1296" \
  "$BIN/ub-system" --preset=nvlink5-gb200 --db="$TMP/sys.db"
check system-topology-file-error 2 "ub-system: topology file '$TMP/bad.topo' line 2: unknown node kind 'router'" \
  "$BIN/ub-system" --topology="$TMP/bad.topo"
check system-bad-endpoint 2 "is not an endpoint" \
  "$BIN/ub-system" --preset=nvlink4-h100 --bytes=4096 --dst=nosuch --db="$TMP/sys.db"
check collectives-db-matches 0 "db matches printed: 4 rows" \
  "$PY" -c "
import re, sqlite3, subprocess
out = subprocess.run(['$BIN/ub-collectives', '--op=allgather', '--minBytes=65536',
                      '--maxBytes=4194304', '--db=$TMP/coll.db'],
                     capture_output=True, text=True, check=True).stdout
rows = [l.split() for l in out.splitlines() if l.strip().startswith('AllGather')]
db = sqlite3.connect('$TMP/coll.db')
got = db.execute('select op, algo, ranks, bytes, time_us, algbw_gbps, busbw_gbps from collectives order by bytes').fetchall()
ok = len(rows) == len(got) and all(
    r[0] == g[0] and r[1] == g[1] and int(r[2]) == g[2] and int(r[3]) == g[3]
    and all(abs(float(r[4 + i]) - g[4 + i]) <= 0.0005 + 1e-9 * abs(g[4 + i]) for i in range(3))
    for r, g in zip(rows, got))
print(f'db matches printed: {len(rows)} rows' if ok else f'MISMATCH {rows} {got}')
"
check report-writes 0 "report: $TMP/rep/report.md (1 plots, 4 collective rows" \
  ./ubsim report "$TMP/coll.db" --out "$TMP/rep"
check report-has-png 0 "busbw-allgather.png" ls "$TMP/rep"
check report-missing-db 2 "no results file '$TMP/none.db'" ./ubsim report "$TMP/none.db"
check demo-headline 0 "report: results/report/report.md (3 plots" ./ubsim demo --db="$TMP/demo2.db"
check load-latency-curve 0 "rises: True" \
  "$PY" -c "
import subprocess
out = subprocess.run(['$BIN/ub-load-latency', '--npus=64', '--loads=0.1,0.9', '--duration=10',
                      '--db=$TMP/load.db'], capture_output=True, text=True, check=True).stdout
rows = [l.split() for l in out.splitlines() if l.strip()[:1].isdigit()]
print('rises:', len(rows) == 2 and float(rows[1][4]) > float(rows[0][4]) and float(rows[0][1]) > 0.95)
"
check load-latency-incast 0 "incast rises: True" \
  "$PY" -c "
import subprocess
out = subprocess.run(['$BIN/ub-load-latency', '--npus=64', '--pattern=incast', '--fanin=8',
                      '--loads=0.5,1.2', '--duration=10', '--db=$TMP/incast.db'],
                     capture_output=True, text=True, check=True).stdout
rows = [l.split() for l in out.splitlines() if l.strip()[:1].isdigit()]
print('incast rises:', len(rows) == 2 and float(rows[1][4]) > 2 * float(rows[0][4]))
"
check ports-scoped 0 "scopes: 4, ports per scope > 0: True" \
  "$PY" -c "
import sqlite3
db = sqlite3.connect('$TMP/coll.db')
rows = db.execute('select scope, count(*) from ports group by scope').fetchall()
print(f'scopes: {len(rows)}, ports per scope > 0: {all(n > 0 for _, n in rows)}')
"
check report-scaling-moe 0 "moe.csv moe.png report.md scaling-allreduce.csv scaling-allreduce.png" bash -c "
  '$BIN/moe-dispatch' --ep=8,16 --db='$TMP/more.db' >/dev/null 2>&1 &&
  '$BIN/collective-scaling' --domains=8,64 --sizes=65536 --db='$TMP/more.db' >/dev/null 2>&1 &&
  ./ubsim report '$TMP/more.db' --out '$TMP/rep2' >/dev/null && ls '$TMP/rep2' | tr '\n' ' '"
check memory-latency 0 "results: run 1 in $TMP/mem.db" "$BIN/ub-memory-latency" --maxBytes=4096 --db="$TMP/mem.db"
# ub-collectives on a topology file (doc/topology.md's 4-NPU Clos): a ring AllReduce's busbw at
# 16 MiB under, and within 10 % of, one link's payload rate: 4 x 112 Gb/s x 120/128 FEC x
# 4096/4156 (payload of a 4,156-B packet) / 8 = 51.74 GB/s.
cat >"$TMP/small.topo" <<'TOPO'
topology small-clos
nodes npu 4 npu
nodes leaf 2 switch
nodes spine 2 switch
link npu0 leaf0 lanes=4 rate=112Gbps length=2
link npu1 leaf0 lanes=4 rate=112Gbps length=2
link npu2 leaf1 lanes=4 rate=112Gbps length=2
link npu3 leaf1 lanes=4 rate=112Gbps length=2
link leaf0 spine0 lanes=4 length=30
link leaf0 spine1 lanes=4 length=30
link leaf1 spine0 lanes=4 length=30
link leaf1 spine1 lanes=4 length=30
TOPO
check collectives-topology 0 "small-clos 4 ranks, within the link bound: True" "$PY" -c "
import sqlite3, subprocess
subprocess.run(['$BIN/ub-collectives', '--preset=ascend950-ub2', '--topology=$TMP/small.topo',
                '--minBytes=16777216', '--maxBytes=16777216', '--db=$TMP/topo-coll.db'],
               check=True, capture_output=True)
system, ranks, busbw = sqlite3.connect('$TMP/topo-coll.db').execute(
    'select system, ranks, busbw_gbps from collectives').fetchone()
bound = 4 * 112e9 * 120 / 128 * 4096 / 4156 / 8 / 1e9
print(system, ranks, 'ranks, within the link bound:', 0.9 * bound < busbw < bound)
"
# p2p-sweep on the same file: the far pair (4 links) against the near pair (2 links) at 64 B.
# The far pair has 2 more links each way. Each adds 30 m of cable (150 ns), 20 ns of PHY and a
# 104-ns switch pipeline (ascend950-ub2), and a Write's request and acknowledgement both cross
# them: 4 x 274 ns = 1.096 us, plus flit times under a nanosecond.
check p2p-topology 0 "hops 2 4 far - near within 5 ns of 1.096 us: True" "$PY" -c "
import subprocess
out = subprocess.run(['$BIN/p2p-sweep', '--preset=ascend950-ub2', '--topology=$TMP/small.topo',
                      '--maxBytes=64', '--db=$TMP/topo-p2p.db'],
                     check=True, capture_output=True, text=True).stdout
rows = {l.split()[1]: l.split() for l in out.splitlines() if l.split()[:1] == ['64']}
diff = float(rows['far'][3]) - float(rows['near'][3])
print('hops', rows['near'][2], rows['far'][2], 'far - near within 5 ns of 1.096 us:',
      abs(diff - 1.096) < 0.005)
"
check collectives-topology-ranks 2 "--ranks=5 must be 2 .. 4 for small-clos" "$BIN/ub-collectives" --preset=ascend950-ub2 --topology="$TMP/small.topo" --ranks=5
# Huawei's claims name NVL144: a run against NVL72 only still puts them beside the NVL144-like
# preset's ratios (8,192 / 144 = 56.9 cards), and labels what it measured against NVL72.
check demo-claims-vs-nvl144 0 "cards:                      claim 56.8x   here 56.9x" "$BIN/superpod-vs-nvlink" --systems=ub,nvl72 --sizes=65536 --accelerated=false --superclusters=none --db="$TMP/claims.db"
check demo-measured-labelled 0 "Measured in this run against GB200 NVL72 (no claim names it)" "$BIN/superpod-vs-nvlink" --systems=ub,nvl72 --sizes=65536 --accelerated=false --superclusters=none --db="$TMP/claims2.db"
check demo-bad-superclusters 2 "--superclusters=970 is not a list of 950 and 960, or none" "$BIN/superpod-vs-nvlink" --superclusters=970
check moe-bad-costs 2 "--endpointCosts=maybe is not on or off" "$BIN/moe-dispatch" --endpointCosts=maybe
check moe-bad-format 2 "--dispatchFormat and --combineFormat are fp8, int8 or bf16" "$BIN/moe-dispatch" --dispatchFormat=fp4
# The breakdown per phase: 128 tokens x 10 ns of routing, 128 x 7168 x 2 B / 500 GB/s of quantization.
check moe-breakdown 0 "    8 dispatch     1.28     3.67" "$BIN/moe-dispatch" --preset=nvlink4-h100 --ep=8 --db="$TMP/moe8.db"
check moe-bad-level 2 "--level=fluid is not packet, flow or hybrid" "$BIN/moe-dispatch" --level=fluid
check moe-hybrid-no-pods 2 "--level=hybrid studies SuperPoDs of a SuperCluster; add --pods" "$BIN/moe-dispatch" --level=hybrid
check moe-hybrid-bad-study 2 "--study=4 names SuperPoD 4, but there are 4 (0 .. 3)" "$BIN/moe-dispatch" --level=hybrid --pods=4 --study=4
check moe-hybrid-all-studied 2 "--study=0-3 names every SuperPoD; that is the packet level (--level=packet)" "$BIN/moe-dispatch" --level=hybrid --pods=4 --study=0-3
check moe-hybrid-aggregate 2 "--aggregate=on runs at flow level only; add --level=flow" "$BIN/moe-dispatch" --level=hybrid --pods=4 --aggregate=on
check moe-supercluster-hybrid 0 "AllToAllv:8:hybrid:0 AllToAllv:8:hybrid:0" sh -c "'$BIN/moe-dispatch' --level=hybrid --pods=4 --npus=64 --ep=8 --study=1 --db='$TMP/moeh.db' >/dev/null && python3 -c \"import sqlite3; print(*[':'.join(map(str, r)) for r in sqlite3.connect('$TMP/moeh.db').execute('SELECT op, ranks, level, aggregated FROM collectives')])\""
check moe-aggregate-packet 2 "--aggregate=on runs at flow level only; add --level=flow" "$BIN/moe-dispatch" --aggregate=on
check moe-bad-pods 2 "with --pods, need --pods >= 2 and --npus (per SuperPoD) a multiple of 64" "$BIN/moe-dispatch" --pods=4 --npus=100
check moe-bad-spread 2 "EP 6 does not spread evenly over 4 SuperPoDs" "$BIN/moe-dispatch" --pods=4 --npus=64 --ep=6
# A top-k beyond the experts was capped silently while the row stored the asked k (issue 16).
check moe-topk-beyond-experts 2 "--topk=16 is more than the 8 experts of EP 8 (--expertsPerRank=1)" "$BIN/moe-dispatch" --ep=8 --topk=16
check moe-bad-scaleout 2 "--scaleOut=ib is not a preset; try uboe-400g or roce-400g" "$BIN/moe-dispatch" --pods=4 --scaleOut=ib
check moe-supercluster-flow 0 "AllToAllv:8:flow:1 AllToAllv:8:flow:1" sh -c "'$BIN/moe-dispatch' --level=flow --aggregate=on --pods=4 --npus=64 --ep=8 --db='$TMP/moesc.db' >/dev/null && python3 -c \"import sqlite3; print(*[':'.join(map(str, r)) for r in sqlite3.connect('$TMP/moesc.db').execute('SELECT op, ranks, level, aggregated FROM collectives')])\""
# The flow level (doc/flow-level.md): a bad level is refused, in-network stays at packet level,
# and a flow-level run records its level beside the collective.
check collectives-bad-level 2 "--level=fluid is not packet or flow" "$BIN/ub-collectives" --level=fluid
check collectives-innetwork-flow 2 "--algo=innetwork runs at packet level only" "$BIN/ub-collectives" --algo=innetwork --level=flow
check collectives-flow-level 0 "AllReduce:ring:flow" sh -c "'$BIN/ub-collectives' --preset=nvlink4-h100 --algo=ring --op=allreduce --minBytes=1048576 --maxBytes=1048576 --level=flow --db='$TMP/flow.db' >/dev/null && python3 -c \"import sqlite3; print(*[':'.join(r) for r in sqlite3.connect('$TMP/flow.db').execute('SELECT op, algo, level FROM collectives')])\""
# Aggregated ring phases (doc/flow-level.md, Aggregated rings): a bad value and a packet-level
# request are refused; on asks for them, auto takes them for a ring of over a million transfers
# (ascend950-ub2's 8,192 NPUs), and the results say how each row ran.
check collectives-bad-aggregate 2 "--aggregate=maybe is not auto, on or off" "$BIN/ub-collectives" --aggregate=maybe --level=flow
check collectives-aggregate-packet 2 "--aggregate=on runs at flow level only; add --level=flow" "$BIN/ub-collectives" --aggregate=on
check collectives-aggregated 0 "AllReduce:ring:flow:1 AllReduce:ring:flow:0" sh -c "'$BIN/ub-collectives' --preset=ascend950-ub2 --npus=8192 --algo=ring --op=allreduce --minBytes=1048576 --maxBytes=1048576 --level=flow --db='$TMP/agg.db' >/dev/null && '$BIN/ub-collectives' --preset=nvlink4-h100 --algo=ring --op=allreduce --minBytes=1048576 --maxBytes=1048576 --level=flow --db='$TMP/agg.db' >/dev/null && python3 -c \"import sqlite3; print(*[':'.join(map(str, r)) for r in sqlite3.connect('$TMP/agg.db').execute('SELECT op, algo, level, aggregated FROM collectives')])\""
# supercluster-allreduce names its SuperPoD: a bad one, and NPUs that do not fill its cabinets
# (64 per Atlas 950 cabinet, 88 per Atlas 960 cabinet), are refused before anything runs.
check supercluster-bad-pod 2 "--pod=atlas999 is not atlas950 or atlas960" "$BIN/supercluster-allreduce" --pod=atlas999
check supercluster-960-cabinets 2 "--npus a multiple of 88" "$BIN/supercluster-allreduce" --pod=atlas960 --npus=64
check supercluster-bad-study 2 "--study=0-x is not a list of SuperPoDs such as 0, 0,3 or 0-1" "$BIN/supercluster-allreduce" --level=hybrid --study=0-x
check supercluster-hybrid 0 "uboe-400g  hierarchical     1048576" "$BIN/supercluster-allreduce" --level=hybrid --pods=4 --maxBytes=1048576 --scaleouts=uboe-400g --algos=hierarchical --db="$TMP/sch.db"
# At flow level an AllReduce that runs aggregated holds one SuperPoD's fabric for all (--aggregate=on
# here); one that auto runs transfer by transfer (4 x 64 at 1 MiB: 33,792 transfers) keeps every pod.
check supercluster-one-pod 0 "1.0 0.0" sh -c "'$BIN/supercluster-allreduce' --level=flow --aggregate=on --pods=4 --npus=64 --maxBytes=1048576 --scaleouts=uboe-400g --algos=hierarchical --db='$TMP/onepod.db' >/dev/null && '$BIN/supercluster-allreduce' --level=flow --pods=4 --npus=64 --maxBytes=1048576 --scaleouts=uboe-400g --algos=hierarchical --db='$TMP/onepod.db' >/dev/null && python3 -c \"import sqlite3; print(*[r[0] for r in sqlite3.connect('$TMP/onepod.db').execute(\\\"SELECT value FROM metrics WHERE name = 'one_pod' ORDER BY run_id\\\")])\""
check collectives-no-hybrid 2 "--level=hybrid is not packet or flow" "$BIN/ub-collectives" --level=hybrid
# Split runs over MPI need the MPI route's build; a link failure is named A:B@US.
check allreduce-mpi-needs-route 2 "--mpi needs the MPI route's build of ns-3 and this module: run ./ubsim setup --mpi once" "$BIN/supercluster-allreduce" --mpi=gtw --pods=4 --npus=64
check allreduce-bad-mpi-kernel 2 "--mpi=bogus is not gtw (granted time window) or null" "$BIN/supercluster-allreduce" --mpi=bogus
check allreduce-bad-fail 2 "--fail=leaf0 is not A:B@US" "$BIN/supercluster-allreduce" --fail=leaf0
exit 0
