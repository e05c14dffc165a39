"""Parameter sweeps: a grid of a program's options and seeds, run in parallel processes, into
one SQLite file that survives crashes and restarts.

    ./ubsim sweep FILE.toml [--workers=N] [--db=FILE.db]
    python -m unifiedbus.sweep FILE.toml --bin-dir=build/bin [--workers=N] [--db=FILE.db]

The sweep file (TOML):

    program = "ub-collectives"        # a program of ./ubsim list
    db = "results/sweep.db"           # where the results go (default: results/sweep.db)
    workers = 2                       # parallel runs (default: the number of cores)
    seeds = [1, 2]                    # each point runs once per seed (--RngRun=seed); default [1]

    [params]                          # the grid: every combination of the lists
    preset = ["ubmesh-ub2", "nvlink5-gb200"]
    ranks = 16                        # a single value: the same in every run
    maxBytes = { from = 65536, to = 4194304, times = 4 }   # 65536, 262144, 1048576, 4194304
    chunks = { from = 1, to = 4, step = 1 }                # 1, 2, 3, 4

    [zip]                             # axes varied together (equal lengths), crossed with [params]
    minBytes = [65536, 1048576]
    maxBytes = [65536, 1048576]

A sweep gives at most MAX_RUNS (100,000) runs, each once; values are booleans, finite numbers
(integers within 64 bits) or non-empty one-line strings. Anything else is refused before a run
starts, in one line naming the file, line and field (exit status 2).

Each run is its own process (a crash takes down one run), writing to its own database in
<db>.runs/<key>/ with its stdout and stderr beside it; when it ends, its rows are copied into the
sweep's database in one transaction, together with its entry in sweep_runs (key: a hash of
program, parameters and seed). The database is in WAL mode with a busy timeout, so several
sweeps can share it; a finished run is never run again, so an interrupted sweep resumes where it
stopped and two sweeps started at once write each run once. A failed run is recorded with its
exit status and the tail of its stderr, and run again by the next sweep.
"""
import argparse
import concurrent.futures
import hashlib
import itertools
import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

SWEEP_SCHEMA = """
CREATE TABLE IF NOT EXISTS sweep_runs (
  key          TEXT PRIMARY KEY,
  sweep        TEXT NOT NULL,
  program      TEXT NOT NULL,
  params_json  TEXT NOT NULL,
  seed         INTEGER NOT NULL,
  status       TEXT NOT NULL,
  exit_status  INTEGER NOT NULL,
  stderr_tail  TEXT NOT NULL,
  run_id       INTEGER,
  wall_s       REAL NOT NULL,
  finished_utc TEXT NOT NULL
)
"""


MAX_RUNS = 100_000
"""The most runs one sweep file may give (points times seeds), and so the most values of one
range: more is a typo (a step or factor too fine) long before it is a plan, and would take
minutes of memory to lay out before the first run. Split a bigger study into several files."""

MAX_WORKERS = 1024
"""The most parallel runs: each is a process of its own."""


