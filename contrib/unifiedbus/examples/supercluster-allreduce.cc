/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * supercluster-allreduce: AllReduce across SuperPoDs joined by a scale-out network of UBoE or
 * RoCE links (2 x 400 GbE per NPU), hierarchical (ring inside each SuperPoD over UB, ring across
 * SuperPoDs over Ethernet, ring inside again) against a flat ring, for each scale-out preset:
 * UBoE with UB's C-AQM, RoCE with DCQCN between SuperPoDs.
 *
 *   ./ubsim run supercluster-allreduce
 *   ./ubsim run supercluster-allreduce --pods=4 --npus=64 --maxBytes=67108864
 *   ./ubsim run supercluster-allreduce --pods=16 --npus=1024 --level=flow
 *   ./ubsim run supercluster-allreduce --pods=64 --npus=8192 --level=flow        (Atlas 950)
 *   ./ubsim run supercluster-allreduce --pod=atlas960 --pods=68 --npus=15488 --level=flow
 *   ./ubsim run supercluster-allreduce --pods=4 --npus=64 --level=hybrid --study=0
 *
 * The hybrid level runs SuperPoD 0 (or those --study names) at packet level and the rest at flow
 * level in one simulation; the flow level's load on the scale-out links is background there
 * (doc/flow-level.md, The hybrid level).
 * At flow level (doc/flow-level.md) congestion control does not act: "reactions" are 0. Ring
 * and hierarchical AllReduces of a million transfers or more run there as ring phases
 * (--aggregate=auto; doc/flow-level.md, Aggregated rings), which is what makes the full-size
 * SuperClusters (524,288 and 1,053,184 NPUs) take minutes.
 */
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/unifiedbus-module.h"

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <memory>

using namespace ns3;

