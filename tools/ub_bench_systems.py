#!/usr/bin/env python3
"""The table of ./ubsim bench systems, read from the results database that the ub-system runs
wrote (one run per system, named by its 'label' parameter), in the order they ran.

    ub_bench_systems.py <file.db>
"""
import sqlite3
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: ub_bench_systems.py <file.db>")
    db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    print(f"{'system':<28} {'endpoints':>9} {'switches':>9} {'links':>10} {'build s':>9} "
          f"{'heap MiB':>10} {'peak MiB':>10} {'KiB/NPU':>9}")
    for (run,) in db.execute("SELECT run_id FROM runs WHERE program = 'ub-system' ORDER BY run_id"):
        params = dict(db.execute("SELECT name, value FROM params WHERE run_id = ?", (run,)))
        metrics = dict(db.execute(
            "SELECT name, value FROM metrics WHERE run_id = ? AND scope = 'system'", (run,)))
        endpoints = int(params.get("endpoints", 0))
        heap = metrics.get("heap_bytes", 0)
        print(f"{params.get('label', params.get('preset', '?')):<28} {endpoints:>9} "
              f"{int(metrics.get('switches', 0)):>9} {int(metrics.get('links', 0)):>10} "
              f"{metrics.get('build_seconds', 0):>9.2f} {heap / 2**20:>10.1f} "
              f"{metrics.get('peak_rss_bytes', 0) / 2**20:>10.1f} "
              f"{heap / max(endpoints, 1) / 1024:>9.0f}")
    flow = db.execute("SELECT run_id FROM runs WHERE program = 'supercluster-allreduce' "
                      "ORDER BY run_id").fetchall()
    if flow:
        print()
        print("Flow level: build, then one hierarchical AllReduce of 256 MiB over UBoE")
        print(f"{'SuperCluster':<28} {'NPUs':>9} {'build s':>9} {'AllReduce s':>12} "
              f"{'peak MiB':>10} {'KiB/NPU':>9} {'simulated us':>13} {'how':>16}")
    for (run,) in flow:
        params = dict(db.execute("SELECT name, value FROM params WHERE run_id = ?", (run,)))
        pods, npus = int(params.get("pods", 0)), int(params.get("npus", 0))
        for scope, time_us, aggregated in db.execute(
                "SELECT c.system, c.time_us, c.aggregated FROM collectives c "
                "WHERE c.run_id = ?", (run,)):
            m = dict(db.execute("SELECT name, value FROM metrics WHERE run_id = ? AND scope LIKE "
                                "'%:hierarchical:%'", (run,)))
            peak = m.get("peak_rss_bytes", 0)
            name = f"{pods} x {npus} ({params.get('pod', 'atlas950')})"
            print(f"{name:<28} {pods * npus:>9} {m.get('build_seconds', 0):>9.1f} "
                  f"{m.get('run_seconds', 0):>12.1f} {peak / 2**20:>10.0f} "
                  f"{peak / max(pods * npus, 1) / 1024:>9.1f} {time_us:>13.1f} "
                  f"{'flow-aggregated' if aggregated else 'flow':>16}")


if __name__ == "__main__":
    main()
