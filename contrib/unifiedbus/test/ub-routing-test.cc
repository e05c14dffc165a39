/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Routing table and path selection.
 *  - Compaction: destinations sharing a candidate list share one copy, consecutive ones form
 *    one interval; lookups return exactly what was added; routes can change after first use.
 *  - UbRoutingHelper on a two-level Clos: every node has a route to every other; a leaf has one
 *    candidate per spine for remote destinations (all shortest paths), one for local ones.
 *  - Selection on a leaf with two uplinks to the same destination leaf, one x1 and one x4:
 *    Single uses one uplink only; ECMP keeps one flow on one uplink; Spray alternates packets
 *    (counts differ by at most one); Adaptive sends most packets over the faster uplink and
 *    finishes at least 20 % sooner than spraying.
 */
#include "ub-test-utils.h"

#include "ns3/data-rate.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/node-container.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/test.h"
#include "ns3/ub-helper.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-routing-helper.h"
#include "ns3/ub-routing-table.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-traffic-helper.h"
#include "ns3/uinteger.h"

using namespace ns3;

namespace
{

class UbRoutingTableTestCase : public TestCase
{
  public:
    UbRoutingTableTestCase()
        : TestCase("routing table compaction and lookup")
    {
    }

  private:
    void DoRun() override
    {
        Ptr<UbRoutingTable> t = CreateObject<UbRoutingTable>();
        for (uint32_t d = 0; d < 1000; ++d)
        {
            t->AddRoute(d, static_cast<uint16_t>(d < 500 ? 1 : 2));
            t->AddRoute(d, 7, 1); // a second candidate everywhere
        }
        t->AddRoute(2000, 3);
        uint32_t n = 0;
        const UbRouteCandidate* c = t->Lookup(10, n);
        NS_TEST_ASSERT_MSG_EQ(UB_FIG(n), 2u, "two candidates");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c[0].port), 1, "first candidate as added");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c[1].port), 7, "second candidate");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(+c[1].vl), 1, "VL kept");
        c = t->Lookup(999, n);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c[0].port), 2, "upper half");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t->Lookup(1500, n)), nullptr, "gap between 1000 and 2000");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), 0u, "gap: no candidates");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t->Lookup(2001, n)), nullptr, "beyond the last destination");
        c = t->Lookup(2000, n);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), 1u, "single route");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t->GetNDestinations()), 1001u, "destinations");
        // [0,500) [500,1000) gap [2000]: 4 intervals, 3 distinct sets.
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t->GetNIntervals()), 4u, "intervals");
        NS_TEST_EXPECT_MSG_LT(UB_FIG(t->GetMemoryBytes()),
                              512u,
                              "1001 destinations in a few hundred bytes");
        // Changing a route after use.
        t->AddRoute(600, 9);
        c = t->Lookup(600, n);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), 3u, "added candidate after compaction");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c[2].port), 9, "new candidate last");
        c = t->Lookup(601, n);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), 2u, "neighbour unchanged");
    }
};

class UbClosRoutesTestCase : public TestCase
{
  public:
    UbClosRoutesTestCase()
        : TestCase("shortest paths on a two-level Clos")
    {
    }

  private:
    void DoRun() override
    {
        ubtest::ResetSimulation();
        const uint32_t spines = 4;
        const uint32_t per = 2;
        UbHelper ub;
        ubtest::ClosNet net = ubtest::BuildClos(ub, 3, per, spines);
        const NodeContainer& all = net.all;
        const NodeContainer& eps = net.endpoints;
        const NodeContainer& leaf = net.leaves;
        for (uint32_t i = 0; i < all.GetN(); ++i)
        {
            Ptr<UbRoutingTable> t = all.Get(i)->GetObject<UbSwitch>()->GetRoutingTable();
            for (uint32_t j = 0; j < all.GetN(); ++j)
            {
                uint32_t n = 0;
                t->Lookup(all.Get(j)->GetObject<UbSwitch>()->GetCna(), n);
                if (i == j)
                {
                    NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), 0u, "no route to itself");
                    continue;
                }
                NS_TEST_EXPECT_MSG_GT(UB_FIG(n), 0u, "route from node " << i << " to node " << j);
            }
        }
        // Leaf 0 toward an endpoint of leaf 1: one candidate per spine.
        uint32_t n = 0;
        leaf.Get(0)->GetObject<UbSwitch>()->GetRoutingTable()->Lookup(
            eps.Get(per)->GetObject<UbSwitch>()->GetCna(),
            n);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), spines, "ECMP set = all spines");
        leaf.Get(0)->GetObject<UbSwitch>()->GetRoutingTable()->Lookup(
            eps.Get(1)->GetObject<UbSwitch>()->GetCna(),
            n);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), 1u, "local endpoint: its own port");
        ubtest::ResetSimulation();
    }
};

struct UplinkSplit
{
    uint64_t slow;  // packets over the x1 uplink
    uint64_t fast;  // packets over the x4 uplink
    int64_t lastPs; // last delivery
};

