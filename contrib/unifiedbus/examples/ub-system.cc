/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * ub-system: build a SuperPoD, an NVLink domain or any topology file in one command, report what
 * was built (counts, bandwidth, routes, deadlock check, time and memory), and optionally time one
 * transfer between two endpoints.
 *
 *   ./ubsim run ub-system --preset=ascend950-ub2
 *   ./ubsim run ub-system --preset=nvlink4-h100 --bytes=268435456
 *   ./ubsim run ub-system --preset=ub-mesh-pod --npus=2048
 *   ./ubsim run ub-system --topology=my.topo --preset=ascend950-ub2 --src=npu0 --dst=npu5
 *   ./ubsim run ub-system --preset=ascend950-ub2 --npus=1024 --pods=16 --scaleout=uboe-400g
 *
 * With --pods=K it builds a SuperCluster: K SuperPoDs of --npus NPUs (default 1,024) joined by
 * a scale-out Clos of 2 x 400 GbE per NPU built with the --scaleout preset (uboe-400g or
 * roce-400g). The memory line gives the heap the build took and the process's peak resident
 * memory.
 */
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/unifiedbus-module.h"

#include <iomanip>
#include <iostream>

using namespace ns3;

namespace
{

/// The largest --npus taken: the topology file's bound on a node count (a negative number, read
/// as unsigned, would otherwise build billions of endpoints until memory runs out).
constexpr uint64_t MAX_NPUS = 10'000'000;

std::string
Mib(uint64_t b)
{
    std::ostringstream os;
    os << std::fixed << std::setprecision(1) << b / 1048576.0 << " MiB";
    return os.str();
}

uint32_t
Resolve(const UbTopology& t, const std::string& s, uint32_t dflt)
{
    if (s.empty())
    {
        return dflt;
    }
    uint32_t i = t.FindNode(s);
    std::vector<uint64_t> index;
    if (i == UINT32_MAX && UbParseUnsignedList(s, index, UINT32_MAX - 1) && index.size() == 1)
    {
        i = static_cast<uint32_t>(index[0]);
    }
    if (i >= t.GetNNodes() || !t.IsEndpoint(i))
    {
        std::cerr << "ub-system: '" << s << "' is not an endpoint of topology '" << t.GetName()
                  << "'; give an endpoint name (e.g. " << t.GetNode(t.GetEndpoints()[0]).name
                  << ") or index\n";
        std::exit(2);
    }
    return i;
}

} // namespace

