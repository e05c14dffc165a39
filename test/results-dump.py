#!/usr/bin/env python3
"""Print a results database as sorted text lines, leaving out what differs between two runs of
the same simulation (wall-clock time, start time, memory, the module version), so that two
builds can be compared with diff. Used by test/same-results.sh.

    results-dump.py <file.db>
"""
import re
import sqlite3
import sys

# Columns and metrics that measure the machine, not the simulation (and the simulator's event
# counts: a cost, which the kernel and the split into processes change).
SKIP_COLUMNS = {"started_utc", "wall_time_s", "module_version", "run_id"}
MACHINE_METRIC = re.compile(
    r"(wall|rss|heap|memory|build_time|_time_s$|seconds_wall|^events|^build_seconds|^run_seconds)",
    re.I)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: results-dump.py <file.db>")
    db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    tables = [r[0] for r in db.execute("select name from sqlite_master where type='table' order by name")]
    for t in tables:
        cols = [r[1] for r in db.execute(f"pragma table_info({t})")]
        keep = [c for c in cols if c not in SKIP_COLUMNS]
        rows = []
        for r in db.execute(f"select {','.join(keep)} from {t} order by rowid"):
            row = dict(zip(keep, r))
            if t == "metrics" and MACHINE_METRIC.search(str(row.get("name", ""))):
                continue
            if t == "params" and MACHINE_METRIC.search(str(row.get("name", ""))):
                continue
            rows.append(" ".join(f"{k}={v!r}" for k, v in row.items()))
        # Rows keep their insertion order within a run, which is part of the result.
        for line in rows:
            print(f"{t}: {line}")


if __name__ == "__main__":
    main()
