"""The Python bindings (cppyy) against the C++ module: the same set-up gives the same figures.

Run by ./ubsim test in the project's virtual environment (./ubsim setup --python).
"""
import os
import re
import shutil
import subprocess

import pytest

import unifiedbus as ub

ns3 = ub.load()

# The line of ub-transaction-test.cc (BuildLine): 4 x 100 Gb/s links, 17 ns PHY, 3 ns + 2 m of
# cable, 7 ns endpoint and 110 ns switch pipelines, 50/80 ns initiator/target latency.
PHY_PS, LE_PS, LS_PS, LINIT_PS, LTGT_PS, MTU = 17000, 7000, 110000, 50000, 80000, 4096


def build_line(switches):
    n = ns3.NodeContainer()
    n.Create(2 + switches)
    h = ns3.UbHelper()
    h.SetDeviceAttribute("LaneRate", ns3.DataRateValue(ns3.DataRate("100Gbps")))
    h.SetDeviceAttribute("EncodingEfficiency", ns3.DoubleValue(1.0))
    h.SetDeviceAttribute("PhyLatency", ns3.TimeValue(ns3.PicoSeconds(PHY_PS)))
    h.SetChannelAttribute("Delay", ns3.TimeValue(ns3.NanoSeconds(3)))
    h.SetChannelAttribute("Length", ns3.DoubleValue(2.0))
    order = [0] + [2 + s for s in range(switches)] + [1]
    for a, b in zip(order, order[1:]):
        h.Install(n.Get(a), n.Get(b))
    for i in range(n.GetN()):
        n.Get(i).GetObject[ns3.UbSwitch]().SetAttribute(
            "PipelineLatency", ns3.TimeValue(ns3.PicoSeconds(LE_PS if i < 2 else LS_PS)))
    ns3.UbRoutingHelper.PopulateShortestPaths(n)
    c = ns3.UbControllerHelper()
    c.SetAttribute("Mtu", ns3.UintegerValue(MTU))
    c.SetAttribute("EndpointBandwidth", ns3.DataRateValue(ns3.DataRate(800000000000)))
    c.SetAttribute("InitiatorLatency", ns3.TimeValue(ns3.PicoSeconds(LINIT_PS)))
    c.SetAttribute("TargetLatency", ns3.TimeValue(ns3.PicoSeconds(LTGT_PS)))
    c.SetTransportAttribute("Mode", ns3.StringValue("Rtp"))
    c.Install(n.Get(0))
    c.Install(n.Get(1))
    return n


def run_one(op, nbytes, switches):
    """Latency (ps) of one Write or Read issued at 1 us from endpoint 0 to endpoint 1."""
    n = build_line(switches)
    a = n.Get(0).GetObject[ns3.UbController]()
    out = []
    done = ub.callback("void(const ns3::UbTransactionRecord&)",
                       lambda r: out.append(ub.ps(r.completed) - ub.ps(r.issued)))
    issue = a.Write if op == "WRITE" else a.Read
    ub.schedule(ns3.MicroSeconds(1), lambda: issue(1, nbytes, ns3.UbOrder.NO, done))
    ns3.Simulator.Run()
    ub.reset()
    assert len(out) == 1, f"{op} of {nbytes} B completed {len(out)} times"
    return out[0]


