"""ns3-unifiedbus from Python, in-process, through cppyy.

    import unifiedbus
    ns3 = unifiedbus.load()            # the C++ namespace ns3, with the UB module in it
    n = ns3.NodeContainer(); n.Create(2)
    ns3.UbHelper().Install(n.Get(0), n.Get(1))

load() finds this module's build (UB_BUILD_DIR, else the repository's build/), the ns-3 it was
built against (its CMake cache names ns-3's CMake folder; headers beside it) and loads both
into the process, and registers ns3::Ptr<T> with cppyy as a smart pointer (a returned Ptr<Node>
is a Node in Python; node.__smartptr__() is the Ptr). The helpers below cover what cppyy does
not do by itself with ns-3:

    callback(signature, fn)      a Python callable as an ns3::Callback (trace sinks, completions)
    schedule(delay, fn)          Simulator::Schedule of a Python callable
    connect(obj, trace, fn)      TraceConnectWithoutContext of a Python callable
    cast(cls, obj)               DynamicCast of a Ptr-held object (None if it is not a cls)
    ub_devices(nodes)            ((node index, device index), UbNetDevice) of every UB port
    ps(t) / time_ps(ps)          ns3::Time <-> integer picoseconds (the module's resolution)
    reset()                      Simulator::Destroy and drop the Python objects ns-3 held

Python callables handed to ns-3 are kept alive by this module until reset(): ns-3 may call them
long after the Python code that made them has returned.
"""
import os
import re

__all__ = ["load", "callback", "schedule", "connect", "cast", "ub_devices", "ps", "time_ps",
           "reset", "LoadError"]


class LoadError(RuntimeError):
    """The module or ns-3 cannot be loaded (the message says which and how to fix it)."""


_state = {"ns3": None, "key": None}
_alive = []  # Python callables ns-3 holds through std::function wrappers

_HERE = os.path.dirname(os.path.abspath(__file__))
# contrib/unifiedbus/python/unifiedbus -> the repository root
_REPO = os.path.normpath(os.path.join(_HERE, "..", "..", "..", ".."))

_CPP_HELPERS = r"""
#include <functional>
namespace unifiedbus_py
{
/// Simulator::Schedule of a std::function (cppyy turns a Python callable into one).
inline ns3::EventId
Schedule(const ns3::Time& delay, std::function<void()> f)
{
    return ns3::Simulator::Schedule(delay, [f]() { f(); });
}
} // namespace unifiedbus_py
"""


def _build_dir(build_dir):
    d = build_dir or os.environ.get("UB_BUILD_DIR") or os.path.join(_REPO, "build")
    lib = os.path.join(d, "lib", "libns3-unifiedbus.so")
    if not os.path.isfile(lib):
        raise LoadError(f"unifiedbus: no module library at {lib}; build it with './ubsim build' "
                        f"(or pass build_dir= / set UB_BUILD_DIR to the build folder)")
    return d, lib


def _ns3_dirs(build):
    """ns-3's library and include folders, from the build's CMake cache (ns3_DIR)."""
    cache = os.path.join(build, "CMakeCache.txt")
    ns3_dir = None
    if os.path.isfile(cache):
        with open(cache) as f:
            for line in f:
                m = re.match(r"ns3_DIR:[A-Z]+=(.*)$", line.strip())
                if m:
                    ns3_dir = m.group(1)
    if not ns3_dir:
        raise LoadError(f"unifiedbus: {cache} does not say where ns-3 is (no ns3_DIR); "
                        f"reconfigure with './ubsim clean && ./ubsim build'")
    # <prefix>/lib[/<triplet>]/cmake/ns3 -> libraries in <prefix>/lib[/<triplet>],
    # headers in <prefix>/include
    libdir = os.path.dirname(os.path.dirname(ns3_dir))
    prefix = libdir
    while os.path.basename(prefix) not in ("lib", "lib64") and prefix != "/":
        prefix = os.path.dirname(prefix)
    include = os.path.join(os.path.dirname(prefix), "include")
    if not os.path.isfile(os.path.join(include, "ns3", "core-module.h")):
        raise LoadError(f"unifiedbus: no ns-3 headers in {include}/ns3 (from ns3_DIR={ns3_dir}); "
                        f"install them (apt-get install libns3-dev)")
    return libdir, include


def _loaded_ns3_libraries():
    """Paths of the ns-3 core libraries already mapped into this process."""
    found = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                if re.search(r"/libns3[.\d]*-core[-\w]*\.so", path):
                    found.add(os.path.realpath(path))
    except OSError:
        pass
    return found


