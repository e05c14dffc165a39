/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Collectives on a non-blocking switch (N endpoints on one UB switch), against the formulas of
 * validation-targets.md section 3:
 *  - ring AllReduce, no pipelining: t = 2(N-1) a + 2(N-1)/N S/B, within 2 %, for N = 4, 8, 16,
 *    with a (per-step latency) and B (payload bandwidth) measured from the model's own single
 *    transfers on the idle fabric: T(x) = a + x/B for x a whole number of 4-KiB packets;
 *  - AllGather, ReduceScatter and All-to-All of 64 MiB reach their bandwidth bound (busbw = B)
 *    within 3 %;
 *  - halving-doubling beats ring for small AllReduces (log2 N steps instead of 2(N-1));
 *  - busbw never exceeds the per-rank link bandwidth, for every algorithm, size and pipelining.
 * And on a UB-Mesh rack (8 x 8 2D full mesh, ubmesh-ub2), against link-load arithmetic:
 *  - multi-ring AllReduce moves exactly ring's bytes but is several times faster, within 80-100 %
 *    of its bound 14 B (every mesh link of a rank busy);
 *  - multi-path All-to-All moves exactly 112 blocks per rank (14 one-hop, 49 two-hop), beats
 *    direct, and is within 80-100 % of its bound 8 B x 63/64.
 */
#include "ub-test-utils.h"

#include "ns3/boolean.h"
#include "ns3/simulator.h"
#include "ns3/test.h"
#include "ns3/ub-collective-helper.h"
#include "ns3/ub-collective-runner.h"
#include "ns3/ub-collective.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-experiment.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-preset.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-systems.h"
#include "ns3/ub-topology-helper.h"

#include <memory>
#include <set>
#include <sstream>

using namespace ns3;

namespace
{

/// N endpoints on one switch; returns their controllers.
std::vector<Ptr<UbController>>
Star(UbTopologyHelper& sys, uint32_t n)
{
    std::ostringstream os;
    os << "nodes r " << n << " npu\nnode sw switch\n";
    for (uint32_t i = 0; i < n; ++i)
    {
        os << "link r" << i << " sw length=2\n";
    }
    std::istringstream in(os.str());
    sys.Build(UbTopology::Parse(in, "star"));
    std::vector<Ptr<UbController>> r;
    for (uint32_t i = 0; i < n; ++i)
    {
        r.push_back(sys.GetEndpoints().Get(i)->GetObject<UbController>());
    }
    return r;
}

/// Issue-to-notify time of one WriteWithNotify of `bytes` from rank 0 to rank 1, seconds.
double
OneTransfer(uint64_t bytes)
{
    ubtest::ResetSimulation();
    UbTopologyHelper sys;
    auto r = Star(sys, 2);
    double t = -1;
    Time start;
    r[1]->SetNotifyCallback(
        UbController::NotifyCallback([&t, &start](uint32_t, UbOp, uint64_t, uint64_t) {
            t = (Simulator::Now() - start).GetSeconds();
        }));
    Simulator::Schedule(MicroSeconds(1), [&]() {
        start = Simulator::Now();
        r[0]->WriteWithNotify(r[1]->GetCna(), bytes, UbOrder::SO);
    });
    Simulator::Run();
    ubtest::ResetSimulation();
    return t;
}

UbCollectiveResult
RunCollective(uint32_t n,
              UbCollectiveOp op,
              UbCollectiveAlgo algo,
              uint64_t bytes,
              uint32_t chunks,
              double* rankGBps = nullptr)
{
    ubtest::ResetSimulation();
    UbTopologyHelper sys;
    auto r = Star(sys, n);
    UbCollectiveResult out;
    {
        UbCollectiveEngine coll(r);
        coll.SetChunks(chunks);
        Simulator::Schedule(MicroSeconds(1), [&]() {
            coll.Start(op,
                       algo,
                       bytes,
                       UbCollectiveEngine::DoneCallback(
                           [&out](const UbCollectiveResult& res) { out = res; }));
        });
        Simulator::Run();
        if (rankGBps)
        {
            *rankGBps = sys.GetDevice(0, 0)->GetRateBps() / 8e9;
        }
    }
    ubtest::ResetSimulation();
    return out;
}

class UbRingFormulaTestCase : public TestCase
{
  public:
    UbRingFormulaTestCase()
        : TestCase("ring AllReduce without pipelining matches 2(N-1)a + 2(N-1)S over NB within 2 "
                   "percent for N = 4, 8, 16")
    {
    }

  private:
    void DoRun() override
    {
        const double t1 = OneTransfer(4096);
        const double t64 = OneTransfer(64 * 4096);
        const double b = 63.0 * 4096 / (t64 - t1); // payload bandwidth, B/s
        const double a = t1 - 4096 / b;            // per-step latency
        NS_TEST_ASSERT_MSG_GT(UB_FIG(a), 0, "a positive fixed latency");
        for (uint32_t n : {4U, 8U, 16U})
        {
            const uint64_t s = static_cast<uint64_t>(n) * 32 * 4096; // S/N = 32 packets
            UbCollectiveResult res =
                RunCollective(n, UbCollectiveOp::ALL_REDUCE, UbCollectiveAlgo::RING, s, 1);
            double predicted = 2.0 * (n - 1) * a + 2.0 * (n - 1) / n * s / b;
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(res.Seconds()),
                                      predicted,
                                      predicted * 0.02,
                                      "N=" << n << " ring AllReduce time");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(res.transfers), 2ULL * (n - 1) * n, "2(N-1) steps of N");
        }
    }
};

class UbBandwidthBoundTestCase : public TestCase
{
  public:
    UbBandwidthBoundTestCase()
        : TestCase("AllGather, ReduceScatter and All-to-All of 64 MiB reach busbw = B within 3 "
                   "percent; halving-doubling and double binary tree beat ring for small "
                   "messages")
    {
    }

