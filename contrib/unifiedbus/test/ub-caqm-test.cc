/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * C-AQM congestion control in a 16-to-1 incast of long Writes (2 MiB each) through one switch
 * at 400 Gb/s. Measured between 20 us and 80 % of the ideal completion time
 * (16 x 2 MiB x 8 / 400 Gb/s): the time-averaged bytes waiting at the bottleneck output, and its
 * utilization (busy time / window).
 *  - Congestion control off: the credit loop keeps every input buffer full: the bottleneck
 *    queue holds about 16 x 80 KiB.
 *  - C-AQM on: the mean queue is at most a fifth of that, the bottleneck stays within 5 % of
 *    line rate, and the senders' Writes complete within 10 % of each other (equal shares).
 */
#include "ub-test-utils.h"

#include "ns3/data-rate.h"
#include "ns3/double.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/test.h"
#include "ns3/ub-controller-helper.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-helper.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-routing-helper.h"
#include "ns3/ub-switch.h"

#include <algorithm>
#include <vector>

using namespace ns3;

namespace
{

struct IncastFigures
{
    double meanQueueBytes{0};
    double utilization{0};
    double firstDoneUs{0};
    double lastDoneUs{0};
    uint64_t marks{0};
    uint32_t completed{0};
};

IncastFigures
RunIncast(const std::string& cc)
{
    ubtest::ResetSimulation();
    const uint32_t n = 16;
    const uint64_t bytes = 2 << 20;
    NodeContainer senders;
    senders.Create(n);
    NodeContainer sw;
    sw.Create(1);
    NodeContainer rx;
    rx.Create(1);
    UbHelper ub;
    ub.SetDeviceAttribute("LaneRate", DataRateValue(DataRate("100Gbps")));
    ub.SetDeviceAttribute("EncodingEfficiency", DoubleValue(1.0));
    for (uint32_t i = 0; i < n; ++i)
    {
        ub.Install(senders.Get(i), sw.Get(0));
    }
    NetDeviceContainer bottleneck = ub.Install(sw.Get(0), rx.Get(0));
    NodeContainer all(senders, sw, rx);
    UbRoutingHelper::PopulateShortestPaths(all);
    UbControllerHelper ctl;
    ctl.SetTransportAttribute("CongestionControl", StringValue(cc));
    ctl.Install(senders);
    ctl.Install(rx);

    IncastFigures f;
    std::vector<double> done;
    uint32_t dst = rx.Get(0)->GetObject<UbController>()->GetCna();
    for (uint32_t i = 0; i < n; ++i)
    {
        Ptr<UbController> c = senders.Get(i)->GetObject<UbController>();
        Simulator::Schedule(MicroSeconds(1), [c, dst, bytes, &done]() {
            c->Write(dst,
                     bytes,
                     UbOrder::NO,
                     UbCompletionCallback([&done](const UbTransactionRecord& r) {
                         done.push_back((r.completed - r.issued).GetMicroSeconds());
                     }));
        });
    }
    Ptr<UbSwitch> s = sw.Get(0)->GetObject<UbSwitch>();
    Ptr<UbNetDevice> out = DynamicCast<UbNetDevice>(bottleneck.Get(0));
    const uint32_t port = out->GetPortIndex();
    const double t0 = 20e-6;
    const double t1 = 0.8 * n * bytes * 8.0 / 400e9;
    double q0 = 0;
    double q1 = 0;
    double b0 = 0;
    double b1 = 0;
    Simulator::Schedule(Seconds(t0), [&]() {
        q0 = s->GetQueueIntegral(port);
        b0 = out->GetBusyTime().GetSeconds();
    });
    Simulator::Schedule(Seconds(t1), [&]() {
        q1 = s->GetQueueIntegral(port);
        b1 = out->GetBusyTime().GetSeconds();
    });
    Simulator::Run();
    f.meanQueueBytes = (q1 - q0) / (t1 - t0);
    f.utilization = (b1 - b0) / (t1 - t0);
    f.completed = static_cast<uint32_t>(done.size());
    if (!done.empty())
    {
        f.firstDoneUs = *std::min_element(done.begin(), done.end());
        f.lastDoneUs = *std::max_element(done.begin(), done.end());
    }
    for (uint32_t i = 0; i < n; ++i)
    {
        f.marks += senders.Get(i)->GetObject<UbController>()->GetTransportStats().congestionMarks;
    }
    ubtest::ResetSimulation();
    return f;
}

class UbCaqmIncastTestCase : public TestCase
{
  public:
    UbCaqmIncastTestCase()
        : TestCase("C-AQM drains the incast queue at full throughput with equal shares")
    {
    }

  private:
    void DoRun() override
    {
        IncastFigures off = RunIncast("None");
        IncastFigures on = RunIncast("Caqm");
        NS_TEST_ASSERT_MSG_EQ(UB_FIG(off.completed),
                              16u,
                              "all Writes complete without congestion control");
        NS_TEST_ASSERT_MSG_EQ(UB_FIG(on.completed), 16u, "all Writes complete with C-AQM");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(off.meanQueueBytes),
                              16 * 60e3,
                              "without CC the input buffers stay full");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(off.marks), 0u, "no marks without CC");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(on.marks), 0u, "C-AQM marked packets");
        NS_TEST_EXPECT_MSG_LT(UB_FIG(on.meanQueueBytes),
                              off.meanQueueBytes / 5,
                              "C-AQM mean queue " << on.meanQueueBytes << " B vs "
                                                  << off.meanQueueBytes << " B without");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(on.utilization), 0.95, "bottleneck within 5 % of line rate");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(on.firstDoneUs),
                              0.9 * on.lastDoneUs,
                              "shares within 10 % (completions " << on.firstDoneUs << " .. "
                                                                 << on.lastDoneUs << " us)");
    }
};

class UbCaqmTestSuite : public TestSuite
{
  public:
    UbCaqmTestSuite()
        : TestSuite("unifiedbus-caqm", TestSuite::Type::SYSTEM)
    {
        AddTestCase(new UbCaqmIncastTestCase);
    }
};

UbCaqmTestSuite g_ubCaqmTestSuite;

} // namespace
