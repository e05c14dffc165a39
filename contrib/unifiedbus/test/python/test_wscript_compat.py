"""wscript-compat/wscript (the waf build for ns-3 3.35 and older) against the CMake build: it is
run against a stand-in for waf's configure and build contexts (no waf tree can be obtained
here), and what it declares (library sources, headers, test sources, examples and their
libraries, with and without MPI) must be exactly what contrib/unifiedbus/CMakeLists.txt and
examples/CMakeLists.txt list, which in turn must be every source file in the module's folders."""
import glob
import os
import re

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
MODULE = os.path.join(ROOT, "contrib", "unifiedbus")
WSCRIPT = os.path.join(ROOT, "wscript-compat", "wscript")


# --- what CMake lists -------------------------------------------------------------------------

def _cmake_text(path):
    with open(path) as f:
        return re.sub(r"#[^\n]*", "", f.read())


def _cmake_set(text, name):
    m = re.search(rf"\bset\(\s*{name}\s+([^)]*)\)", text)
    assert m, f"no set({name} ...) in the module's CMakeLists.txt"
    return m.group(1).split()


def _cmake_appended(text, name):
    return [x for m in re.finditer(rf"\blist\(\s*APPEND\s+{name}\s+([^)]*)\)", text)
            for x in m.group(1).split()]


LIBS = {"${libunifiedbus}": "unifiedbus", "${libcore}": "core", "${libnetwork}": "network",
        "${ub_mpi_libs}": "mpi"}


def _cmake_examples():
    """[(name, source, libraries, only with MPI)] from examples/CMakeLists.txt."""
    text = _cmake_text(os.path.join(MODULE, "examples", "CMakeLists.txt"))
    out = []
    for m in re.finditer(r"build_lib_example\(([^)]*)\)", text):
        words = m.group(1).split()
        name = words[words.index("NAME") + 1]
        source = words[words.index("SOURCE_FILES") + 1]
        libs = [LIBS[w] for w in words[words.index("LIBRARIES_TO_LINK") + 1:]]
        mpi = text.rfind("if(ub_mpi_libs)", 0, m.start()) > text.rfind("endif()", 0, m.start())
        out.append((name, source, libs, mpi))
    return out


@pytest.fixture(scope="module")
def cmake():
    text = _cmake_text(os.path.join(MODULE, "CMakeLists.txt"))
    return {
        "sources": _cmake_set(text, "ub_sources"),
        "headers": _cmake_set(text, "ub_headers"),
        "tests": _cmake_set(text, "ub_tests"),
        "mpi_sources": [x for x in _cmake_appended(text, "ub_sources")],
        "mpi_headers": [x for x in _cmake_appended(text, "ub_headers")],
        "examples": _cmake_examples(),
    }


def test_cmake_lists_every_file(cmake):
    """The CMake lists hold every .cc and .h of model/ and helper/, every test, every example."""
    def files(pattern):
        return sorted(os.path.relpath(p, MODULE) for p in glob.glob(os.path.join(MODULE, pattern)))
    assert sorted(cmake["sources"] + cmake["mpi_sources"]) == \
        sorted(files("model/*.cc") + files("helper/*.cc"))
    assert sorted(cmake["headers"] + cmake["mpi_headers"]) == \
        sorted(files("model/*.h") + files("helper/*.h"))
    assert sorted(t for t in cmake["tests"] if "/fuzz/" not in t) == files("test/*.cc")
    assert sorted("examples/" + s for _, s, _, _ in cmake["examples"]) == files("examples/*.cc")


# --- the wscript, run against a stand-in for waf ----------------------------------------------

class Fatal(Exception):
    pass


class Env(dict):
    def __getitem__(self, k):
        return self.get(k, [])

    def __getattr__(self, k):
        return self.get(k, [])

    def append_value(self, k, v):
        self.setdefault(k, []).extend(v if isinstance(v, list) else [v])


class Node:
    def __init__(self, path):
        self.path = path

    def find_dir(self, name):
        p = os.path.join(self.path, name)
        return Node(p) if os.path.isdir(p) else None

    def abspath(self):
        return self.path


