/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * superpod-vs-nvlink: the same workloads on an Atlas-950-like UB SuperPoD and on NVLink domains
 * (NVL72, NVL144-like, NVL576-like), side by side, with Huawei's published aggregate claims next
 * to what the simulation measures for the same pair.
 *
 *   ./ubsim run superpod-vs-nvlink                    # 64 ranks, about 4 minutes on 2 cores
 *   ./ubsim run superpod-vs-nvlink --ranks=72 --bytes=67108864
 *
 * Each number comes from its own run on an idle fabric. The UB SuperPoD is built with --ubNpus
 * NPUs (default 128: two racks, so that near pairs cross one leaf chip and far pairs the full
 * leaf-spine-leaf path of the 8,192-NPU system; the per-pair and per-rank figures do not depend on
 * how many racks exist); its aggregate bandwidth is computed for the full 8,192 NPUs.
 */
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/unifiedbus-module.h"

#include <iomanip>
#include <iostream>

using namespace ns3;

namespace
{

struct System
{
    std::string label;
    std::string preset;
    uint32_t npus;     //!< endpoints to build for the measurements
    uint32_t fullNpus; //!< endpoints of the full system (aggregate bandwidth)
};

struct Row
{
    double latNearUs{0};
    double latFarUs{0};
    uint32_t hopsFar{0};
    double p2pGBps{0};
    double arSmallBus{0};
    double arLargeBus{0};
    double a2aBus{0};
    double aggTBps{0};
    double perEpGBps{0};
    uint32_t endpoints{0};
};

} // namespace

