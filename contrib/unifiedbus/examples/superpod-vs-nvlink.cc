/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * superpod-vs-nvlink: the same workloads on an Atlas-950-like UB SuperPoD and on NVLink domains
 * (NVL72, NVL144-like, NVL576-like), side by side, with Huawei's published aggregate claims next
 * to what the simulation measures for the same pair.
 *
 *   ./ubsim run superpod-vs-nvlink                    # 64 ranks, about 4 minutes on 2 cores
 *   ./ubsim run superpod-vs-nvlink --systems=ub,nvl72 --sizes=65536,1048576,4194304
 *   ./ubsim demo                                      # the small version: UB rack vs NVL72
 *   ./ubsim run superpod-vs-nvlink --superclusters=950,960   # also the million-NPU pair
 *
 * Then whole SuperClusters (--superclusters, default 950): the Atlas 950 SuperCluster against
 * as many GB200 NVL72 domains over RoCE, a hierarchical AllReduce of the largest size at the
 * aggregated flow level (each row says so); about 3 minutes for the 950 pair, 8 more for 960.
 *
 * NCCL's reporting sizes (--flowSizes, default 1 GiB and 8 GiB) run at flow level on the same
 * fabrics; their rows say "flow".
 *
 * Each number comes from its own run on an idle fabric. The UB SuperPoD is built with --ubNpus
 * NPUs (default 128: two racks, so that near pairs cross one leaf chip and far pairs the full
 * leaf-spine-leaf path of the 8,192-NPU system; the per-pair and per-rank figures do not depend on
 * how many racks exist); its aggregate bandwidth is computed for the full 8,192 NPUs.
 */
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/unifiedbus-module.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>

using namespace ns3;

namespace
{

struct System
{
    std::string key;
    std::string label;
    std::string preset;
    uint32_t npus;     //!< endpoints to build for the measurements (0: the preset's)
    uint32_t fullNpus; //!< endpoints of the full system (aggregate bandwidth)
};

struct Row
{
    double latNearUs{0};
    double latFarUs{0};
    uint32_t hopsFar{0};
    double p2pGBps{0};
    std::vector<double> arBus;
    std::vector<double> arAccel; //!< AllReduce with the system's collective acceleration
    std::string accel;           //!< which (or why none)
    std::vector<double> a2aBus;
    std::vector<double> arFlow;  //!< AllReduce at NCCL's reporting sizes, flow level
    std::vector<double> a2aFlow; //!< All-to-All at NCCL's reporting sizes, flow level
    double aggTBps{0};
    double perEpGBps{0};
    uint32_t endpoints{0};
};

std::string
SizeLabel(uint64_t b)
{
    if (b >= (1ULL << 30) && b % (1ULL << 30) == 0)
    {
        return std::to_string(b >> 30) + " GiB";
    }
    if (b >= (1 << 20) && b % (1 << 20) == 0)
    {
        return std::to_string(b >> 20) + " MiB";
    }
    if (b >= 1024 && b % 1024 == 0)
    {
        return std::to_string(b >> 10) + " KiB";
    }
    return std::to_string(b) + " B";
}

} // namespace

