/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * DCQCN on RoCE-like links (roce-400g): a 2-to-1 incast through one switch, two endpoints each
 * Writing 1 GiB to a third over 400 GbE, long enough for alpha to settle (g = 1/256 per 55 us).
 * DCQCN's known behaviour (Zhu et al., SIGCOMM 2015, sections 5 and 6), measured from 60 % of
 * the ideal time to the first completion:
 *  - the two flows converge to a fair share: each sender's throughput is within 10 % of half the
 *    port's payload rate (400 Gb/s x 4096 / (4156 + 82));
 *  - the bottleneck stays busy: at least 90 % of the payload rate, and the whole incast drains
 *    at 90 % of it or better (DCQCN's cuts give up a few per cent; 4.9 % here);
 *  - the queue settles near the marking threshold: its time average is between a quarter of
 *    K_min and K_max (RED between EcnThreshold and EcnMaxThreshold), and PFC pauses no port
 *    after the first 200 us.
 * Without congestion control the same incast is held by PFC alone: the queue sits well above
 * K_max, at what the two inputs' buffers hold, and PAUSE frames go out all along.
 */
#include "ub-test-utils.h"

#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/test.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-topology-helper.h"
#include "ns3/uinteger.h"

#include <sstream>

using namespace ns3;

namespace
{

/// Bytes each sender Writes: long enough for alpha to settle (g = 1/256 per 55 us).
constexpr uint64_t kBytes = 1ULL << 30;

struct DcqcnFigures
{
    double done[2]{0, 0};   //!< each Write's completion (s after the start)
    double share[2]{0, 0};  //!< each sender's throughput over the second half (bit/s)
    double meanQueue{0};    //!< bottleneck queue, time average over the second half (B)
    uint64_t latePauses{0}; //!< PAUSE frames sent after the first 200 us
    uint64_t cnps{0};       //!< CNPs the senders received
    double lowestRate{0};   //!< the lowest paced rate a sender had (bit/s)
    uint32_t ok{0};
};

DcqcnFigures
RunDcqcnIncast(const std::string& cc)
{
    ubtest::ResetSimulation();
    ubtest::CountLosslessViolations();
    UbTopologyHelper sys;
    sys.SetPreset(UbPreset::Load("roce-400g"));
    std::istringstream in("node a npu\nnode b npu\nnode c npu\nnode s switch\n"
                          "link a s length=3\nlink b s length=3\nlink c s length=3\n");
    sys.Build(UbTopology::Parse(in, "incast-2-to-1"));
    Ptr<UbController> rx = sys.GetEndpoints().Get(2)->GetObject<UbController>();
    Ptr<UbController> tx[2] = {sys.GetEndpoints().Get(0)->GetObject<UbController>(),
                               sys.GetEndpoints().Get(1)->GetObject<UbController>()};
    for (auto& c : tx)
    {
        c->GetTransport()->SetAttribute("CongestionControl", StringValue(cc));
    }
    rx->GetTransport()->SetAttribute("CongestionControl", StringValue(cc));
    Ptr<UbSwitch> sw = sys.GetSwitches().Get(0)->GetObject<UbSwitch>();
    DcqcnFigures f;
    f.lowestRate = 400e9;
    const uint64_t bytes = kBytes;
    const Time start = MicroSeconds(1);
    for (uint32_t i = 0; i < 2; ++i)
    {
        Ptr<UbController> c = tx[i];
        Simulator::Schedule(start, [c, rx, &f, i, start]() {
            c->Write(rx->GetCna(),
                     bytes,
                     UbOrder::NO,
                     UbCompletionCallback([&f, i, start](const UbTransactionRecord& rec) {
                         f.ok += rec.ok ? 1 : 0;
                         f.done[i] = (rec.completed - start).GetSeconds();
                     }));
        });
    }
    // Sample every microsecond: the bottleneck's queue, the senders' data counters and rates.
    // 2 x 1 GiB at 400 Gb/s take about 44 ms; the measurement starts at 60 % of that.
    const double half = 0.6 * 2 * kBytes * 8 / 400e9;
    double queueSum = 0;
    uint32_t queueSamples = 0;
    uint64_t sentAtHalf[2] = {0, 0};
    double halfAt = 0;
    uint64_t pausesAt200 = 0;
    auto pauses = [&sys]() {
        uint64_t p = 0;
        for (uint32_t l = 0; l < sys.GetTopology().GetNLinks(); ++l)
        {
            for (uint32_t side = 0; side < 2; ++side)
            {
                p += sys.GetDevice(l, side)->GetPauseFramesSent();
            }
        }
        return p;
    };
    std::function<void()> sample = [&]() {
        const double now = Simulator::Now().GetSeconds();
        if (f.done[0] > 0 || f.done[1] > 0)
        {
            // The first Write ended: measure up to here.
            for (uint32_t i = 0; i < 2; ++i)
            {
                uint64_t sent = tx[i]->GetTransportStats().dataSent;
                f.share[i] = (sent - sentAtHalf[i]) * 4096.0 * 8 / (now - halfAt);
            }
            return;
        }
        if (now >= 200e-6 && pausesAt200 == 0)
        {
            pausesAt200 = pauses() + 1; // + 1: taken
        }
        if (now >= half)
        {
            if (halfAt == 0)
            {
                halfAt = now;
                for (uint32_t i = 0; i < 2; ++i)
                {
                    sentAtHalf[i] = tx[i]->GetTransportStats().dataSent;
                }
            }
            uint64_t q = 0;
            for (uint32_t p = 0; p < sw->GetNPorts(); ++p)
            {
                q += sw->GetQueuedBytes(p);
            }
            queueSum += q;
            ++queueSamples;
        }
        for (uint32_t i = 0; i < 2; ++i)
        {
            double r = tx[i]->GetTransport()->GetRate(rx->GetCna(), 0);
            if (r > 0)
            {
                f.lowestRate = std::min(f.lowestRate, r);
            }
        }
        Simulator::Schedule(MicroSeconds(1), sample);
    };
    Simulator::Schedule(start, sample);
    Simulator::Stop(MilliSeconds(100));
    Simulator::Run();
    f.meanQueue = queueSamples ? queueSum / queueSamples : 0;
    f.latePauses = pauses() - (pausesAt200 - 1);
    for (auto& c : tx)
    {
        f.cnps += c->GetTransportStats().cnpsReceived;
    }
    ubtest::ResetSimulation();
    return f;
}

class UbDcqcnIncastTestCase : public TestCase
{
  public:
    UbDcqcnIncastTestCase()
        : TestCase("DCQCN 2-to-1 incast on roce-400g: fair shares, busy bottleneck, queue near "
                   "the marking threshold, no PFC in steady state; without it PFC holds the queue")
    {
    }

  private:
    void DoRun() override
    {
        UbPreset roce = UbPreset::Load("roce-400g");
        const double kmin = std::stod(roce.Get("UbSwitch::EcnThreshold"));
        const double kmax = std::stod(roce.Get("UbSwitch::EcnMaxThreshold"));
        // The port carries 4096 payload bytes per 4156 + 82 on the wire.
        const double payloadRate = 400e9 * 4096 / (4156 + 82);
        const double ideal = 2.0 * kBytes * 8 / payloadRate;

        DcqcnFigures d = RunDcqcnIncast("Dcqcn");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(d.ok), 2U, "both Writes complete");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(d.cnps), 0U, "the senders heard CNPs");
        NS_TEST_EXPECT_MSG_LT(UB_FIG(d.lowestRate), 0.75 * 400e9, "and cut their rates");
        for (uint32_t i = 0; i < 2; ++i)
        {
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(d.share[i]),
                                      payloadRate / 2,
                                      0.1 * payloadRate / 2,
                                      "a fair share in the second half");
        }
        NS_TEST_EXPECT_MSG_GT(UB_FIG((d.share[0] + d.share[1]) / payloadRate),
                              0.9,
                              "the bottleneck stays at least 90 % busy");
        NS_TEST_EXPECT_MSG_LT(UB_FIG(std::max(d.done[0], d.done[1])),
                              ideal / 0.9,
                              "and the incast drains at 90 % of the port or better");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(d.meanQueue), 0.25 * kmin, "the queue near K_min");
        NS_TEST_EXPECT_MSG_LT(UB_FIG(d.meanQueue), kmax, "below K_max");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(d.latePauses), 0U, "no PAUSE once DCQCN has settled");

        DcqcnFigures none = RunDcqcnIncast("None");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(none.ok), 2U, "without DCQCN both Writes complete");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(none.meanQueue),
                              3 * kmin,
                              "PFC alone holds a deep queue: what the two inputs' buffers hold");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(none.latePauses), 0U, "and pauses all along");
    }
};

class UbDcqcnTestSuite : public TestSuite
{
  public:
    UbDcqcnTestSuite()
        : TestSuite("unifiedbus-dcqcn", TestSuite::Type::SYSTEM)
    {
        AddTestCase(new UbDcqcnIncastTestCase);
    }
};

UbDcqcnTestSuite g_ubDcqcnTestSuite;

} // namespace