namespace
{

int
RunMain(int argc, char* argv[])
{
    std::string presetName = "ascend950-ub2";
    std::string topoFile;
    uint32_t npus = 0;
    uint64_t bytes = 0;
    std::string op = "write";
    std::string src;
    std::string dst;
    uint32_t hopSources = 4;
    std::string db = "results/ubsim.db";
    std::string label;
    uint32_t pods = 0;
    std::string scaleOut = "uboe-400g";
    uint32_t nics = 2;
    bool check = true;
    UbExperiment::SetDefaultScheduler(); // before Parse: --SchedulerType still wins
    UbCommandLine cmd(__FILE__);
    cmd.AddValue("pods", "SuperPoDs of a SuperCluster (0: one system, no scale-out)", pods);
    cmd.AddValue("scaleout", "preset of the SuperCluster's scale-out links", scaleOut);
    cmd.AddValue("nics",
                 "scale-out NIC ports per endpoint (2 x 400 GbE on Ascend 950, 1 per GPU)",
                 nics);
    cmd.AddValue("check", "run the deadlock check (1) or skip it (0)", check);
    cmd.AddValue("preset",
                 "preset name or .preset file (link, switch and endpoint parameters)",
                 presetName);
    cmd.AddValue("topology", "topology file to build instead of the preset's builder", topoFile);
    std::string vlPolicyName;
    cmd.AddValue("vlPolicy", UbTopologyHelper::VlPolicyOptionHelp(), vlPolicyName);
    std::string npusText = "0"; // read as text: a negative number must not wrap around
    cmd.AddValue("npus", "endpoints instead of the preset's number (0: the preset's)", npusText);
    cmd.AddValue("bytes", "bytes of one transfer from --src to --dst (0: none)", bytes);
    cmd.AddValue("op", "transfer operation: write or read", op);
    cmd.AddValue("src", "source endpoint (name or index; default the first)", src);
    cmd.AddValue("dst", "destination endpoint (name or index; default the last)", dst);
    cmd.AddValue("hopSources", "endpoints whose hop counts to all others are reported", hopSources);
    cmd.AddValue("db", "SQLite results file", db);
    cmd.AddValue("label", "a name for this run, stored as its 'label' parameter", label);
    cmd.Parse(argc, argv);
    UbResults::Check(db); // a bad --db stops the program now, not after the run
    std::vector<uint64_t> npusValue;
    if (!UbParseUnsignedList(npusText, npusValue, MAX_NPUS) || npusValue.size() != 1)
    {
        std::cerr << "ub-system: --npus=" << npusText << " is not a number of endpoints from 0 "
                  << "(the preset's) to " << MAX_NPUS << "\n";
        return 2;
    }
    npus = static_cast<uint32_t>(npusValue[0]);
    if (op != "write" && op != "read")
    {
        std::cerr << "ub-system: --op=" << op << " is not write or read\n";
        return 2;
    }

    if (!UbTopologyHelper::CheckVlPolicyOption("ub-system", vlPolicyName))
    {
        return 2;
    }

    uint64_t heap0 = UbTopologyHelper::HeapBytesInUse();
    UbTopologyHelper sys;
    sys.SetCheckDeadlock(check);
    sys.SetVlPolicyOption(vlPolicyName);
    auto t0 = std::chrono::steady_clock::now();
    if (pods > 0)
    {
        UbPreset preset = UbPreset::Load(presetName);
        UbSystems::SuperCluster sc;
        sc.pods = pods;
        sc.scaleOut.planes = nics;
        if (preset.GetName().rfind("ascend950", 0) == 0)
        {
            sc.pod = UbSystems::Atlas950(npus ? npus : 1024);
        }
        else
        {
            sc.pod = UbSystems::FromPreset(preset, UbSystems::PlanarClos{});
            if (npus)
            {
                sc.pod.endpoints = npus;
            }
            if (preset.Has("topology::EndpointKind") &&
                preset.Get("topology::EndpointKind") == "gpu")
            {
                sc.pod.kind = UbTopology::GPU;
            }
        }
        sys.SetPreset(preset);
        sys.SetClassPreset(1, UbPreset::Load(scaleOut));
        sys.BuildSuperCluster(sc);
    }
    else if (topoFile.empty())
    {
        sys.BuildPreset(presetName, npus);
    }
    else
    {
        sys.SetPreset(UbPreset::Load(presetName));
        sys.Build(UbTopology::Load(topoFile));
    }
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    uint64_t heap = UbTopologyHelper::HeapBytesInUse() - heap0;
    const UbTopology& t = sys.GetTopology();
    const auto& rep = sys.GetReport();
    const auto& dl = sys.GetDeadlockReport();

    double perEp = 0;
    if (t.GetNEndpoints() > 0)
    {
        uint32_t e0 = t.GetEndpoints()[0];
        for (uint32_t k = 0; k < t.GetDegree(e0); ++k)
        {
            Ptr<UbNetDevice> d = sys.GetDevice(t.GetPorts(e0)[k].link,
                                               t.GetLink(t.GetPorts(e0)[k].link).a == e0 ? 0 : 1);
            UintegerValue lanes;
            DataRateValue rate;
            d->GetAttribute("Lanes", lanes);
            d->GetAttribute("LaneRate", rate);
            perEp += static_cast<double>(lanes.Get()) * rate.Get().GetBitRate();
        }
    }
    std::cout << "ub-system: " << t.GetName() << " (preset " << presetName << ")\n"
              << "  endpoints " << t.GetNEndpoints() << ", switches " << t.GetNSwitches()
              << ", links " << t.GetNLinks() << "\n"
              << std::fixed << std::setprecision(1) << "  per endpoint " << perEp / 8e9
              << " GB/s per direction (line rate); all endpoints, both directions "
              << std::setprecision(3) << UbSystems::EndpointBandwidthBps(t) / 8e12 << " TB/s\n"
              << "  routes: " << rep.intervals << " intervals, " << sys.GetRoutes().GetNSets()
              << " candidate sets, " << Mib(rep.routeBytes) << "\n"
              << "  deadlock check: ";
    if (check)
    {
        std::cout << (dl.deadlockFree ? "no cycle" : "CYCLE") << " (" << dl.vlsUsed
                  << " VL(s) used, " << dl.channels << " channels could close a cycle, "
                  << dl.dependencies << " dependencies among them)\n";
    }
    else
    {
        std::cout << "skipped (--check=0): nothing is known about cycles\n";
    }
    std::cout << std::setprecision(2) << "  time: routes " << rep.routeSeconds << " s, check "
              << rep.checkSeconds << " s, ns-3 objects " << rep.buildSeconds << " s, total " << wall
              << " s\n"
              << "  memory: " << Mib(heap) << " heap (" << heap / std::max(1U, t.GetNNodes())
              << " B per node, " << heap / std::max(1U, rep.ports) << " B per port, "
              << (t.GetNEndpoints()
                      ? std::to_string(heap / t.GetNEndpoints() / 1024) + " KiB per endpoint"
                      : std::string("no endpoints"))
              << "); peak RSS " << Mib(UbTopologyHelper::PeakRssBytes()) << "\n";

    if (hopSources > 0)
    {
        auto eps = t.GetEndpoints();
        eps.resize(std::min<std::size_t>(eps.size(), hopSources));
        auto h = UbTopologyRouting::HopCounts(t, sys.GetRoutes(), eps);
        std::cout << "  hops (links) from the first " << eps.size() << " endpoints:";
        for (const auto& [hops, n] : h)
        {
            std::cout << "  " << hops << ": " << n;
        }
        std::cout << "\n";
    }

    UbResults results("ub-system", db);
    results.AddCommandLine(argc, argv);
    results.SetSeed(RngSeedManager::GetSeed(), RngSeedManager::GetRun());
    results.AddParameter("preset", presetName);
    results.AddParameter("topology", t.GetName());
    if (!label.empty())
    {
        results.AddParameter("label", label);
    }
    results.AddParameter("endpoints", t.GetNEndpoints());
    results.AddMetric("system", "switches", t.GetNSwitches(), "");
    results.AddMetric("system", "links", t.GetNLinks(), "");
    results.AddMetric("system", "build_seconds", wall, "s");
    results.AddMetric("system", "heap_bytes", static_cast<double>(heap), "B");
    results.AddMetric("system",
                      "peak_rss_bytes",
                      static_cast<double>(UbTopologyHelper::PeakRssBytes()),
                      "B");
    // A skipped check says so: no deadlock_free metric, and the parameter names it.
    results.AddParameter("deadlock_check", check ? "run" : "skipped");
    if (check)
    {
        results.AddMetric("system", "deadlock_free", dl.deadlockFree ? 1 : 0, "");
    }

    if (bytes > 0)
    {
        auto eps = t.GetEndpoints();
        if (eps.empty())
        {
            std::cerr << "ub-system: --bytes=" << bytes << " needs endpoints, and topology '"
                      << t.GetName() << "' has none; add endpoints (npu nodes) or leave out "
                      << "--bytes\n";
            return 2;
        }
        uint32_t s = Resolve(t, src, eps.front());
        uint32_t d = Resolve(t, dst, eps.back());
        Ptr<UbController> a = sys.GetNode(s)->GetObject<UbController>();
        double seconds = -1;
        Simulator::Schedule(MicroSeconds(1), [&]() {
            auto cb = UbCompletionCallback([&seconds](const UbTransactionRecord& r) {
                seconds = r.ok ? (r.completed - r.issued).GetSeconds() : -1;
            });
            op == "read" ? a->Read(d, bytes, UbOrder::NO, cb) : a->Write(d, bytes, UbOrder::NO, cb);
        });
        Simulator::Run();
        if (seconds <= 0)
        {
            results.CommitFailed("the " + op + " did not complete",
                                 Simulator::Now(),
                                 Simulator::GetEventCount());
        }
        std::cout << std::setprecision(3) << "  " << op << " " << bytes << " B "
                  << t.GetNode(s).name << " -> " << t.GetNode(d).name << ": " << seconds * 1e6
                  << " us, " << bytes / seconds / 1e9 << " GB/s ("
                  << a->GetTransportStats().dataSent << " packets sent, "
                  << a->GetTransportStats().retransmitted << " retransmitted, "
                  << a->GetTransportStats().timeouts << " timeouts)\n";
        results.AddMetric(op, "latency", seconds * 1e6, "us");
        results.AddMetric(op, "bandwidth", bytes / seconds / 1e9, "GB/s");
    }
    results.Commit(Simulator::Now(), Simulator::GetEventCount());
    Simulator::Destroy();
    return 0;
}

} // namespace

int
main(int argc, char* argv[])
{
    return UbMain("ub-system", [&] { return RunMain(argc, argv); });
}
