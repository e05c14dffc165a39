#!/usr/bin/env python3
"""Parameter sweep from Python: run the fabric demo once per path-selection policy and seed,
then read the results back from SQLite.

Only the standard library is needed (subprocess, sqlite3). Run from the repository root after
`./ubsim build`:

    python3 examples/python/sweep_selection.py [--db results/sweep.db] [--seeds 3]
"""
import argparse
import os
import sqlite3
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEMO = os.path.join(ROOT, "build", "bin", "ub-fabric-demo")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="results/sweep.db", help="SQLite file to write")
    ap.add_argument("--seeds", type=int, default=3, help="RngRun values 1..N")
    ap.add_argument("--bytes", type=int, default=1 << 20, help="bytes per flow")
    args = ap.parse_args()
    if not os.access(DEMO, os.X_OK):
        sys.exit(f"sweep: {DEMO} is missing; run './ubsim build' first")

    for selection in ("Single", "Ecmp", "Spray", "Adaptive"):
        for run in range(1, args.seeds + 1):
            cmd = [DEMO, "--pattern=permutation", "--quiet", f"--selection={selection}",
                   f"--bytes={args.bytes}", f"--db={args.db}", f"--RngRun={run}"]
            done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"sweep: {' '.join(cmd)} failed:\n{done.stderr}")
            print(f"selection={selection:8s} run={run} done")

    db = sqlite3.connect(os.path.join(ROOT, args.db))
    rows = db.execute(
        """SELECT p.value, avg(m.value), min(m.value), max(m.value), count(*)
           FROM runs r
           JOIN params p ON p.run_id = r.run_id AND p.name = 'selection'
           JOIN params q ON q.run_id = r.run_id AND q.name = 'pattern' AND q.value = 'permutation'
           JOIN metrics m ON m.run_id = r.run_id AND m.name = 'aggregate_throughput'
           WHERE r.program = 'ub-fabric-demo'
           GROUP BY p.value ORDER BY avg(m.value) DESC""").fetchall()
    print(f"\n{'selection':10s} {'mean Gb/s':>10s} {'min':>10s} {'max':>10s} {'runs':>5s}")
    for sel, mean, lo, hi, n in rows:
        print(f"{sel:10s} {mean:10.1f} {lo:10.1f} {hi:10.1f} {n:5d}")


if __name__ == "__main__":
    main()