@pytest.fixture(scope="module")
def cpp_latencies(tmp_path_factory):
    """The latencies the C++ suite unifiedbus-transaction computes, from its figures file."""
    runner = os.path.join(os.environ.get("UB_BUILD_DIR", ""), "bin", "ub-test-runner")
    assert os.path.isfile(runner), f"no test runner at {runner} (UB_BUILD_DIR)"
    figs = tmp_path_factory.mktemp("figs") / "tx.fig"
    env = dict(os.environ, UB_FIGURES=str(figs))
    subprocess.run([runner, "--suite=unifiedbus-transaction"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    vals = {"WRITE": [], "READ": []}
    for line in figs.read_text().splitlines():
        m = re.search(r"RunOne\(UbOp::(WRITE|READ), bytes, switches\) = (\d+)$", line)
        if m:
            vals[m.group(1)].append(int(m.group(2)))
    return vals


# The C++ test's loops: switches (0, 1, 3) outside, bytes (64, 512, 10000) inside.
CASES = [(s, b) for s in (0, 1, 3) for b in (64, 512, 10000)]


@pytest.mark.parametrize("op", ["WRITE", "READ"])
def test_latency_equals_cpp_to_the_picosecond(op, cpp_latencies):
    assert len(cpp_latencies[op]) == len(CASES)
    for (switches, nbytes), cpp in zip(CASES, cpp_latencies[op]):
        assert run_one(op, nbytes, switches) == cpp, f"{op} {nbytes} B over {switches} switches"


def test_trace_sinks_called_as_often_as_the_counters_say():
    n = build_line(1)
    counts = {}
    devices = []
    for key, dev in ub.ub_devices(n):
        counts[key] = {"MacTx": 0, "MacRx": 0}
        devices.append((key, dev))
        for trace in ("MacTx", "MacRx"):
            def sink(p, key=key, trace=trace):
                counts[key][trace] += 1
            ub.connect(dev, trace, "void(ns3::Ptr<const ns3::Packet>)", sink)
    a = n.Get(0).GetObject[ns3.UbController]()
    ub.schedule(ns3.MicroSeconds(1), lambda: a.Write(1, 1 << 20, ns3.UbOrder.NO))
    ns3.Simulator.Run()
    total = 0
    for key, dev in devices:
        assert counts[key]["MacTx"] == dev.GetTxPackets(), f"node/device {key}"
        assert counts[key]["MacRx"] == dev.GetRxPackets(), f"node/device {key}"
        total += counts[key]["MacTx"]
    ub.reset()
    # 1 MiB in 4,096-B packets crosses two links: at least 512 data packets sent
    assert total >= 2 * (1 << 20) // MTU


def test_a_second_build_is_refused(tmp_path):
    other = tmp_path / "other-build"
    (other / "lib").mkdir(parents=True)
    shutil.copy(os.path.join(os.environ["UB_BUILD_DIR"], "lib", "libns3-unifiedbus.so"),
                other / "lib")
    with pytest.raises(ub.LoadError, match="one process holds one ns-3 build"):
        ub.load(str(other))
    assert ub.load() is ns3  # the same build again: the same namespace


def test_another_ns3_in_the_process_is_refused(tmp_path):
    """A process that already holds another ns-3 (here a copy of this build's ns-3 core library
    at another path, loaded first) gets a LoadError naming it, before anything of the module
    is loaded."""
    import glob
    import sys
    libdir, _ = ub._ns3_dirs(os.environ["UB_BUILD_DIR"])
    core = sorted(glob.glob(os.path.join(libdir, "libns3*-core*.so*")))[0]
    copy = tmp_path / "libns3.99-core.so"
    shutil.copy(core, copy)
    script = ("import ctypes, unifiedbus as ub\n"
              f"ctypes.CDLL({str(copy)!r})\n"
              "try:\n    ub.load()\nexcept ub.LoadError as e:\n    print('refused:', e)\n")
    env = dict(os.environ, LD_LIBRARY_PATH=libdir)  # the copy's own dependencies (the wheel's)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       timeout=300, env=env)
    assert "refused: unifiedbus: another ns-3 is already loaded" in r.stdout, r.stdout + r.stderr
    assert str(copy) in r.stdout


@pytest.mark.skipif(os.environ.get("UB_NS3") != "wheel",
                    reason="the wheel route only (./ubsim --ns3=wheel test)")
@pytest.mark.parametrize("first", ["wheel", "module"])
def test_the_wheels_ns_package_and_the_module_share_one_ns3(first):
    """With PyPI's wheel, its own 'from ns import ns' and unifiedbus.load() give one namespace,
    in either order, and a UB device installs on nodes made through either."""
    import sys
    lines = ["from ns import ns as wheel_ns", "import unifiedbus as ub", "ns3 = ub.load()"]
    if first == "module":
        lines = lines[1:] + lines[:1]
    lines += ["n = wheel_ns.NodeContainer(); n.Create(2)",
              "ns3.UbHelper().Install(n.Get(0), n.Get(1))",
              "print('same:', ns3 is wheel_ns, n.Get(1).GetDevice(0).GetInstanceTypeId().GetName())"]
    r = subprocess.run([sys.executable, "-c", "\n".join(lines)], capture_output=True, text=True,
                       timeout=600)
    assert "same: True ns3::UbNetDevice" in r.stdout, r.stdout + r.stderr[-2000:]


def test_the_ns3_release_recorded_is_the_one_built_against():
    """UbNs3Version() (what every results row records) against the ns-3 CMake package the build
    was configured with: Debian's 3.37, or 3.44 on the wheel route, which has no
    version-defines.h of its own while Debian's sits in /usr/include."""
    cache = open(os.path.join(os.environ["UB_BUILD_DIR"], "CMakeCache.txt")).read()
    ns3_dir = re.search(r"^ns3_DIR:[A-Z]+=(.*)$", cache, re.M).group(1)
    text = open(os.path.join(ns3_dir, "ns3ConfigVersion.cmake")).read()
    want = re.search(r'set\(PACKAGE_VERSION "(\d+\.\d+)', text).group(1)
    assert str(ns3.UbNs3Version()) == want
    if os.environ.get("UB_NS3") == "wheel":
        assert want == "3.44"


def test_read_on_a_switch_with_a_cpp_completion_callback():
    """Four NPUs on a switch built with UbHelper, controllers installed, a 512-B Read whose
    completion callback is C++ code defined with cppyy.cppdef; the same Read with a Python
    callback completes at the same picosecond."""
    import cppyy
    cppyy.cppdef("""
    namespace ubpytest {
    std::vector<int64_t> g_latencies;
    void OnDone(const ns3::UbTransactionRecord& r)
    {
        g_latencies.push_back(r.ok ? (r.completed - r.issued).GetPicoSeconds() : -1);
    }
    ns3::Callback<void, const ns3::UbTransactionRecord&> DoneCallback()
    {
        return ns3::MakeCallback(&OnDone);
    }
    } // namespace ubpytest
    """)

    def read(done):
        n = ns3.NodeContainer()
        n.Create(5)  # NPUs 0-3 and the switch, node 4
        h = ns3.UbHelper()
        for i in range(4):
            h.Install(n.Get(i), n.Get(4))
        ns3.UbRoutingHelper.PopulateShortestPaths(n)
        c = ns3.UbControllerHelper()
        for i in range(4):
            c.Install(n.Get(i))
        a = n.Get(0).GetObject[ns3.UbController]()
        dst = n.Get(3).GetObject[ns3.UbController]().GetCna()
        ub.schedule(ns3.MicroSeconds(1), lambda: a.Read(dst, 512, ns3.UbOrder.NO, done))
        ns3.Simulator.Run()
        ub.reset()

    read(cppyy.gbl.ubpytest.DoneCallback())
    from_cpp = list(cppyy.gbl.ubpytest.g_latencies)
    from_py = []
    read(ub.callback("void(const ns3::UbTransactionRecord&)",
                     lambda r: from_py.append(ub.ps(r.completed) - ub.ps(r.issued))))
    assert len(from_cpp) == 1 and from_cpp[0] > 0
    assert from_py == from_cpp


def test_ptr_is_a_smart_pointer():
    """A Ptr<T> returned by C++ is the T in Python (isinstance, its methods), gives its Ptr back
    with __smartptr__(), and goes back into C++ where a Ptr<T> is expected."""
    n = ns3.NodeContainer()
    n.Create(2)
    ns3.UbHelper().Install(n.Get(0), n.Get(1))
    node = n.Get(1)
    assert isinstance(node, ns3.Node)
    assert type(node.__smartptr__()).__name__ == "Ptr<ns3::Node>"
    dev = node.GetDevice(0)
    assert isinstance(dev, ns3.NetDevice)
    ub_dev = ub.cast(ns3.UbNetDevice, dev)
    assert isinstance(ub_dev, ns3.UbNetDevice)
    assert ub.cast(ns3.Node, dev) is None
    assert ub_dev.GetNode().GetId() == node.GetId()
    made = ns3.CreateObject[ns3.Node]()
    c = ns3.NodeContainer()
    c.Add(made)  # a Python-held Ptr back into C++
    assert c.Get(0).GetId() == made.GetId()
    ub.reset()


def test_bad_signature_and_unknown_trace_are_named():
    with pytest.raises(ValueError, match="not a signature"):
        ub.callback("void", lambda: None)
    n = ns3.NodeContainer()
    n.Create(2)
    ns3.UbHelper().Install(n.Get(0), n.Get(1))
    dev = n.Get(0).GetDevice(0)
    with pytest.raises(ValueError, match="no trace source 'NoSuchTrace'"):
        ub.connect(dev, "NoSuchTrace", "void(ns3::Ptr<const ns3::Packet>)", lambda p: None)
    ub.reset()


def test_ring_allreduce_equals_ub_collectives(tmp_path):
    """Ring AllReduce of 1 MiB on 16 ranks of ubmesh-ub2: Python's run gives the figures that
    the ub-collectives program records for the same preset and size."""
    import sqlite3
    db = tmp_path / "c.db"
    prog = os.path.join(os.environ["UB_BUILD_DIR"], "bin", "ub-collectives")
    subprocess.run([prog, "--preset=ubmesh-ub2", "--ranks=16", "--algo=ring", "--op=allreduce",
                    "--minBytes=1048576", "--maxBytes=1048576", f"--db={db}"],
                   check=True, stdout=subprocess.DEVNULL)
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT time_us, busbw_gbps, transfers, wire_bytes FROM collectives "
                         "WHERE op = 'AllReduce' AND algo = 'ring'").fetchall()
    assert len(rows) == 1
    time_us, busbw, transfers, wire = rows[0]
    r = ns3.UbExperiment.RunCollective("ubmesh-ub2", 0, 16, ns3.UbCollectiveOp.ALL_REDUCE,
                                       ns3.UbCollectiveAlgo.RING, 1 << 20)
    assert r.BusBw() == busbw
    assert (ub.ps(r.end) - ub.ps(r.start)) / 1e6 == pytest.approx(time_us, rel=1e-12)
    assert (r.transfers, r.wireBytes) == (transfers, wire)
    # a ring AllReduce moves 2 (n - 1) / n of the data per rank: 2 x 15 x 1 MiB in all
    assert wire == 2 * 15 * (1 << 20)


def test_input_error_is_a_python_exception(tmp_path):
    """Bad input raises ns3.UbInputError in Python, with its one sentence; the process goes on."""
    bad = tmp_path / "bad.topo"
    bad.write_text("node a npu\nnode b router\n")
    with pytest.raises(ns3.UbInputError) as e:
        ns3.UbTopology.Load(str(bad))
    assert f"topology file '{bad}' line 2: unknown node kind 'router'" in str(e.value)
    with pytest.raises(ns3.UbInputError, match="is a folder; give a file in it"):
        ns3.UbResults.Check(str(tmp_path))
    good = tmp_path / "good.topo"
    good.write_text("node a npu\nnode b npu\nlink a b lanes=4\n")
    assert ns3.UbTopology.Load(str(good)).GetNNodes() == 2