class SweepError(Exception):
    """Bad input: the message names the file, line and field, on one line (control characters
    from the file are shown escaped)."""

    def __init__(self, msg):
        super().__init__(re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", msg))


def _line_of(text, field):
    """1-based line of the first 'field =' (bare or quoted) or '[field]' in the sweep file (0 if
    not found)."""
    f = re.escape(field)
    key = rf"({f}|\"{f}\"|'{f}')"
    for i, line in enumerate(text.splitlines(), 1):
        if re.match(rf"^\s*({key}\s*=|\[\s*{key}\s*\])", line):
            return i
    return 0


def _where(path, text, field):
    """'path:line: field' (or 'path: field' where the line cannot be found)."""
    line = _line_of(text, field)
    return f"{path}:{line}: {field}" if line else f"{path}: {field}"


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _is_finite(x):
    """A number the programs can take: a finite float, or an integer in 64 bits (TOML's range;
    Python's tomllib reads longer ones too)."""
    if isinstance(x, float):
        return math.isfinite(x)
    return -(2**63) <= x < 2**63


def _range_count(a, b, step=None, times=None):
    """How many values the range from a to b gives (the loops in _axis), without laying them
    out; above MAX_RUNS means too many."""
    if step is not None:
        n = (b - a) / step
    else:
        n = math.log(b / a) / math.log(times) if b >= a else -1.0
    if not math.isfinite(n):  # a span or ratio beyond a double: more than any limit
        return MAX_RUNS + 1
    return int(n) + 1 if n >= 0 else 0


def _axis(path, text, name, v):
    """The values of one [params] or [zip] entry."""
    where = _where(path, text, name)
    if isinstance(v, list):
        if not v:
            raise SweepError(f"{where}: an empty list gives no runs; give at least one value")
        if len(v) > MAX_RUNS:
            raise SweepError(f"{where}: {len(v)} values, more than a sweep's {MAX_RUNS} runs; "
                             f"split it into several sweep files")
        return v
    if isinstance(v, dict):
        keys = set(v)
        if not ({"from", "to"} <= keys and keys <= {"from", "to", "step", "times"}) or \
                len(keys & {"step", "times"}) != 1:
            raise SweepError(f"{where}: a range is {{ from = A, to = B, step = S }} or "
                             f"{{ from = A, to = B, times = F }}")
        a, b = v["from"], v["to"]
        bounds = (a, b, v.get("step", v.get("times")))
        if not all(_is_number(x) for x in bounds):
            raise SweepError(f"{where}: range bounds and step must be numbers")
        if not all(_is_finite(x) for x in bounds):
            raise SweepError(f"{where}: range bounds and step must be finite numbers (not inf "
                             f"or nan, integers within 64 bits)")
        if "step" in v:
            if v["step"] <= 0:
                raise SweepError(f"{where}: step must be positive")
            count = _range_count(a, b, step=v["step"])
        else:
            if v["times"] <= 1 or a <= 0:
                raise SweepError(f"{where}: times must be above 1 and from above 0")
            count = _range_count(a, b, times=v["times"])
        if count > MAX_RUNS:
            raise SweepError(f"{where}: the range from {a} to {b} gives about {count} values, "
                             f"more than a sweep's {MAX_RUNS} runs; a larger step or factor")
        out = []
        if "step" in v:
            x = a
            while x <= b + 1e-12 * abs(b):
                out.append(x)
                x = a + len(out) * v["step"]
        else:
            x = a
            while x <= b * (1 + 1e-12):
                out.append(x)
                x *= v["times"]
        if not out:
            raise SweepError(f"{where}: the range from {a} to {b} is empty")
        return out
    return [v]


def _check_value(where, name, default, x):
    """One value of an option: a finite number, a boolean, or a string that fits on the
    program's command line."""
    if isinstance(x, str):
        if not x:
            raise SweepError(f"{where}: an empty value; give one (the program refuses --{name}=)")
        if re.search(r"[\x00-\x1f\x7f]", x):
            raise SweepError(f"{where}: a value with a control character (a newline, tab or "
                             f"NUL); the program's options take one line")
    elif not isinstance(x, (bool, int, float)):
        raise SweepError(f"{where}: a value must be a number, string or boolean")
    elif not isinstance(x, bool) and not _is_finite(x):
        raise SweepError(f"{where}: inf, nan or an integer beyond 64 bits; give a finite "
                         f"number")
    if _numeric(default) and not _is_number(x):
        raise SweepError(f"{where}: --{name} takes a number (default {default}); got "
                         f"{json.dumps(x)}")


_options_cache = {}


def _program_options(bin_dir, program):
    """{option: default} from the program's --help (ns-3 CommandLine's format); asked once per
    build of the program."""
    exe = os.path.join(bin_dir, program)
    st = os.stat(exe)
    key = (exe, st.st_mtime_ns, st.st_size)
    if key not in _options_cache:
        try:
            r = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60,
                               errors="replace")
        except (OSError, subprocess.TimeoutExpired) as e:
            raise SweepError(f"program: could not ask {exe} for its options ({e}); rebuild it "
                             f"with ./ubsim build")
        opts = {}
        for line in (r.stdout + r.stderr).splitlines():
            m = re.match(r"^\s+--(\w+):\s.*?(?:\[(.*)\])?\s*$", line)
            if m and not m.group(1).startswith("Print"):
                opts[m.group(1)] = m.group(2) if m.group(2) is not None else ""
        _options_cache[key] = opts
    return _options_cache[key]