/// Packets carried by uplink 0 (x1) and uplink 1 (x4) of the sending leaf.
UplinkSplit
RunTwoUplinks(UbRoutingTable::Selection sel, uint32_t flows)
{
    ubtest::ResetSimulation();
    NodeContainer n;
    n.Create(6); // 0 sender, 1 leaf A, 2 spine x1, 3 spine x4, 4 leaf B, 5 receiver
    UbHelper ub;
    ub.SetDeviceAttribute("LaneRate", DataRateValue(DataRate("100Gbps")));
    ub.SetDeviceAttribute("EncodingEfficiency", DoubleValue(1.0));
    ub.SetRoutingAttribute("Selection", EnumValue(sel));
    ub.SetDeviceAttribute("Lanes", UintegerValue(8));
    ub.Install(n.Get(0), n.Get(1));
    ub.Install(n.Get(4), n.Get(5));
    ub.SetDeviceAttribute("Lanes", UintegerValue(1));
    NetDeviceContainer slow = ub.Install(n.Get(1), n.Get(2));
    ub.Install(n.Get(2), n.Get(4));
    ub.SetDeviceAttribute("Lanes", UintegerValue(4));
    NetDeviceContainer fast = ub.Install(n.Get(1), n.Get(3));
    ub.Install(n.Get(3), n.Get(4));
    UbRoutingHelper::PopulateShortestPaths(n);
    UbTrafficHelper traffic;
    traffic.SetSourceAttribute("PacketSize", UintegerValue(2048));
    traffic.SetSourceAttribute("MaxPackets", UintegerValue(1000 / flows));
    for (uint32_t f = 0; f < flows; ++f)
    {
        traffic.InstallSource(n.Get(0), n.Get(5)).Start(MicroSeconds(1));
    }
    int64_t last = 0;
    n.Get(5)->GetObject<UbSwitch>()->AddReceiveCallback(UbSwitch::ReceiveCallback(
        [&last](Ptr<Packet>, const UbPacketInfo&) { last = Simulator::Now().GetPicoSeconds(); }));
    Simulator::Stop(MilliSeconds(2));
    Simulator::Run();
    UplinkSplit r{slow.Get(0)->GetObject<UbNetDevice>()->GetTxPackets(),
                  fast.Get(0)->GetObject<UbNetDevice>()->GetTxPackets(),
                  last};
    ubtest::ResetSimulation();
    return r;
}

class UbSelectionTestCase : public TestCase
{
  public:
    UbSelectionTestCase()
        : TestCase("single, ECMP, spray, random and adaptive path selection")
    {
    }

  private:
    void DoRun() override
    {
        auto [s0, s1, sT] = RunTwoUplinks(UbRoutingTable::SINGLE, 4);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(s0 + s1), 1000u, "single: all delivered");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG((s0 == 0 || s1 == 0)), true, "single: one uplink only");

        auto [e0, e1, eT] = RunTwoUplinks(UbRoutingTable::ECMP, 1);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG((e0 == 0 || e1 == 0)),
                              true,
                              "ECMP: one flow stays on one uplink");

        auto [p0, p1, pT] = RunTwoUplinks(UbRoutingTable::SPRAY, 1);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(p0 + p1), 1000u, "spray: all delivered");
        NS_TEST_EXPECT_MSG_LT_OR_EQ(UB_FIG(std::max(p0, p1) - std::min(p0, p1)),
                                    1u,
                                    "spray alternates");

        // Random: each of the 1,000 packets picks an uplink on its own, binomial(1000, 1/2):
        // 500 +- 79 (5 sigma, sigma = sqrt(1000 / 4) = 15.8).
        auto [r0, r1, rT] = RunTwoUplinks(UbRoutingTable::RANDOM, 1);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r0 + r1), 1000u, "random: all delivered");
        NS_TEST_EXPECT_MSG_GT_OR_EQ(UB_FIG(r0), 421u, "random: a binomial share");
        NS_TEST_EXPECT_MSG_LT_OR_EQ(r0, 579u, "random: a binomial share");

        auto [a0, a1, aT] = RunTwoUplinks(UbRoutingTable::ADAPTIVE, 1);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(a0 + a1), 1000u, "adaptive: all delivered");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(a0),
                              0u,
                              "adaptive uses the slow uplink when the fast one is loaded");
        // The x4 uplink has 4 times the capacity: it should carry most of the packets, and the
        // transfer should end well before spraying's, which gives the x1 uplink half.
        NS_TEST_EXPECT_MSG_GT(UB_FIG(a1),
                              2 * a0,
                              "adaptive favours the faster uplink (" << a0 << "/" << a1 << ")");
        NS_TEST_EXPECT_MSG_LT(UB_FIG(static_cast<double>(aT)),
                              0.8 * static_cast<double>(pT),
                              "adaptive finishes before spraying (" << aT << " vs " << pT
                                                                    << " ps)");
    }
};

class UbRoutingTestSuite : public TestSuite
{
  public:
    UbRoutingTestSuite()
        : TestSuite("unifiedbus-routing", TestSuite::Type::UNIT)
    {
        AddTestCase(new UbRoutingTableTestCase);
        AddTestCase(new UbClosRoutesTestCase);
        AddTestCase(new UbSelectionTestCase);
    }
};

UbRoutingTestSuite g_ubRoutingTestSuite;

} // namespace
