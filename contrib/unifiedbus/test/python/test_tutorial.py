"""doc/python.md, run as a reader would: every file it shows is written, every shell block is run
from the repository's root, and each output block must match what the commands before it
printed ('...' alone on a line: any lines; '...' inside a line: any text)."""
import os
import re
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
DOC = os.path.join(ROOT, "doc", "python.md")


def blocks(text):
    """[(info, body)] of the fenced blocks, in order."""
    return [(m.group(1).strip(), m.group(2))
            for m in re.finditer(r"^```([^\n]*)\n(.*?)^```\s*$", text, re.S | re.M)]


def steps(text):
    """[('file', path, body) | ('sh', commands, expected output or None)]."""
    out = []
    bl = blocks(text)
    for i, (info, body) in enumerate(bl):
        m = re.match(r"(\w+)\s+file=(\S+)$", info)
        if m:
            out.append(("file", m.group(2), body))
        elif info == "sh":
            expect = bl[i + 1][1] if i + 1 < len(bl) and bl[i + 1][0] == "text" else None
            out.append(("sh", body, expect))
    return out


def matches(expected, got):
    """True if the expected lines match got's lines in order ('...' wildcards)."""
    pats = []
    for line in expected.rstrip("\n").splitlines():
        if line.strip() == "...":
            pats.append(None)
        else:
            pats.append(re.compile(".*".join(re.escape(p) for p in line.rstrip().split("..."))
                                   + r"\Z"))
    lines = [x.rstrip() for x in got.rstrip("\n").splitlines()]

    def walk(pi, li):
        if pi == len(pats):
            return li == len(lines)
        if pats[pi] is None:
            return any(walk(pi + 1, k) for k in range(li, len(lines) + 1))
        return li < len(lines) and pats[pi].match(lines[li]) is not None and walk(pi + 1, li + 1)

    return walk(0, 0)


def test_matcher_is_strict():
    assert matches("a\n...\nc ... d\n", "a\nx\ny\nc 1 2 d\n")
    assert not matches("a\nc\n", "a\nb\nc\n")
    assert not matches("Write 1.0 ns\n", "Write 1.5 ns\n")
    assert not matches("a\n", "a\nextra\n")


def test_tutorial_has_files_commands_and_outputs():
    s = steps(open(DOC).read())
    assert sum(1 for x in s if x[0] == "file") >= 4
    assert sum(1 for x in s if x[0] == "sh" and x[2] is not None) >= 6


def test_tutorial_runs_as_written():
    env = dict(os.environ)
    for kind, a, b in steps(open(DOC).read()):
        if kind == "file":
            path = os.path.join(ROOT, a)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(b)
            continue
        r = subprocess.run(["bash", "-e", "-c", a], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=600)
        assert r.returncode == 0, f"doc/python.md: `{a.strip()}` failed:\n{r.stderr[-2000:]}"
        if b is not None:
            got = r.stdout + r.stderr
            assert matches(b, got), (f"doc/python.md: `{a.strip()}` printed\n{got}\n"
                                     f"where the page shows\n{b}")