def _numeric(default):
    return re.fullmatch(r"[-+]?\d+(\.\d*)?([eE][-+]?\d+)?", default or "") is not None


def load(path, bin_dir, db_override=None, workers_override=None):
    """Reads and checks a sweep file; returns the plan (nothing runs, nothing is written)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise SweepError(f"{path}: cannot read the sweep file ({e.strerror})")
    return parse(path, raw, bin_dir, db_override, workers_override)


def parse(path, raw, bin_dir, db_override=None, workers_override=None):
    """Checks the bytes of a sweep file (path names it in messages); returns the plan. Every
    refusal is a SweepError naming path, line and field (the fuzz target ub_fuzz_sweep.py holds
    it to that for any input)."""
    if tomllib is None:
        raise SweepError("sweep: needs Python 3.11 or later (tomllib); use ./ubsim sweep")
    text = raw.decode("utf-8", "replace")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        line = m.group(1) if m else "?"
        raise SweepError(f"{path}:{line}: not valid TOML: {str(e).split(' (at line')[0]}")
    except RecursionError:
        raise SweepError(f"{path}: not valid TOML: arrays or tables nested too deeply")
    except ValueError as e:  # Python's limit on digits in an integer (not a TOMLDecodeError)
        raise SweepError(f"{path}: not valid TOML: {str(e).split(';')[0]}")
    known = {"program", "db", "workers", "seeds", "params", "zip"}
    for k in doc:
        if k not in known:
            raise SweepError(f"{_where(path, text, k)}: unknown key; the keys are "
                             f"{', '.join(sorted(known))}")
    program = doc.get("program")
    if not isinstance(program, str) or not program:
        raise SweepError(f"{_where(path, text, 'program')}: give the program to run, e.g. "
                         f"program = \"ub-collectives\" (./ubsim list shows them)")
    exe = os.path.join(bin_dir, program)
    if not re.fullmatch(r"[\w][\w.-]*", program) or not os.path.isfile(exe) or \
            not os.access(exe, os.X_OK):
        raise SweepError(f"{_where(path, text, 'program')}: no program '{program}' in {bin_dir} "
                         f"(./ubsim list shows them)")
    try:
        opts = _program_options(bin_dir, program)
    except SweepError as e:
        raise SweepError(f"{path}:{_line_of(text, 'program')}: {e}")
    seeds = doc.get("seeds", [1])
    if not isinstance(seeds, list) or not seeds or len(seeds) > MAX_RUNS or \
            not all(_is_number(s) and isinstance(s, int) and 1 <= s < 2**63 for s in seeds):
        raise SweepError(f"{_where(path, text, 'seeds')}: a list of integers from 1 to 2^63-1, "
                         f"e.g. seeds = [1, 2, 3]")
    if "workers" in doc:
        w = doc["workers"]
        if not (_is_number(w) and isinstance(w, int) and 1 <= w <= MAX_WORKERS):
            raise SweepError(f"{_where(path, text, 'workers')}: a whole number from 1 to "
                             f"{MAX_WORKERS}")
    workers = workers_override or doc.get("workers") or min(os.cpu_count() or 1, MAX_WORKERS)
    if not isinstance(workers, int) or isinstance(workers, bool) or not \
            1 <= workers <= MAX_WORKERS:
        raise SweepError(f"workers: a whole number from 1 to {MAX_WORKERS} (got {workers})")
    db = db_override or doc.get("db", "results/sweep.db")
    if not isinstance(db, str) or not db or re.search(r"[\x00-\x1f\x7f]", db):
        raise SweepError(f"{_where(path, text, 'db')}: a file name (one line, no NUL)")

    axes = {}
    for table in ("params", "zip"):
        t = doc.get(table, {})
        if not isinstance(t, dict):
            raise SweepError(f"{_where(path, text, table)}: [{table}] must be a table")
        for name, v in t.items():
            where = _where(path, text, name)
            if name not in opts:
                raise SweepError(f"{where}: {program} has no option --{name} "
                                 f"(its options: {', '.join(sorted(opts))})")
            if name == "db":
                raise SweepError(f"{where}: the sweep chooses each run's database; remove it")
            if table == "zip" and name in doc.get("params", {}):
                raise SweepError(f"{where}: in both [params] and [zip]; give it in one")
            values = _axis(path, text, name, v)
            for x in values:
                _check_value(where, name, opts[name], x)
            axes.setdefault(table, {})[name] = values
    zipped = axes.get("zip", {})
    if zipped and len({len(v) for v in zipped.values()}) != 1:
        raise SweepError(f"{_where(path, text, 'zip')}: its lists must have equal "
                         f"lengths (got " +
                         ", ".join(f"{k}: {len(v)}" for k, v in zipped.items()) + ")")
    grid = axes.get("params", {})
    names = list(grid)
    total = len(seeds) * (len(next(iter(zipped.values()))) if zipped else 1)
    for n in names:
        total *= len(grid[n])
    if total > MAX_RUNS:
        raise SweepError(f"{path}: the sweep gives {total} runs, more than {MAX_RUNS}; split it "
                         f"into several sweep files")
    points = []
    for combo in itertools.product(*[grid[n] for n in names]):
        base = dict(zip(names, combo))
        if zipped:
            for i in range(len(next(iter(zipped.values())))):
                p = dict(base)
                p.update({k: v[i] for k, v in zipped.items()})
                points.append(p)
        else:
            points.append(base)
    runs = []
    seen = set()
    for p in points:
        for s in seeds:
            params = dict(sorted(p.items()))
            key = hashlib.sha256(json.dumps([program, params, s], sort_keys=True)
                                 .encode()).hexdigest()[:20]
            if key in seen:
                raise SweepError(f"{path}: the run {json.dumps(params)} with seed {s} comes "
                                 f"twice (a value repeated in a list, or in [zip]); give each "
                                 f"once")
            seen.add(key)
            runs.append({"key": key, "params": params, "seed": s})
    return {"path": path, "program": program, "db": db, "workers": workers, "runs": runs,
            "bin_dir": bin_dir, "sweep": os.path.basename(path)}


def _arg(name, v):
    if isinstance(v, bool):
        v = "true" if v else "false"
    return f"--{name}={v}"


def _retrying(f, *args):
    """f(*args), tried again while another sweep holds the database in a way SQLite's busy
    handler does not wait for (switching a new file to WAL, for one); up to a minute."""
    deadline = time.time() + 60
    while True:
        try:
            return f(*args)
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) and "busy" not in str(e) or time.time() > deadline:
                raise
            time.sleep(0.05)


def _connect(db):
    c = sqlite3.connect(db, timeout=60, isolation_level=None)
    c.execute("PRAGMA busy_timeout = 60000")
    _retrying(c.execute, "PRAGMA journal_mode = WAL")
    return c


def _done_keys(db):
    return _retrying(_done_keys_once, db)


def _done_keys_once(db):
    c = _connect(db)
    try:
        c.execute(SWEEP_SCHEMA)
        return {k for (k,) in c.execute("SELECT key FROM sweep_runs WHERE status = 'done'")}
    finally:
        c.close()


def _merge(*args):
    return _retrying(_merge_once, *args)


def _merge_once(db, plan, run, status, exit_status, stderr_tail, wall, run_db):
    """Copies the run's rows and records it, in one transaction; False if already recorded."""
    c = _connect(db)
    try:
        c.execute("BEGIN IMMEDIATE")
        try:
            c.execute(SWEEP_SCHEMA)
            row = c.execute("SELECT status FROM sweep_runs WHERE key = ?",
                            (run["key"],)).fetchone()
            if row and row[0] == "done":
                c.execute("ROLLBACK")
                return False
            run_id = None
            if status == "done" and os.path.isfile(run_db):
                c.execute("ATTACH DATABASE ? AS r", (run_db,))
                tables = c.execute("SELECT name, sql FROM r.sqlite_master WHERE type = 'table' "
                                   "AND name NOT LIKE 'sqlite_%'").fetchall()
                for name, sql in tables:
                    c.execute(sql.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1))
                # The results schema's version goes with the rows (PRAGMA and meta table).
                rv = c.execute("PRAGMA r.user_version").fetchone()[0]
                mv = c.execute("PRAGMA main.user_version").fetchone()[0]
                if mv == 0:
                    c.execute(f"PRAGMA main.user_version = {int(rv)}")
                elif mv != rv:
                    c.execute("ROLLBACK")
                    c.execute("DETACH DATABASE r")
                    return _merge_once(db, plan, run, "failed", exit_status,
                                       f"results schema version {rv} differs from the sweep "
                                       f"database's {mv}; use a new sweep database", wall, run_db)
                if any(n == "meta" for n, _ in tables):
                    c.execute("INSERT OR IGNORE INTO main.meta SELECT * FROM r.meta")
                if any(n == "runs" for n, _ in tables):
                    old = c.execute("SELECT run_id FROM r.runs").fetchall()
                    base = c.execute("SELECT COALESCE(MAX(run_id), 0) FROM main.runs").fetchone()[0]
                    remap = {o: base + i + 1 for i, (o,) in enumerate(sorted(old))}
                    c.execute("CREATE TEMP TABLE idmap (old INTEGER PRIMARY KEY, new INTEGER)")
                    c.executemany("INSERT INTO idmap VALUES (?, ?)", remap.items())
                    for name, _ in tables:
                        cols = [r[1] for r in c.execute(f"PRAGMA r.table_info({name})")]
                        if "run_id" not in cols:
                            continue
                        sel = ", ".join("m.new" if x == "run_id" else f"t.{x}" for x in cols)
                        c.execute(f"INSERT INTO main.{name} ({', '.join(cols)}) SELECT {sel} "
                                  f"FROM r.{name} t JOIN idmap m ON t.run_id = m.old")
                    run_id = max(remap.values()) if remap else None
                    c.execute("DROP TABLE temp.idmap")
                    for o, n in remap.items():
                        c.execute("INSERT OR REPLACE INTO main.params (run_id, name, value) "
                                  "VALUES (?, 'sweep', ?)", (n, plan["sweep"]))
            c.execute("INSERT OR REPLACE INTO sweep_runs VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                      (run["key"], plan["sweep"], plan["program"], json.dumps(run["params"]),
                       run["seed"], status, exit_status, stderr_tail, run_id, wall,
                       time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())))
            c.execute("COMMIT")
            return True
        except BaseException:
            if c.in_transaction:
                c.execute("ROLLBACK")
            raise
    finally:
        c.close()


