"""Fuzz target of the sweep-file reader (unifiedbus.sweep.parse), the fifth target of
./ubsim fuzz. It is Python, so libFuzzer reaches it through atheris (PyPI, in the project's
.venv), which instruments the reader and Python's TOML parser for coverage.

For any bytes, the reader either gives a plan or refuses with a SweepError, and:
  - a refusal is one line that starts with the sweep file's name (where and what);
  - a plan has from 1 to MAX_RUNS runs, each run once (no two with the same key), each value a
    boolean, a finite number (integers within 64 bits) or a non-empty string of one line, so
    that it makes a valid command-line argument;
  - any other exception, a hang (-timeout) or memory beyond -rss_limit_mb is a finding.

The sweep files name a stand-in program (FAKE_PROGRAM) whose --help lists options in ns-3
CommandLine's format, numeric and not, so that no build is needed and every input costs
microseconds. The seeds and past findings are in corpus/sweep/; test_sweep_fuzz.py replays them
in every test run.

    ./ubsim fuzz sweep                        # or, by hand, in the project's .venv:
    python ub_fuzz_sweep.py -max_total_time=60 work/ corpus/sweep/
"""
import os
import re
import stat
import sys
import tempfile

PATH = "fuzz.toml"
FAKE_PROGRAM = "ub-fuzz-program"
FAKE_HELP = """ub-fuzz-program [Program Options] [General Arguments]

Program Options:
    --preset:    The parameter preset  [ubmesh-ub2]
    --ranks:     NPUs taking part  [16]
    --minBytes:  Smallest message  [65536]
    --maxBytes:  Largest message  [4194304]
    --chunks:    Chunks per message  [1]
    --load:      Offered load  [0.5]
    --verbose:   Print each step  [false]
    --label:     Free text  []
    --db:        Results file  [results.db]

General Arguments:
    --PrintGlobals:              Print the list of globals.
"""

_bin_dir = None
_sweep = None


def bin_dir():
    """A folder holding the stand-in program (made once per process)."""
    global _bin_dir
    if _bin_dir is None:
        _bin_dir = tempfile.mkdtemp(prefix="ub-fuzz-sweep-")
        exe = os.path.join(_bin_dir, FAKE_PROGRAM)
        with open(exe, "w") as f:
            f.write("#!/bin/sh\ncat <<'EOF'\n" + FAKE_HELP + "EOF\n")
        os.chmod(exe, os.stat(exe).st_mode | stat.S_IXUSR)
    return _bin_dir


def use(sweep_module):
    """The module under test (instrumented or not)."""
    global _sweep
    _sweep = sweep_module


def check(data):
    """One input; raises AssertionError (or whatever the reader lets escape) on a finding."""
    sweep = _sweep
    try:
        plan = sweep.parse(PATH, data, bin_dir())
    except sweep.SweepError as e:
        msg = str(e)
        assert not re.search(r"[\x00-\x1f\x7f]", msg), f"refusal not on one line: {msg!r}"
        assert msg.startswith(PATH), f"refusal does not name the file first: {msg!r}"
        return
    runs = plan["runs"]
    assert 1 <= len(runs) <= sweep.MAX_RUNS, f"{len(runs)} runs"
    keys = {r["key"] for r in runs}
    assert len(keys) == len(runs), "a run twice in one plan"
    assert 1 <= plan["workers"] <= sweep.MAX_WORKERS
    for r in runs:
        assert isinstance(r["seed"], int) and 1 <= r["seed"] < 2**63
        for k, v in r["params"].items():
            assert type(v) in (bool, int, float, str), f"{k} = {v!r}"
            arg = sweep._arg(k, v)
            assert not re.search(r"[\x00-\x1f\x7f]", arg) and not arg.endswith("="), arg


def main():
    import atheris

    with atheris.instrument_imports(include=["unifiedbus", "tomllib"]):
        from unifiedbus import sweep
    use(sweep)
    bin_dir()
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