  private:
    void DoRun() override
    {
        const double t1 = OneTransfer(4096);
        const double t64 = OneTransfer(64 * 4096);
        const double bGBps = 63.0 * 4096 / (t64 - t1) / 1e9;
        const uint64_t big = 64ULL << 20;

        struct Case
        {
            UbCollectiveOp op;
            UbCollectiveAlgo algo;
        };

        for (Case c : {Case{UbCollectiveOp::ALL_GATHER, UbCollectiveAlgo::RING},
                       Case{UbCollectiveOp::REDUCE_SCATTER, UbCollectiveAlgo::RING},
                       Case{UbCollectiveOp::ALL_TO_ALL, UbCollectiveAlgo::DIRECT}})
        {
            UbCollectiveResult res = RunCollective(8, c.op, c.algo, big, 1);
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(res.BusBw()),
                                      bGBps,
                                      bGBps * 0.03,
                                      UbCollectiveOpName(c.op) << " busbw (GB/s)");
        }
        for (uint32_t n : {8U, 16U})
        {
            UbCollectiveResult ring =
                RunCollective(n, UbCollectiveOp::ALL_REDUCE, UbCollectiveAlgo::RING, 4096, 1);
            UbCollectiveResult hd = RunCollective(n,
                                                  UbCollectiveOp::ALL_REDUCE,
                                                  UbCollectiveAlgo::HALVING_DOUBLING,
                                                  4096,
                                                  1);
            NS_TEST_EXPECT_MSG_LT(UB_FIG(hd.Seconds()),
                                  ring.Seconds() * 0.6,
                                  "N=" << n << ": log2 N steps beat 2(N-1) for 4 KiB");
            UbCollectiveResult tree = RunCollective(n,
                                                    UbCollectiveOp::ALL_REDUCE,
                                                    UbCollectiveAlgo::DOUBLE_TREE,
                                                    4096,
                                                    1);
            NS_TEST_EXPECT_MSG_LT(UB_FIG(tree.Seconds()),
                                  ring.Seconds() * 0.7,
                                  "N=" << n << ": 2 log2 N tree levels beat 2(N-1) ring steps");
        }
    }
};

class UbBusBwCapTestCase : public TestCase
{
  public:
    UbBusBwCapTestCase()
        : TestCase("busbw never exceeds the per-rank link bandwidth (every algorithm, sizes 4 KiB "
                   "to 32 MiB, pipelined or not)")
    {
    }

  private:
    void DoRun() override
    {
        struct Case
        {
            UbCollectiveOp op;
            UbCollectiveAlgo algo;
        };

        const Case cases[] = {{UbCollectiveOp::ALL_REDUCE, UbCollectiveAlgo::RING},
                              {UbCollectiveOp::ALL_REDUCE, UbCollectiveAlgo::HALVING_DOUBLING},
                              {UbCollectiveOp::ALL_REDUCE, UbCollectiveAlgo::DOUBLE_TREE},
                              {UbCollectiveOp::ALL_GATHER, UbCollectiveAlgo::RING},
                              {UbCollectiveOp::REDUCE_SCATTER, UbCollectiveAlgo::RING},
                              {UbCollectiveOp::ALL_TO_ALL, UbCollectiveAlgo::DIRECT},
                              {UbCollectiveOp::BROADCAST, UbCollectiveAlgo::CHAIN}};
        uint32_t runs = 0;
        for (const Case& c : cases)
        {
            for (uint64_t bytes : {4096ULL, 1ULL << 20, 32ULL << 20})
            {
                for (uint32_t chunks : {1U, 8U})
                {
                    double cap = 0;
                    UbCollectiveResult res = RunCollective(8, c.op, c.algo, bytes, chunks, &cap);
                    NS_TEST_EXPECT_MSG_GT(UB_FIG(res.Seconds()), 0.0, "it ran");
                    NS_TEST_EXPECT_MSG_LT_OR_EQ(UB_FIG(res.BusBw()),
                                                cap,
                                                UbCollectiveOpName(c.op)
                                                    << " " << UbCollectiveAlgoName(c.algo) << " "
                                                    << bytes << " B, " << chunks << " chunks");
                    ++runs;
                }
            }
        }
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(runs), 42U, "every case ran");
    }
};

/**
 * A generated graph numbers more transfers than 2^32 (UbTransferId is 64 bits; a generated
 * SuperCluster AllReduce of 64 x 8,192 ranks has 8.65e9): 65,536 streams, of which only the
 * first has transfers, a chain of 70,000 writes of 64 B back and forth between two endpoints,
 * each waiting for the one before. Transfer p of that stream has index 65,536 p, past 2^32 from
 * p = 65,536 on. Each travels in its write's target address and comes back from the packets
 * alone: the run ends with all 70,000 arrived, one after another.
 */
class UbTransferIndexTestCase : public TestCase
{
  public:
    UbTransferIndexTestCase()
        : TestCase("a generated graph's transfers numbered past 2^32 run at packet level")
    {
    }

  private:
    void DoRun() override
    {
        ubtest::ResetSimulation();
        UbTopologyHelper sys;
        auto r = Star(sys, 2);
        const uint32_t streams = 1 << 16;
        const uint32_t chain = 70000;
        UbTransferGraph g;
        auto made = std::make_shared<uint32_t>(0);
        g.SetGenerator(
            streams,
            [made, chain](UbTransferGraph& gr, uint32_t stream) {
                if (stream != 0 || *made == chain)
                {
                    return false;
                }
                const uint32_t p = (*made)++;
                const UbTransferId t = gr.Add(p % 2, 1 - p % 2, 64);
                if (p > 0)
                {
                    gr.Depend(t, t - (1 << 16)); // the one before, in the same stream
                }
                return true;
            },
            1,
            chain,
            64ULL * chain);
        UbCollectiveResult res;
        bool done = false;
        {
            UbCollectiveRunner runner(r);
            UbCollectiveResult what;
            what.op = UbCollectiveOp::ALL_TO_ALL;
            what.ranks = 2;
            Simulator::Schedule(MicroSeconds(1), [&]() {
                runner.Run(
                    std::move(g),
                    what,
                    UbCollectiveRunConfig(),
                    UbCollectiveRunner::DoneCallback([&res, &done](const UbCollectiveResult& x) {
                        res = x;
                        done = true;
                    }));
            });
            Simulator::Run();
        }
        ubtest::ResetSimulation();
        NS_TEST_ASSERT_MSG_EQ(done, true, "the run ended");
        NS_TEST_EXPECT_MSG_EQ(res.transfers, chain, "every transfer counted");
        NS_TEST_EXPECT_MSG_GT(static_cast<uint64_t>(chain - 1) << 16,
                              uint64_t{1} << 32,
                              "the last index is past 2^32");
        NS_TEST_EXPECT_MSG_LT_OR_EQ(res.peakTransfers, 3u, "a chain holds a transfer or two");
        // One after another: each write takes at least its 64 B at the link's rate.
        const double perWrite = (res.end - res.start).GetSeconds() / chain;
        NS_TEST_EXPECT_MSG_GT(perWrite, 64 * 8 / sys.GetDevice(0, 0)->GetRateBps(), "in turn");
    }
};