def run(plan, out=sys.stderr):
    db = plan["db"]
    os.makedirs(os.path.dirname(os.path.abspath(db)), exist_ok=True)
    done = _done_keys(db)
    todo = [r for r in plan["runs"] if r["key"] not in done]
    total = len(plan["runs"])
    state = {"done": total - len(todo), "failed": 0, "running": 0, "skipped": total - len(todo)}
    failures = []
    lock = threading.Lock()
    t0 = time.time()
    work = db + ".runs"

    def progress():
        left = total - state["done"] - state["failed"] - state["running"]
        ran = state["done"] - state["skipped"] + state["failed"]
        eta = ""
        if ran:
            per = (time.time() - t0) / ran
            eta = f", about {per * (left + state['running']) / plan['workers']:.0f} s left"
        print(f"sweep: {state['done']} done, {state['running']} running, {state['failed']} "
              f"failed, {left} remaining{eta}", file=out, flush=True)

    def one(r):
        with lock:
            state["running"] += 1
        d = os.path.join(work, f"{r['key']}.{os.getpid()}")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        run_db = os.path.join(d, "run.db")
        args = [os.path.join(plan["bin_dir"], plan["program"])]
        args += [_arg(k, v) for k, v in r["params"].items()]
        args += [f"--RngRun={r['seed']}", f"--db={run_db}"]
        start = time.time()
        with open(os.path.join(d, "stdout.txt"), "w") as so, \
                open(os.path.join(d, "stderr.txt"), "w") as se:
            so.write(" ".join(args) + "\n")
            so.flush()
            rc = subprocess.call(args, stdout=so, stderr=se)
        if rc < 0:
            rc = 128 - rc  # killed by a signal: the shell's convention (SIGABRT: 134)
        with open(os.path.join(d, "stderr.txt"), errors="replace") as se:
            tail = "".join(se.readlines()[-20:])
        status = "done" if rc == 0 else "failed"
        _merge(db, plan, r, status, rc, tail, time.time() - start, run_db)
        if rc == 0:
            shutil.rmtree(d, ignore_errors=True)  # its rows are in the sweep's database
        with lock:
            state["running"] -= 1
            state["done" if rc == 0 else "failed"] += 1
            if rc != 0:
                failures.append((r, rc, tail))
            progress()

    progress()
    with concurrent.futures.ThreadPoolExecutor(max_workers=plan["workers"]) as ex:
        for f in [ex.submit(one, r) for r in todo]:
            f.result()
    print(f"sweep: {total} runs, {state['skipped']} already done, "
          f"{state['done'] - state['skipped']} ran now, {state['failed']} failed; results in "
          f"{db}", file=out)
    for r, rc, tail in failures:
        lines = tail.strip().splitlines()
        msgs = [re.search(r'msg="(.*?)"', x) for x in lines]
        msgs = [m.group(1) for m in msgs if m]
        last = msgs[-1] if msgs else (lines[-1] if lines else "(no stderr)")
        print(f"  failed (exit {rc}): {json.dumps(r['params'])} seed {r['seed']}: {last}",
              file=out)
    return 1 if failures else 0


