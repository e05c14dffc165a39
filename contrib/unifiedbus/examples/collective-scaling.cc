/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * collective-scaling: AllReduce and All-to-All busbw against domain size, each domain the system
 * that size stands for:
 *     8 HGX H100 (nvlink4-h100)          64 one Atlas-950-like rack (ascend950-ub2)
 *    72 GB200 NVL72 (nvlink5-gb200)     144 NVL144-like (nvlink6-rubin)
 *   384 CloudMatrix384 dies (cm384-ub1)  1024 Atlas-950-like, 16 racks
 *  8192 Atlas-950-like SuperPoD (add it with --domains=...,8192: minutes and ~2 GiB)
 * By default (--algos=auto) AllReduce runs up to 144 ranks as a ring, and from 384 on as a
 * hierarchical AllReduce in groups of 16 (CloudMatrix nodes) or 64 (racks), since a flat ring of
 * thousands of steps is latency-bound. --algos lists AllReduce algorithms to run on every domain
 * instead: ring, tree, hd (power-of-two domains), hierarchical (384 and up), innetwork (the
 * NVSwitch domains 8, 72, 144); a domain an algorithm does not suit is skipped with a line
 * saying why. All-to-All is direct.
 *
 *   ./ubsim run collective-scaling
 *   ./ubsim run collective-scaling --domains=8,72,1024 --sizes=16777216
 *   ./ubsim run collective-scaling --domains=8,64,72 --algos=ring,tree,hd,innetwork
 */
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/unifiedbus-module.h"

#include <iomanip>
#include <iostream>
#include <sstream>

using namespace ns3;

namespace
{

struct Domain
{
    uint32_t size;
    std::string preset;
    uint32_t npus;  //!< endpoints to build
    uint32_t group; //!< hierarchical group (0: ring)
};

} // namespace