class UbNvlinkRingTestCase : public TestCase
{
  public:
    UbNvlinkRingTestCase()
        : TestCase("nvlink4-h100: ring AllReduce busbw for large messages within 10 percent of "
                   "NCCL's 370 GBps (validation target 5)")
    {
    }

  private:
    void DoRun() override
    {
        ubtest::ResetSimulation();
        UbTopologyHelper sys;
        sys.BuildPreset("nvlink4-h100");
        std::vector<Ptr<UbController>> r;
        for (uint32_t i = 0; i < 8; ++i)
        {
            r.push_back(sys.GetEndpoints().Get(i)->GetObject<UbController>());
        }
        UbCollectiveResult res;
        {
            UbCollectiveEngine coll(r);
            coll.SetChunks(4);
            Simulator::Schedule(MicroSeconds(1), [&]() {
                coll.Start(UbCollectiveOp::ALL_REDUCE,
                           UbCollectiveAlgo::RING,
                           32ULL << 20,
                           UbCollectiveEngine::DoneCallback(
                               [&res](const UbCollectiveResult& x) { res = x; }));
            });
            Simulator::Run();
        }
        ubtest::ResetSimulation();
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(res.BusBw()),
                                  370.0,
                                  37.0,
                                  "ring AllReduce busbw, 32 MiB (GB/s)");
        NS_TEST_EXPECT_MSG_LT(UB_FIG(res.BusBw()), 450.0, "below the 450 GB/s line rate");
    }
};

class UbNvlinkLatencyTestCase : public TestCase
{
  public:
    UbNvlinkLatencyTestCase()
        : TestCase("NVLink latency terms: calibrated to nccl-tests' 12.5-us AllReduce of 8 B on 8 "
                   "Hopper GPUs, checked against NVIDIA's under 8 us up to 1 KiB on 4 GB200 "
                   "GPUs")
    {
    }

  private:
    static double Us(const std::string& preset, uint32_t ranks, uint64_t bytes)
    {
        UbExperiment::CollectiveRun run;
        run.preset = preset;
        run.ranks = ranks;
        run.op = UbCollectiveOp::ALL_REDUCE;
        run.algo = UbCollectiveAlgo::RING; // NCCL's choice for small sizes in one node
        run.bytes = bytes;
        auto out = UbExperiment::Run(run);
        ubtest::ResetSimulation();
        return out.result.Seconds() * 1e6;
    }

    void DoRun() override
    {
        // Calibration (the preset's InitiatorLatency was chosen for it): 8 B in 12.5 us (DeepEP
        // issue 303, H20 through NVSwitch); a ring has 2 (N - 1) = 14 steps of one latency each.
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(Us("nvlink4-h100", 8, 8)),
                                  12.5,
                                  0.125,
                                  "8 B on nvlink4-h100");
        // Check, not fitted: on 4 GB200 GPUs NCCL's AllReduce up to 1 KiB is "routinely under
        // 8 us" (nccl-tests issue 333).
        for (uint64_t bytes : {8ULL, 1024ULL})
        {
            NS_TEST_EXPECT_MSG_LT(UB_FIG(Us("nvlink5-gb200", 4, bytes)),
                                  8.0,
                                  bytes << " B on 4 GB200 GPUs");
        }
    }
};

class UbAutoChunksTestCase : public TestCase
{
  public:
    UbAutoChunksTestCase()
        : TestCase("ring AllReduce on nvlink4-h100: the piece count the engine chooses is within "
                   "5 % of the best fixed count (1 .. 64) at each size, and busbw does not fall "
                   "as the size grows")
    {
    }

  private:
    static UbCollectiveResult Run(uint64_t bytes, uint32_t chunks)
    {
        UbExperiment::CollectiveRun run;
        run.preset = "nvlink4-h100";
        run.op = UbCollectiveOp::ALL_REDUCE;
        run.algo = UbCollectiveAlgo::RING;
        run.bytes = bytes;
        run.chunks = chunks;
        auto out = UbExperiment::Run(run);
        ubtest::ResetSimulation();
        return out.result;
    }

    void DoRun() override
    {
        double last = 0;
        for (uint64_t bytes : {64ULL << 10, 1ULL << 20, 4ULL << 20})
        {
            UbCollectiveResult chosen = Run(bytes, 0);
            double best = 0;
            uint32_t bestChunks = 0;
            for (uint32_t c : {1U, 2U, 4U, 8U, 16U, 32U, 64U})
            {
                double bw = Run(bytes, c).BusBw();
                if (bw > best)
                {
                    best = bw;
                    bestChunks = c;
                }
            }
            NS_TEST_EXPECT_MSG_GT_OR_EQ(UB_FIG(chosen.BusBw()),
                                        0.95 * best,
                                        bytes << " B: " << chosen.chunks << " pieces chosen, "
                                              << bestChunks << " best");
            NS_TEST_EXPECT_MSG_GT_OR_EQ(chosen.BusBw(),
                                        0.98 * last,
                                        bytes << " B: busbw fell with size");
            last = chosen.BusBw();
        }
    }
};

class UbInNetworkTestCase : public TestCase
{
  public:
    UbInNetworkTestCase()
        : TestCase("NVLS on HGX H100: each GPU sends S (1 + 1 over N), 9 in 14 of ring's bytes; "
                   "busbw within 10 % under the bound the GPUs' in-network rate sets, "
                   "above ring")
    {
    }

