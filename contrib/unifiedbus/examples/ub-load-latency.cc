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
 * bytes against the line rate of all its ports) for --duration; a packet's latency runs from
 * its creation to its arrival. Accepted = bytes delivered by the end of the run (the sending
 * time plus three times as long to drain) as a fraction of what was offered: a lossless fabric
 * delivers everything it can drain in time, so overload shows first in the latency.
 * Incast: --fanin endpoints send to endpoint 0, together at load x endpoint 0's link bandwidth
 * (the load is the receiver's).
 *
 *   ./ubsim run ub-load-latency --pattern=incast --fanin=16 --loads=0.5,0.9,1.1
 */
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/unifiedbus-module.h"

#include <iomanip>
#include <iostream>
#include <sstream>

using namespace ns3;

int
main(int argc, char* argv[])
{
    std::string presetName = "ascend950-ub2";
    uint32_t npus = 128;
    std::string pattern = "uniform";
    std::string loadList = "0.1,0.3,0.5,0.7,0.8,0.9";
    double hot = 0.2;
    uint32_t packetSize = 4096;
    double durationUs = 20;
    std::string db = "results/ubsim.db";
    std::string selection = "Spray";
    CommandLine cmd(__FILE__);
    cmd.AddValue("selection",
                 "path selection at every node: Spray, Adaptive, Ecmp or the preset's (Preset); "
                 "packet sources carry no load-balance field, so LBF steering would pin a source "
                 "to one path",
                 selection);
    cmd.AddValue("preset", "system preset", presetName);
    cmd.AddValue("npus", "endpoints to build (0: the preset's)", npus);
    cmd.AddValue("pattern", "uniform, hotspot, permutation or incast", pattern);
    uint32_t fanin = 16;
    cmd.AddValue("fanin", "incast: senders (endpoints 1 .. fanin) to endpoint 0", fanin);
    cmd.AddValue("loads",
                 "comma-separated offered loads (fractions of each endpoint's links)",
                 loadList);
    cmd.AddValue("hotspot", "hotspot: fraction of packets to endpoint 0", hot);
    cmd.AddValue("packetSize", "bytes per packet", packetSize);
    cmd.AddValue("duration", "sending time per load (us)", durationUs);
    cmd.AddValue("db", "SQLite results file", db);
    cmd.Parse(argc, argv);
    std::vector<double> loads;
    std::istringstream in(loadList);
    for (std::string tok; std::getline(in, tok, ',');)
    {
        char* end = nullptr;
        double v = std::strtod(tok.c_str(), &end);
        if (end == tok.c_str() || *end != '\0' || v <= 0 || v > 1.5)
        {
            std::cerr << "ub-load-latency: --loads=" << loadList
                      << " must list loads in (0, 1.5], e.g. 0.1,0.5,0.9\n";
            return 2;
        }
        loads.push_back(v);
    }
    if (pattern != "uniform" && pattern != "hotspot" && pattern != "permutation" &&
        pattern != "incast")
    {
        std::cerr << "ub-load-latency: --pattern=" << pattern
                  << " is not uniform, hotspot, permutation or incast\n";
        return 2;
    }
    if (pattern == "incast" && fanin == 0)
    {
        std::cerr << "ub-load-latency: --fanin must be at least 1\n";
        return 2;
    }
    UbResults results("ub-load-latency", db);
    results.SetSeed(RngSeedManager::GetSeed(), RngSeedManager::GetRun());
    results.AddParameter("preset", presetName);
    results.AddParameter("pattern", pattern);
    results.AddParameter("npus", npus);
    results.AddParameter("packet_size", packetSize);
    results.AddParameter("selection", selection);
    if (pattern == "incast")
    {
        results.AddParameter("fanin", fanin);
    }
    std::cout << "ub-load-latency: " << presetName << ", " << pattern << " traffic, " << packetSize
              << "-B packets, " << durationUs << " us per load\n"
              << std::setw(8) << "load" << std::setw(12) << "accepted" << std::setw(14)
              << "mean lat us" << std::setw(13) << "p50 us" << std::setw(13) << "p99 us"
              << "\n";
    for (double load : loads)
    {
        std::cerr << "[ub-load-latency] load " << load << std::endl;
        UbHistogram lat;
        uint64_t delivered = 0;
        double offeredBytes = 0;
        uint32_t n = 0;
        {
            UbTopologyHelper sys;
            sys.SetCheckDeadlock(false);
            sys.BuildPreset(presetName, npus);
            n = sys.GetEndpoints().GetN();
            if (selection != "Preset")
            {
                for (uint32_t i = 0; i < sys.GetAll().GetN(); ++i)
                {
                    sys.GetAll().Get(i)->GetObject<UbSwitch>()->GetRoutingTable()->SetAttribute(
                        "Selection",
                        StringValue(selection));
                }
            }
            const UbTopology& t = sys.GetTopology();
            uint32_t e0 = t.GetEndpoints()[0];
            double lineBps = 0;
            for (uint32_t k = 0; k < t.GetDegree(e0); ++k)
            {
                uint32_t l = t.GetPorts(e0)[k].link;
                lineBps += sys.GetDevice(l, t.GetLink(l).a == e0 ? 0 : 1)->GetRateBps();
            }
            if (pattern == "incast" && fanin >= n)
            {
                std::cerr << "ub-load-latency: --fanin=" << fanin << " needs more than " << fanin
                          << " endpoints; " << presetName << " built " << n << "\n";
                return 2;
            }
            const uint32_t senders = pattern == "incast" ? fanin : n;
            const double perSender = pattern == "incast" ? load * lineBps / fanin : load * lineBps;
            UbTrafficHelper traffic;
            traffic.SetSourceAttribute("PacketSize", UintegerValue(packetSize));
            traffic.SetSourceAttribute("Rate", DataRateValue(DataRate(perSender)));
            traffic.SetSourceAttribute("Arrival", StringValue("Poisson"));
            ApplicationContainer sinks = traffic.InstallSinks(sys.GetEndpoints());
            Ptr<UniformRandomVariable> perm = CreateObject<UniformRandomVariable>();
            perm->SetStream(1000);
            std::vector<uint32_t> order(n);
            for (uint32_t i = 0; i < n; ++i)
            {
                order[i] = i;
            }
            for (uint32_t i = n - 1; i > 0; --i) // a derangement-free shuffle, fixed per seed
            {
                std::swap(order[i], order[perm->GetInteger(0, i)]);
            }
            ApplicationContainer sources;
            for (uint32_t k = 0; k < senders; ++k)
            {
                uint32_t i = pattern == "incast" ? k + 1 : k;
                Ptr<Node> src = sys.GetEndpoints().Get(i);
                uint32_t peer = pattern == "incast" ? 0 : order[i] == i ? (i + 1) % n : order[i];
                ApplicationContainer a = traffic.InstallSource(src, sys.GetEndpoints().Get(peer));
                Ptr<UbPacketSource> s = DynamicCast<UbPacketSource>(a.Get(0));
                if (pattern == "uniform" || pattern == "hotspot")
                {
                    s->SetAttribute("DestinationFirst", UintegerValue(t.GetEndpoints()[0]));
                    s->SetAttribute("DestinationCount", UintegerValue(n));
                    s->SetAttribute("Hotspot", UintegerValue(t.GetEndpoints()[0]));
                    s->SetAttribute("HotspotFraction",
                                    DoubleValue(pattern == "hotspot" ? hot : 0.0));
                }
                s->AssignStreams(2000 + 2 * i);
                a.Start(MicroSeconds(1));
                a.Stop(MicroSeconds(1 + durationUs));
                sources.Add(a);
            }
            offeredBytes = perSender / 8 * durationUs * 1e-6 * senders;
            Simulator::Stop(MicroSeconds(1 + durationUs * 4));
            ShowProgress progress(Seconds(10), std::cerr); // ns-3's: a line per ~10 s of wall
            Simulator::Run();
            std::ostringstream scope;
            scope << pattern << ":" << load;
            for (uint32_t i = 0; i < sinks.GetN(); ++i)
            {
                Ptr<UbPacketSink> k = DynamicCast<UbPacketSink>(sinks.Get(i));
                lat.Merge(k->GetLatency());
                delivered += k->GetReceivedBytes();
                results.AddFlows(*k, scope.str());
            }
            results.AddPorts(sys.GetAll(), MicroSeconds(durationUs), scope.str(), true);
        }
        Simulator::Destroy();
        double accepted = offeredBytes > 0 ? delivered / offeredBytes : 0;
        double mean = lat.GetMean() / 1e6;
        double p50 = lat.GetPercentile(0.5) / 1e6;
        double p99 = lat.GetPercentile(0.99) / 1e6;
        std::cout << std::fixed << std::setprecision(2) << std::setw(8) << load << std::setw(12)
                  << accepted << std::setprecision(3) << std::setw(14) << mean << std::setw(13)
                  << p50 << std::setw(13) << p99 << "\n";
        std::ostringstream scope;
        scope << pattern << ":" << load;
        results.AddMetric(scope.str(), "accepted", accepted, "fraction");
        results.AddMetric(scope.str(), "latency_mean", mean, "us");
        results.AddMetric(scope.str(), "latency_p50", p50, "us");
        results.AddMetric(scope.str(), "latency_p99", p99, "us");
    }
    int64_t run = results.Commit(Seconds(0), 0);
    std::cout << "results: run " << run << " in " << results.GetPath() << "\n";
    return 0;
}