RESULT_TABLES = ("collectives", "metrics", "flows", "ports")


def _rows(db, table=None):
    """(columns, rows) of a results table for the finished runs of the sweeps in db, each row
    led by the run's swept parameters and seed. table None: the first of RESULT_TABLES that has
    rows."""
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    have = {n for (n,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "sweep_runs" not in have:
        raise SweepError(f"{db}: not a sweep's database (no sweep_runs table)")
    for t in ([table] if table else RESULT_TABLES):
        if t not in have:
            continue
        cols = [r[1] for r in c.execute(f"PRAGMA table_info({t})")]
        rows = c.execute(f"SELECT s.params_json, s.seed, t.* FROM sweep_runs s JOIN {t} t "
                         f"ON t.run_id = s.run_id WHERE s.status = 'done' "
                         f"ORDER BY t.run_id").fetchall()
        if rows or table:
            params = sorted({k for r in rows for k in json.loads(r[0])})
            out = []
            for r in rows:
                p = json.loads(r[0])
                out.append([p.get(k, "") for k in params] + [r[1]] + list(r[2:]))
            return [f"param_{k}" for k in params] + ["seed"] + cols, out
    return ["seed"], []


def export_csv(db, path, table=None):
    """A results table of the sweep's finished runs as CSV, with the swept parameters first
    (columns param_<name>), then the seed, then the table's columns. Returns the rows written."""
    import csv
    cols, rows = _rows(db, table)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        w.writerows(rows)
    return len(rows)


def to_dataframe(db, table=None):
    """The same as export_csv, as a pandas DataFrame (pandas must be installed)."""
    import pandas as pd
    cols, rows = _rows(db, table)
    return pd.DataFrame(rows, columns=cols)


def main(argv=None):
    p = argparse.ArgumentParser(prog="ubsim sweep", description="Run a parameter sweep "
                                "described by a TOML file into one SQLite file (see the module "
                                "docstring: python -m pydoc unifiedbus.sweep).")
    p.add_argument("file")
    p.add_argument("--bin-dir", default=os.path.join(os.environ.get("UB_BUILD_DIR", "build"),
                                                     "bin"))
    p.add_argument("--workers", type=int)
    p.add_argument("--db")
    p.add_argument("--csv", help="after the sweep, export a results table to this CSV file")
    p.add_argument("--csv-table", choices=RESULT_TABLES,
                   help="the table --csv exports (default: the first of these with rows)")
    a = p.parse_args(argv)
    try:
        plan = load(a.file, a.bin_dir, a.db, a.workers)
    except SweepError as e:
        print(f"ubsim sweep: {e}", file=sys.stderr)
        return 2
    rc = run(plan)
    if a.csv:
        n = export_csv(plan["db"], a.csv, a.csv_table)
        print(f"sweep: {n} rows exported to {a.csv}", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