  private:
    /// busbw and the wire bytes GPU 0 sent, for one 32-MiB AllReduce.
    std::pair<double, uint64_t> Run(bool inNetwork, double* engineBound = nullptr)
    {
        ubtest::ResetSimulation();
        UbTopologyHelper sys;
        sys.BuildPreset("nvlink4-h100");
        std::vector<Ptr<UbController>> r;
        for (uint32_t i = 0; i < 8; ++i)
        {
            r.push_back(sys.GetEndpoints().Get(i)->GetObject<UbController>());
        }
        UbCollectiveResult res;
        uint64_t sent = 0;
        {
            UbCollectiveEngine coll(r); // pieces chosen by the algorithm
            if (inNetwork)
            {
                auto red = UbCollectiveHelper::InstallSwitchReducers(sys);
                NS_TEST_EXPECT_MSG_EQ(UB_FIG(red.controllers.size()),
                                      4U,
                                      "4 NVSwitch chips reduce");
                NS_TEST_EXPECT_MSG_EQ(
                    UB_FIG(red.shares[0] + red.shares[1] + red.shares[2] + red.shares[3]),
                    18.0,
                    "shares by links: 5/4/4/5");
                NS_TEST_EXPECT_MSG_EQ(UB_FIG(red.reductionBps), 0.0, "no engine at the switch");
                DataRateValue rate;
                r[0]->GetAttribute("InNetworkRate", rate);
                const double e = static_cast<double>(rate.Get().GetBitRate()) / 8;
                NS_TEST_EXPECT_MSG_EQ(UB_FIG(e), 313e9, "the preset's in-network rate");
                // Each GPU moves S (1 + 1/N) bytes of reads and stores at that rate: algbw <=
                // e / (1 + 1/8), busbw = algbw x 2 x 7/8.
                *engineBound = e / (1 + 1.0 / 8) / 1e9 * 2 * 7 / 8;
                coll.SetReducers(red.controllers, red.shares, red.reductionBps, red.concurrent);
            }
            Simulator::Schedule(MicroSeconds(1), [&]() {
                coll.Start(UbCollectiveOp::ALL_REDUCE,
                           inNetwork ? UbCollectiveAlgo::IN_NETWORK : UbCollectiveAlgo::RING,
                           32ULL << 20,
                           UbCollectiveEngine::DoneCallback(
                               [&res](const UbCollectiveResult& x) { res = x; }));
            });
            Simulator::Run();
            const UbTopology& t = sys.GetTopology();
            uint32_t g0 = t.GetEndpoints()[0];
            for (uint32_t k = 0; k < t.GetDegree(g0); ++k)
            {
                uint32_t l = t.GetPorts(g0)[k].link;
                sent += sys.GetDevice(l, t.GetLink(l).a == g0 ? 0 : 1)->GetTxWireBytes();
            }
        }
        ubtest::ResetSimulation();
        return {res.BusBw(), sent};
    }

    void DoRun() override
    {
        auto [ringBw, ringSent] = Run(false);
        double bound = 0;
        auto [nvlsBw, nvlsSent] = Run(true, &bound);
        // Ring: 2(N-1)/N x 32 MiB = 56 MiB of payload per GPU; NVLS: (1 + 1/N) x 32 MiB = 36.
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(static_cast<double>(nvlsSent) / ringSent),
                                  9.0 / 14,
                                  9.0 / 14 * 0.02,
                                  "NVLS sends 9/14 of ring's bytes");
        NS_TEST_EXPECT_MSG_LT_OR_EQ(UB_FIG(nvlsBw), bound, "at most the GPUs' bound");
        NS_TEST_EXPECT_MSG_GT_OR_EQ(nvlsBw, 0.9 * bound, "at least 90 % of it at 32 MiB");
        NS_TEST_EXPECT_MSG_GT(nvlsBw, ringBw * 1.2, "and 20 % above ring (NVIDIA: 480 / 370)");
    }
};

class UbHierarchicalTestCase : public TestCase
{
  public:
    UbHierarchicalTestCase()
        : TestCase("hierarchical AllReduce: the phase formula on a non-blocking switch, and "
                   "faster than a flat ring across two SuperPoDs joined by UBoE")
    {
    }

  private:
    UbCollectiveResult RunSuperCluster(bool hierarchical)
    {
        ubtest::ResetSimulation();
        UbSystems::SuperCluster sc;
        sc.pods = 2;
        sc.pod = UbSystems::Atlas950(64); // one rack: a single UB leaf tier
        UbTopologyHelper sys;
        sys.SetPreset(UbPreset::Load("ascend950-ub2"));
        sys.SetClassPreset(1, UbPreset::Load("uboe-400g"));
        sys.BuildSuperCluster(sc);
        std::vector<Ptr<UbController>> r;
        for (uint32_t i = 0; i < 128; ++i)
        {
            r.push_back(sys.GetEndpoints().Get(i)->GetObject<UbController>());
        }
        UbCollectiveResult res;
        {
            UbCollectiveEngine coll(r);
            coll.SetChunks(1); // phases compared unpipelined, as the formula above
            coll.SetGroupSize(64);
            Simulator::Schedule(MicroSeconds(1), [&]() {
                coll.Start(UbCollectiveOp::ALL_REDUCE,
                           hierarchical ? UbCollectiveAlgo::HIERARCHICAL : UbCollectiveAlgo::RING,
                           16ULL << 20,
                           UbCollectiveEngine::DoneCallback(
                               [&res](const UbCollectiveResult& x) { res = x; }));
            });
            Simulator::Run();
        }
        ubtest::ResetSimulation();
        return res;
    }