int
main(int argc, char* argv[])
{
    uint32_t ranks = 64;
    uint64_t bytes = 16ULL << 20;
    uint64_t small = 1ULL << 20;
    uint32_t ubNpus = 128;
    uint32_t chunks = 4;
    std::string db = "results/ubsim.db";
    CommandLine cmd(__FILE__);
    cmd.AddValue("ranks", "ranks of the collectives (at most 72)", ranks);
    cmd.AddValue("bytes", "large message: p2p Write, AllReduce and All-to-All", bytes);
    cmd.AddValue("small", "small AllReduce message", small);
    cmd.AddValue("ubNpus", "NPUs of the UB SuperPoD built for the measurements", ubNpus);
    cmd.AddValue("chunks", "pipelining of the collectives", chunks);
    cmd.AddValue("db", "SQLite results file", db);
    cmd.Parse(argc, argv);
    if (ranks < 2 || ranks > 72 || bytes < 4096 || small < 64 || ubNpus < 128 || ubNpus % 64)
    {
        std::cerr << "superpod-vs-nvlink: need 2 <= --ranks <= 72, --bytes >= 4096, --small >= 64 "
                     "and --ubNpus a multiple of 64, at least 128\n";
        return 2;
    }
    const std::vector<System> systems = {
        {"Atlas-950-like (UB)", "ascend950-ub2", ubNpus, 8192},
        {"GB200 NVL72", "nvlink5-gb200", 0, 72},
        {"NVL144-like", "nvlink6-rubin", 0, 144},
        {"NVL576-like", "nvl576-nvlink5", 0, 576},
    };
    UbResults results("superpod-vs-nvlink", db);
    results.SetSeed(RngSeedManager::GetSeed(), RngSeedManager::GetRun());
    results.AddParameter("ranks", ranks);
    results.AddParameter("bytes", static_cast<double>(bytes));
    results.AddParameter("small", static_cast<double>(small));
    results.AddParameter("ub_npus", ubNpus);

    std::vector<Row> rows;
    auto wall0 = std::chrono::steady_clock::now();
    for (const System& s : systems)
    {
        std::cerr << "[superpod-vs-nvlink] " << s.label << " ..." << std::endl;
        Row r;
        r.aggTBps =
            UbExperiment::AggregateBandwidth(s.preset, s.fullNpus, r.perEpGBps, r.endpoints) / 1e12;
        r.perEpGBps /= 1e9;
        uint32_t built = s.npus ? s.npus : s.fullNpus;
        auto near = UbExperiment::RunTransfer(s.preset, s.npus, 0, 1, 64);
        auto far = UbExperiment::RunTransfer(s.preset, s.npus, 0, built - 1, 64);
        r.latNearUs = near.seconds * 1e6;
        r.latFarUs = far.seconds * 1e6;
        r.hopsFar = far.hops;
        r.p2pGBps = UbExperiment::RunTransfer(s.preset, s.npus, 0, built - 1, bytes).gbps;
        auto add = [&](const UbCollectiveResult& c) {
            UbResults::CollectiveRow row;
            row.system = s.preset;
            row.op = UbCollectiveOpName(c.op);
            row.algo = UbCollectiveAlgoName(c.algo);
            row.ranks = c.ranks;
            row.bytes = c.bytes;
            row.chunks = c.chunks;
            row.timeUs = c.Seconds() * 1e6;
            row.algbwGBps = c.AlgBw();
            row.busbwGBps = c.BusBw();
            row.transfers = c.transfers;
            row.wireBytes = c.wireBytes;
            results.AddCollective(row);
            return c.BusBw();
        };
        r.arSmallBus = add(UbExperiment::RunCollective(s.preset,
                                                       s.npus,
                                                       ranks,
                                                       UbCollectiveOp::ALL_REDUCE,
                                                       UbCollectiveAlgo::RING,
                                                       small,
                                                       1));
        r.arLargeBus = add(UbExperiment::RunCollective(s.preset,
                                                       s.npus,
                                                       ranks,
                                                       UbCollectiveOp::ALL_REDUCE,
                                                       UbCollectiveAlgo::RING,
                                                       bytes,
                                                       chunks));
        r.a2aBus = add(UbExperiment::RunCollective(s.preset,
                                                   s.npus,
                                                   ranks,
                                                   UbCollectiveOp::ALL_TO_ALL,
                                                   UbCollectiveAlgo::DIRECT,
                                                   bytes,
                                                   1));
        for (auto [name, value, unit] :
             {std::make_tuple("latency_near", r.latNearUs, "us"),
              std::make_tuple("latency_far", r.latFarUs, "us"),
              std::make_tuple("p2p_write_bw", r.p2pGBps, "GB/s"),
              std::make_tuple("allreduce_small_busbw", r.arSmallBus, "GB/s"),
              std::make_tuple("allreduce_large_busbw", r.arLargeBus, "GB/s"),
              std::make_tuple("alltoall_busbw", r.a2aBus, "GB/s"),
              std::make_tuple("aggregate_bw", r.aggTBps, "TB/s"),
              std::make_tuple("per_endpoint_bw", r.perEpGBps, "GB/s")})
        {
            results.AddMetric(s.preset, name, value, unit);
        }
        rows.push_back(r);
    }

    std::cout << "\nsuperpod-vs-nvlink: " << ranks
              << " ranks; p2p and collectives on idle fabrics; "
              << "large = " << bytes << " B, small = " << small << " B\n\n";
    std::cout << std::left << std::setw(34) << "" << std::right;
    for (const auto& s : systems)
    {
        std::cout << std::setw(22) << s.label;
    }
    std::cout << "\n";
    auto line = [&](const std::string& label, auto get, int prec) {
        std::cout << std::left << std::setw(34) << label << std::right << std::fixed
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
        "p2p Write bandwidth GB/s",
        [](const Row& r) { return r.p2pGBps; },
        1);
    line(
        "AllReduce busbw, small, GB/s",
        [](const Row& r) { return r.arSmallBus; },
        1);
    line(
        "AllReduce busbw, large, GB/s",
        [](const Row& r) { return r.arLargeBus; },
        1);
    line(
        "All-to-All busbw, large, GB/s",
        [](const Row& r) { return r.a2aBus; },
        1);

    // Huawei's claims against NVL144 (Huawei Connect 2025 keynote): 56.8x the cards and 62x the
    // interconnect bandwidth.
    const Row& ub = rows[0];
    const Row& nv144 = rows[2];
    double cards = double(ub.endpoints) / nv144.endpoints;
    double agg = ub.aggTBps / nv144.aggTBps;
    double perRank = ub.arLargeBus / nv144.arLargeBus;
    std::cout
        << "\nHuawei's claims, Atlas 950 SuperPoD against NVL144 (keynote), and what this run "
           "measures:\n"
        << std::fixed << std::setprecision(1) << "  cards:                       claim 56.8x"
        << "   builders " << cards << "x\n"
        << "  interconnect bandwidth:      claim 62x     sum of link bandwidth " << agg
        << "x (holds: it is this sum)\n"
        << std::setprecision(2) << "  per rank, AllReduce busbw:   not claimed   " << perRank
        << "x (UB " << ub.arLargeBus << " vs NVL144 " << nv144.arLargeBus << " GB/s)\n"
        << std::setprecision(1) << "  whole system at that busbw:  " << perRank * cards
        << "x (per-rank ratio x card ratio, at this message size): the 62x is the card "
           "count times the per-card link bandwidth, not what a rank's collective gets\n"
        << std::setprecision(2) << "  p2p Write, per pair:         " << ub.p2pGBps / nv144.p2pGBps
        << "x;  64-B latency, far pair: " << ub.latFarUs / nv144.latFarUs << "x\n";
    results.AddMetric("claims", "cards_ratio", cards, "x");
    results.AddMetric("claims", "aggregate_bw_ratio", agg, "x");
    results.AddMetric("claims", "per_rank_allreduce_ratio", perRank, "x");
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    int64_t run = results.Commit(Seconds(0), 0);
    std::cout << "\nresults: run " << run << " in " << results.GetPath() << " ("
              << std::setprecision(0) << wall << " s)\n";
    return 0;
}
