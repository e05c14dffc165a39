"""./ubsim sweep: grids, seeds, workers, resuming after SIGKILL, two sweeps on one file, failed
runs, bad input. Runs ub-credit-loop (a fraction of a second per run)."""
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

BIN = os.path.join(os.environ.get("UB_BUILD_DIR", "build"), "bin")


def sweep_cmd(toml, *extra):
    return [sys.executable, "-m", "unifiedbus.sweep", f"--bin-dir={BIN}", str(toml), *extra]


def write(tmp_path, body, name="s.toml"):
    p = tmp_path / name
    p.write_text(body)
    return p


GRID = """program = "ub-credit-loop"
db = "{db}"
workers = 4
seeds = [1, 2]

[params]
lanes = [1, 2]
packet = {{ from = 1024, to = 4096, times = 2 }}
packets = {packets}
"""


def counts(db):
    c = sqlite3.connect(db)
    done = c.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM sweep_runs "
                     "WHERE status = 'done'").fetchone()
    runs = c.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    seeds = sorted(r[0] for r in c.execute("SELECT DISTINCT rng_run FROM runs"))
    c.close()
    return done, runs, seeds


def test_grid_of_2x3_by_2_seeds_gives_12_runs(tmp_path):
    db = tmp_path / "g.db"
    r = subprocess.run(sweep_cmd(write(tmp_path, GRID.format(db=db, packets=2000))),
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert counts(db) == ((12, 12), 12, [1, 2])
    c = sqlite3.connect(db)
    packets = sorted({int(v) for (v,) in c.execute(
        "SELECT value FROM params WHERE name = 'packet'")})
    assert packets == [1024, 2048, 4096]
    # the metrics as CSV, each row led by its run's parameters and seed
    csv_path = tmp_path / "g.csv"
    from unifiedbus import sweep
    n = sweep.export_csv(str(db), str(csv_path))
    import csv
    rows = list(csv.DictReader(open(csv_path)))
    assert n == len(rows) > 12
    assert list(rows[0])[:4] == ["param_lanes", "param_packet", "param_packets", "seed"]
    assert len({r["run_id"] for r in rows}) == 12
    # the same rows as a pandas DataFrame: same columns, same values
    df = sweep.to_dataframe(str(db))
    assert list(df.columns) == list(rows[0])
    assert len(df) == n
    assert sorted(df.groupby("run_id").size().tolist()) == sorted(
        sum(1 for r in rows if r["run_id"] == k) for k in {r["run_id"] for r in rows})
    first = df.iloc[0]
    assert [str(first[c]) for c in ("param_lanes", "param_packet", "seed", "name")] == \
        [rows[0][c] for c in ("param_lanes", "param_packet", "seed", "name")]
    assert float(first["value"]) == float(rows[0]["value"])
    # run again: every run is finished, nothing runs
    r = subprocess.run(sweep_cmd(write(tmp_path, GRID.format(db=db, packets=2000))),
                       capture_output=True, text=True)
    assert "12 already done, 0 ran now" in r.stderr
    assert counts(db)[1] == 12


def test_resumes_after_sigkill_without_duplicates(tmp_path):
    db = tmp_path / "k.db"
    toml = write(tmp_path, GRID.format(db=db, packets=40000).replace("workers = 4", "workers = 2"))
    p = subprocess.Popen(sweep_cmd(toml), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    deadline = time.time() + 120
    done = 0
    while time.time() < deadline and p.poll() is None:
        time.sleep(0.2)
        if os.path.exists(db):
            try:
                done = sqlite3.connect(db, timeout=5).execute(
                    "SELECT COUNT(*) FROM sweep_runs WHERE status = 'done'").fetchone()[0]
            except sqlite3.OperationalError:
                continue
            if done >= 3:
                break
    assert p.poll() is None, "the sweep ended before it could be killed; make runs longer"
    os.killpg(p.pid, signal.SIGKILL)  # the sweep and its running programs
    p.wait()
    assert 3 <= counts(db)[0][0] < 12
    r = subprocess.run(sweep_cmd(toml), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert counts(db) == ((12, 12), 12, [1, 2])


def test_two_sweeps_at_once_write_each_run_once(tmp_path):
    db = tmp_path / "two.db"
    toml = write(tmp_path, GRID.format(db=db, packets=8000))
    ps = [subprocess.Popen(sweep_cmd(toml), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True) for _ in range(2)]
    for p in ps:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    assert counts(db) == ((12, 12), 12, [1, 2])


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    db = tmp_path / "f.db"
    toml = write(tmp_path, f"""program = "ub-credit-loop"
db = "{db}"
[params]
lanes = [1, 3, 4]   # 3 lanes is refused: the program stops with exit status 2
packets = 2000
""")
    r = subprocess.run(sweep_cmd(toml), capture_output=True, text=True)
    assert r.returncode == 1
    assert "failed (exit 2)" in r.stderr and "Lanes=3 is invalid" in r.stderr
    c = sqlite3.connect(db)
    rows = c.execute("SELECT params_json, status, exit_status, stderr_tail FROM sweep_runs "
                     "ORDER BY params_json").fetchall()
    assert [(p, s) for p, s, _, _ in rows] == [('{"lanes": 1, "packets": 2000}', "done"),
                                               ('{"lanes": 3, "packets": 2000}', "failed"),
                                               ('{"lanes": 4, "packets": 2000}', "done")]
    assert rows[1][2] == 2 and "Lanes=3 is invalid" in rows[1][3]
    assert c.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 2


@pytest.mark.parametrize("body,expect", [
    ('program = "ub-credit-loop"\n[params\nlanes = [1]\n', ":2: not valid TOML"),
    ('program = "ub-credit-loop"\n[params]\nlanez = [1, 2]\n',
     ":3: lanez: ub-credit-loop has no option --lanez"),
    ('program = "no-such-program"\n', ":1: program: no program 'no-such-program'"),
    ('program = "ub-credit-loop"\n\n[params]\npackets = ["many"]\n',
     ':4: packets: --packets takes a number (default 2000); got "many"'),
    ('program = "ub-credit-loop"\n[zip]\nlanes = [1, 2]\npacket = [1024]\n',
     ":2: zip: its lists must have equal lengths"),
    ('program = "ub-credit-loop"\nworkers = 0\n', ":2: workers: a whole number from 1 to 1024"),
    ('program = "ub-credit-loop"\n[params]\npackets = nan\n',
     ":3: packets: inf, nan or an integer beyond 64 bits"),
    ('program = "ub-credit-loop"\n[params]\npackets = { from = 1, to = 1e9, step = 1 }\n',
     ":3: packets: the range from 1 to 1000000000.0 gives about 1000000000 values, more than "
     "a sweep's 100000 runs"),
])
def test_bad_input_is_named_with_exit_2_and_nothing_written(tmp_path, body, expect):
    db = tmp_path / "bad.db"
    toml = write(tmp_path, f'db = "{db}"\n' + body)
    r = subprocess.run(sweep_cmd(toml), capture_output=True, text=True)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(toml) in lines[0], r.stderr
    # the db line comes first: every line number above is one more
    n = int(expect.split(":")[1]) + 1
    assert f"{toml}:{n}:{expect.split(':', 2)[2]}" in lines[0], lines[0]
    assert not db.exists()


def test_path_selection_example_sweep(tmp_path):
    """The README's sweep file: 24 runs; on permutation traffic, spreading packets over paths
    (Spray, Adaptive) beats one path per flow (Single)."""
    toml = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python",
                        "path-selection-sweep.toml")
    db = tmp_path / "ps.db"
    r = subprocess.run(sweep_cmd(toml, f"--db={db}"), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    c = sqlite3.connect(db)
    assert c.execute("SELECT COUNT(*) FROM sweep_runs WHERE status = 'done'").fetchone()[0] == 24
    gbps = dict(c.execute(
        "SELECT json_extract(s.params_json, '$.selection'), AVG(m.value) FROM sweep_runs s "
        "JOIN metrics m ON m.run_id = s.run_id AND m.name = 'aggregate_throughput' "
        "WHERE json_extract(s.params_json, '$.pattern') = 'permutation' GROUP BY 1"))
    assert gbps["Spray"] > gbps["Single"] and gbps["Adaptive"] > gbps["Single"]