    void DoRun() override
    {
        // 8 ranks in 2 groups of 4 on one switch: RS (3 steps of S/4), AllReduce across the 2
        // groups (2 steps of S/8), AG (3 steps of S/4).
        const double t1 = OneTransfer(4096);
        const double t64 = OneTransfer(64 * 4096);
        const double b = 63.0 * 4096 / (t64 - t1);
        const double a = t1 - 4096 / b;
        const uint64_t s = 8ULL * 32 * 4096;
        UbCollectiveResult res;
        {
            ubtest::ResetSimulation();
            UbTopologyHelper sys;
            auto r = Star(sys, 8);
            UbCollectiveEngine coll(r);
            coll.SetChunks(1); // the formula is for unpipelined steps
            coll.SetGroupSize(4);
            Simulator::Schedule(MicroSeconds(1), [&]() {
                coll.Start(UbCollectiveOp::ALL_REDUCE,
                           UbCollectiveAlgo::HIERARCHICAL,
                           s,
                           UbCollectiveEngine::DoneCallback(
                               [&res](const UbCollectiveResult& x) { res = x; }));
            });
            Simulator::Run();
            ubtest::ResetSimulation();
        }
        double predicted = 3 * (a + s / 4.0 / b) + 2 * (a + s / 8.0 / b) + 3 * (a + s / 4.0 / b);
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(res.Seconds()),
                                  predicted,
                                  predicted * 0.03,
                                  "phase formula");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(res.transfers),
                              24U + 16U + 24U,
                              "RS: 2 groups x 4 ranks x 3 steps; across: 4 rings x 2 ranks x 2 "
                              "steps; AG as RS");

        UbCollectiveResult flat = RunSuperCluster(false);
        UbCollectiveResult hier = RunSuperCluster(true);
        NS_TEST_EXPECT_MSG_LT(UB_FIG(hier.Seconds()),
                              flat.Seconds() * 0.5,
                              "the across-pod phase uses every NIC instead of the ring's two");
    }
};

class UbMoeTestCase : public TestCase
{
  public:
    UbMoeTestCase()
        : TestCase("MoE dispatch and combine: the routing matrix has the expected volume, the same "
                   "seed gives the same matrix, All-to-Allv of a uniform matrix times like "
                   "All-to-All, and no rank receives faster than its link")
    {
    }

  private:
    void DoRun() override
    {
        UbCollectiveHelper::Moe m;
        m.ranks = 16;
        m.tokensPerRank = 1024;
        m.hidden = 1024;
        m.topK = 4;
        auto d = UbCollectiveHelper::MoeDispatch(m);
        // A token reaches topK distinct ranks; its own with probability topK / ranks.
        double expected = m.tokensPerRank * m.topK * (m.ranks - 1.0) / m.ranks * m.hidden * 2;
        double total = 0;
        for (uint32_t r = 0; r < m.ranks; ++r)
        {
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(d[r][r]), 0U, "nothing sent to itself");
            for (uint32_t j = 0; j < m.ranks; ++j)
            {
                total += d[r][j];
            }
        }
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(total / m.ranks),
                                  expected,
                                  expected * 0.02,
                                  "bytes per rank");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG((UbCollectiveHelper::MoeDispatch(m) == d)), true, "same seed");
        m.seed = 2;
        NS_TEST_EXPECT_MSG_EQ(UB_FIG((UbCollectiveHelper::MoeDispatch(m) != d)),
                              true,
                              "other seed");
        auto c = UbCollectiveHelper::Transpose(d);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c[3][5]), d[5][3], "combine is the transpose");
        // Every token to every expert: the uniform matrix.
        m.ranks = 8;
        m.topK = 8;
        m.tokensPerRank = 256;
        auto u = UbCollectiveHelper::MoeDispatch(m);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(u[2][7]), 256ULL * 1024 * 2, "each token to each other rank");

        auto run = [](const std::function<void(UbCollectiveEngine&, UbCollectiveResult&)>& go,
                      double* rankGBps) {
            ubtest::ResetSimulation();
            UbTopologyHelper sys;
            auto r = Star(sys, 8);
            UbCollectiveResult res;
            {
                UbCollectiveEngine coll(r);
                Simulator::Schedule(MicroSeconds(1), [&]() { go(coll, res); });
                Simulator::Run();
                *rankGBps = sys.GetDevice(0, 0)->GetRateBps() / 8e9;
            }
            ubtest::ResetSimulation();
            return res;
        };
        double cap = 0;
        auto done = [](UbCollectiveResult& out) {
            return UbCollectiveEngine::DoneCallback(
                [&out](const UbCollectiveResult& x) { out = x; });
        };
        UbCollectiveResult v = run(
            [&](UbCollectiveEngine& e, UbCollectiveResult& out) { e.StartAllToAllv(u, done(out)); },
            &cap);
        UbCollectiveResult a = run(
            [&](UbCollectiveEngine& e, UbCollectiveResult& out) {
                e.Start(UbCollectiveOp::ALL_TO_ALL,
                        UbCollectiveAlgo::DIRECT,
                        8ULL * 256 * 1024 * 2,
                        done(out));
            },
            &cap);
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(v.Seconds()),
                                  a.Seconds(),
                                  a.Seconds() * 0.01,
                                  "same graph");
        m.topK = 2;
        auto disp = UbCollectiveHelper::MoeDispatch(m);
        UbCollectiveResult md =
            run([&](UbCollectiveEngine& e,
                    UbCollectiveResult& out) { e.StartAllToAllv(disp, done(out)); },
                &cap);
        for (uint32_t r = 0; r < 8; ++r)
        {
            double secs = (md.rankDone[r] - md.start).GetSeconds();
            NS_TEST_EXPECT_MSG_GT(UB_FIG(md.rankBytesIn[r]),
                                  0U,
                                  "rank " << r << " receives tokens");
            NS_TEST_EXPECT_MSG_LT_OR_EQ(UB_FIG(md.rankBytesIn[r] / secs / 1e9),
                                        cap,
                                        "rank " << r << " no faster than its link");
        }
    }
};

class UbMoeCostsTestCase : public TestCase
{
  public:
    UbMoeCostsTestCase()
        : TestCase("MoE endpoint costs: token formats have their published sizes, routing, "
                   "quantization and barrier add their formulas, a per-message issue cost "
                   "delays a rank's last message by one cost per destination, all off gives "
                   "the network alone")
    {
    }

