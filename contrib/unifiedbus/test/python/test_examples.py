"""The Python examples run, each in its own process as a user runs them, and print what they
promise (small sizes, to stay quick)."""
import os
import re
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.normpath(os.path.join(HERE, "..", "..", "examples", "python"))


def run(name, *args):
    r = subprocess.run([sys.executable, os.path.join(EXAMPLES, name), *args],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"{name} failed:\n{r.stdout}\n{r.stderr[-2000:]}"
    return r.stdout


def test_p2p_write_sweep():
    out = run("p2p_write_sweep.py", "--npus=128", "--sizes=64,1048576")
    rows = re.findall(r"^\s+(\d+)\s+([\d.]+)\s+([\d.]+)$", out, re.M)
    assert [int(r[0]) for r in rows] == [64, 1048576]
    lat64, lat1m = float(rows[0][1]), float(rows[1][1])
    # 1 MiB cannot be faster than 64 B, and no Write beats the 2,016 GB/s an NPU has in all
    assert lat1m > lat64 > 0
    assert float(rows[1][2]) < 2016


def test_allreduce_algorithms_plots(tmp_path):
    png = tmp_path / "ar.png"
    out = run("allreduce_algorithms.py", "--ranks=16", "--algos=ring,hd",
              "--sizes=65536,1048576", f"--plot={png}")
    rows = re.findall(r"^\s+(ring|hd)\s+(\d+)\s+([\d.]+)\s+([\d.]+)$", out, re.M)
    assert len(rows) == 4
    assert png.stat().st_size > 5000


def test_allreduce_algorithms_rejects_unknown_algo():
    r = subprocess.run([sys.executable, os.path.join(EXAMPLES, "allreduce_algorithms.py"),
                        "--algos=nope"], capture_output=True, text=True)
    assert r.returncode != 0 and "unknown --algos nope" in r.stderr


def test_credit_stalls_counted_per_port():
    out = run("credit_stalls.py", "--senders=4", "--bytes=65536", "--bufferCells=32")
    stalled = re.search(r"ports that stalled: (\d+) of (\d+)", out)
    assert stalled and int(stalled.group(2)) == 10  # 5 endpoint links, two ends each
    # the switch's port toward the incast target stalls; so do the senders, held back by it
    assert int(stalled.group(1)) >= 2


def test_custom_topology_deadlock_check():
    out = run("custom_topology.py")
    assert re.search(r"one VL: 1 VL\(s\), \d+ dependencies, cycle: npu", out)
    assert "final hop on VL 1: 2 VL(s), 0 dependencies, deadlock-free" in out
    assert re.search(r"64-KiB Write npu0 -> npu8 \(2 hops\): [\d.]+ us", out)
