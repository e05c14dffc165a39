/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * p2p-sweep: point-to-point Write and Read latency and bandwidth against message size, for a
 * near pair (endpoints 0 and 1) and a far pair (endpoints 0 and the last), on any system.
 *
 *   ./ubsim run p2p-sweep --preset=ascend950-ub2            (its default size: 128 NPUs)
 *   ./ubsim run p2p-sweep --preset=nvlink5-gb200 --maxBytes=1073741824
 *
 * Each point is one operation on an idle fabric: latency = completion - issue, bandwidth =
 * bytes / latency. Results: metrics "near:Write:<bytes>" etc. in SQLite.
 */
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/unifiedbus-module.h"

#include <functional>
#include <iomanip>
#include <iostream>

using namespace ns3;

namespace
{

int
RunMain(int argc, char* argv[])
{
    std::string presetName = "ascend950-ub2";
    std::string npusText; // empty: the preset's default size
    uint64_t minBytes = 64;
    uint64_t maxBytes = 64ULL << 20;
    std::string db = "results/ubsim.db";
    UbExperiment::SetDefaultScheduler(); // before Parse: --SchedulerType still wins
    UbCommandLine cmd(__FILE__);
    cmd.AddValue("preset", "system preset", presetName);
    cmd.AddValue("npus", UbPreset::EndpointsOptionHelp(), npusText);
    std::string topoFile;
    cmd.AddValue("topology", UbTopologyHelper::TopologyOptionHelp(), topoFile);
    std::string vlPolicyName;
    cmd.AddValue("vlPolicy", UbTopologyHelper::VlPolicyOptionHelp(), vlPolicyName);
    cmd.AddValue("minBytes", "smallest message (then x4)", minBytes);
    cmd.AddValue("maxBytes", "largest message (up to 1 GiB)", maxBytes);
    cmd.AddValue("db", "SQLite results file", db);
    cmd.Parse(argc, argv);
    UbResults::Check(db); // a bad --db stops the program now, not after the run
    uint32_t npus = 0;
    if (!UbPreset::EndpointsOption("p2p-sweep", presetName, npusText, npus))
    {
        return 2;
    }
    if (!UbTopologyHelper::CheckVlPolicyOption("p2p-sweep", vlPolicyName))
    {
        return 2;
    }
    if (minBytes == 0 || maxBytes < minBytes || maxBytes > (1ULL << 30))
    {
        std::cerr << "p2p-sweep: need 0 < --minBytes <= --maxBytes <= 1073741824\n";
        return 2;
    }
    UbResults results("p2p-sweep", db);
    results.AddCommandLine(argc, argv);
    results.SetSeed(RngSeedManager::GetSeed(), RngSeedManager::GetRun());
    results.AddParameter("preset", presetName);
    results.AddParameter("npus", npus);
    uint32_t built = 0;
    UbTopology topo;
    std::function<void(UbTopologyHelper&)> build;
    if (topoFile.empty())
    {
        double per = 0;
        UbExperiment::AggregateBandwidth(presetName, npus, per, built);
        if (!vlPolicyName.empty())
        {
            build = [&](UbTopologyHelper& sys) {
                sys.SetVlPolicyOption(vlPolicyName);
                sys.BuildPreset(presetName, npus);
            };
        }
    }
    else
    {
        // Read (and a malformed file refused with its line) before anything runs.
        topo = UbTopology::Load(topoFile);
        built = topo.GetNEndpoints();
        results.AddParameter("topology", topoFile);
        build = [&](UbTopologyHelper& sys) {
            sys.SetVlPolicyOption(vlPolicyName);
            sys.SetCheckDeadlock(true); // a file's routes are not proven cycle-free
            sys.SetPreset(UbPreset::Load(presetName));
            sys.Build(topo);
        };
    }
    if (built < 2)
    {
        std::cerr << "p2p-sweep: " << (topoFile.empty() ? presetName : topoFile) << " has " << built
                  << " endpoints; a pair needs 2\n";
        return 2;
    }
    std::cout << "p2p-sweep: " << presetName
              << (topoFile.empty() ? "" : ", topology " + topoFile + " (" + topo.GetName() + ")")
              << " (" << built << " endpoints)\n"
              << std::setw(12) << "bytes" << std::setw(8) << "pair" << std::setw(7) << "links"
              << std::setw(14) << "Write us" << std::setw(14) << "Write GB/s" << std::setw(14)
              << "Read us" << std::setw(14) << "Read GB/s"
              << "\n";
    for (uint64_t bytes = minBytes; bytes <= maxBytes; bytes *= 4)
    {
        for (bool far : {false, true})
        {
            uint32_t dst = far ? built - 1 : 1;
            std::string pair = far ? "far" : "near";
            auto w = UbExperiment::RunTransfer(presetName,
                                               npus,
                                               0,
                                               dst,
                                               bytes,
                                               false,
                                               &results,
                                               pair + ":Write:" + std::to_string(bytes),
                                               build);
            auto r = UbExperiment::RunTransfer(presetName,
                                               npus,
                                               0,
                                               dst,
                                               bytes,
                                               true,
                                               &results,
                                               pair + ":Read:" + std::to_string(bytes),
                                               build);
            std::cout << std::setw(12) << bytes << std::setw(8) << pair << std::setw(7) << w.hops
                      << std::fixed << std::setprecision(3) << std::setw(14) << w.seconds * 1e6
                      << std::setw(14) << w.gbps << std::setw(14) << r.seconds * 1e6
                      << std::setw(14) << r.gbps << "\n";
            results.AddMetric(pair + ":Write:" + std::to_string(bytes),
                              "latency",
                              w.seconds * 1e6,
                              "us");
            results.AddMetric(pair + ":Write:" + std::to_string(bytes),
                              "bandwidth",
                              w.gbps,
                              "GB/s");
            results.AddMetric(pair + ":Read:" + std::to_string(bytes),
                              "latency",
                              r.seconds * 1e6,
                              "us");
            results.AddMetric(pair + ":Read:" + std::to_string(bytes), "bandwidth", r.gbps, "GB/s");
        }
    }
    int64_t run = results.Commit(Seconds(0), 0);
    std::cout << "results: run " << run << " in " << results.GetPath() << "\n";
    return 0;
}

} // namespace

int
main(int argc, char* argv[])
{
    return UbMain("p2p-sweep", [&] { return RunMain(argc, argv); });
}
