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
    pm = dict(plain.execute("select name, value from metrics"))
    plain_wall = pm.get("run_seconds", 0)
    plain_rss = pm.get("peak_rss_bytes", 0)
    plain_events = pm.get("events", 0)
    runs = []
    for arg in sys.argv[2:]:
        ranks, path = arg.split(":", 1)
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        metrics = dict(db.execute("select name, value from metrics"))
        coll = db.execute("select system, ranks, bytes, time_us from collectives").fetchone()
        if coll is None:
            sys.exit(f"ub_bench_mpi.py: {path} has no collective (the run failed?)")
        n = int(ranks)
        if f"run_seconds_rank{n - 1}" in metrics:
            rss = [metrics.get(f"peak_rss_bytes_rank{r}", 0) for r in range(n)]
            walls = [metrics.get(f"run_seconds_rank{r}", 0) for r in range(n)]
            events = [metrics.get(f"events_rank{r}", 0) for r in range(n)]
        else:
            rss = [metrics.get("peak_rss_bytes", 0)]
            walls = [metrics.get("run_seconds", 0)]
            events = [metrics.get("events", 0)]
        # Each process's events per second of its own run: the rate the estimate scales.
        rates = [e / w / 1e6 for e, w in zip(events, walls) if w > 0]
        same = tuple(rows(db, t) for t in ("collectives", "flows", "ports"))
        runs.append((n, max(walls), rss, coll, same, sum(events), rates))
    base = runs[0]
    system, npus, size, _ = base[3]

    def span(values, fmt):
        lo, hi = min(values), max(values)
        return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else \
            fmt.format(lo) + "-" + fmt.format(hi)

    print(f"{system}: hierarchical AllReduce of {size} B over {npus} NPUs, packet level, "
          "split by SuperPoD (granted-time-window kernel)")
    print(f"{'processes':>9} {'wall s':>9} {'speed-up':>9} {'efficiency':>11} {'vs no MPI':>10} "
          f"{'peak MiB per process':>21} {'M events':>9} {'M events/s per process':>23} "
          f"{'simulated us':>13} {'results':>11}")
    plain_rate = plain_events / plain_wall / 1e6 if plain_wall > 0 else 0
    print(f"{'no MPI':>9} {plain_wall:>9.1f} {'':>9} {'':>11} {1:>10.2f} "
          f"{plain_rss / 2**20:>21.0f} {plain_events / 1e6:>9.1f} {plain_rate:>23.3f} "
          f"{'':>13} {'usual order':>11}")
    for n, wall, rss, coll, same, events, rates in runs:
        speedup = base[1] / wall if wall > 0 else 0
        mem = span([x / 2**20 for x in rss], "{:.0f}")
        verdict = "reference" if n == base[0] else ("equal" if same == base[4] else "DIFFER")
        print(f"{n:>9} {wall:>9.1f} {speedup:>9.2f} {speedup / n * base[0]:>11.2f} "
              f"{plain_wall / wall if wall > 0 else 0:>10.2f} {mem:>21} {events / 1e6:>9.1f} "
              f"{span(rates, '{:.3f}') if rates else '':>23} {coll[3]:>13.6f} {verdict:>11}")
    print("speed-up and efficiency: against the first run (one process in distributed order); "
          "vs no MPI: against the run without MPI")


if __name__ == "__main__":
    main()