def load(build_dir=None):
    """Loads ns-3 and the UB module into this process; returns the C++ namespace ns3.

    A second call with the same build returns the same namespace. A second call with another
    build, or a process that already holds another ns-3 (for example PyPI's ns3 package), is
    refused: one process can hold one ns-3.
    """
    build, lib = _build_dir(build_dir)
    key = os.path.realpath(lib)
    if _state["ns3"] is not None:
        if _state["key"] == key:
            return _state["ns3"]
        raise LoadError(f"unifiedbus: this process already loaded the module from {_state['key']}; "
                        f"one process holds one ns-3 build: start a new Python process to use {key}")
    libdir, include = _ns3_dirs(build)
    core = os.path.realpath(os.path.join(libdir, "libns3-core.so"))
    others = {p for p in _loaded_ns3_libraries() if p != core and not p.startswith(libdir)}
    if others:
        raise LoadError(f"unifiedbus: another ns-3 is already loaded in this process "
                        f"({', '.join(sorted(others))}); the module was built against {libdir}: "
                        f"use a new Python process that imports unifiedbus before any other ns-3")
    try:
        import cppyy
    except ImportError as e:
        raise LoadError("unifiedbus: cppyy is missing; run './ubsim setup --python' and use "
                        "'./ubsim python <script>' (or the .venv it makes)") from e
    # ns3::Ptr<T> as a smart pointer: a Ptr<Node> a function returns is seen as the Node it
    # points to (isinstance, attribute lookup, downcasts), and obj.__smartptr__() gives the Ptr
    # back. (libcppyy is CPyCppyy's extension module, importable once cppyy is.)
    import libcppyy
    libcppyy.AddSmartPtrType("ns3::Ptr")
    cppyy.add_include_path(include)
    cppyy.add_include_path(os.path.join(build, "include"))
    cppyy.load_library(lib)  # its DT_NEEDED entries bring ns-3's core and network libraries
    for h in ("ns3/core-module.h", "ns3/network-module.h", "ns3/unifiedbus-module.h"):
        cppyy.include(h)
    cppyy.cppdef(_CPP_HELPERS)
    ns3 = cppyy.gbl.ns3
    ns3.UbEnsurePicoseconds()
    ns3.UbExperiment.SetDefaultScheduler()  # as the C++ programs: same results, faster
    _state["ns3"], _state["key"] = ns3, key
    return ns3


def _ns3():
    if _state["ns3"] is None:
        raise LoadError("unifiedbus: call unifiedbus.load() first")
    return _state["ns3"]


def _split_signature(signature):
    """'void(const ns3::UbTransactionRecord&)' -> ('void', ['const ns3::UbTransactionRecord&'])"""
    m = re.match(r"^\s*(.+?)\s*\((.*)\)\s*$", signature)
    if not m:
        raise ValueError(f"unifiedbus.callback: '{signature}' is not a signature like "
                         f"'void(uint8_t, bool)'")
    args, depth, cur = [], 0, ""
    for ch in m.group(2):
        if ch == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
            continue
        depth += ch == "<"
        depth -= ch == ">"
        cur += ch
    if cur.strip():
        args.append(cur.strip())
    return m.group(1), args


def callback(signature, fn):
    """A Python callable as ns3::Callback<R, Args...>, e.g.
    callback('void(const ns3::UbTransactionRecord&)', on_done) for a UbCompletionCallback."""
    import cppyy
    _ns3()
    ret, args = _split_signature(signature)
    f = cppyy.gbl.std.function[f"{ret}({', '.join(args)})"](fn)
    _alive.append((fn, f))
    return cppyy.gbl.ns3.Callback[tuple([ret] + args)](f)


def schedule(delay, fn):
    """Simulator::Schedule(delay, fn) for a Python callable; delay is an ns3::Time or integer
    picoseconds. Returns the EventId."""
    import cppyy
    ns3 = _ns3()
    if not isinstance(delay, ns3.Time):
        delay = ns3.PicoSeconds(int(delay))
    f = cppyy.gbl.std.function["void()"](fn)
    _alive.append((fn, f))
    return cppyy.gbl.unifiedbus_py.Schedule(delay, f)


def connect(obj, trace, signature, fn):
    """obj.TraceConnectWithoutContext(trace, callback(signature, fn)); raises if obj has no
    trace source of that name."""
    if not obj.TraceConnectWithoutContext(trace, callback(signature, fn)):
        raise ValueError(f"unifiedbus.connect: {obj.GetInstanceTypeId().GetName()} has no trace "
                         f"source '{trace}' taking {signature}")


def cast(cls, obj):
    """DynamicCast<cls> of an object held by an ns3::Ptr (a NetDevice to a UbNetDevice, say):
    the object as cls, or None if it is not one. cppyy shows a returned Ptr<NetDevice> as a
    NetDevice, not as its most-derived class."""
    ptr = obj.__smartptr__() if hasattr(obj, "__smartptr__") else obj
    out = _ns3().DynamicCast[cls](ptr)
    return out if out else None


def ub_devices(nodes):
    """Yields ((node index, device index), UbNetDevice) for every UB port of a NodeContainer."""
    ns3 = _ns3()
    for i in range(nodes.GetN()):
        node = nodes.Get(i)
        for d in range(node.GetNDevices()):
            dev = cast(ns3.UbNetDevice, node.GetDevice(d))
            if dev is not None:
                yield (i, d), dev


def ps(t):
    """An ns3::Time as integer picoseconds."""
    return int(t.GetPicoSeconds())


def time_ps(v):
    """Integer picoseconds as an ns3::Time."""
    return _ns3().PicoSeconds(int(v))


def reset():
    """Simulator::Destroy, then release the Python callables ns-3 held."""
    _ns3().Simulator.Destroy()
    del _alive[:]