  private:
    /// A uniform All-to-Allv of 64 B per pair over the 8 GPUs of nvlink4-h100.
    static UbCollectiveResult Run(Time issue)
    {
        std::vector<std::vector<uint64_t>> matrix(8, std::vector<uint64_t>(8, 64));
        for (uint32_t i = 0; i < 8; ++i)
        {
            matrix[i][i] = 0;
        }
        UbExperiment::CollectiveRun run;
        run.preset = "nvlink4-h100";
        run.op = UbCollectiveOp::ALL_TO_ALLV;
        run.algo = UbCollectiveAlgo::DIRECT;
        run.matrix = &matrix;
        run.setup = [issue](UbTopologyHelper&, UbCollectiveEngine& coll) {
            coll.SetIssueCost(issue);
        };
        auto out = UbExperiment::Run(run);
        ubtest::ResetSimulation();
        return out.result;
    }

    void DoRun() override
    {
        // DeepEP's low-latency FP8 message at hidden 7168: 7168 + 56 scales x 4 + 16 = 7408.
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(UbCollectiveHelper::MoeTokenBytes("fp8", 7168)), 7408U, "fp8");
        NS_TEST_EXPECT_MSG_EQ(UbCollectiveHelper::MoeTokenBytes("int8", 7168), 7172U, "int8");
        NS_TEST_EXPECT_MSG_EQ(UbCollectiveHelper::MoeTokenBytes("bf16", 7168), 14336U, "bf16");
        NS_TEST_EXPECT_MSG_EQ(UbCollectiveHelper::MoeTokenBytes("fp4", 7168), 0U, "unknown");

        UbCollectiveResult plain = Run(Time(0));
        UbCollectiveHelper::Moe m;
        m.ranks = 8;
        m.tokensPerRank = 128;
        m.hidden = 7168;
        UbCollectiveHelper::MoeCosts c;
        c.routePerToken = NanoSeconds(10);
        c.quantBps = 500e9;
        c.barrier = MicroSeconds(2);
        auto t = UbCollectiveHelper::MoePhaseTimes(m, c, true, plain);
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(t.routeUs), 1.28, 1e-9, "128 tokens x 10 ns");
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(t.quantUs),
                                  128.0 * 7168 * 2 / 500e9 * 1e6,
                                  1e-9,
                                  "BF16 input over the quantization rate");
        NS_TEST_EXPECT_MSG_EQ_TOL(t.totalUs,
                                  t.routeUs + t.quantUs + t.netMaxUs + 2.0,
                                  1e-9,
                                  "phase = route + quantize + slowest rank + barrier");
        auto comb = UbCollectiveHelper::MoePhaseTimes(m, c, false, plain);
        NS_TEST_EXPECT_MSG_EQ(comb.quantUs, 0.0, "combine does not quantize");
        auto off =
            UbCollectiveHelper::MoePhaseTimes(m, UbCollectiveHelper::MoeCosts::Off(), true, plain);
        NS_TEST_EXPECT_MSG_EQ(off.totalUs, off.netMaxUs, "all off: the network alone");

        // Issue cost: each rank posts its 7 messages one after another, 5 us each, so its last
        // leaves at 35 us and arrives at most one idle-fabric delivery later.
        UbCollectiveResult issued = Run(MicroSeconds(5));
        double netPlain = 0;
        double netIssued = 0;
        for (uint32_t i = 0; i < 8; ++i)
        {
            netPlain = std::max(netPlain, (plain.rankDone[i] - plain.start).GetSeconds() * 1e6);
            netIssued = std::max(netIssued, (issued.rankDone[i] - issued.start).GetSeconds() * 1e6);
        }
        NS_TEST_EXPECT_MSG_GT_OR_EQ(UB_FIG(netIssued), 35.0, "7 messages x 5 us");
        NS_TEST_EXPECT_MSG_LT_OR_EQ(netIssued, 35.0 + netPlain, "plus at most one delivery");
    }
};

class UbOffloadTestCase : public TestCase
{
  public:
    UbOffloadTestCase()
        : TestCase("collective offload (CCU-like) takes InitiatorLatency - issue latency off each "
                   "of ring's 2(N-1) steps, is recorded, and restores the ranks afterwards")
    {
    }

  private:
    double Run(bool offload, bool* flag, Time* after)
    {
        ubtest::ResetSimulation();
        UbTopologyHelper sys;
        auto r = Star(sys, 8);
        UbCollectiveResult res;
        {
            UbCollectiveEngine coll(r);
            coll.SetOffload(offload, NanoSeconds(50));
            Simulator::Schedule(MicroSeconds(1), [&]() {
                coll.Start(UbCollectiveOp::ALL_REDUCE,
                           UbCollectiveAlgo::RING,
                           4096,
                           UbCollectiveEngine::DoneCallback(
                               [&res](const UbCollectiveResult& x) { res = x; }));
            });
            Simulator::Run();
            TimeValue v;
            r[3]->GetAttribute("InitiatorLatency", v);
            *after = v.Get();
        }
        ubtest::ResetSimulation();
        *flag = res.offload;
        return res.Seconds();
    }

    void DoRun() override
    {
        bool on = false;
        bool off = true;
        Time a;
        Time b;
        double base = Run(false, &off, &a);
        double ccu = Run(true, &on, &b);
        // The controller's default InitiatorLatency is 200 ns: 150 ns less on each of 14 steps.
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(base - ccu), 14 * 150e-9, 2e-12, "2(N-1) x 150 ns");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(on), true, "recorded as offloaded");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(off), false, "and not when off");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(b),
                              NanoSeconds(200),
                              "the ranks' InitiatorLatency is never changed by the run");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(a), NanoSeconds(200), "and untouched without offload");
    }
};

/**
 * \ingroup unifiedbus-tests
 * \brief Multi-ring AllReduce and multi-path All-to-All over a UB-Mesh rack (64 NPUs, 8 x 8).
 *
 * Bounds, with B the payload bandwidth of one x4 mesh link (its line rate x 4096/4160: a 4096-B
 * payload takes 4160 B of 20-B flits) and S the size:
 *  - multi-ring: half the data reduce-scatters along X first (7 arc-disjoint rings on S/2), the
 *    other half along Y first; each X link carries 2 x 7/8 x (S/2 + S/16) / 7 = 0.140625 S, so
 *    t >= 0.140625 S/B and busbw = 2 x 63/64 S/t <= 14 B;
 *  - multi-path: each rank sends S/64 to each of 63 peers, 14 of them one hop away and 49 two
 *    hops (14 + 2 x 49 = 112 block-hops) over its 14 links: t >= 8 (S/64) / B, busbw
 *    = 63/64 S/t <= 8 B x 63/64.
 */
