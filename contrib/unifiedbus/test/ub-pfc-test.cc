/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * RoCE-like scale-out incast with priority flow control (validation-targets.md section 2). On a
 * 2-leaf, 4-spine Clos of 400 GbE links with the roce-400g preset, 15 endpoints each Write 1 MiB
 * to endpoint 0. Expected:
 *  - no drops anywhere (PFC is lossless) and every Write completes;
 *  - PAUSE frames are sent (the receiver's leaf port cannot drain 15 senders) and ECN marks
 *    are counted at the congested output;
 *  - work conservation: the last byte lands after 15 x 1 MiB at the port's payload rate,
 *    400 Gb/s x 4096 / (4156 + 82) wire bytes per packet, plus the base latency, within 5 %.
 * The transports' congestion control is off: PFC alone. With the preset's DCQCN the incast stays
 * lossless and completes, with fewer PAUSE frames. The same incast without flow control and with
 * a small buffer drops packets, so the test can tell the two apart.
 */
#include "ub-test-utils.h"

#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/test.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-systems.h"
#include "ns3/ub-topology-helper.h"
#include "ns3/uinteger.h"

using namespace ns3;

namespace
{

struct IncastResult
{
    uint32_t ok{0};
    uint32_t failed{0};
    uint64_t drops{0};
    uint64_t violations{0};
    uint64_t pauses{0};
    uint64_t resumes{0};
    uint64_t ecn{0};
    double lastSeconds{0};
};

IncastResult
RunIncast(bool pfc, bool dcqcn = false)
{
    ubtest::ResetSimulation();
    ubtest::CountLosslessViolations();
    UbPreset preset = UbPreset::Load("roce-400g");
    UbSystems::PlanarClos p = UbSystems::FromPreset(preset, UbSystems::PlanarClos{});
    p.endpoints = 16;
    p.perLeaf = 8;
    p.spinesPerPlane = 4;
    p.planes = 1;
    UbTopologyHelper sys;
    sys.SetPreset(preset);
    if (!pfc)
    {
        sys.GetUbHelper().SetDeviceAttribute("FlowControl", StringValue("None"));
        sys.GetUbHelper().SetDeviceAttribute("VlBufferCells", UintegerValue(256));
    }
    sys.Build(UbSystems::BuildPlanarClos(p));
    IncastResult r;
    Ptr<UbController> sink = sys.GetEndpoints().Get(0)->GetObject<UbController>();
    if (!pfc)
    {
        sink->GetTransport()->SetAttribute("Mode", StringValue("Utp"));
    }
    Time start = MicroSeconds(1);
    for (uint32_t i = 1; i < 16; ++i)
    {
        Ptr<UbController> c = sys.GetEndpoints().Get(i)->GetObject<UbController>();
        if (!pfc)
        {
            c->GetTransport()->SetAttribute("Mode", StringValue("Utp"));
        }
        if (!dcqcn)
        {
            // PFC alone: the preset's DCQCN is tested in unifiedbus-dcqcn.
            c->GetTransport()->SetAttribute("CongestionControl", StringValue("None"));
        }
        Simulator::Schedule(start, [c, sink, &r, start]() {
            c->Write(sink->GetCna(),
                     1 << 20,
                     UbOrder::NO,
                     UbCompletionCallback([&r, start](const UbTransactionRecord& rec) {
                         rec.ok ? ++r.ok : ++r.failed;
                         r.lastSeconds =
                             std::max(r.lastSeconds, (rec.completed - start).GetSeconds());
                     }));
        });
    }
    Simulator::Stop(MilliSeconds(20));
    Simulator::Run();
    const UbTopology& t = sys.GetTopology();
    for (uint32_t l = 0; l < t.GetNLinks(); ++l)
    {
        for (uint32_t side = 0; side < 2; ++side)
        {
            Ptr<UbNetDevice> d = sys.GetDevice(l, side);
            r.drops += d->GetDropCount();
            r.violations += d->GetLosslessViolations();
            r.pauses += d->GetPauseFramesSent();
            r.resumes += d->GetResumeFramesSent();
        }
    }
    for (uint32_t i = 0; i < sys.GetSwitches().GetN(); ++i)
    {
        r.ecn += sys.GetSwitches().Get(i)->GetObject<UbSwitch>()->GetEcnMarks();
    }
    ubtest::ResetSimulation();
    return r;
}

class UbPfcIncastTestCase : public TestCase
{
  public:
    UbPfcIncastTestCase()
        : TestCase("roce-400g incast 15 to 1 with PFC: no drops, PAUSE frames and ECN marks "
                   "counted, work-conserving")
    {
    }

  private:
    void DoRun() override
    {
        IncastResult r = RunIncast(true);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r.ok), 15U, "every Write completes");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r.violations),
                              0U,
                              "PFC is lossless: no packet met a full buffer");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(r.pauses), 0U, "PAUSE frames were sent");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r.resumes), r.pauses, "every PAUSE was lifted by the end");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(r.ecn), 0U, "ECN marks at the congested port");
        // 15 MiB at the payload rate of one 400 GbE port: 256 packets of 4096 B per MiB, each
        // 4156 + 82 bytes on the wire.
        double packets = 15.0 * 256;
        double ideal = packets * (4156 + 82) * 8 / 400e9;
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(r.lastSeconds),
                                  ideal,
                                  ideal * 0.05,
                                  "work-conserving drain");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(r.lastSeconds), ideal, "not faster than the port");

        // With the preset's DCQCN the incast stays lossless and completes. DCQCN cuts the 15
        // senders by half per CNP while PFC holds 15 buffers at the port, so a burst this
        // short drains slower than PFC alone (DCQCN's known over-reaction to a deep queue).
        IncastResult dcqcn = RunIncast(true, true);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(dcqcn.ok), 15U, "with DCQCN every Write completes");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(dcqcn.violations), 0U, "and nothing is lost");
        NS_TEST_EXPECT_MSG_LT(UB_FIG(dcqcn.pauses), r.pauses, "with fewer PAUSE frames");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(dcqcn.lastSeconds), r.lastSeconds, "but a slower drain");

        IncastResult lossy = RunIncast(false);
        NS_TEST_EXPECT_MSG_GT(UB_FIG(lossy.drops),
                              0U,
                              "without flow control the same incast drops");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(lossy.pauses), 0U, "and sends no PAUSE");
    }
};

class UbPfcTestSuite : public TestSuite
{
  public:
    UbPfcTestSuite()
        : TestSuite("unifiedbus-pfc", TestSuite::Type::SYSTEM)
    {
        AddTestCase(new UbPfcIncastTestCase);
        AddTestCase(new ubtest::ExpectStopTestCase(
            "a PFC threshold without headroom names the port and the fix",
            []() {
                UbTopologyHelper sys;
                sys.SetPreset(UbPreset::Load("roce-400g"));
                sys.GetUbHelper().SetDeviceAttribute("PfcXoff", UintegerValue(262000));
                std::istringstream in("node a npu\nnode s switch\nlink a s length=100\n");
                sys.Build(UbTopology::Parse(in, "pfc"));
                Simulator::Run();
            },
            {"PfcXoff=262000", "headroom", "raise VlBufferCells"}));
    }
};

UbPfcTestSuite g_ubPfcTestSuite;

} // namespace
