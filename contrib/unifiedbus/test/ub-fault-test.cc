/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Link faults. A 4-leaf, 2-spine Clos carries RTP Writes from the two endpoints of leaf 0 to the
 * six others; link leaf0-spine0 fails in the middle of the run. Expected:
 *  - every transaction completes (RTP retransmits what was lost);
 *  - after the detection time, nothing more is sent on the dead link and leaf0-spine1 carries
 *    leaf 0's traffic;
 *  - the packets counted lost in flight equal the packets that were on the link when it failed,
 *    counted independently from the devices' MacTx and MacRx traces (sent but never received);
 *  - the run is lossless otherwise: no drops anywhere else.
 * A lane fault halves a link's rate: a transfer over it takes twice as long (to within the
 * fixed latencies).
 */
#include "ub-test-utils.h"

#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/test.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-fault-helper.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-topology-helper.h"
#include "ns3/uinteger.h"

#include <sstream>

using namespace ns3;

namespace
{

UbTopology
SmallClos()
{
    std::istringstream in("nodes e 8 npu\nnodes leaf 4 switch\nnodes spine 2 switch\n"
                          "link e0 leaf0\nlink e1 leaf0\nlink e2 leaf1\nlink e3 leaf1\n"
                          "link e4 leaf2\nlink e5 leaf2\nlink e6 leaf3\nlink e7 leaf3\n"
                          "link leaf0 spine0 length=10\nlink leaf0 spine1 length=10\n"
                          "link leaf1 spine0 length=10\nlink leaf1 spine1 length=10\n"
                          "link leaf2 spine0 length=10\nlink leaf2 spine1 length=10\n"
                          "link leaf3 spine0 length=10\nlink leaf3 spine1 length=10\n");
    return UbTopology::Parse(in, "fault-clos");
}

class UbLinkFailureTestCase : public TestCase
{
  public:
    UbLinkFailureTestCase()
        : TestCase("a link fails under RTP traffic: every transaction completes, traffic moves to "
                   "the other spine, lost packets = packets on the link")
    {
    }