namespace
{

int
RunMain(int argc, char* argv[])
{
    uint32_t pods = 2;
    uint32_t npus = 64;
    uint64_t minBytes = 1 << 20;
    uint64_t maxBytes = 16 << 20;
    std::string db = "results/ubsim.db";
    std::string levelName = "packet";
    std::string aggregateName = "auto";
    if (!UbExperiment::EnableMpi("supercluster-allreduce", &argc, &argv))
    {
        return 2;
    }
    UbExperiment::SetDefaultScheduler(); // before Parse: --SchedulerType still wins
    UbCommandLine cmd(__FILE__);
    std::string mpi;
    cmd.AddValue("mpi", UbExperiment::MpiOptionHelp(), mpi);
    double stopUs = 0;
    cmd.AddValue("stopUs",
                 "stop the simulation at this time, in us (0: when no event is left; --mpi=null "
                 "needs one past the AllReduce's end)",
                 stopUs);
    std::string pod = "atlas950";
    cmd.AddValue("pods", "SuperPoDs", pods);
    cmd.AddValue("pod",
                 "SuperPoD: atlas950 (ascend950-ub2, 64 NPUs per cabinet) or atlas960 "
                 "(ascend960-ub, 88 per cabinet; a 68 x 15,488 SuperCluster is our inference of "
                 "the Atlas 960 SuperCluster's 'over a million')",
                 pod);
    cmd.AddValue("npus",
                 "NPUs per SuperPoD (a multiple of 64 for atlas950, of 88 for atlas960)",
                 npus);
    cmd.AddValue("minBytes", "smallest AllReduce (then x4)", minBytes);
    cmd.AddValue("maxBytes", "largest AllReduce", maxBytes);
    cmd.AddValue("db", "SQLite results file", db);
    cmd.AddValue("level",
                 "packet (every packet), flow (fluid flows on the same fabric) or hybrid "
                 "(packet level for the SuperPoDs --study names, flow level for the rest); "
                 "doc/flow-level.md",
                 levelName);
    std::string studyText = "0";
    cmd.AddValue("study", UbExperiment::StudyOptionHelp(), studyText);
    cmd.AddValue("aggregate", UbExperiment::AggregateOptionHelp(), aggregateName);
    std::string scaleOutList = "uboe-400g,roce-400g";
    cmd.AddValue("scaleouts", "scale-out presets to run, comma-separated", scaleOutList);
    std::string failText;
    cmd.AddValue("fail",
                 "take a link down mid-run, with failover (UbFaultHelper): A:B@US, the first link "
                 "between the nodes named A and B (as pod0.npu3, so0.leaf0, so0.spine1) at US "
                 "microseconds after the start",
                 failText);
    std::string algoList = "hierarchical,ring";
    cmd.AddValue("algos", "AllReduce algorithms to run: hierarchical, ring or both", algoList);
    cmd.Parse(argc, argv);
    UbResults::Check(db); // a bad --db stops the program now, not after the run
    if (pod != "atlas950" && pod != "atlas960")
    {
        std::cerr << "supercluster-allreduce: --pod=" << pod << " is not atlas950 or atlas960\n";
        return 2;
    }
    const uint32_t cabinet = pod == "atlas950" ? 64 : 88;
    if (pods < 2 || npus < cabinet || npus % cabinet || minBytes == 0 || maxBytes < minBytes ||
        !(stopUs >= 0 && stopUs <= 1e9))
    {
        std::cerr << "supercluster-allreduce: need --pods >= 2, --npus a multiple of " << cabinet
                  << ", 0 < --minBytes <= --maxBytes and 0 <= --stopUs <= 1e9\n";
        return 2;
    }
    UbExperiment::Level level;
    if (!UbExperiment::LevelFromName(levelName, level, true))
    {
        std::cerr << "supercluster-allreduce: --level=" << levelName
                  << " is not packet, flow or hybrid\n";
        return 2;
    }
    std::vector<uint32_t> study; // SuperPoDs
    if (level == UbExperiment::HYBRID &&
        !UbExperiment::StudyOption("supercluster-allreduce", studyText, pods, study))
    {
        return 2;
    }
    std::vector<std::string> scaleOuts;
    std::vector<std::string> algos;
    if (!UbSplitList(scaleOutList, scaleOuts) || scaleOuts.empty())
    {
        std::cerr << "supercluster-allreduce: --scaleouts=" << scaleOutList
                  << " is not a comma-separated list of presets (uboe-400g,roce-400g)\n";
        return 2;
    }
    if (!UbSplitList(algoList, algos) || algos.empty() ||
        std::any_of(algos.begin(), algos.end(), [](const std::string& a) {
            return a != "hierarchical" && a != "ring";
        }))
    {
        std::cerr << "supercluster-allreduce: --algos=" << algoList
                  << " is not a list of hierarchical and ring\n";
        return 2;
    }
    for (const std::string& so : scaleOuts)
    {
        UbPreset::Load(so); // an unknown preset stops here, before anything runs
    }
    std::string failA;
    std::string failB;
    double failUs = 0;
    if (!failText.empty())
    {
        const auto colon = failText.find(':');
        const auto at = failText.find('@');
        char* end = nullptr;
        if (colon != std::string::npos && at != std::string::npos && colon < at)
        {
            failA = failText.substr(0, colon);
            failB = failText.substr(colon + 1, at - colon - 1);
            failUs = std::strtod(failText.c_str() + at + 1, &end);
        }
        if (failA.empty() || failB.empty() || !end || *end != '\0' || !(failUs >= 0) ||
            failUs > 1e9 || level != UbExperiment::PACKET)
        {
            std::cerr << "supercluster-allreduce: --fail=" << failText
                      << " is not A:B@US (two node names and a time in us) at packet level\n";
            return 2;
        }
    }
    const bool oneRun = scaleOuts.size() == 1 && algos.size() == 1 && minBytes == maxBytes;
    if (UbExperiment::IsMpi() && (!oneRun || level != UbExperiment::PACKET))
    {
        std::cerr << "supercluster-allreduce: a run split over MPI processes is one packet-level "
                     "simulation: give one --scaleouts, one --algos and --minBytes equal to "
                     "--maxBytes\n";
        return 2;
    }
    UbCollectiveEngine::Aggregation aggregate;
    if (!UbExperiment::AggregateOption("supercluster-allreduce", aggregateName, level, aggregate))
    {
        return 2;
    }
    UbResults results("supercluster-allreduce", db);
    results.AddCommandLine(argc, argv);
    results.SetSeed(RngSeedManager::GetSeed(), RngSeedManager::GetRun());
    results.AddParameter("pods", pods);
    results.AddParameter("npus", npus);
    results.AddParameter("pod", pod);
    results.AddParameter("level", levelName);
    results.AddParameter("aggregate", aggregateName);
    if (level == UbExperiment::HYBRID)
    {
        results.AddParameter("study", studyText);
    }
    std::cout << "supercluster-allreduce: " << pods << " SuperPoDs (" << pod << ") x " << npus
              << " NPUs, scale-out 2 x 400 GbE per NPU, " << levelName << " level";
    if (UbExperiment::IsMpi())
    {
        std::cout << ", split over " << UbExperiment::GetRanks() << " MPI processes (" << mpi
                  << ")";
    }
    std::cout << "\n"
              << std::setw(12) << "scale-out" << std::setw(14) << "algorithm" << std::setw(12)
              << "bytes" << std::setw(12) << "time us" << std::setw(12) << "busbw GB/s"
              << std::setw(8) << "cc" << std::setw(11) << "reactions"
              << "  level\n";
    for (const std::string& scaleOut : scaleOuts)
    {
        // Between SuperPoDs each scale-out preset's congestion control runs (UBoE: C-AQM; RoCE:
        // DCQCN); "reactions" counts its rate cuts: C-AQM's marked ACKs or DCQCN's CNPs.
        const UbPreset so = UbPreset::Load(scaleOut);
        const std::string key = "UbTransport::CongestionControl";
        const std::string cc = so.Has(key) ? so.Get(key) : "None";
        for (uint64_t bytes = minBytes; bytes <= maxBytes; bytes *= 4)
        {
            for (const std::string& algoName : algos)
            {
                const bool hier = algoName == "hierarchical";
                std::cerr << "[supercluster-allreduce] " << scaleOut << " "
                          << (hier ? "hierarchical" : "ring") << " " << bytes << " B" << std::endl;
                UbExperiment::CollectiveRun run;
                run.build = UbExperiment::SuperClusterBuild(pods, npus, scaleOut, pod);
                run.preset = "supercluster";
                run.op = UbCollectiveOp::ALL_REDUCE;
                run.algo = hier ? UbCollectiveAlgo::HIERARCHICAL : UbCollectiveAlgo::RING;
                run.bytes = bytes;
                run.group = npus;
                run.results = &results;
                run.level = level;
                run.aggregate = aggregate;
                run.stop = MicroSeconds(stopUs);
                if (!failText.empty())
                {
                    // The collective starts at 1 us (UbExperiment::Run).
                    const Time when = MicroSeconds(1) + NanoSeconds(failUs * 1e3);
                    auto faults = std::make_shared<std::unique_ptr<UbFaultHelper>>();
                    run.setup = [failA, failB, when, faults](UbTopologyHelper& sys,
                                                             UbCollectiveEngine&) {
                        const UbTopology& t = sys.GetTopology();
                        uint32_t link = UINT32_MAX;
                        for (uint32_t l = 0; l < t.GetNLinks() && link == UINT32_MAX; ++l)
                        {
                            const std::string& a = t.GetNode(t.GetLink(l).a).name;
                            const std::string& b = t.GetNode(t.GetLink(l).b).name;
                            if ((a == failA && b == failB) || (a == failB && b == failA))
                            {
                                link = l;
                            }
                        }
                        NS_ABORT_MSG_IF(link == UINT32_MAX,
                                        "supercluster-allreduce: --fail: no link between "
                                            << failA << " and " << failB);
                        *faults = std::make_unique<UbFaultHelper>(sys); // lives through the run
                        (*faults)->ScheduleLinkDown(link, when);
                    };
                }
                for (uint32_t p : study)
                {
                    run.study.push_back(p * npus); // the SuperPoD's first NPU
                }
                run.scope =
                    scaleOut + ":" + UbCollectiveAlgoName(run.algo) + ":" + std::to_string(bytes);
                const UbExperiment::CollectiveOutcome out = UbExperiment::Run(run);
                const UbCollectiveResult& res = out.result;
                if (res.end <= res.start)
                {
                    results.CommitFailed("the AllReduce over " + scaleOut + " did not finish");
                }
                std::cout << std::setw(12) << scaleOut << std::setw(14)
                          << UbCollectiveAlgoName(res.algo) << std::setw(12) << bytes << std::fixed
                          << std::setprecision(2) << std::setw(12) << res.Seconds() * 1e6
                          << std::setw(12) << res.BusBw() << std::setw(8) << cc << std::setw(10)
                          << out.transport.congestionMarks + out.transport.cnpsReceived << "  "
                          << UbExperiment::HowItRan(res) << "\n";
                results.AddCollective("supercluster-" + std::to_string(pods) + "x" +
                                          std::to_string(npus) + "-" + scaleOut,
                                      res);
                // What it cost this machine: building the system, running the collective, the
                // process's peak memory so far (./ubsim bench systems reads them).
                results.AddMetric(run.scope, "build_seconds", out.buildSeconds, "s");
                results.AddMetric(run.scope, "run_seconds", out.wallSeconds, "s");
                if (level == UbExperiment::PACKET)
                {
                    // The simulation's events, all processes' (events per second: the cost
                    // model of doc/distributed.md's estimate).
                    results.AddMetric(run.scope,
                                      "events",
                                      static_cast<double>(out.events),
                                      "events");
                }
                if (level == UbExperiment::FLOW)
                {
                    // 1 if the flow level held one SuperPoD's fabric for all (doc/flow-level.md,
                    // Identical SuperPoDs held once).
                    results.AddMetric(run.scope, "one_pod", out.onePod ? 1.0 : 0.0, "");
                }
                if (level == UbExperiment::HYBRID)
                {
                    // Which level moved how much (doc/flow-level.md, The hybrid level).
                    results.AddMetric(run.scope,
                                      "packet_transfers",
                                      static_cast<double>(out.packetTransfers),
                                      "");
                    results.AddMetric(run.scope,
                                      "flow_transfers",
                                      static_cast<double>(out.flowTransfers),
                                      "");
                    results.AddMetric(run.scope, "peak_background", out.peakBackground, "");
                }
                results.AddMetric(run.scope,
                                  "peak_rss_bytes",
                                  static_cast<double>(UbTopologyHelper::PeakRssBytes()),
                                  "B");
            }
        }
    }
    int64_t run = results.Commit(Seconds(0), 0);
    std::cout << "results: run " << run << " in " << results.GetPath() << "\n";
    UbExperiment::DisableMpi();
    return 0;
}

} // namespace

int
main(int argc, char* argv[])
{
    return UbMain("supercluster-allreduce", [&] { return RunMain(argc, argv); });
}