class UbFullMeshTestCase : public TestCase
{
  public:
    UbFullMeshTestCase()
        : TestCase("Multi-ring AllReduce and multi-path All-to-All on an 8 x 8 UB-Mesh rack reach "
                   "their link-load bounds")
    {
    }

  private:
    UbCollectiveResult Run(UbCollectiveOp op,
                           UbCollectiveAlgo algo,
                           uint64_t bytes,
                           uint32_t chunks,
                           double* linkBps,
                           bool matrix = false)
    {
        ubtest::ResetSimulation();
        UbTopologyHelper sys;
        sys.SetCheckDeadlock(false); // proven in the systems suite
        sys.BuildPreset("ubmesh-ub2", 0);
        std::vector<Ptr<UbController>> r;
        for (uint32_t i = 0; i < 64; ++i)
        {
            r.push_back(sys.GetEndpoints().Get(i)->GetObject<UbController>());
        }
        const UbTopology& t = sys.GetTopology();
        uint32_t e0 = t.GetEndpoints()[0];
        uint32_t e1 = t.GetEndpoints()[1];
        for (uint32_t k = 0; k < t.GetDegree(e0); ++k)
        {
            if (t.GetPorts(e0)[k].peer == e1)
            {
                uint32_t l = t.GetPorts(e0)[k].link;
                *linkBps = sys.GetDevice(l, t.GetLink(l).a == e0 ? 0 : 1)->GetRateBps() / 8 *
                           4096.0 / 4160.0;
            }
        }
        UbCollectiveResult out;
        {
            UbCollectiveEngine coll(r);
            coll.SetChunks(chunks);
            coll.SetMeshDims(UbCollectiveHelper::MeshDims(sys, 64));
            auto done = UbCollectiveEngine::DoneCallback(
                [&out](const UbCollectiveResult& res) { out = res; });
            Simulator::Schedule(MicroSeconds(1), [&]() {
                if (matrix)
                {
                    std::vector<std::vector<uint64_t>> m(64, std::vector<uint64_t>(64, bytes / 64));
                    coll.StartAllToAllv(m, done, algo);
                }
                else
                {
                    coll.Start(op, algo, bytes, done);
                }
            });
            Simulator::Run();
        }
        ubtest::ResetSimulation();
        return out;
    }

    void DoRun() override
    {
        // Rings of a full-mesh dimension: Hamiltonian and arc-disjoint; x - 1 of them (every
        // link both ways) except for 4 and 6, which have no such decomposition (Tillson) and
        // fall back to the stride rings (1, 3 and 1, 5).
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(UbCollectiveEngine::RingStrides(8).size()),
                              4U,
                              "1, 3, 5, 7 of 8");
        for (uint32_t x : {3U, 4U, 5U, 6U, 7U, 8U, 12U, 16U})
        {
            auto rings = UbCollectiveEngine::RingOrders(x);
            uint32_t want = (x == 4 || x == 6) ? 2 : x - 1;
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(rings.size()), want, "rings of a dimension of " << x);
            std::set<std::pair<uint32_t, uint32_t>> arcs;
            for (const auto& ring : rings)
            {
                NS_TEST_ASSERT_MSG_EQ(UB_FIG(ring.size()), x, "a ring visits " << x << " ranks");
                std::set<uint32_t> visited(ring.begin(), ring.end());
                NS_TEST_EXPECT_MSG_EQ(UB_FIG(visited.size()), x, "each rank once");
                for (uint32_t i = 0; i < x; ++i)
                {
                    uint32_t a = ring[i];
                    uint32_t b = ring[(i + 1) % x];
                    NS_TEST_EXPECT_MSG_EQ(UB_FIG((a < x && b < x && a != b)),
                                          true,
                                          "an arc of the mesh");
                    NS_TEST_EXPECT_MSG_EQ(UB_FIG(arcs.insert({a, b}).second),
                                          true,
                                          "arc " << a << "->" << b << " used once, x = " << x);
                }
            }
        }

        const uint64_t S = 14 << 20; // 7 x 2^21: every ring step and block a whole byte count
        double b = 0;
        // AllReduce at 2 S in 8 pieces, so that the 28 latency-bound ring steps of the four
        // phases weigh less against the data.
        UbCollectiveResult ring =
            Run(UbCollectiveOp::ALL_REDUCE, UbCollectiveAlgo::RING, 2 * S, 1, &b);
        UbCollectiveResult multi =
            Run(UbCollectiveOp::ALL_REDUCE, UbCollectiveAlgo::MULTI_RING, 2 * S, 8, &b);
        NS_TEST_ASSERT_MSG_GT(UB_FIG(b), 0, "found the mesh link of NPUs 0 and 1");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(ring.wireBytes),
                              126 * 2 * S,
                              "ring: 2 x 63 steps of S/64 per rank");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(multi.wireBytes),
                              ring.wireBytes,
                              "multi-ring moves ring's bytes");
        // 7 rings per dimension: the busiest link carries 2 x 7/8 x (S/2 + S/16) / 7 of the
        // data, so busbw <= 2 x 63/64 / 0.140625 B = 14 B: every mesh link of a rank busy.
        double bound = 14 * b / 1e9;
        NS_TEST_EXPECT_MSG_GT(UB_FIG(multi.BusBw()), 5 * ring.BusBw(), "the idle mesh links work");
        NS_TEST_EXPECT_MSG_LT_OR_EQ(UB_FIG(multi.BusBw()), bound, "multi-ring within its bound");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(multi.BusBw()), 0.8 * bound, "multi-ring near its bound");

        UbCollectiveResult direct =
            Run(UbCollectiveOp::ALL_TO_ALL, UbCollectiveAlgo::DIRECT, S, 4, &b);
        UbCollectiveResult paths =
            Run(UbCollectiveOp::ALL_TO_ALL, UbCollectiveAlgo::MULTI_PATH, S, 4, &b);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(paths.wireBytes),
                              112 * S,
                              "64 ranks x 112 block-hops of S/64");
        double a2aBound = 8 * b / 1e9 * 63 / 64;
        NS_TEST_EXPECT_MSG_GT(UB_FIG(paths.BusBw()),
                              1.15 * UB_FIG(direct.BusBw()),
                              "two dimensions beat direct");
        NS_TEST_EXPECT_MSG_LT_OR_EQ(UB_FIG(paths.BusBw()), a2aBound, "multi-path within its bound");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(paths.BusBw()), 0.8 * a2aBound, "multi-path near its bound");

        // All-to-Allv with a uniform matrix builds the same graph.
        UbCollectiveResult u =
            Run(UbCollectiveOp::ALL_TO_ALL, UbCollectiveAlgo::MULTI_PATH, S / 4, 1, &b);
        UbCollectiveResult v =
            Run(UbCollectiveOp::ALL_TO_ALLV, UbCollectiveAlgo::MULTI_PATH, S / 4, 1, &b, true);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(v.end - v.start), u.end - u.start, "A2Av = A2A, same graph");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(v.rankBytesIn[5]),
                              63 * (S / 4 / 64),
                              "delivered, not forwarded");
    }
};