  private:
    void DoRun() override
    {
        ubtest::ResetSimulation();
        UbTopology t = SmallClos();
        const uint32_t dead = 8; // link leaf0 - spine0
        NS_TEST_ASSERT_MSG_EQ(
            UB_FIG(t.GetNode(t.GetLink(dead).a).name + "-" + t.GetNode(t.GetLink(dead).b).name),
            "leaf0-spine0",
            "the link under test");
        ubtest::CountLosslessViolations();
        UbTopologyHelper sys;
        sys.GetUbHelper().SetDeviceAttribute("Lanes", UintegerValue(4));
        sys.Build(t);
        for (uint32_t i = 0; i < sys.GetEndpoints().GetN(); ++i)
        {
            Ptr<UbController> c = sys.GetEndpoints().Get(i)->GetObject<UbController>();
            c->GetTransport()->SetAttribute("Mode", StringValue("Rtp"));
            c->GetTransport()->SetAttribute("Retransmission", StringValue("Selective"));
            c->GetTransport()->SetAttribute("TpChannels", UintegerValue(4));
            c->GetTransport()->SetAttribute("Multipath", StringValue("PerPacket"));
        }
        // On-link accounting from traces: packets taken for transmission minus packets accepted.
        int64_t onLink = 0;
        Ptr<UbNetDevice> d0 = sys.GetDevice(dead, 0);
        Ptr<UbNetDevice> d1 = sys.GetDevice(dead, 1);
        for (auto d : {d0, d1})
        {
            d->TraceConnectWithoutContext("MacTx", MakeCallback(+[](int64_t* n, Ptr<const Packet>) {
                                                       ++*n;
                                                   }).Bind(&onLink));
            d->TraceConnectWithoutContext("MacRx", MakeCallback(+[](int64_t* n, Ptr<const Packet>) {
                                                       --*n;
                                                   }).Bind(&onLink));
        }
        UbFaultHelper faults(sys);
        const Time failAt = MicroSeconds(6);
        faults.ScheduleLinkDown(dead, failAt);

        uint32_t issued = 0;
        uint32_t ok = 0;
        uint32_t failed = 0;
        for (uint32_t s : {0U, 1U})
        {
            Ptr<UbController> c = sys.GetEndpoints().Get(s)->GetObject<UbController>();
            for (uint32_t d = 2; d < 8; ++d)
            {
                uint32_t dst = sys.GetEndpoints().Get(d)->GetObject<UbController>()->GetCna();
                for (int k = 0; k < 3; ++k)
                {
                    ++issued;
                    Simulator::Schedule(MicroSeconds(1), [c, dst, &ok, &failed]() {
                        c->Write(dst,
                                 256 * 1024,
                                 UbOrder::NO,
                                 UbCompletionCallback([&ok, &failed](const UbTransactionRecord& r) {
                                     r.ok ? ++ok : ++failed;
                                 }));
                    });
                }
            }
        }
        uint64_t deadTxAtFailover = 0;
        uint64_t otherTxAtFailover = 0;
        Ptr<UbNetDevice> other = sys.GetDevice(dead + 1, 0); // leaf0 -> spine1
        Simulator::Schedule(failAt + NanoSeconds(101), [&]() {
            deadTxAtFailover = d0->GetTxPackets() + d1->GetTxPackets();
            otherTxAtFailover = other->GetTxPackets();
        });
        Simulator::Run();

        NS_TEST_EXPECT_MSG_EQ(UB_FIG(ok), issued, "every Write completes");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(failed), 0U, "none fails");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(faults.GetFailovers()), 1U, "one failover");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(d0->GetTxPackets() + d1->GetTxPackets()),
                              deadTxAtFailover,
                              "nothing sent on the dead link after the failover");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(other->GetTxPackets()),
                              otherTxAtFailover + 1000,
                              "leaf0-spine1 carries the traffic afterwards");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(faults.GetLostInFlight()), 0U, "the failure caught packets");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(static_cast<int64_t>(faults.GetLostInFlight())),
                              onLink,
                              "lost in flight = sent on the link and never received");
        uint64_t retrans = 0;
        uint64_t drops = 0;
        for (uint32_t i = 0; i < sys.GetEndpoints().GetN(); ++i)
        {
            retrans += sys.GetEndpoints()
                           .Get(i)
                           ->GetObject<UbController>()
                           ->GetTransportStats()
                           .retransmitted;
        }
        for (uint32_t l = 0; l < t.GetNLinks(); ++l)
        {
            for (uint32_t side = 0; side < 2; ++side)
            {
                drops += sys.GetDevice(l, side)->GetDropCount();
            }
        }
        NS_TEST_EXPECT_MSG_GT(UB_FIG(retrans), 0U, "RTP retransmitted the lost data");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(ubtest::LosslessViolations()),
                              0U,
                              "lossless apart from the fault: no packet met a full buffer");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(drops), 0U, "no drop-tail drops");
        ubtest::ResetSimulation();
    }
};

class UbLaneLossTestCase : public TestCase
{
  public:
    UbLaneLossTestCase()
        : TestCase("losing half the lanes halves a link's rate")
    {
    }

  private:
    double Run(bool loseLanes)
    {
        ubtest::ResetSimulation();
        std::istringstream in("node a npu\nnode b npu\nnode s switch\nlink a s\nlink s b\n");
        UbTopologyHelper sys;
        sys.Build(UbTopology::Parse(in, "pair"));
        UbFaultHelper faults(sys);
        if (loseLanes)
        {
            faults.ScheduleLaneLoss(1, 2, NanoSeconds(1)); // s - b: 4 lanes -> 2
        }
        Ptr<UbController> a = sys.GetNode("a")->GetObject<UbController>();
        uint32_t b = sys.GetNode("b")->GetObject<UbController>()->GetCna();
        double sec = 0;
        Simulator::Schedule(MicroSeconds(1), [&]() {
            a->Write(b,
                     16 << 20,
                     UbOrder::NO,
                     UbCompletionCallback([&sec](const UbTransactionRecord& r) {
                         sec = (r.completed - r.issued).GetSeconds();
                     }));
        });
        Simulator::Run();
        ubtest::ResetSimulation();
        return sec;
    }

    void DoRun() override
    {
        double full = Run(false);
        double half = Run(true);
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(half / full), 2.0, 0.05, "16 MiB over x2 instead of x4");
    }
};

class UbFaultTestSuite : public TestSuite
{
  public:
    UbFaultTestSuite()
        : TestSuite("unifiedbus-faults", TestSuite::Type::SYSTEM)
    {
        AddTestCase(new UbLinkFailureTestCase);
        AddTestCase(new UbLaneLossTestCase);
    }
};

UbFaultTestSuite g_ubFaultTestSuite;

} // namespace
