/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * ub-fabric-demo: a small UB switched fabric under incast and permutation traffic.
 *
 * 16 endpoints on 4 leaf switches (4 endpoints each), 4 uplinks per leaf to 2 spine switches
 * (2 links to each): a non-blocking two-level Clos. Links are UB x4 ports at 112 Gb/s per lane
 * with RS(128,120) FEC (420 Gb/s of flits), 2 m of cable to the endpoints, 10 m between switches.
 *
 *   incast:       --fanin endpoints (default 15, all the others) send --bytes each to endpoint
 *                 0 (the fabric's worst case); fewer senders are taken from the far leaves
 *                 first (endpoints 15, 14, ...), so that they cross the spine and path
 *                 selection decides how the leaf uplinks share them;
 *   permutation:  every endpoint sends --bytes to one other, none to itself (random, --RngRun).
 *
 * For each pattern it prints per-flow throughput and latency percentiles and writes one run to
 * SQLite (--db, default results/ubsim.db): parameters, metrics, one row per flow and per port.
 *
 *   ./ubsim demo
 *   ./ubsim run ub-fabric-demo --pattern=incast --bytes=4194304 --mode=none
 */
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/unifiedbus-module.h"

#include <chrono>
#include <iomanip>
#include <iostream>

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("UbFabricDemo");

namespace
{

struct Options
{
    std::string pattern{"both"};
    uint32_t fanin{15}; //!< incast senders: endpoints 16 - fanin .. 15 (the far leaves first)
    uint64_t bytes{1 << 20};
    uint32_t packetSize{4096};
    std::string selection{"Ecmp"};
    std::string mode{"Credit"};
    std::string forwarding{"CutThrough"};
    std::string db{"results/ubsim.db"};
    bool quiet{false};
    std::string args; //!< the command line, recorded with each run
};

struct Fabric
{
    NodeContainer endpoints;
    NodeContainer leaves;
    NodeContainer spines;
    NodeContainer all;
};

Fabric
BuildFabric(const Options& o)
{
    Fabric f;
    f.endpoints.Create(16);
    f.leaves.Create(4);
    f.spines.Create(2);
    UbHelper ub;
    ub.SetDeviceAttribute("FlowControl", StringValue(o.mode));
    ub.SetSwitchAttribute("ForwardingMode", StringValue(o.forwarding));
    ub.SetRoutingAttribute("Selection", StringValue(o.selection));
    ub.SetChannelAttribute("Length", DoubleValue(2.0));
    for (uint32_t l = 0; l < 4; ++l)
    {
        for (uint32_t e = 0; e < 4; ++e)
        {
            ub.Install(f.endpoints.Get(l * 4 + e), f.leaves.Get(l));
        }
    }
    ub.SetChannelAttribute("Length", DoubleValue(10.0));
    for (uint32_t l = 0; l < 4; ++l)
    {
        for (uint32_t s = 0; s < 2; ++s)
        {
            ub.Install(f.leaves.Get(l), f.spines.Get(s));
            ub.Install(f.leaves.Get(l), f.spines.Get(s));
        }
    }
    // Endpoints forward nothing: their pipeline is the NIC's, assumed 50 ns.
    for (uint32_t i = 0; i < f.endpoints.GetN(); ++i)
    {
        f.endpoints.Get(i)->GetObject<UbSwitch>()->SetAttribute("PipelineLatency",
                                                                TimeValue(NanoSeconds(50)));
    }
    f.all = NodeContainer(f.endpoints, f.leaves, f.spines);
    UbRoutingHelper::PopulateShortestPaths(f.all);
    return f;
}

void
RunPattern(const Options& o, const std::string& pattern)
{
    Fabric f = BuildFabric(o);
    UbTrafficHelper traffic;
    uint64_t packets = (o.bytes + o.packetSize - 1) / o.packetSize;
    traffic.SetSourceAttribute("PacketSize", UintegerValue(o.packetSize));
    traffic.SetSourceAttribute("MaxPackets", UintegerValue(packets));
    ApplicationContainer sources;
    if (pattern == "incast")
    {
        NodeContainer senders;
        for (uint32_t i = f.endpoints.GetN() - o.fanin; i < f.endpoints.GetN(); ++i)
        {
            senders.Add(f.endpoints.Get(i));
        }
        sources = traffic.InstallIncast(senders, f.endpoints.Get(0));
    }
    else
    {
        sources = traffic.InstallPermutation(f.endpoints, 7);
    }
    sources.Start(MicroSeconds(1));
    ApplicationContainer sinks = traffic.InstallSinks(f.endpoints);

    auto wallStart = std::chrono::steady_clock::now();
    Simulator::Run();
    double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    Time simEnd = Simulator::Now();
    uint64_t events = Simulator::GetEventCount();

    UbResults results("ub-fabric-demo", o.db);
    results.AddParameter("args", o.args);
    results.SetSeed(RngSeedManager::GetSeed(), RngSeedManager::GetRun());
    results.AddParameter("pattern", pattern);
    if (pattern == "incast")
    {
        results.AddParameter("fanin", o.fanin);
    }
    results.AddParameter("endpoints", 16.0);
    results.AddParameter("bytes_per_flow", static_cast<double>(o.bytes));
    results.AddParameter("packet_size", o.packetSize);
    results.AddParameter("selection", o.selection);
    results.AddParameter("flow_control", o.mode);
    results.AddParameter("forwarding", o.forwarding);
    UbHistogram latency;
    uint64_t delivered = 0;
    for (uint32_t i = 0; i < sinks.GetN(); ++i)
    {
        Ptr<UbPacketSink> sink = DynamicCast<UbPacketSink>(sinks.Get(i));
        results.AddFlows(*sink);
        latency.Merge(sink->GetLatency());
        delivered += sink->GetReceivedBytes();
    }
    results.AddPorts(f.all, simEnd);
    uint64_t drops = 0;
    double stallS = 0;
    for (uint32_t i = 0; i < f.all.GetN(); ++i)
    {
        Ptr<UbSwitch> sw = f.all.Get(i)->GetObject<UbSwitch>();
        for (uint32_t p = 0; p < sw->GetNPorts(); ++p)
        {
            drops += sw->GetPort(p)->GetDropCount();
            for (uint8_t v = 0; v < sw->GetPort(p)->GetVlCount(); ++v)
            {
                stallS += sw->GetPort(p)->GetCreditStallTime(v).GetSeconds();
            }
        }
    }
    uint64_t offered = 0;
    for (uint32_t i = 0; i < sources.GetN(); ++i)
    {
        offered += DynamicCast<UbPacketSource>(sources.Get(i))->GetSentBytes();
    }
    double span = (simEnd - MicroSeconds(1)).GetSeconds();
    double aggGbps = static_cast<double>(delivered) * 8 / span / 1e9;
    results.AddMetric("run", "completion_time", span * 1e6, "us");
    results.AddMetric("run", "aggregate_throughput", aggGbps, "Gb/s");
    results.AddMetric("run", "delivered_bytes", static_cast<double>(delivered), "B");
    results.AddMetric("run", "sent_bytes", static_cast<double>(offered), "B");
    results.AddMetric("run", "drops", static_cast<double>(drops), "packets");
    results.AddMetric("run", "credit_stall_time", stallS * 1e6, "us");
    results.AddMetric("run", "latency_p50", latency.GetPercentile(0.5) / 1e3, "ns");
    results.AddMetric("run", "latency_p99", latency.GetPercentile(0.99) / 1e3, "ns");
    int64_t runId = results.Commit(simEnd, events);

    std::cout << "\n== " << pattern << ": "
              << (pattern == "incast" ? std::to_string(o.fanin) + " endpoints -> endpoint 0"
                                      : std::string("random permutation of 16 endpoints"))
              << ", " << o.bytes << " B per flow, " << o.packetSize << "-B packets, " << o.mode
              << " flow control, " << o.selection << " ==\n";
    if (!o.quiet)
    {
        std::cout << std::setw(8) << "flow" << std::setw(6) << "src" << std::setw(6) << "dst"
                  << std::setw(9) << "packets" << std::setw(12) << "Gb/s" << std::setw(11)
                  << "p50 us" << std::setw(11) << "p99 us" << std::setw(11) << "max us"
                  << "\n";
        for (const auto& r : results.GetFlows())
        {
            std::cout << std::fixed << std::setprecision(2) << std::setw(8) << r.flowId
                      << std::setw(6) << r.src << std::setw(6) << r.dst << std::setw(9) << r.packets
                      << std::setw(12) << r.throughputGbps << std::setw(11) << r.latP50Ns / 1e3
                      << std::setw(11) << r.latP99Ns / 1e3 << std::setw(11) << r.latMaxNs / 1e3
                      << "\n";
        }
    }
    std::cout << std::fixed << std::setprecision(2) << "completion " << span * 1e6
              << " us, aggregate " << aggGbps << " Gb/s, delivered " << delivered << " of "
              << offered << " B, drops " << drops << ", credit-stall time " << stallS * 1e6
              << " us (summed over ports)\n"
              << "latency p50 " << latency.GetPercentile(0.5) / 1e6 << " us, p99 "
              << latency.GetPercentile(0.99) / 1e6 << " us; " << events << " events in "
              << std::setprecision(3) << wall << " s wall\n"
              << "results: run " << runId << " in " << o.db << "\n";
    Simulator::Destroy();
}

} // namespace

namespace
{

int
RunMain(int argc, char* argv[])
{
    Options o;
    UbExperiment::SetDefaultScheduler(); // before Parse: --SchedulerType still wins
    UbCommandLine cmd(__FILE__);
    cmd.AddValue("pattern", "incast, permutation or both", o.pattern);
    cmd.AddValue("fanin",
                 "incast: senders, 1 to 15 (endpoints 16 - fanin .. 15, the far leaves first)",
                 o.fanin);
    cmd.AddValue("bytes", "bytes each flow sends", o.bytes);
    cmd.AddValue("packetSize", "bytes per packet above the network header", o.packetSize);
    cmd.AddValue("selection", "path selection: Single, Ecmp, Spray or Adaptive", o.selection);
    cmd.AddValue("mode", "link flow control: Credit (lossless) or None (drop-tail)", o.mode);
    cmd.AddValue("forwarding", "CutThrough or StoreAndForward", o.forwarding);
    cmd.AddValue("db", "SQLite results file", o.db);
    cmd.AddValue("quiet", "print only the summaries", o.quiet);
    cmd.Parse(argc, argv);
    UbResults::Check(o.db); // a bad --db stops the program now, not after the run
    o.args = UbResults::CommandLineText(argc, argv);
    if (o.pattern != "incast" && o.pattern != "permutation" && o.pattern != "both")
    {
        std::cerr << "ub-fabric-demo: --pattern=" << o.pattern
                  << " is not one of incast, permutation, both\n";
        return 2;
    }
    auto oneOf = [](const std::string& flag,
                    const std::string& v,
                    std::initializer_list<const char*> allowed) {
        std::string list;
        for (const char* a : allowed)
        {
            if (v == a)
            {
                return true;
            }
            list += std::string(list.empty() ? "" : ", ") + a;
        }
        std::cerr << "ub-fabric-demo: --" << flag << "=" << v << " is not one of " << list << "\n";
        return false;
    };
    if (!oneOf("mode", o.mode, {"Credit", "None"}) ||
        !oneOf("selection", o.selection, {"Single", "Ecmp", "Spray", "Adaptive"}) ||
        !oneOf("forwarding", o.forwarding, {"CutThrough", "StoreAndForward"}))
    {
        return 2;
    }
    if (o.fanin < 1 || o.fanin > 15)
    {
        std::cerr << "ub-fabric-demo: --fanin=" << o.fanin
                  << " is not 1 to 15 (the 15 endpoints other than the receiver)\n";
        return 2;
    }
    // At most 1 TiB per flow (about 20 s of simulated time at the 420 Gb/s ports): a negative
    // --bytes reads as about 2^64 and would run for ever.
    if (o.bytes == 0 || o.bytes > (uint64_t{1} << 40) || o.packetSize == 0 || o.packetSize > 10000)
    {
        std::cerr << "ub-fabric-demo: --bytes=" << o.bytes << " --packetSize=" << o.packetSize
                  << ": --bytes must be 1 to 1099511627776 (1 TiB; a negative number wraps "
                     "around) and --packetSize 1 to 10000\n";
        return 2;
    }
    std::cout << "ub-fabric-demo: 16 endpoints, 4 leaf + 2 spine UB switches (x4 ports, 112 Gb/s "
                 "lanes, RS(128,120) FEC: 420 Gb/s)\n";
    if (o.pattern == "incast" || o.pattern == "both")
    {
        RunPattern(o, "incast");
    }
    if (o.pattern == "permutation" || o.pattern == "both")
    {
        RunPattern(o, "permutation");
    }
    return 0;
}

} // namespace

int
main(int argc, char* argv[])
{
    return UbMain("ub-fabric-demo", [&] { return RunMain(argc, argv); });
}
