/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The hybrid level (UbTopologyHelper::SetHybrid): the SuperPoDs under study at packet level, the
 * rest of a SuperCluster at flow level, in one simulation.
 *  - A transfer from a studied SuperPoD to another, with nothing else moving, takes the packet
 *    level's time to the picosecond: the packet part (the studied SuperPoD, the scale-out
 *    network, the other NPUs' scale-out ports with their routes renumbered) is the packet level.
 *  - Background: a flow-level transfer into the same NPU halves the packet-level transfer's
 *    share of the scale-out links into it. Both then take about twice their time alone, as at
 *    the packet level, where both are packets.
 *  - A hierarchical AllReduce over four SuperPoDs and an MoE dispatch spread over them, with
 *    SuperPoD 0 studied, end within 2 % and 5 % of the packet level's time, with transfers at
 *    both levels.
 */
#include "ub-test-utils.h"

#include "ns3/test.h"
#include "ns3/ub-collective-helper.h"
#include "ns3/ub-collective.h"
#include "ns3/ub-experiment.h"
#include "ns3/ub-topology-helper.h"

#include <cmath>
#include <string>
#include <vector>

using namespace ns3;

namespace
{

/// One collective at a level over these endpoints of a 4 x 64 SuperCluster (SuperPoD 0 under
/// study at the hybrid level).
UbExperiment::CollectiveOutcome
RunOn(UbExperiment::Level level,
      const std::string& scaleOut,
      const std::vector<uint32_t>& ranks,
      UbCollectiveOp op,
      UbCollectiveAlgo algo,
      uint64_t bytes,
      const std::vector<std::vector<uint64_t>>* matrix = nullptr)
{
    UbExperiment::CollectiveRun run;
    run.build = UbExperiment::SuperClusterBuild(4, 64, scaleOut);
    run.preset = "supercluster";
    run.rankEndpoints = ranks;
    run.op = op;
    run.algo = algo;
    run.bytes = bytes;
    run.matrix = matrix;
    run.level = level;
    if (level == UbExperiment::HYBRID)
    {
        run.study = {0};
    }
    if (algo == UbCollectiveAlgo::HIERARCHICAL)
    {
        run.setup = [](UbTopologyHelper&, UbCollectiveEngine& coll) { coll.SetGroupSize(64); };
    }
    return UbExperiment::Run(run);
}

/// \return the ratio of a to b
double
Ratio(const Time& a, const Time& b)
{
    return a.GetSeconds() / b.GetSeconds();
}

class UbHybridBackgroundTestCase : public TestCase
{
  public:
    UbHybridBackgroundTestCase()
        : TestCase("hybrid: a transfer out of the studied SuperPoD alone takes the packet "
                   "level's time to the picosecond; a flow-level transfer into the same NPU "
                   "halves its share of the links, as at the packet level")
    {
    }

  private:
    void DoRun() override
    {
        // Rank 0: pod 0's NPU 0 (studied); rank 1: pod 2's NPU 0; rank 2: pod 1's NPU 0. Rank
        // 0 to rank 2 moves at packet level, rank 1 to rank 2 at flow level; both end on NPU
        // 64's two scale-out links.
        const std::vector<uint32_t> ranks = {0, 128, 64};
        const uint64_t b = 16ULL << 20;
        const std::vector<std::vector<uint64_t>> alone = {{0, 0, b}, {0, 0, 0}, {0, 0, 0}};
        const std::vector<std::vector<uint64_t>> both = {{0, 0, b}, {0, 0, b}, {0, 0, 0}};
        const auto a2a = UbCollectiveOp::ALL_TO_ALLV;
        const auto direct = UbCollectiveAlgo::DIRECT;
        for (const std::string so : {"uboe-400g", "roce-400g"})
        {
            const auto pAlone = RunOn(UbExperiment::PACKET, so, ranks, a2a, direct, 0, &alone);
            const auto hAlone = RunOn(UbExperiment::HYBRID, so, ranks, a2a, direct, 0, &alone);
            const auto pBoth = RunOn(UbExperiment::PACKET, so, ranks, a2a, direct, 0, &both);
            const auto hBoth = RunOn(UbExperiment::HYBRID, so, ranks, a2a, direct, 0, &both);
            for (const auto* o : {&pAlone, &hAlone, &pBoth, &hBoth})
            {
                NS_TEST_ASSERT_MSG_EQ(o->finished, true, so << ": a run did not finish");
            }
            const Time tAlone = pAlone.result.end - pAlone.result.start;
            // The packet part is the packet level: the same picosecond.
            NS_TEST_EXPECT_MSG_EQ(hAlone.result.end - hAlone.result.start,
                                  tAlone,
                                  so << ": alone, hybrid and packet level differ");
            NS_TEST_EXPECT_MSG_EQ(hAlone.result.level, "hybrid", so);
            NS_TEST_EXPECT_MSG_EQ(hAlone.packetTransfers, hAlone.result.transfers, so);
            NS_TEST_EXPECT_MSG_EQ(hAlone.flowTransfers, 0, so);
            // Both: the packet-level transfer shares NPU 64's links with the flow-level one.
            NS_TEST_EXPECT_MSG_GT(hBoth.packetTransfers, 0, so);
            NS_TEST_EXPECT_MSG_GT(hBoth.flowTransfers, 0, so);
            NS_TEST_EXPECT_MSG_EQ(hBoth.packetTransfers + hBoth.flowTransfers,
                                  hBoth.result.transfers,
                                  so);
            // Max-min gives each half the links; the background takes the flow level's half.
            NS_TEST_EXPECT_MSG_EQ_TOL(hBoth.peakBackground, 0.5, 0.01, so);
            const Time tp = pBoth.result.rankDone[2];
            const Time th = hBoth.result.rankDone[2];
            NS_TEST_EXPECT_MSG_GT(Ratio(th, tAlone), 1.8, so << ": hybrid not slowed by half");
            NS_TEST_EXPECT_MSG_LT(Ratio(th, tAlone), 2.1, so);
            NS_TEST_EXPECT_MSG_GT(Ratio(tp, tAlone), 1.8, so << ": packet not slowed by half");
            NS_TEST_EXPECT_MSG_EQ_TOL(Ratio(th, tp), 1.0, 0.05, so << ": hybrid against packet");
            std::cout << "  " << so << ": alone " << tAlone.GetMicroSeconds()
                      << " us; both: packet " << tp.GetMicroSeconds() << " us, hybrid "
                      << th.GetMicroSeconds() << " us (" << Ratio(th, tp) << ")\n";
        }
    }
};

class UbHybridCollectivesTestCase : public TestCase
{
  public:
    UbHybridCollectivesTestCase()
        : TestCase("hybrid: a hierarchical AllReduce over four SuperPoDs and an MoE dispatch "
                   "spread over them, SuperPoD 0 studied, within 2 % and 5 % of the packet "
                   "level")
    {
    }

