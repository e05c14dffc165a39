"""The sweep-file reader's fuzz corpus (contrib/unifiedbus/test/fuzz/corpus/sweep), replayed
through the fuzz target's checks in every test run, without atheris: the seeds give plans, and
each past finding (regression-*: hangs, escaped exceptions, refusals over two lines, a run twice,
values no program can take) is now refused with one line naming the file."""
import os
import signal
import sys

import pytest

from unifiedbus import sweep

FUZZ = os.path.join(os.path.dirname(__file__), "..", "fuzz")
CORPUS = os.path.join(FUZZ, "corpus", "sweep")
sys.path.insert(0, FUZZ)
import ub_fuzz_sweep as target  # noqa: E402

target.use(sweep)


def _hang(*_):
    raise TimeoutError("the reader took more than 10 s (./ubsim fuzz runs with -timeout=10)")


@pytest.mark.parametrize("name", sorted(os.listdir(CORPUS)))
def test_corpus_input(name):
    with open(os.path.join(CORPUS, name), "rb") as f:
        data = f.read()
    old = signal.signal(signal.SIGALRM, _hang)
    signal.alarm(10)
    try:
        target.check(data)
        if name.startswith("regression-"):
            with pytest.raises(sweep.SweepError) as e:
                sweep.parse(target.PATH, data, target.bin_dir())
            assert str(e.value).startswith(target.PATH)
        else:
            plan = sweep.parse(target.PATH, data, target.bin_dir())
            assert len(plan["runs"]) >= 1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_seed_grid_counts():
    """seed-grid.toml: 2 presets x 4 sizes (65536 x 4^k to 4194304) x 4 chunk counts x 2 seeds."""
    with open(os.path.join(CORPUS, "seed-grid.toml"), "rb") as f:
        plan = sweep.parse(target.PATH, f.read(), target.bin_dir())
    assert len(plan["runs"]) == 2 * 4 * 4 * 2
    assert sorted({r["params"]["maxBytes"] for r in plan["runs"]}) == [65536, 262144, 1048576,
                                                                      4194304]


def test_limits_are_exact():
    """MAX_RUNS runs are allowed, one more is refused; a range of exactly MAX_RUNS values too."""
    head = f'program = "{target.FAKE_PROGRAM}"\n'
    ok = head + f"[params]\nranks = {{ from = 1, to = {sweep.MAX_RUNS}, step = 1 }}\n"
    assert len(sweep.parse(target.PATH, ok.encode(), target.bin_dir())["runs"]) == \
        sweep.MAX_RUNS
    over = head + f"seeds = [1, 2]\n[params]\nranks = {{ from = 1, to = {sweep.MAX_RUNS // 2 + 1}, step = 1 }}\n"
    with pytest.raises(sweep.SweepError, match=f"gives {sweep.MAX_RUNS + 2} runs"):
        sweep.parse(target.PATH, over.encode(), target.bin_dir())
