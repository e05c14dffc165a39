#!/usr/bin/env python3
"""The table of ./ubsim bench mpi, read from the results databases of one split run per number
of processes (each a hierarchical AllReduce of supercluster-allreduce): wall-clock time of the
simulation, speed-up and efficiency against one process, peak memory per process, and whether
the results equal the one-process run's (collectives, flows and ports tables). The first file is
the same simulation in one process without MPI (ns-3's usual order and kernel), for scale.

    ub_bench_mpi.py <plain.db> <ranks>:<file.db> ...
"""
import hashlib
import sqlite3
import sys


def rows(db, table):
    cols = [r[1] for r in db.execute(f"pragma table_info({table})") if r[1] != "run_id"]
    h = hashlib.sha256()
    for r in db.execute(f"select {','.join(cols)} from {table} order by rowid"):
        h.update(repr(r).encode())
    return h.hexdigest()


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: ub_bench_mpi.py <plain.db> <ranks>:<file.db> ...")
    plain = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    plain_wall = dict(plain.execute("select name, value from metrics")).get("run_seconds", 0)
    plain_rss = dict(plain.execute("select name, value from metrics")).get("peak_rss_bytes", 0)
    runs = []
    for arg in sys.argv[2:]:
        ranks, path = arg.split(":", 1)
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        metrics = dict(db.execute("select name, value from metrics"))
        coll = db.execute("select system, ranks, bytes, time_us from collectives").fetchone()
        if coll is None:
            sys.exit(f"ub_bench_mpi.py: {path} has no collective (the run failed?)")
        n = int(ranks)
        if n == 1:
            rss = [metrics.get("peak_rss_bytes", 0)]
            wall = metrics.get("run_seconds", 0)
        else:
            rss = [metrics.get(f"peak_rss_bytes_rank{r}", 0) for r in range(n)]
            wall = max(metrics.get(f"run_seconds_rank{r}", 0) for r in range(n))
        same = tuple(rows(db, t) for t in ("collectives", "flows", "ports"))
        runs.append((n, wall, rss, coll, same))
    base = runs[0]
    system, npus, size, _ = base[3]
    print(f"{system}: hierarchical AllReduce of {size} B over {npus} NPUs, packet level, "
          "split by SuperPoD (granted-time-window kernel)")
    print(f"{'processes':>9} {'wall s':>9} {'speed-up':>9} {'efficiency':>11} {'vs no MPI':>10} "
          f"{'peak MiB per process':>24} {'simulated us':>13} {'results':>10}")
    print(f"{'no MPI':>9} {plain_wall:>9.1f} {'':>9} {'':>11} {1:>10.2f} "
          f"{plain_rss / 2**20:>24.0f} {'':>13} {'usual order':>10}")
    for n, wall, rss, coll, same in runs:
        speedup = base[1] / wall if wall > 0 else 0
        mem = f"{min(rss) / 2**20:.0f}" if n == 1 else \
            f"{min(rss) / 2**20:.0f}-{max(rss) / 2**20:.0f}"
        verdict = "reference" if n == base[0] else ("equal" if same == base[4] else "DIFFER")
        print(f"{n:>9} {wall:>9.1f} {speedup:>9.2f} {speedup / n * base[0]:>11.2f} "
              f"{plain_wall / wall if wall > 0 else 0:>10.2f} {mem:>24} {coll[3]:>13.6f} "
              f"{verdict:>10}")
    print("speed-up and efficiency: against the first run (one process in distributed order); "
          "vs no MPI: against the run without MPI")


if __name__ == "__main__":
    main()
