/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * ub-memory-latency: Read and Write latency and bandwidth against size between two NPU dies of a
 * CloudMatrix384-like UB plane, in the same node (die -> L1 -> die) and in two nodes
 * (die -> L1 -> L2 -> L1 -> die), next to the CloudMatrix384 measurements at 512 B.
 *
 * Each point is one transaction on an idle fabric: latency = completion - issue, bandwidth =
 * bytes / latency. Results go to SQLite (--db): one run, one metric row per point.
 *
 *   ./ubsim run ub-memory-latency [--preset=cm384-ub1] [--maxBytes=67108864] [--nodes=2]
 */
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/unifiedbus-module.h"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <vector>

using namespace ns3;

namespace
{

double
Measure(const UbPreset& preset,
        uint32_t nodes,
        bool inter,
        UbOp op,
        uint64_t bytes,
        uint64_t* events)
{
    UbCloudMatrixHelper cm;
    cm.SetPreset(preset);
    cm.SetNodes(nodes);
    cm.Build();
    Ptr<UbController> a = cm.GetDie(0, 0)->GetObject<UbController>();
    uint32_t dst = cm.GetDie(inter ? 1 : 0, 1)->GetObject<UbController>()->GetCna();
    double seconds = -1;
    Simulator::Schedule(MicroSeconds(1), [&]() {
        auto cb = UbCompletionCallback([&seconds](const UbTransactionRecord& r) {
            seconds = (r.completed - r.issued).GetSeconds();
        });
        op == UbOp::READ ? a->Read(dst, bytes, UbOrder::NO, cb)
                         : a->Write(dst, bytes, UbOrder::NO, cb);
    });
    Simulator::Run();
    *events += Simulator::GetEventCount();
    Simulator::Destroy();
    return seconds;
}

} // namespace

namespace
{

int
RunMain(int argc, char* argv[])
{
    std::string presetName = "cm384-ub1";
    uint64_t maxBytes = 64ull << 20;
    uint32_t nodes = 2;
    std::string db = "results/ubsim.db";
    UbExperiment::SetDefaultScheduler(); // before Parse: --SchedulerType still wins
    UbCommandLine cmd(__FILE__);
    cmd.AddValue("preset", "preset name or .preset file", presetName);
    cmd.AddValue("maxBytes", "largest transfer (64 B, then x4 up to this)", maxBytes);
    cmd.AddValue("nodes", "nodes to build (2 is enough for one pair)", nodes);
    cmd.AddValue("db", "SQLite results file", db);
    cmd.Parse(argc, argv);
    UbResults::Check(db); // a bad --db stops the program now, not after the run
    if (nodes < 2 || maxBytes < 64 || maxBytes > 0xFFFFFFFFull)
    {
        std::cerr << "ub-memory-latency: --nodes must be >= 2 and --maxBytes in 64..4294967295\n";
        return 2;
    }
    UbPreset preset = UbPreset::Load(presetName);
    UbResults results("ub-memory-latency", db);
    results.AddCommandLine(argc, argv);
    results.SetSeed(RngSeedManager::GetSeed(), RngSeedManager::GetRun());
    results.AddParameter("preset", preset.GetName());
    results.AddParameter("nodes", nodes);
    results.AddParameter("max_bytes", static_cast<double>(maxBytes));

    std::cout << "ub-memory-latency: preset " << preset.GetName() << " (" << preset.GetDescription()
              << ")\n\n";
    std::cout << std::setw(12) << "bytes" << std::setw(13) << "Read intra" << std::setw(13)
              << "Write intra" << std::setw(13) << "Read inter" << std::setw(13) << "Write inter"
              << "     latency us | bandwidth GB/s\n";
    uint64_t events = 0;
    Time simulated;
    std::vector<uint64_t> sizes;
    for (uint64_t b = 64; b <= maxBytes; b *= 4)
    {
        sizes.push_back(b);
    }
    if (std::find(sizes.begin(), sizes.end(), 512ull) == sizes.end())
    {
        sizes.push_back(512);
        std::sort(sizes.begin(), sizes.end());
    }
    for (uint64_t bytes : sizes)
    {
        double lat[4];
        int i = 0;
        for (bool inter : {false, true})
        {
            for (UbOp op : {UbOp::READ, UbOp::WRITE})
            {
                double s = Measure(preset, nodes, inter, op, bytes, &events);
                lat[i++] = s;
                simulated += Seconds(s);
                std::string scope = std::string(inter ? "inter" : "intra") + ":" + UbOpName(op) +
                                    ":" + std::to_string(bytes);
                results.AddMetric(scope, "latency", s * 1e6, "us");
                results.AddMetric(scope, "bandwidth", bytes / s / 1e9, "GB/s");
            }
        }
        std::cout << std::setw(12) << bytes << std::fixed << std::setprecision(3);
        for (int k : {0, 1, 2, 3})
        {
            std::cout << std::setw(13) << lat[k] * 1e6;
        }
        std::cout << "   |";
        std::cout << std::setprecision(1);
        for (int k : {0, 1, 2, 3})
        {
            std::cout << std::setw(8) << bytes / lat[k] / 1e9;
        }
        std::cout << "\n";
    }
    std::cout
        << "\nCloudMatrix384 measured (Table 1, per die): 512-B latency Read 1.2 / 1.9 us, Write "
           "1.3 / 2.1 us (intra / inter node); bandwidth Read 167 / 164 GB/s, Write 137 / 135 "
           "GB/s\n";
    int64_t run = results.Commit(simulated, events);
    std::cout << "results: run " << run << " in " << db << "\n";
    return 0;
}

} // namespace

int
main(int argc, char* argv[])
{
    return UbMain("ub-memory-latency", [&] { return RunMain(argc, argv); });
}