/**
 * Minimal routes are the run's configuration, not a switch setting: a multi-ring AllReduce on the
 * 8 x 8 UB-Mesh rack (whose routes offer source-chosen detours through a third NPU) puts every
 * packet on the direct link of its transfer, so each packet, data and acknowledgement alike,
 * crosses exactly one link; the ranks' switches keep SourceDetours on throughout. The same run
 * with SetMinimalRoutes(false) lets the sources detour, so some packets cross two links: the
 * check can fail.
 */
class UbMinimalRoutesTestCase : public TestCase
{
  public:
    UbMinimalRoutesTestCase()
        : TestCase("minimal routes are passed to the run: one link per packet on a UB-Mesh rack, "
                   "switches untouched")
    {
    }

  private:
    struct Outcome
    {
        uint64_t injected{0};    //!< packets the NPUs injected
        uint64_t linkPackets{0}; //!< packet transmissions over all links
        bool detoursStayedOn{true};
        double busbw{0};
    };

    Outcome Run(bool minimal)
    {
        ubtest::ResetSimulation();
        UbTopologyHelper sys;
        sys.SetCheckDeadlock(false); // proven in the systems suite
        sys.BuildPreset("ubmesh-ub2", 0);
        std::vector<Ptr<UbController>> r;
        for (uint32_t i = 0; i < 64; ++i)
        {
            r.push_back(sys.GetEndpoints().Get(i)->GetObject<UbController>());
        }
        Outcome o;
        auto detoursOn = [&]() {
            for (uint32_t i = 0; i < 64; ++i)
            {
                BooleanValue v;
                sys.GetEndpoints().Get(i)->GetObject<UbSwitch>()->GetAttribute("SourceDetours", v);
                o.detoursStayedOn = o.detoursStayedOn && v.Get();
            }
        };
        {
            UbCollectiveEngine coll(r);
            coll.SetMeshDims(UbCollectiveHelper::MeshDims(sys, 64));
            coll.SetMinimalRoutes(minimal);
            Simulator::Schedule(MicroSeconds(1), [&]() {
                coll.Start(UbCollectiveOp::ALL_REDUCE,
                           UbCollectiveAlgo::MULTI_RING,
                           4 << 20,
                           UbCollectiveEngine::DoneCallback(
                               [&o](const UbCollectiveResult& x) { o.busbw = x.BusBw(); }));
            });
            Simulator::Schedule(MicroSeconds(5), detoursOn); // while it runs
            Simulator::Run();
            detoursOn();
        }
        const UbTopology& t = sys.GetTopology();
        for (uint32_t l = 0; l < t.GetNLinks(); ++l)
        {
            for (uint32_t side = 0; side < 2; ++side)
            {
                o.linkPackets += sys.GetDevice(l, side)->GetTxPackets();
            }
        }
        for (uint32_t i = 0; i < 64; ++i)
        {
            o.injected += sys.GetEndpoints().Get(i)->GetObject<UbSwitch>()->GetInjectedPackets();
        }
        ubtest::ResetSimulation();
        return o;
    }

    void DoRun() override
    {
        Outcome minimal = Run(true);
        Outcome free = Run(false);
        NS_TEST_ASSERT_MSG_GT(UB_FIG(minimal.injected), 0U, "the run sent packets");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(minimal.linkPackets),
                              minimal.injected,
                              "minimal routes: every packet crosses exactly one link");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(free.linkPackets),
                              free.injected,
                              "without them some sources detour through a third NPU");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(minimal.detoursStayedOn && free.detoursStayedOn),
                              true,
                              "no switch's SourceDetours was changed");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(minimal.busbw), free.busbw, "detours cost bandwidth here");
    }
};

class UbCollectiveTestSuite : public TestSuite
{
  public:
    UbCollectiveTestSuite()
        : TestSuite("unifiedbus-collectives", TestSuite::Type::SYSTEM)
    {
        AddTestCase(new UbRingFormulaTestCase);
        AddTestCase(new UbTransferIndexTestCase);
        AddTestCase(new UbBandwidthBoundTestCase);
        AddTestCase(new UbBusBwCapTestCase);
        AddTestCase(new UbNvlinkRingTestCase);
        AddTestCase(new UbNvlinkLatencyTestCase);
        AddTestCase(new UbAutoChunksTestCase);
        AddTestCase(new UbInNetworkTestCase);
        AddTestCase(new UbHierarchicalTestCase);
        AddTestCase(new UbMoeTestCase);
        AddTestCase(new UbMoeCostsTestCase);
        AddTestCase(new UbOffloadTestCase);
        AddTestCase(new UbFullMeshTestCase);
        AddTestCase(new UbMinimalRoutesTestCase);
    }
};

UbCollectiveTestSuite g_ubCollectiveTestSuite;

} // namespace
