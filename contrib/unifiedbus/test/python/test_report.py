"""./ubsim report on a sweep's database and on a file of several presets: every metric against
every swept parameter with error bars over seeds (checked against the database with Python's
statistics module), runs told apart by their parameters, UB and NVL72 curves overlaid,
superseded runs, bad options."""
import csv
import os
import sqlite3
import statistics
import subprocess
import sys

import pytest

from unifiedbus import report as rep

BIN = os.path.join(os.environ.get("UB_BUILD_DIR", "build"), "bin")

SWEEP = """program = "ub-fabric-demo"
db = "{db}"
seeds = [1, 2, 3]

[params]
selection = ["Single", "Spray"]
pattern = "permutation"
quiet = true
"""


def report(db, out, *extra):
    return subprocess.run([sys.executable, "-m", "unifiedbus.report", str(db), "--out",
                           str(out), *extra], capture_output=True, text=True)


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def sweep_db(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    toml = d / "sel.toml"
    toml.write_text(SWEEP.format(db=d / "sel.db"))
    r = subprocess.run([sys.executable, "-m", "unifiedbus.sweep", f"--bin-dir={BIN}", str(toml)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return d / "sel.db"


def test_sweep_metric_against_parameter_with_error_bars_over_seeds(sweep_db, tmp_path):
    out = tmp_path / "rep"
    r = report(sweep_db, out)
    assert r.returncode == 0, r.stderr
    assert "(1 plots, 0 collective rows, 6 runs)" in r.stdout
    # Expected: the database's own rows, averaged here with the statistics module.
    c = sqlite3.connect(sweep_db)
    per = {}
    for params, value in c.execute(
            "SELECT s.params_json, m.value FROM sweep_runs s JOIN metrics m ON "
            "m.run_id = s.run_id WHERE m.name = 'aggregate_throughput' AND m.scope = 'run'"):
        per.setdefault("Spray" if '"Spray"' in params else "Single", []).append(value)
    assert sorted(len(v) for v in per.values()) == [3, 3]
    rows = [x for x in read_csv(out / "sweep-sel-vs-selection.csv")
            if x["plot"] == "aggregate_throughput"]
    assert [x["x"] for x in rows] == ["Single", "Spray"]  # the sweep's order
    for x in rows:
        vals = per[x["x"]]
        assert float(x["mean"]) == pytest.approx(statistics.mean(vals), rel=1e-12)
        assert float(x["sd"]) == pytest.approx(statistics.stdev(vals), rel=1e-9)
        assert int(x["n"]) == 3
    # Spreading a permutation over paths beats one path (ub-fabric-demo's own claim), and the
    # seeds differ, so the error bars are not zero.
    by = {x["x"]: float(x["mean"]) for x in rows}
    assert by["Spray"] > by["Single"]
    assert all(float(x["sd"]) > 0 for x in rows)
    md = (out / "report.md").read_text()
    # Each run's parameters, and the table of the grid with mean ± s.d. (n).
    assert md.count("selection=Spray (sweep sel.toml)") == 3
    assert "| selection | completion_time (us) |" in md
    assert "(3) |" in md
    assert (out / "sweep-sel-vs-selection.png").stat().st_size > 10000


def test_chosen_metric_and_parameter(sweep_db, tmp_path):
    out = tmp_path / "rep"
    r = report(sweep_db, out, "--x=selection", "--metric=latency_p99")
    assert r.returncode == 0, r.stderr
    rows = read_csv(out / "sweep-sel-vs-selection.csv")
    assert {x["plot"] for x in rows} == {"latency_p99"}
    assert len(rows) == 2


@pytest.mark.parametrize("opt, expect", [
    ("--x=pattern", "--x=pattern: not a swept parameter of sweep sel.toml; its swept "
                    "parameters are: selection"),
    ("--metric=nope", "--metric=nope: sweep sel.toml has no such metric; it has: "),
])
def test_bad_options_are_named_and_write_nothing(sweep_db, tmp_path, opt, expect):
    out = tmp_path / "rep"
    r = report(sweep_db, out, opt)
    assert r.returncode == 2
    assert expect in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not out.exists()
    assert [p for p in os.listdir(tmp_path) if p.startswith(".ub-report-")] == []


def test_presets_overlaid_seeds_averaged_repeats_superseded(tmp_path):
    db = str(tmp_path / "mix.db")

    def run(program, *args):
        subprocess.run([os.path.join(BIN, program), f"--db={db}", *args], check=True,
                       capture_output=True)

    for preset in ("ascend950-ub2", "nvlink5-gb200"):
        run("p2p-sweep", f"--preset={preset}", "--npus=8", "--maxBytes=4096")
        run("ub-collectives", f"--preset={preset}", "--npus=8", "--maxBytes=262144")
    run("ub-collectives", "--preset=nvlink5-gb200", "--npus=8", "--maxBytes=262144",
        "--RngRun=2")
    run("ub-collectives", "--preset=nvlink5-gb200", "--npus=8", "--maxBytes=262144",
        "--RngRun=2")  # the same again: supersedes the one before
    out = tmp_path / "rep"
    r = report(db, out)
    assert r.returncode == 0, r.stderr
    md = (out / "report.md").read_text()
    assert "| 5 | ub-collectives | preset=nvlink5-gb200; superseded by run 6 |" in md
    # p2p: both presets on one plot, one curve per (preset, op, near/far).
    p2p = read_csv(out / "p2p-sweep.csv")
    presets = {x["series"].split(",")[0] for x in p2p}
    assert presets == {"preset=ascend950-ub2", "preset=nvlink5-gb200"}
    c = sqlite3.connect(db)
    for x in p2p:
        if x["plot"] == "latency" and x["x"] == "4096":
            preset = x["series"].split(",")[0].split("=")[1]
            where = x["series"].split("where=")[1]
            op = x["series"].split("op=")[1].split(",")[0]
            want = c.execute("SELECT m.value FROM metrics m JOIN params p ON p.run_id = m.run_id "
                             "AND p.name = 'preset' JOIN runs r ON r.run_id = m.run_id WHERE "
                             "r.program = 'p2p-sweep' AND p.value = ? AND m.scope = ? AND "
                             "m.name = 'latency'", (preset, f"{where}:{op}:4096")).fetchone()[0]
            assert float(x["mean"]) == want
    # collectives: both systems on one plot; NVL72 has two seeds (runs 4 and 6, not 5).
    coll = read_csv(out / "busbw-allreduce.csv")
    assert {x["series"] for x in coll} == {"system=ascend950-ub2", "system=nvlink5-gb200"}
    for x in coll:
        system = x["series"].split("=")[1]
        vals = [v for (v,) in c.execute(
            "SELECT busbw_gbps FROM collectives WHERE system = ? AND bytes = ? AND run_id != 5",
            (system, int(x["x"])))]
        assert int(x["n"]) == (2 if system == "nvlink5-gb200" else 1)
        assert x["runs"] == ("4 6" if system == "nvlink5-gb200" else "2")
        assert float(x["mean"]) == pytest.approx(statistics.mean(vals), rel=1e-12)


def test_report_of_the_path_selection_example_sweep_has_plots(tmp_path):
    """The issue's example: a sweep over path-selection policies used to give '0 plots'."""
    toml = tmp_path / "ps.toml"
    src = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python",
                       "path-selection-sweep.toml")
    body = open(src).read().replace('db = "results/path-selection.db"',
                                    f'db = "{tmp_path / "ps.db"}"')
    toml.write_text(body)
    r = subprocess.run([sys.executable, "-m", "unifiedbus.sweep", f"--bin-dir={BIN}", str(toml)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = report(tmp_path / "ps.db", tmp_path / "rep")
    assert r.returncode == 0, r.stderr
    assert "(2 plots, 0 collective rows, 24 runs)" in r.stdout
    for x in ("selection", "pattern"):
        rows = read_csv(tmp_path / "rep" / f"sweep-ps-vs-{x}.csv")
        assert {r["plot"] for r in rows} >= {"aggregate_throughput", "latency_p99"}


def test_runs_that_differ_only_in_an_unrecorded_option_are_not_merged(tmp_path):
    """ub-collectives does not record --maxBytes itself; its command line (params 'args') tells
    the two runs apart, so neither is taken for a repeat of the other."""
    db = str(tmp_path / "a.db")
    for top, seed in (("65536", "1"), ("262144", "2")):
        subprocess.run([os.path.join(BIN, "ub-collectives"), "--npus=8", f"--maxBytes={top}",
                        f"--RngRun={seed}", f"--db={db}"], check=True, capture_output=True)
    r = report(db, tmp_path / "rep")
    assert r.returncode == 0, r.stderr
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "| 1 | ub-collectives | args=--npus=8 --maxBytes=65536 | 1/1 |" in md
    coll = read_csv(tmp_path / "rep" / "busbw-allreduce.csv")
    at64k = [x for x in coll if x["x"] == "65536"]
    assert len(at64k) == 2 and all(x["n"] == "1" for x in at64k)


def _bad_file(tmp_path, kind):
    """A results file (or path) the report must refuse with one line naming it."""
    db = tmp_path / "bad.db"
    if kind == "directory":
        db.mkdir()
        return db
    con = sqlite3.connect(db)
    if kind == "malformed":
        # A results file whose metrics table was replaced by hand.
        con.execute("PRAGMA user_version = 5")
        con.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, program TEXT, started_utc TEXT)")
        con.execute("INSERT INTO runs (program, started_utc) VALUES ('x', 'now')")
        con.execute("CREATE TABLE metrics (something TEXT)")
        con.execute("INSERT INTO metrics VALUES ('y')")
    elif kind == "future":
        con.execute("PRAGMA user_version = 99")
        con.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY)")
    con.commit()
    con.close()
    return db


@pytest.mark.parametrize("kind, expect", [
    ("directory", "is a directory, not a results file"),
    ("malformed", "has a table this report cannot read"),
    ("future", f"has results schema 99, newer than the {rep.SCHEMA_VERSION} this report reads"),
])
def test_bad_results_files_are_named_in_one_line(tmp_path, kind, expect):
    out = tmp_path / "rep"
    r = report(_bad_file(tmp_path, kind), out)
    assert r.returncode == 2, r.stderr
    assert expect in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not out.exists()


def test_an_out_folder_that_cannot_be_made_is_named_in_one_line(sweep_db, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    r = report(sweep_db, blocker / "rep")
    assert r.returncode == 2, r.stderr
    assert f"cannot write the report to '{blocker / 'rep'}'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_report_reads_the_schema_the_module_writes():
    """report.SCHEMA_VERSION follows UbResults::SCHEMA_VERSION (a newer file is refused)."""
    from unifiedbus import report as rep
    here = os.path.dirname(os.path.abspath(__file__))
    header = os.path.join(here, "..", "..", "helper", "ub-results.h")
    with open(header) as f:
        m = [line for line in f if "SCHEMA_VERSION =" in line]
    assert len(m) == 1
    assert int(m[0].split("=")[1].strip(" ;\n")) == rep.SCHEMA_VERSION


def test_a_failed_run_is_listed_with_its_reason_and_left_out(tmp_path):
    """A run the watchdog stopped keeps its row, marked failed (status 3); the report lists it
    with the reason and draws only the runs that finished."""
    db = tmp_path / "r.db"
    common = [os.path.join(BIN, "ub-system"), "--preset=ascend950-ub2", "--npus=16",
              f"--db={db}"]
    ok = subprocess.run(common + ["--bytes=65536"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(common + ["--bytes=65536", "--ns3::UbNetDevice::PacketErrorRate=0.9",
                                   "--ns3::UbNetDevice::LinkRetry=false"],
                         capture_output=True, text=True)
    assert bad.returncode == 3, bad.stderr
    assert "marked failed" in bad.stderr.strip().splitlines()[-1]
    con = sqlite3.connect(db)
    rows = con.execute("SELECT status, checks FROM runs ORDER BY run_id").fetchall()
    con.close()
    assert rows[0][0] == "ok" and rows[0][1].startswith("passed: ")
    assert rows[1][0] == "failed: the watchdog stopped the run (nothing delivered for its span)"
    out = tmp_path / "rep"
    r = report(db, out)
    assert r.returncode == 0, r.stderr
    md = (out / "report.md").read_text()
    assert "2 runs; 1 failed, left out of the figures." in md
    assert "**failed: the watchdog stopped the run" in md
