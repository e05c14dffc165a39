/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * ub-load-latency: latency against offered load on any system, for uniform random, hotspot,
 * permutation or incast traffic (the classic curve: flat near zero load, rising sharply toward
 * saturation).
 *
 *   ./ubsim run ub-load-latency --preset=ascend950-ub2 --npus=128
 *   ./ubsim run ub-load-latency --preset=nvlink5-gb200 --pattern=hotspot --hotspot=0.2
 *
 * Every endpoint sends packets with Poisson arrivals at load x its link bandwidth (payload
 * bytes, or wire flits with --loadUnit=flits, against the line rate of all its ports, or of one
 * with --perChannel) for --duration; a packet's latency runs from its creation to its arrival,
 * printed in us, in ps and in flit times of one port (the textbook's cycles). Accepted = bytes
 * delivered during the last three quarters of the sending time (the first is warm-up) over what was
 * offered then; above saturation it falls below 1 (UbExperiment::RunLoad). Incast: --fanin
 * endpoints send to endpoint 0, together at load x endpoint 0's link bandwidth (the load is the
 * receiver's).
 *
 *   ./ubsim run ub-load-latency --pattern=incast --fanin=16 --loads=0.5,0.9,1.1
 *   ./ubsim run ub-load-latency --preset=kary-mesh8x8 --perChannel --loads=0.1,0.3,0.5,0.7
 *
 * Preset values can be varied with --set (small VL buffers, one VL against two), and the
 * k-ary n-cube presets get textbook terminals on their own injection and ejection links with
 * --terminals:
 *
 *   ./ubsim run ub-load-latency --preset=kary-mesh8x8 --perChannel --terminals \
 *       --set=UbNetDevice::VlBufferCells=27,UbNetDevice::VlCount=1
 */
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/unifiedbus-module.h"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

using namespace ns3;

namespace
{

int
RunMain(int argc, char* argv[])
{
    std::string presetName = "ascend950-ub2";
    std::string npusText; // empty: the preset's default size
    std::string pattern = "uniform";
    std::string loadList = "0.1,0.3,0.5,0.7,0.8,0.9";
    double hot = 0.2;
    uint32_t packetSize = 0; // 0: the largest the preset's links carry, up to 4,096 B
    double durationUs = 20;
    std::string db = "results/ubsim.db";
    std::string selection = "Spray";
    UbExperiment::SetDefaultScheduler(); // before Parse: --SchedulerType still wins
    UbCommandLine cmd(__FILE__);
    cmd.AddValue("selection",
                 "path selection at every node: Spray, Adaptive, Ecmp or the preset's (Preset); "
                 "packet sources carry no load-balance field, so LBF steering would pin a source "
                 "to one path",
                 selection);
    cmd.AddValue("preset", "system preset", presetName);
    cmd.AddValue("npus", UbPreset::EndpointsOptionHelp(), npusText);
    cmd.AddValue("pattern", "uniform, hotspot, permutation or incast", pattern);
    uint32_t fanin = 16;
    cmd.AddValue("fanin", "incast: senders (endpoints 1 .. fanin) to endpoint 0", fanin);
    bool perChannel = false;
    cmd.AddValue("perChannel",
                 "loads in units of one port's line rate (Dally and Towles' unit channel) instead "
                 "of all the endpoint's ports",
                 perChannel);
    cmd.AddValue("loads",
                 "comma-separated offered loads (fractions of each endpoint's links)",
                 loadList);
    std::string loadUnit = "payload";
    cmd.AddValue("loadUnit",
                 "what a load counts against the line rate: payload (bytes the sources send) or "
                 "flits (wire flits: network and link headers, CRC and padding included, as the "
                 "textbook's unit)",
                 loadUnit);
    bool self = false;
    cmd.AddValue("self",
                 "uniform and hotspot: a source may draw itself as the destination, as in the "
                 "textbook's uniform traffic (the packet stays in its own switch)",
                 self);
    cmd.AddValue("hotspot", "hotspot: fraction of packets to endpoint 0", hot);
    cmd.AddValue("packetSize",
                 "bytes per packet above the 12-B network header (default: 4096, or less if the "
                 "preset's UbNetDevice::Mtu is smaller, as NVLink's 316 B: 304)",
                 packetSize);
    std::string set;
    cmd.AddValue("set", UbPreset::SetOptionHelp(), set);
    bool terminals = false;
    cmd.AddValue("terminals",
                 "k-ary n-cube presets: every router a switch, its terminal an endpoint on its own "
                 "injection and ejection link (topology::Terminals=true; Dally and Towles 2.1)",
                 terminals);
    cmd.AddValue("duration", "sending time per load (us)", durationUs);
    cmd.AddValue("db", "SQLite results file", db);
    cmd.Parse(argc, argv);
    UbResults::Check(db); // a bad --db stops the program now, not after the run
    uint32_t npus = 0;
    if (!UbPreset::EndpointsOption("ub-load-latency", presetName, npusText, npus))
    {
        return 2;
    }
    {
        UbPreset p = UbPreset::Load(presetName);
        std::string error;
        if (terminals)
        {
            if (!p.Has("topology::Builder") || p.Get("topology::Builder") != "kary-ncube")
            {
                std::cerr << "ub-load-latency: --terminals needs a k-ary n-cube preset "
                             "(kary-mesh8x8, kary-torus8x8); "
                          << presetName << " is not one\n";
                return 2;
            }
            set = "topology::Terminals=true" + (set.empty() ? "" : "," + set);
        }
        if (!p.SetList(set, error))
        {
            std::cerr << "ub-load-latency: --set: " << error << "\n";
            return 2;
        }
        // The packet (and the 12-B network header the switch adds) must fit the links.
        const uint32_t mtu =
            p.Has("UbNetDevice::Mtu") ? static_cast<uint32_t>(p.GetDouble("UbNetDevice::Mtu")) : 0;
        const uint32_t most = mtu > 12 ? mtu - 12 : 4096;
        if (packetSize == 0)
        {
            packetSize = std::min<uint32_t>(4096, most);
        }
        else if (packetSize > most)
        {
            std::cerr << "ub-load-latency: --packetSize=" << packetSize << " does not fit "
                      << presetName << "'s links (UbNetDevice::Mtu " << mtu
                      << " B less the 12-B network header: at most " << most << ")\n";
            return 2;
        }
    }
    std::vector<double> loads;
    if (!UbParseDoubleList(loadList, loads) || loads.empty() ||
        std::any_of(loads.begin(), loads.end(), [](double v) { return v <= 0 || v > 1.5; }))
    {
        std::cerr << "ub-load-latency: --loads=" << loadList
                  << " must list loads in (0, 1.5], e.g. 0.1,0.5,0.9\n";
        return 2;
    }
    if (pattern != "uniform" && pattern != "hotspot" && pattern != "permutation" &&
        pattern != "incast")
    {
        std::cerr << "ub-load-latency: --pattern=" << pattern
                  << " is not uniform, hotspot, permutation or incast\n";
        return 2;
    }
    if (loadUnit != "payload" && loadUnit != "flits")
    {
        std::cerr << "ub-load-latency: --loadUnit=" << loadUnit << " is not payload or flits\n";
        return 2;
    }
    if (pattern == "incast" && fanin == 0)
    {
        std::cerr << "ub-load-latency: --fanin must be at least 1\n";
        return 2;
    }
    UbResults results("ub-load-latency", db);
    results.AddCommandLine(argc, argv);
    results.SetSeed(RngSeedManager::GetSeed(), RngSeedManager::GetRun());
    results.AddParameter("preset", presetName);
    results.AddParameter("pattern", pattern);
    results.AddParameter("npus", npus);
    results.AddParameter("packet_size", packetSize);
    results.AddParameter("selection", selection);
    results.AddParameter("load_unit", perChannel ? "channel" : "endpoint");
    results.AddParameter("load_counts", loadUnit);
    results.AddParameter("self_traffic", self ? "on" : "off");
    if (!set.empty())
    {
        results.AddParameter("set", set);
    }
    if (pattern == "incast")
    {
        results.AddParameter("fanin", fanin);
    }
    std::cout << "ub-load-latency: " << presetName << ", " << pattern << " traffic, " << packetSize
              << "-B packets, " << durationUs << " us per load\n"
              << std::setw(8) << "load" << std::setw(12) << "accepted" << std::setw(14)
              << "mean lat us" << std::setw(13) << "p50 us" << std::setw(13) << "p99 us"
              << std::setw(16) << "mean ps" << std::setw(13) << "mean flits"
              << "\n";
    for (double load : loads)
    {
        std::cerr << "[ub-load-latency] load " << load << std::endl;
        UbExperiment::LoadConfig c;
        c.preset = presetName;
        c.npus = npus;
        c.pattern = pattern;
        c.load = load;
        c.hotspot = hot;
        c.fanin = fanin;
        c.packetSize = packetSize;
        c.durationUs = durationUs;
        c.selection = selection;
        c.perChannel = perChannel;
        c.wireFlits = loadUnit == "flits";
        c.includeSelf = self;
        c.set = set;
        std::ostringstream scope;
        scope << pattern << ":" << load;
        UbExperiment::LoadPoint p = UbExperiment::RunLoad(c, &results, scope.str());
        std::cout << std::fixed << std::setprecision(2) << std::setw(8) << load << std::setw(12)
                  << p.accepted << std::setprecision(3) << std::setw(14) << p.meanUs
                  << std::setw(13) << p.p50Us << std::setw(13) << p.p99Us << std::setw(16)
                  << std::setprecision(0) << p.meanPs << std::setprecision(1) << std::setw(13)
                  << p.meanFlits << "\n";
        results.AddMetric(scope.str(), "accepted", p.accepted, "fraction");
        results.AddMetric(scope.str(), "latency_mean", p.meanUs, "us");
        results.AddMetric(scope.str(), "latency_p50", p.p50Us, "us");
        results.AddMetric(scope.str(), "latency_p99", p.p99Us, "us");
        results.AddMetric(scope.str(), "latency_mean_ps", p.meanPs, "ps");
        results.AddMetric(scope.str(), "latency_mean_flits", p.meanFlits, "flit times");
    }
    int64_t run = results.Commit(Seconds(0), 0);
    std::cout << "results: run " << run << " in " << results.GetPath() << "\n";
    return 0;
}

} // namespace

int
main(int argc, char* argv[])
{
    return UbMain("ub-load-latency", [&] { return RunMain(argc, argv); });
}