namespace
{

int
RunMain(int argc, char* argv[])
{
    uint32_t ranks = 64;
    std::string sizesText = "1048576,16777216";
    std::string systemsText = "ub,nvl72,nvl144,nvl576";
    uint64_t p2pBytes = 16ULL << 20;
    uint32_t ubNpus = 128;
    uint32_t chunks = 0;
    std::string db = "results/ubsim.db";
    UbExperiment::SetDefaultScheduler(); // before Parse: --SchedulerType still wins
    UbCommandLine cmd(__FILE__);
    cmd.AddValue("ranks", "ranks of the collectives (at most 72)", ranks);
    cmd.AddValue("sizes", "comma-separated AllReduce and All-to-All sizes (bytes)", sizesText);
    cmd.AddValue("systems", "comma-separated: ub, nvl72, nvl144, nvl576", systemsText);
    cmd.AddValue("p2pBytes", "size of the point-to-point Write", p2pBytes);
    cmd.AddValue("ubNpus", "NPUs of the UB SuperPoD built for the measurements", ubNpus);
    cmd.AddValue("chunks",
                 "pieces per step of the collectives (0: each algorithm chooses)",
                 chunks);
    bool accelerated = true;
    cmd.AddValue("accelerated",
                 "also run AllReduce with each system's collective acceleration: collective "
                 "offload (CCU-like) on UB, NVLS-like in-switch reduction on one-tier NVLink",
                 accelerated);
    cmd.AddValue("db", "SQLite results file", db);
    std::string flowSizesText = "1073741824,8589934592";
    cmd.AddValue("flowSizes",
                 "AllReduce and All-to-All sizes run at flow level (NCCL's reporting sizes, out "
                 "of the packet level's reach), comma-separated bytes (empty: none)",
                 flowSizesText);
    std::string superText = "950";
    cmd.AddValue("superclusters",
                 "SuperCluster rows at flow level, comma-separated: 950 (64 x 8,192 Atlas 950 "
                 "over UBoE against 7,281 GB200 NVL72 over RoCE), 960 (68 x 15,488 Atlas-960-like "
                 "against 14,627 NVL72), or none",
                 superText);
    cmd.Parse(argc, argv);
    UbResults::Check(db); // a bad --db stops the program now, not after the run
    std::vector<uint64_t> sizes;
    std::vector<std::string> keys;
    if (!UbParseUnsignedList(sizesText, sizes) || sizes.empty() ||
        !UbSplitList(systemsText, keys) || keys.empty())
    {
        std::cerr << "superpod-vs-nvlink: --sizes and --systems are comma-separated lists, e.g. "
                     "--sizes=65536,1048576 --systems=ub,nvl72\n";
        return 2;
    }
    std::vector<uint64_t> flowSizes;
    if (!UbParseUnsignedList(flowSizesText, flowSizes) ||
        std::find(flowSizes.begin(), flowSizes.end(), 0) != flowSizes.end())
    {
        std::cerr << "superpod-vs-nvlink: --flowSizes=" << flowSizesText
                  << " is not a list of sizes in bytes, e.g. 1073741824,8589934592\n";
        return 2;
    }
    std::vector<std::string> superKeys;
    if (!UbSplitList(superText, superKeys) ||
        std::any_of(superKeys.begin(), superKeys.end(), [](const std::string& k) {
            return k != "950" && k != "960" && k != "none";
        }))
    {
        std::cerr << "superpod-vs-nvlink: --superclusters=" << superText
                  << " is not a list of 950 and 960, or none\n";
        return 2;
    }
    superKeys.erase(std::remove(superKeys.begin(), superKeys.end(), "none"), superKeys.end());
    if (ranks < 2 || ranks > 72 || p2pBytes < 64 || ubNpus < 64 || ubNpus % 64)
    {
        std::cerr << "superpod-vs-nvlink: need 2 <= --ranks <= 72, --p2pBytes >= 64 and --ubNpus "
                     "a multiple of 64\n";
        return 2;
    }
    const std::vector<System> known = {
        {"ub", "Atlas-950-like (UB)", "ascend950-ub2", ubNpus, 8192},
        {"nvl72", "GB200 NVL72", "nvlink5-gb200", 0, 72},
        {"nvl144", "NVL144-like", "nvlink6-rubin", 0, 144},
        {"nvl576", "NVL576-like", "nvl576-nvlink5", 0, 576},
    };
    std::vector<System> systems;
    for (const auto& k : keys)
    {
        auto it =
            std::find_if(known.begin(), known.end(), [&k](const System& s) { return s.key == k; });
        if (it == known.end())
        {
            std::cerr << "superpod-vs-nvlink: --systems has '" << k
                      << "'; use ub, nvl72, nvl144 or nvl576\n";
            return 2;
        }
        systems.push_back(*it);
    }
    UbResults results("superpod-vs-nvlink", db);
    results.AddCommandLine(argc, argv);
    results.SetSeed(RngSeedManager::GetSeed(), RngSeedManager::GetRun());
    results.AddParameter("ranks", ranks);
    results.AddParameter("sizes", sizesText);
    results.AddParameter("systems", systemsText);
    results.AddParameter("ub_npus", ubNpus);
    results.AddParameter("chunks", chunks ? std::to_string(chunks) : "auto");
    results.AddParameter("accelerated", accelerated ? "on" : "off");
    results.AddParameter("superclusters", superText);

    std::vector<Row> rows;
    auto wall0 = std::chrono::steady_clock::now();
    for (const System& s : systems)
    {
        Row r;
        r.aggTBps =
            UbExperiment::AggregateBandwidth(s.preset, s.fullNpus, r.perEpGBps, r.endpoints) / 1e12;
        r.perEpGBps /= 1e9;
        uint32_t built = s.npus ? s.npus : s.fullNpus;
        std::cerr << "[superpod-vs-nvlink] " << s.label << ": point to point" << std::endl;
        const std::string tag = s.preset + ":";
        auto near =
            UbExperiment::RunTransfer(s.preset, s.npus, 0, 1, 64, false, &results, tag + "near");
        auto far = UbExperiment::RunTransfer(s.preset,
                                             s.npus,
                                             0,
                                             built - 1,
                                             64,
                                             false,
                                             &results,
                                             tag + "far");
        r.latNearUs = near.seconds * 1e6;
        r.latFarUs = far.seconds * 1e6;
        r.hopsFar = far.hops;
        r.p2pGBps = UbExperiment::RunTransfer(s.preset,
                                              s.npus,
                                              0,
                                              built - 1,
                                              p2pBytes,
                                              false,
                                              &results,
                                              tag + "p2p")
                        .gbps;
        auto add = [&](const UbCollectiveResult& c) {
            results.AddCollective(s.preset, c);
            return c.BusBw();
        };
        for (uint64_t b : sizes)
        {
            std::cerr << "[superpod-vs-nvlink] " << s.label << ": collectives, " << SizeLabel(b)
                      << std::endl;
            r.arBus.push_back(
                add(UbExperiment::RunCollective(s.preset,
                                                s.npus,
                                                ranks,
                                                UbCollectiveOp::ALL_REDUCE,
                                                UbCollectiveAlgo::RING,
                                                b,
                                                chunks,
                                                &results,
                                                tag + "AllReduce:" + std::to_string(b))));
            if (accelerated)
            {
                // UB: collective offload (Ascend's CCU); one-tier NVLink: NVLS (the switches
                // reduce and multicast). NVL576's two tiers: not modelled.
                bool ub = s.key == "ub";
                bool nvls = s.key == "nvl72" || s.key == "nvl144";
                r.accel = ub ? "CCU offload, ring|HD" : nvls ? "NVLS" : "none modelled";
                double v = std::nan("");
                std::vector<UbCollectiveAlgo> algos;
                if (ub)
                {
                    // the better of ring and halving-doubling, as a tuned library would pick
                    algos.push_back(UbCollectiveAlgo::RING);
                    if ((ranks & (ranks - 1)) == 0)
                    {
                        algos.push_back(UbCollectiveAlgo::HALVING_DOUBLING);
                    }
                }
                else if (nvls)
                {
                    algos.push_back(UbCollectiveAlgo::IN_NETWORK);
                }
                for (UbCollectiveAlgo algo : algos)
                {
                    auto setup = [ub](UbTopologyHelper& sys, UbCollectiveEngine& coll) {
                        if (ub)
                        {
                            coll.SetOffload(true);
                            return;
                        }
                        auto red = UbCollectiveHelper::InstallSwitchReducers(sys);
                        coll.SetReducers(red.controllers,
                                         red.shares,
                                         red.reductionBps,
                                         red.concurrent);
                    };
                    UbCollectiveResult c = UbExperiment::RunCollective(
                        s.preset,
                        s.npus,
                        ranks,
                        UbCollectiveOp::ALL_REDUCE,
                        algo,
                        b,
                        chunks,
                        &results,
                        tag + "AllReduce-accel-" + UbCollectiveAlgoName(algo) + ":" +
                            std::to_string(b),
                        setup);
                    results.AddCollective(s.preset, c, ub ? "+offload" : "");
                    v = std::isnan(v) ? c.BusBw() : std::max(v, c.BusBw());
                }
                r.arAccel.push_back(v);
            }
            r.a2aBus.push_back(
                add(UbExperiment::RunCollective(s.preset,
                                                s.npus,
                                                ranks,
                                                UbCollectiveOp::ALL_TO_ALL,
                                                UbCollectiveAlgo::DIRECT,
                                                b,
                                                1,
                                                &results,
                                                tag + "AllToAll:" + std::to_string(b))));
        }
        // NCCL's reporting sizes, at flow level (the packet level would take hours): the same
        // fabric, ranks and algorithms, fluid flows sharing links max-min fairly.
        for (uint64_t b : flowSizes)
        {
            std::cerr << "[superpod-vs-nvlink] " << s.label << ": collectives at flow level, "
                      << SizeLabel(b) << std::endl;
            for (UbCollectiveOp op : {UbCollectiveOp::ALL_REDUCE, UbCollectiveOp::ALL_TO_ALL})
            {
                const bool ar = op == UbCollectiveOp::ALL_REDUCE;
                UbExperiment::CollectiveRun run;
                run.preset = s.preset;
                run.npus = s.npus;
                run.ranks = ranks;
                run.op = op;
                run.algo = ar ? UbCollectiveAlgo::RING : UbCollectiveAlgo::DIRECT;
                run.bytes = b;
                run.chunks = ar ? chunks : 1;
                run.results = &results;
                run.scope = tag + (ar ? "AllReduce-flow:" : "AllToAll-flow:") + std::to_string(b);
                run.level = UbExperiment::FLOW;
                const UbCollectiveResult c = UbExperiment::Run(run).result;
                (ar ? r.arFlow : r.a2aFlow).push_back(add(c));
            }
        }
        results.AddMetric(s.preset, "latency_near", r.latNearUs, "us");
        results.AddMetric(s.preset, "latency_far", r.latFarUs, "us");
        results.AddMetric(s.preset, "p2p_write_bw", r.p2pGBps, "GB/s");
        results.AddMetric(s.preset, "aggregate_bw", r.aggTBps, "TB/s");
        results.AddMetric(s.preset, "per_endpoint_bw", r.perEpGBps, "GB/s");
        for (std::size_t i = 0; i < sizes.size(); ++i)
        {
            results.AddMetric(s.preset,
                              "allreduce_busbw_" + SizeLabel(sizes[i]),
                              r.arBus[i],
                              "GB/s");
            results.AddMetric(s.preset,
                              "alltoall_busbw_" + SizeLabel(sizes[i]),
                              r.a2aBus[i],
                              "GB/s");
        }
        for (std::size_t i = 0; i < flowSizes.size(); ++i)
        {
            results.AddMetric(s.preset,
                              "allreduce_busbw_flow_" + SizeLabel(flowSizes[i]),
                              r.arFlow[i],
                              "GB/s");
            results.AddMetric(s.preset,
                              "alltoall_busbw_flow_" + SizeLabel(flowSizes[i]),
                              r.a2aFlow[i],
                              "GB/s");
            if (accelerated && !std::isnan(r.arAccel[i]))
            {
                results.AddMetric(s.preset,
                                  "allreduce_accel_busbw_" + SizeLabel(sizes[i]),
                                  r.arAccel[i],
                                  "GB/s");
            }
        }
        rows.push_back(r);
    }

    std::cout << "\nsuperpod-vs-nvlink: " << ranks << " ranks; every figure from its own run on an "
              << "idle fabric\n\n";
    std::cout << std::left << std::setw(36) << "" << std::right;
    for (const auto& s : systems)
    {
        std::cout << std::setw(22) << s.label;
    }
    std::cout << "\n";
    auto line = [&](const std::string& label, auto get, int prec) {
        std::cout << std::left << std::setw(36) << label << std::right << std::fixed
                  << std::setprecision(prec);
        for (const auto& r : rows)
        {
            std::cout << std::setw(22) << get(r);
        }
        std::cout << "\n";
    };
    line(
        "endpoints (full system)",
        [](const Row& r) { return double(r.endpoints); },
        0);
    line(
        "link bandwidth per endpoint GB/s",
        [](const Row& r) { return r.perEpGBps; },
        0);
    line(
        "aggregate link bandwidth TB/s",
        [](const Row& r) { return r.aggTBps; },
        1);
    line(
        "64-B Write latency, near, us",
        [](const Row& r) { return r.latNearUs; },
        3);
    line(
        "64-B Write latency, far, us",
        [](const Row& r) { return r.latFarUs; },
        3);
    line(
        "links on the far path",
        [](const Row& r) { return double(r.hopsFar); },
        0);
    line(
        "p2p Write " + SizeLabel(p2pBytes) + " GB/s",
        [](const Row& r) { return r.p2pGBps; },
        1);
    for (std::size_t i = 0; i < sizes.size(); ++i)
    {
        line(
            "AllReduce busbw " + SizeLabel(sizes[i]) + " GB/s",
            [i](const Row& r) { return r.arBus[i]; },
            1);
    }
    if (accelerated)
    {
        std::cout << std::left << std::setw(36) << "AllReduce acceleration" << std::right;
        for (const auto& r : rows)
        {
            std::cout << std::setw(22) << r.accel;
        }
        std::cout << "\n";
        for (std::size_t i = 0; i < sizes.size(); ++i)
        {
            line(
                "  accelerated busbw " + SizeLabel(sizes[i]) + " GB/s",
                [i](const Row& r) { return r.arAccel[i]; },
                1);
        }
    }
    for (std::size_t i = 0; i < sizes.size(); ++i)
    {
        line(
            "All-to-All busbw " + SizeLabel(sizes[i]) + " GB/s",
            [i](const Row& r) { return r.a2aBus[i]; },
            1);
    }
    for (std::size_t i = 0; i < flowSizes.size(); ++i)
    {
        line(
            "AllReduce busbw " + SizeLabel(flowSizes[i]) + " GB/s, flow",
            [i](const Row& r) { return r.arFlow[i]; },
            1);
    }
    for (std::size_t i = 0; i < flowSizes.size(); ++i)
    {
        line(
            "All-to-All busbw " + SizeLabel(flowSizes[i]) + " GB/s, flow",
            [i](const Row& r) { return r.a2aFlow[i]; },
            1);
    }

    // Huawei's claims against NVL144 (Huawei Connect 2025 keynote): 56.8x the cards and 62x the
    // interconnect bandwidth. The claim rows put them beside the same ratio against the
    // NVL144-like system (its counts come from its preset whether or not this run simulated it);
    // the measured rows name the NVLink system they were measured against.
    auto idx = [&](const std::string& k) -> int {
        for (std::size_t i = 0; i < systems.size(); ++i)
        {
            if (systems[i].key == k)
            {
                return static_cast<int>(i);
            }
        }
        return -1;
    };
    int iu = idx("ub");
    int in = idx("nvl144") >= 0 ? idx("nvl144") : idx("nvl72");
    if (iu >= 0)
    {
        const Row& ub = rows[iu];
        double nv144PerEp = 0;
        uint32_t nv144Eps = 0;
        const System& nv144 = known[2];
        double nv144Agg =
            UbExperiment::AggregateBandwidth(nv144.preset, nv144.fullNpus, nv144PerEp, nv144Eps) /
            1e12;
        double cards = double(ub.endpoints) / nv144Eps;
        double agg = ub.aggTBps / nv144Agg;
        std::cout << "\nHuawei's claims for the Atlas 950 SuperPoD against NVL144 (Huawei Connect "
                     "2025), beside the same ratios against this module's "
                  << nv144.label << " (" << nv144Eps << " GPUs, " << std::fixed
                  << std::setprecision(1) << nv144Agg << " TB/s):\n"
                  << "  cards:                      claim 56.8x   here " << cards << "x\n"
                  << "  interconnect bandwidth:     claim 62x     here " << agg
                  << "x as the sum of link bandwidth: the claim is this sum\n";
        results.AddMetric("claims", "cards_ratio_vs_nvl144", cards, "x");
        results.AddMetric("claims", "aggregate_bw_ratio_vs_nvl144", agg, "x");
        if (in >= 0)
        {
            const Row& nv = rows[in];
            const std::string name = systems[in].label;
            double perRank = ub.arBus.back() / nv.arBus.back();
            std::cout << "Measured in this run against " << name
                      << (systems[in].key == "nvl144" ? " (the system the claims name)"
                                                      : " (no claim names it)")
                      << ":\n"
                      << std::setprecision(1) << "  cards: " << double(ub.endpoints) / nv.endpoints
                      << "x;  sum of link bandwidth: " << ub.aggTBps / nv.aggTBps << "x\n"
                      << std::setprecision(2) << "  per rank, AllReduce busbw "
                      << SizeLabel(sizes.back()) << ": " << perRank << "x (UB " << ub.arBus.back()
                      << " vs " << nv.arBus.back() << " GB/s)\n"
                      << std::setprecision(1) << "  whole system at that busbw: "
                      << perRank * double(ub.endpoints) / nv.endpoints
                      << "x: the aggregate ratio is card count times per-card link bandwidth, not "
                         "what one rank's collective gets\n"
                      << std::setprecision(2) << "  p2p Write per pair: " << ub.p2pGBps / nv.p2pGBps
                      << "x;  64-B Write latency, far pair: " << ub.latFarUs / nv.latFarUs << "x\n";
            results.AddMetric("claims", "cards_ratio", double(ub.endpoints) / nv.endpoints, "x");
            results.AddMetric("claims", "aggregate_bw_ratio", ub.aggTBps / nv.aggTBps, "x");
            results.AddMetric("claims", "per_rank_allreduce_ratio", perRank, "x");
            results.AddParameter("claims_measured_against", systems[in].preset);
        }
    }
    if (!superKeys.empty())
    {
        // Whole SuperClusters, at the aggregated flow level (the packet level would need about
        // 73 GiB for the smaller one): a hierarchical AllReduce of the largest size, ring inside
        // each domain, ring across them over the scale-out, ring inside again. The NVLink
        // baseline has as many GPUs as fill whole NVL72 domains up to the UB system's count.
        const uint64_t bytes = sizes.back();
        std::cout << "\nSuperClusters, hierarchical AllReduce of " << SizeLabel(bytes)
                  << " over all ranks (flow level, aggregated ring phases: doc/flow-level.md):\n"
                  << std::left << std::setw(36) << "system" << std::right << std::setw(10)
                  << "ranks" << std::setw(12) << "time us" << std::setw(16) << "busbw GB/s/rank"
                  << std::setw(18) << "system TB/s"
                  << "  level\n";

        struct Cluster
        {
            std::string label;
            uint32_t pods;
            uint32_t npus;
            std::string pod;
            std::string scaleOut;
        };

        std::vector<Cluster> clusters;
        for (const auto& k : superKeys)
        {
            if (k == "950")
            {
                clusters.push_back(
                    {"Atlas 950 SuperCluster, UBoE", 64, 8192, "atlas950", "uboe-400g"});
                clusters.push_back({"7,281 x GB200 NVL72, RoCE", 7281, 72, "nvl72", "roce-400g"});
            }
            else
            {
                clusters.push_back(
                    {"Atlas-960-like SuperCluster, UBoE", 68, 15488, "atlas960", "uboe-400g"});
                clusters.push_back({"14,627 x GB200 NVL72, RoCE", 14627, 72, "nvl72", "roce-400g"});
            }
        }
        for (const Cluster& c : clusters)
        {
            std::cerr << "[superpod-vs-nvlink] " << c.label << std::endl;
            UbExperiment::CollectiveRun run;
            run.build = UbExperiment::SuperClusterBuild(c.pods, c.npus, c.scaleOut, c.pod);
            run.preset = c.pod;
            run.op = UbCollectiveOp::ALL_REDUCE;
            run.algo = UbCollectiveAlgo::HIERARCHICAL;
            run.bytes = bytes;
            run.level = UbExperiment::FLOW;
            run.group = c.npus; // one group per SuperPoD; held once (doc/flow-level.md)
            run.scope = "supercluster:" + c.pod + ":" + std::to_string(c.pods);
            const UbExperiment::CollectiveOutcome out = UbExperiment::Run(run);
            const UbCollectiveResult& res = out.result;
            if (!out.finished)
            {
                results.CommitFailed("the AllReduce on " + c.label + " did not finish");
            }
            std::cout << std::left << std::setw(36) << c.label << std::right << std::setw(10)
                      << res.ranks << std::fixed << std::setprecision(1) << std::setw(12)
                      << res.Seconds() * 1e6 << std::setprecision(2) << std::setw(16) << res.BusBw()
                      << std::setw(18) << res.BusBw() * res.ranks / 1e3 << "  "
                      << UbExperiment::HowItRan(res) << "\n";
            results.AddCollective(c.label, res);
            results.AddMetric(run.scope, "system_busbw", res.BusBw() * res.ranks / 1e3, "TB/s");
        }
    }
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    int64_t run = results.Commit(Seconds(0), 0);
    std::cout << "\nresults: run " << run << " in " << results.GetPath() << " (" << std::fixed
              << std::setprecision(0) << wall << " s)\n";
    return 0;
}

} // namespace

int
main(int argc, char* argv[])
{
    return UbMain("superpod-vs-nvlink", [&] { return RunMain(argc, argv); });
}