class Conf:
    def __init__(self, sqlite=True, boost=True, mpi=False, module=MODULE):
        self.env = Env(ENABLE_MPI=mpi)
        self.path = Node(module)
        self._sqlite, self._boost = sqlite, boost

    def check_cfg(self, package, uselib_store, args, mandatory):
        assert package == "sqlite3" and mandatory is False
        return self._sqlite

    def check_cxx(self, header_name, mandatory):
        assert mandatory is False
        return self._boost

    def fatal(self, msg):
        raise Fatal(msg)


class TaskGen:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class Bld:
    def __init__(self, mpi=False, examples=True):
        self.env = Env(ENABLE_MPI=mpi, ENABLE_EXAMPLES=examples)
        self.made = []

    def create_ns3_module(self, name, deps):
        t = TaskGen(kind="module", name=name, deps=deps)
        self.made.append(t)
        return t

    def create_ns3_module_test_library(self, name):
        t = TaskGen(kind="test", name=name)
        self.made.append(t)
        return t

    def create_ns3_program(self, name, deps):
        t = TaskGen(kind="program", name=name, deps=deps)
        self.made.append(t)
        return t

    def __call__(self, features):
        t = TaskGen(kind=features)
        self.made.append(t)
        return t

    def one(self, kind):
        found = [t for t in self.made if t.kind == kind]
        assert len(found) == 1, kind
        return found[0]


def _wscript():
    ns = {}
    with open(WSCRIPT) as f:
        exec(compile(f.read(), WSCRIPT, "exec"), ns)
    return ns


@pytest.mark.parametrize("mpi", [False, True], ids=["without-mpi", "with-mpi"])
def test_wscript_builds_what_cmake_builds(cmake, mpi):
    w = _wscript()
    conf = Conf(mpi=mpi)
    w["configure"](conf)
    assert "-std=c++17" in conf.env["CXXFLAGS"]
    presets = os.path.join(MODULE, "presets")
    assert f'UB_PRESET_DIR="{presets}"' in conf.env["DEFINES"]
    assert ("UB_MPI" in conf.env["DEFINES"]) == mpi

    bld = Bld(mpi=mpi)
    w["build"](bld)
    module = bld.one("module")
    assert module.name == "unifiedbus"
    assert module.deps == ["core", "network"] + (["mpi"] if mpi else [])
    assert module.source == cmake["sources"] + (cmake["mpi_sources"] if mpi else [])
    assert module.uselib == "UB_SQLITE3"
    tests = bld.one("test")
    assert tests.source == cmake["tests"] and tests.uselib == "UB_SQLITE3"
    headers = bld.one("ns3header")
    assert headers.module == "unifiedbus"
    assert headers.source == cmake["headers"] + (cmake["mpi_headers"] if mpi else [])
    programs = [(t.name, t.source, t.deps) for t in bld.made if t.kind == "program"]
    want = [(n, "examples/" + s, libs) for n, s, libs, only_mpi in cmake["examples"]
            if mpi or not only_mpi]
    assert sorted(programs) == sorted(want)
    # every file it names exists
    for t in bld.made:
        for s in ([t.source] if isinstance(getattr(t, "source", []), str) else
                  getattr(t, "source", [])):
            assert os.path.isfile(os.path.join(MODULE, s)), s


def test_wscript_without_examples_builds_none():
    bld = Bld(examples=False)
    _wscript()["build"](bld)
    assert not [t for t in bld.made if t.kind == "program"]


@pytest.mark.parametrize("conf,says", [
    (Conf(sqlite=False), "SQLite3 not found; install libsqlite3-dev"),
    (Conf(boost=False), "Boost.Graph headers not found; install libboost-graph-dev"),
    (Conf(module="/nonexistent"), "no presets/ folder"),
])
def test_wscript_configure_names_what_is_missing(conf, says):
    with pytest.raises(Fatal, match=re.escape(says)):
        _wscript()["configure"](conf)