namespace
{

int
RunMain(int argc, char* argv[])
{
    std::string domainsText = "8,64,72,144,384,1024";
    std::string sizesText = "1048576,16777216";
    std::string db = "results/ubsim.db";
    UbExperiment::SetDefaultScheduler(); // before Parse: --SchedulerType still wins
    UbCommandLine cmd(__FILE__);
    cmd.AddValue("domains",
                 "comma-separated domain sizes among 8,64,72,144,384,1024,8192",
                 domainsText);
    cmd.AddValue("sizes", "comma-separated message sizes (bytes)", sizesText);
    std::string algosText = "auto";
    cmd.AddValue("algos",
                 "AllReduce algorithms: auto, or a list of ring, tree, hd, hierarchical, innetwork",
                 algosText);
    bool ports = true;
    cmd.AddValue("ports",
                 "write a row per port that carried traffic, per collective (about 20 MB for "
                 "the default domains; false to skip)",
                 ports);
    cmd.AddValue("db", "SQLite results file", db);
    cmd.Parse(argc, argv);
    UbResults::Check(db); // a bad --db stops the program now, not after the run
    const std::vector<Domain> known = {{8, "nvlink4-h100", 0, 0},
                                       {64, "ascend950-ub2", 64, 0},
                                       {72, "nvlink5-gb200", 0, 0},
                                       {144, "nvlink6-rubin", 0, 0},
                                       {384, "cm384-ub1", 384, 16},
                                       {1024, "ascend950-ub2", 1024, 64},
                                       {8192, "ascend950-ub2", 8192, 64}};
    std::vector<Domain> domains;
    std::vector<uint64_t> sizes;
    std::vector<std::string> items;
    if (!UbSplitList(domainsText, items))
    {
        std::cerr << "collective-scaling: --domains=" << domainsText << " is not a list\n";
        return 2;
    }
    for (const std::string& tok : items)
    {
        auto it = std::find_if(known.begin(), known.end(), [&tok](const Domain& d) {
            return std::to_string(d.size) == tok;
        });
        if (it == known.end())
        {
            std::cerr << "collective-scaling: --domains has '" << tok
                      << "'; use 8, 64, 72, 144, 384, 1024 or 8192\n";
            return 2;
        }
        domains.push_back(*it);
    }
    if (!UbParseUnsignedList(sizesText, sizes))
    {
        std::cerr << "collective-scaling: --sizes=" << sizesText << " is not a list of bytes\n";
        return 2;
    }
    std::vector<std::string> algos;
    if (!UbSplitList(algosText, items))
    {
        std::cerr << "collective-scaling: --algos=" << algosText << " is not a list\n";
        return 2;
    }
    for (const std::string& tok : items)
    {
        if (tok != "auto" && tok != "ring" && tok != "tree" && tok != "hd" &&
            tok != "hierarchical" && tok != "innetwork")
        {
            std::cerr << "collective-scaling: --algos has '" << tok
                      << "'; use auto or ring, tree, hd, hierarchical, innetwork\n";
            return 2;
        }
        algos.push_back(tok);
    }
    // (op, algorithm name) pairs to run on every domain; All-to-All once
    std::vector<std::pair<UbCollectiveOp, std::string>> runs;
    for (const auto& a : algos)
    {
        runs.emplace_back(UbCollectiveOp::ALL_REDUCE, a);
    }
    runs.emplace_back(UbCollectiveOp::ALL_TO_ALL, "direct");
    UbResults results("collective-scaling", db);
    results.AddCommandLine(argc, argv);
    results.SetSeed(RngSeedManager::GetSeed(), RngSeedManager::GetRun());
    results.AddParameter("domains", domainsText);
    results.AddParameter("sizes", sizesText);
    results.AddParameter("algos", algosText);
    results.AddParameter("chunks", "auto"); // each algorithm chooses its pieces per size
    std::cout << "collective-scaling\n"
              << std::setw(7) << "ranks" << std::setw(16) << "system" << std::setw(14) << "op"
              << std::setw(18) << "algo" << std::setw(12) << "bytes" << std::setw(12) << "time us"
              << std::setw(12) << "busbw GB/s"
              << "\n";
    for (const Domain& d : domains)
    {
        for (uint64_t bytes : sizes)
        {
            for (const auto& [op, algoName] : runs)
            {
                UbCollectiveAlgo algo = UbCollectiveAlgo::DIRECT;
                uint32_t group = 0;
                std::string skip;
                if (op == UbCollectiveOp::ALL_REDUCE)
                {
                    if (algoName == "auto")
                    {
                        algo = d.group ? UbCollectiveAlgo::HIERARCHICAL : UbCollectiveAlgo::RING;
                        group = d.group;
                    }
                    else
                    {
                        UbCollectiveAlgoFromName(algoName, algo); // checked when parsed
                        if (algo == UbCollectiveAlgo::HALVING_DOUBLING)
                        {
                            skip = (d.size & (d.size - 1)) ? "not a power of two" : "";
                        }
                        else if (algo == UbCollectiveAlgo::HIERARCHICAL)
                        {
                            group = d.group;
                            skip = d.group ? "" : "one domain, no groups";
                        }
                        else if (algo == UbCollectiveAlgo::IN_NETWORK)
                        {
                            skip = d.preset.rfind("nvlink", 0) == 0 ? "" : "no reducing switches";
                        }
                    }
                }
                if (!skip.empty())
                {
                    std::cerr << "[collective-scaling] " << d.size << " ranks: " << algoName
                              << " skipped (" << skip << ")" << std::endl;
                    continue;
                }
                std::cerr << "[collective-scaling] " << d.size << " ranks, " << d.preset << ", "
                          << UbCollectiveOpName(op) << " " << UbCollectiveAlgoName(algo) << ", "
                          << bytes << " B" << std::endl;
                // Chunked AllReduce; groups and reducers set up on the built fabric.
                uint32_t chunks = 0; // each algorithm chooses
                auto setup = [group, algo](UbTopologyHelper& sys, UbCollectiveEngine& coll) {
                    if (group)
                    {
                        coll.SetGroupSize(group);
                    }
                    if (algo == UbCollectiveAlgo::IN_NETWORK)
                    {
                        auto red = UbCollectiveHelper::InstallSwitchReducers(sys);
                        coll.SetReducers(red.controllers,
                                         red.shares,
                                         red.reductionBps,
                                         red.concurrent);
                    }
                };
                UbCollectiveResult res = UbExperiment::RunCollective(
                    d.preset,
                    d.npus,
                    d.size,
                    op,
                    algo,
                    bytes,
                    chunks,
                    ports ? &results : nullptr,
                    d.preset + ":" + UbCollectiveOpName(op) + ":" + UbCollectiveAlgoName(algo) +
                        ":" + std::to_string(bytes),
                    setup);
                std::cout << std::setw(7) << d.size << std::setw(16) << d.preset << std::setw(14)
                          << UbCollectiveOpName(op) << std::setw(18)
                          << UbCollectiveAlgoName(res.algo) << std::setw(12) << bytes << std::fixed
                          << std::setprecision(2) << std::setw(12) << res.Seconds() * 1e6
                          << std::setw(12) << res.BusBw() << std::endl;
                results.AddCollective(d.preset, res);
            }
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
    return UbMain("collective-scaling", [&] { return RunMain(argc, argv); });
}
