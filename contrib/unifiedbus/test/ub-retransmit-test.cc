/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The retransmission timeout's defaults. A lossless fabric loses packets only to link errors, so
 * a loss-free run must never resend: every retransmission there is spurious.
 *  - Every preset at its default size, with its own transport settings and nothing else: an
 *    All-to-All of 64 KiB per pair and a ring AllReduce of 4 MiB over its first 64 endpoints
 *    (fewer if it has fewer; 16 for the CTP presets, which have no end-to-end retransmission)
 *    finish without a single retransmission, timeout or duplicate.
 *  - The check can fail: the same UB-Mesh All-to-All with the old default of 10 us resends, and
 *    since nothing was lost every packet resent arrives twice (spurious = retransmitted).
 */
#include "ub-test-utils.h"

#include "ns3/nstime.h"
#include "ns3/test.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-experiment.h"
#include "ns3/ub-preset.h"
#include "ns3/ub-topology-helper.h"
#include "ns3/ub-transport.h"

#include <algorithm>

using namespace ns3;

namespace
{

UbExperiment::CollectiveOutcome
RunOne(const std::string& preset,
       UbCollectiveOp op,
       uint64_t bytes,
       uint32_t ranks,
       Time rto = Time(0))
{
    UbExperiment::CollectiveRun run;
    run.preset = preset;
    run.npus = UbPreset::Load(preset).GetDefaultEndpoints();
    run.ranks = ranks;
    run.op = op;
    run.algo = op == UbCollectiveOp::ALL_TO_ALL ? UbCollectiveAlgo::DIRECT : UbCollectiveAlgo::RING;
    run.bytes = bytes;
    if (rto.IsStrictlyPositive())
    {
        run.setup = [rto](UbTopologyHelper& sys, UbCollectiveEngine&) {
            NodeContainer eps = sys.GetEndpoints();
            for (uint32_t i = 0; i < eps.GetN(); ++i)
            {
                eps.Get(i)->GetObject<UbController>()->GetTransport()->SetAttribute(
                    "RetransmitTimeout",
                    TimeValue(rto));
            }
        };
    }
    return UbExperiment::Run(run);
}

class UbNoSpuriousRetransmissionTestCase : public TestCase
{
  public:
    UbNoSpuriousRetransmissionTestCase()
        : TestCase("every preset: loss-free All-to-All and AllReduce never resend")
    {
    }

  private:
    void DoRun() override
    {
        for (const std::string& preset : UbPreset::List())
        {
            const UbPreset p = UbPreset::Load(preset);
            const uint32_t n = UbExperiment::CountEndpoints(preset, p.GetDefaultEndpoints());
            const bool rtp = !p.Has("UbTransport::Mode") || p.Get("UbTransport::Mode") == "Rtp";
            // CTP (the NVLink presets) has no end-to-end retransmission to misfire; 16 ranks
            // show that, at a sixteenth of the packets of 64 (256-B packets).
            const uint32_t ranks = std::min<uint32_t>(n, rtp ? 64 : 16);
            const std::pair<UbCollectiveOp, uint64_t> runs[] = {
                {UbCollectiveOp::ALL_TO_ALL, 65536ULL * ranks},
                {UbCollectiveOp::ALL_REDUCE, 4ULL << 20},
            };
            for (const auto& [op, bytes] : runs)
            {
                auto out = RunOne(preset, op, bytes, ranks);
                const std::string what =
                    preset + " " + UbCollectiveOpName(op) + " over " + std::to_string(ranks);
                NS_TEST_EXPECT_MSG_EQ(out.finished, true, what << ": finished");
                NS_TEST_EXPECT_MSG_GT(out.transport.dataSent, 0u, what << ": sent data");
                NS_TEST_EXPECT_MSG_EQ(out.transport.retransmitted, 0u, what << ": resent");
                NS_TEST_EXPECT_MSG_EQ(out.transport.timeouts, 0u, what << ": timeouts");
                NS_TEST_EXPECT_MSG_EQ(out.transport.duplicates, 0u, what << ": duplicates");
                if (rtp)
                {
                    // Every DATA packet was acknowledged: RTP's timer was armed all along.
                    NS_TEST_EXPECT_MSG_GT(out.transport.acksSent, 0u, what << ": acknowledged");
                }
            }
        }
    }
};

class UbSpuriousRetransmissionCountedTestCase : public TestCase
{
  public:
    UbSpuriousRetransmissionCountedTestCase()
        : TestCase("a 10-us timeout misfires under load, and every resend is counted spurious")
    {
    }

  private:
    void DoRun() override
    {
        auto out =
            RunOne("ubmesh-ub2", UbCollectiveOp::ALL_TO_ALL, 65536ULL * 64, 64, MicroSeconds(10));
        NS_TEST_ASSERT_MSG_EQ(out.finished, true, "finished");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(out.transport.retransmitted), 0u, "resent");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(out.transport.timeouts), 0u, "timed out");
        // Nothing was lost, so every resent packet arrived twice.
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(out.transport.duplicates),
                              out.transport.retransmitted,
                              "spurious = retransmitted");
    }
};

class UbRetransmitTestSuite : public TestSuite
{
  public:
    UbRetransmitTestSuite()
        : TestSuite("unifiedbus-retransmit", TestSuite::Type::SYSTEM)
    {
        AddTestCase(new UbSpuriousRetransmissionCountedTestCase);
        AddTestCase(new UbNoSpuriousRetransmissionTestCase);
    }
};

UbRetransmitTestSuite g_ubRetransmitTestSuite;

} // namespace