  private:
    void DoRun() override
    {
        std::vector<uint32_t> all(256);
        for (uint32_t i = 0; i < 256; ++i)
        {
            all[i] = i;
        }
        // moe-dispatch's defaults, EP 16 with rank i in SuperPoD i mod 4.
        UbCollectiveHelper::Moe m;
        m.ranks = 16;
        m.topK = 8;
        m.seed = 1;
        m.tokenBytes = UbCollectiveHelper::MoeTokenBytes("fp8", m.hidden);
        const auto dispatch = UbCollectiveHelper::MoeDispatch(m);
        std::vector<uint32_t> spread;
        for (uint32_t i = 0; i < 16; ++i)
        {
            spread.push_back((i % 4) * 64 + i / 4);
        }
        for (const std::string so : {"uboe-400g", "roce-400g"})
        {
            const auto hp = RunOn(UbExperiment::PACKET,
                                  so,
                                  all,
                                  UbCollectiveOp::ALL_REDUCE,
                                  UbCollectiveAlgo::HIERARCHICAL,
                                  1 << 20);
            const auto hh = RunOn(UbExperiment::HYBRID,
                                  so,
                                  all,
                                  UbCollectiveOp::ALL_REDUCE,
                                  UbCollectiveAlgo::HIERARCHICAL,
                                  1 << 20);
            NS_TEST_ASSERT_MSG_EQ(hp.finished && hh.finished, true, so);
            NS_TEST_EXPECT_MSG_GT(hh.packetTransfers, 0, so);
            NS_TEST_EXPECT_MSG_GT(hh.flowTransfers, hh.packetTransfers, so);
            const double ar =
                Ratio(hh.result.end - hh.result.start, hp.result.end - hp.result.start);
            NS_TEST_EXPECT_MSG_EQ_TOL(ar, 1.0, 0.02, so << ": hierarchical AllReduce");
            const auto mp = RunOn(UbExperiment::PACKET,
                                  so,
                                  spread,
                                  UbCollectiveOp::ALL_TO_ALLV,
                                  UbCollectiveAlgo::DIRECT,
                                  0,
                                  &dispatch);
            const auto mh = RunOn(UbExperiment::HYBRID,
                                  so,
                                  spread,
                                  UbCollectiveOp::ALL_TO_ALLV,
                                  UbCollectiveAlgo::DIRECT,
                                  0,
                                  &dispatch);
            NS_TEST_ASSERT_MSG_EQ(mp.finished && mh.finished, true, so);
            NS_TEST_EXPECT_MSG_GT(mh.flowTransfers, 0, so);
            NS_TEST_EXPECT_MSG_GT(mh.peakBackground, 0, so);
            const double md =
                Ratio(mh.result.end - mh.result.start, mp.result.end - mp.result.start);
            NS_TEST_EXPECT_MSG_EQ_TOL(md, 1.0, 0.05, so << ": MoE dispatch");
            std::cout << "  " << so << ": AllReduce hybrid / packet " << ar << ", MoE dispatch "
                      << md << " (background up to " << mh.peakBackground << ")\n";
        }
    }
};

class UbHybridTestSuite : public TestSuite
{
  public:
    UbHybridTestSuite()
        : TestSuite("unifiedbus-hybrid", TestSuite::Type::UNIT)
    {
        AddTestCase(new UbHybridBackgroundTestCase);
        AddTestCase(new UbHybridCollectivesTestCase);
    }
};

} // namespace

static UbHybridTestSuite g_ubHybridTestSuite;
