/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * ub-collectives: collective busbw against size on any system, in NCCL's conventions (time,
 * algbw, busbw; nccl-tests PERFORMANCE.md), written to SQLite (table collectives). "resent" counts
 * the DATA packets the transports sent again (metrics retransmitted, timeouts and
 * spurious_retransmissions of the size's scope): 0 on a loss-free fabric.
 *
 *   ./ubsim run ub-collectives --preset=nvlink4-h100
 *   ./ubsim run ub-collectives --preset=ascend950-ub2 --npus=128 --ranks=64 --op=allreduce
 *   ./ubsim run ub-collectives --preset=nvlink5-gb200 --op=all --minBytes=1048576 --chunks=4
 *
 * The ranks are the system's first --ranks endpoints (0: all). Each size is one collective on an
 * idle fabric. --algo=auto takes ring for AllReduce, AllGather and ReduceScatter, direct for
 * All-to-All and chain for Broadcast. multiring (AllReduce) and multipath (All-to-All) use the
 * full-mesh shape of the ranks: UB-Mesh's from its preset, or --dims.
 *
 *   ./ubsim run ub-collectives --preset=ubmesh-ub2 --ranks=64 --op=alltoall --algo=multipath
 */
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/unifiedbus-module.h"

#include <iomanip>
#include <iostream>
#include <set>
#include <sstream>

using namespace ns3;

namespace
{

bool
ParseOp(const std::string& s, std::vector<UbCollectiveOp>& ops)
{
    const std::pair<const char*, UbCollectiveOp> all[] = {
        {"allreduce", UbCollectiveOp::ALL_REDUCE},
        {"allgather", UbCollectiveOp::ALL_GATHER},
        {"reducescatter", UbCollectiveOp::REDUCE_SCATTER},
        {"alltoall", UbCollectiveOp::ALL_TO_ALL},
        {"broadcast", UbCollectiveOp::BROADCAST},
    };
    for (const auto& [name, op] : all)
    {
        if (s == name || s == "all")
        {
            ops.push_back(op);
        }
    }
    return !ops.empty();
}

UbCollectiveAlgo
AutoAlgo(UbCollectiveOp op)
{
    switch (op)
    {
    case UbCollectiveOp::ALL_TO_ALL:
        return UbCollectiveAlgo::DIRECT;
    case UbCollectiveOp::BROADCAST:
        return UbCollectiveAlgo::CHAIN;
    default:
        return UbCollectiveAlgo::RING;
    }
}

} // namespace

namespace
{

int
RunMain(int argc, char* argv[])
{
    std::string presetName = "nvlink4-h100";
    std::string npusText; // empty: the preset's default size
    uint32_t ranks = 0;
    std::string opName = "allreduce";
    std::string algoName = "auto";
    uint64_t minBytes = 1 << 16;
    uint64_t maxBytes = 64 << 20;
    uint32_t chunks = 0;
    std::string db = "results/ubsim.db";
    std::string levelName = "packet";
    std::string aggregateName = "auto";
    UbExperiment::SetDefaultScheduler(); // before Parse: --SchedulerType still wins
    UbCommandLine cmd(__FILE__);
    cmd.AddValue("preset", "system preset (ascend950-ub2, nvlink5-gb200, ...)", presetName);
    cmd.AddValue("npus", UbPreset::EndpointsOptionHelp(), npusText);
    std::string topoFile;
    cmd.AddValue("topology", UbTopologyHelper::TopologyOptionHelp(), topoFile);
    std::string vlPolicyName;
    cmd.AddValue("vlPolicy", UbTopologyHelper::VlPolicyOptionHelp(), vlPolicyName);
    cmd.AddValue("ranks", "ranks: the first N endpoints (0: all)", ranks);
    cmd.AddValue("op", "allreduce, allgather, reducescatter, alltoall, broadcast or all", opName);
    cmd.AddValue("algo",
                 "auto, ring, hd (halving-doubling), tree (double binary tree), direct, chain, "
                 "innetwork (NVLS-like, one-tier switch domains), hierarchical (--group), "
                 "multiring (AllReduce) or multipath (All-to-All) over a full mesh (--dims)",
                 algoName);
    std::string dimsList;
    cmd.AddValue("dims",
                 "multiring/multipath: full-mesh shape of the ranks, e.g. 8,8 (default: the "
                 "UB-Mesh's, or one dimension)",
                 dimsList);
    uint32_t group = 0;
    cmd.AddValue("group", "hierarchical: ranks per group", group);
    bool offload = false;
    cmd.AddValue("offload",
                 "collective offload (CCU-like): a hardware engine issues the transfers, 50 ns "
                 "after their dependencies (an assumption)",
                 offload);
    cmd.AddValue("minBytes", "smallest size (then x4)", minBytes);
    cmd.AddValue("maxBytes", "largest size", maxBytes);
    cmd.AddValue("chunks",
                 "pieces per step (pipelining; 0: the algorithm chooses, ring as NCCL sizes its "
                 "channels)",
                 chunks);
    cmd.AddValue("db", "SQLite results file", db);
    cmd.AddValue("level",
                 "packet (every packet) or flow (fluid flows sharing links max-min fairly, on the "
                 "same topology, presets and routes; doc/flow-level.md)",
                 levelName);
    cmd.AddValue("aggregate", UbExperiment::AggregateOptionHelp(), aggregateName);
    cmd.Parse(argc, argv);
    UbResults::Check(db); // a bad --db stops the program now, not after the run
    uint32_t npus = 0;
    if (!UbPreset::EndpointsOption("ub-collectives", presetName, npusText, npus))
    {
        return 2;
    }
    if (!UbTopologyHelper::CheckVlPolicyOption("ub-collectives", vlPolicyName))
    {
        return 2;
    }
    std::vector<UbCollectiveOp> ops;
    if (!ParseOp(opName, ops))
    {
        std::cerr << "ub-collectives: --op=" << opName
                  << " is not allreduce, allgather, reducescatter, alltoall, broadcast or all\n";
        return 2;
    }
    UbCollectiveAlgo parsed;
    if (algoName != "auto" && !UbCollectiveAlgoFromName(algoName, parsed))
    {
        std::cerr << "ub-collectives: --algo=" << algoName
                  << " is not auto, ring, hd, tree, direct, chain, innetwork, hierarchical, "
                     "multiring or multipath\n";
        return 2;
    }
    std::vector<uint64_t> dims64;
    if (!UbParseUnsignedList(dimsList, dims64, UINT32_MAX) ||
        std::find(dims64.begin(), dims64.end(), 0) != dims64.end())
    {
        std::cerr << "ub-collectives: --dims=" << dimsList
                  << " must list dimension sizes >= 1, e.g. 8,8\n";
        return 2;
    }
    std::vector<uint32_t> dims(dims64.begin(), dims64.end());
    if (algoName == "hierarchical" && group < 2)
    {
        std::cerr << "ub-collectives: --algo=hierarchical needs --group (ranks per group, >= 2)\n";
        return 2;
    }
    UbExperiment::Level level;
    if (!UbExperiment::LevelFromName(levelName, level))
    {
        std::cerr << "ub-collectives: --level=" << levelName << " is not packet or flow\n";
        return 2;
    }
    UbCollectiveEngine::Aggregation aggregate;
    if (!UbExperiment::AggregateOption("ub-collectives", aggregateName, level, aggregate))
    {
        return 2;
    }
    if (level == UbExperiment::FLOW && algoName == "innetwork")
    {
        std::cerr << "ub-collectives: --algo=innetwork runs at packet level only (its reducing "
                     "switches are controllers); use --level=packet\n";
        return 2;
    }
    if (minBytes == 0 || maxBytes < minBytes)
    {
        std::cerr << "ub-collectives: need 0 < --minBytes <= --maxBytes\n";
        return 2;
    }

    // A topology file is read (and a malformed one refused with its line) before anything runs.
    UbTopology topo;
    if (!topoFile.empty())
    {
        topo = UbTopology::Load(topoFile);
    }
    const std::string systemName = topoFile.empty() ? presetName : topo.GetName();
    // Ranks: the first endpoints of the system (checked here, before anything runs).
    const uint32_t endpoints =
        topoFile.empty() ? UbExperiment::CountEndpoints(presetName, npus) : topo.GetNEndpoints();
    const uint32_t n = ranks ? ranks : endpoints;
    if (n < 2 || n > endpoints)
    {
        std::cerr << "ub-collectives: --ranks=" << ranks << " must be 2 .. " << endpoints << " for "
                  << systemName << "\n";
        return 2;
    }
    uint64_t product = 1;
    for (uint32_t x : dims)
    {
        product *= x;
    }
    if (!dims.empty() && product != n)
    {
        std::cerr << "ub-collectives: --dims=" << dimsList << " multiply to " << product
                  << ", not the " << n << " ranks\n";
        return 2;
    }

    UbResults results("ub-collectives", db);
    results.AddCommandLine(argc, argv);
    results.SetSeed(RngSeedManager::GetSeed(), RngSeedManager::GetRun());
    results.AddParameter("preset", presetName);
    if (!topoFile.empty())
    {
        results.AddParameter("topology", topoFile);
    }
    results.AddParameter("op", opName);
    results.AddParameter("algo", algoName);
    results.AddParameter("chunks", chunks ? std::to_string(chunks) : "auto");
    results.AddParameter("group", group);
    results.AddParameter("dims", dimsList.empty() ? "auto" : dimsList);
    results.AddParameter("offload", offload ? "on" : "off");
    results.AddParameter("level", levelName);
    results.AddParameter("aggregate", aggregateName);
    std::cout << "ub-collectives: preset " << presetName
              << (topoFile.empty() ? "" : ", topology " + topoFile + " (" + systemName + ")")
              << ", " << levelName << " level\n";
    std::cout << std::setw(14) << "op" << std::setw(18) << "algo" << std::setw(7) << "ranks"
              << std::setw(12) << "bytes" << std::setw(12) << "time us" << std::setw(12)
              << "algbw GB/s" << std::setw(12) << "busbw GB/s" << std::setw(10) << "resent"
              << "  level\n";
    uint64_t events = 0;
    Time simulated;
    for (UbCollectiveOp op : ops)
    {
        UbCollectiveAlgo algo = AutoAlgo(op);
        if (algoName != "auto")
        {
            UbCollectiveAlgoFromName(algoName, algo); // checked above
        }
        // On a topology file, the endpoint pairs the collective uses: the deadlock check then
        // lets a fabric whose routes could close a cycle (a ring of switches) carry traffic that
        // cannot (a ring collective between neighbours).
        std::vector<std::pair<uint32_t, uint32_t>> scope;
        const bool meshShaped =
            algo == UbCollectiveAlgo::MULTI_RING || algo == UbCollectiveAlgo::MULTI_PATH;
        if (!topoFile.empty() && algo != UbCollectiveAlgo::IN_NETWORK &&
            !(meshShaped && dims.empty()))
        {
            UbCollectivePlan plan;
            plan.op = op;
            plan.algo = algo;
            plan.bytes = minBytes;
            plan.ranks = n;
            plan.chunks = chunks;
            plan.group = group;
            plan.dims = dims;
            std::set<std::pair<uint32_t, uint32_t>> pairs;
            const UbTransferGraph graph = UbCollectiveBuilder::Build(plan);
            graph.ForEach([&pairs](UbTransferId, const UbTransferGraph::Transfer& tr) {
                pairs.emplace(tr.src, tr.dst);
            });
            scope.assign(pairs.begin(), pairs.end());
        }
        for (uint64_t bytes = minBytes; bytes <= maxBytes; bytes *= 4)
        {
            UbExperiment::CollectiveRun run;
            run.preset = presetName;
            run.npus = npus;
            run.ranks = n;
            run.op = op;
            run.algo = algo;
            run.bytes = bytes;
            run.chunks = chunks;
            run.results = &results;
            run.level = level;
            run.aggregate = aggregate;
            if (!topoFile.empty() || !vlPolicyName.empty())
            {
                run.build = [&](UbTopologyHelper& sys) {
                    sys.SetVlPolicyOption(vlPolicyName);
                    if (topoFile.empty())
                    {
                        sys.BuildPreset(presetName, npus);
                        return;
                    }
                    sys.SetCheckDeadlock(true); // a file's routes are not proven cycle-free
                    sys.SetDeadlockScope(scope);
                    sys.SetPreset(UbPreset::Load(presetName));
                    sys.Build(topo);
                };
            }
            run.scope = std::string(UbCollectiveOpName(op)) + ":" + std::to_string(bytes);
            run.setup = [&](UbTopologyHelper& sys, UbCollectiveEngine& coll) {
                if (algo == UbCollectiveAlgo::IN_NETWORK)
                {
                    auto red = UbCollectiveHelper::InstallSwitchReducers(sys);
                    coll.SetReducers(red.controllers, red.shares, red.reductionBps, red.concurrent);
                }
                if (group)
                {
                    coll.SetGroupSize(group);
                }
                if (algo == UbCollectiveAlgo::MULTI_RING || algo == UbCollectiveAlgo::MULTI_PATH)
                {
                    coll.SetMeshDims(dims.empty() ? UbCollectiveHelper::MeshDims(sys, n) : dims);
                }
                coll.SetOffload(offload);
            };
            UbExperiment::CollectiveOutcome out = UbExperiment::Run(run);
            events += out.events;
            simulated += out.simulated;
            const UbCollectiveResult& res = out.result;
            if (!out.finished)
            {
                results.CommitFailed(std::string(UbCollectiveOpName(op)) + " of " +
                                         std::to_string(bytes) + " B did not finish",
                                     simulated,
                                     events);
            }
            std::cout << std::setw(14) << UbCollectiveOpName(op) << std::setw(18)
                      << UbCollectiveAlgoName(algo) << std::setw(7) << n << std::setw(12) << bytes
                      << std::fixed << std::setprecision(3) << std::setw(12) << res.Seconds() * 1e6
                      << std::setw(12) << res.AlgBw() << std::setw(12) << res.BusBw()
                      << std::setw(10) << out.transport.retransmitted << "  "
                      << UbExperiment::HowItRan(res) << "\n";
            results.AddCollective(systemName, res, offload ? "+offload" : "");
        }
    }
    int64_t run = results.Commit(simulated, events);
    std::cout << "results: run " << run << " in " << results.GetPath() << "\n";
    return 0;
}

} // namespace

int
main(int argc, char* argv[])
{
    return UbMain("ub-collectives", [&] { return RunMain(argc, argv); });
}
