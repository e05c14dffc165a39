/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Conservation and reproducibility on a small multi-switch network (a two-level Clos: 4 leaf
 * switches with 4 endpoints each, 2 spines) under random traffic: Poisson sources with random
 * destinations, sizes, service levels and lengths, drawn from ns-3 random streams.
 *
 * After the network drains:  packets injected = packets delivered; on every port and VL the
 * sender's credits equal their initial value and the receive buffer is empty; no VOQ holds a
 * packet. Checked for several seeds, with each path-selection policy, with a shared buffer pool
 * and a credit-return grain. Two runs with the same seed give the same event trace (times,
 * nodes, ports, sizes of every transmission and delivery) bit for bit; another seed does not.
 */
#include "ub-test-utils.h"

#include "ns3/data-rate.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/node-container.h"
#include "ns3/packet.h"
#include "ns3/random-variable-stream.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/test.h"
#include "ns3/ub-flow-tag.h"
#include "ns3/ub-helper.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-packet-source.h"
#include "ns3/ub-routing-helper.h"
#include "ns3/ub-routing-table.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-traffic-helper.h"
#include "ns3/uinteger.h"

#include <sstream>

using namespace ns3;

namespace
{

struct Variant
{
    UbRoutingTable::Selection selection;
    bool shared;    // shared buffer pool + small reserves
    uint32_t grain; // credit return grain (cells)
    bool cutThrough;
    uint8_t vls{2}; // VLs per link (more than UB_INLINE_VLS allocates their state)
};

struct Outcome
{
    uint64_t injected{0};
    uint64_t delivered{0};
    uint64_t queued{0};
    uint64_t txEvents{0};
    int64_t stallPs{0};
    uint64_t traceHash{1469598103934665603ull};
    std::string creditErrors;
};

inline void
HashIn(uint64_t& h, uint64_t v)
{
    for (int i = 0; i < 8; ++i)
    {
        h ^= (v >> (8 * i)) & 0xFF;
        h *= 1099511628211ull;
    }
}

Outcome
RunRandom(uint32_t run, const Variant& v)
{
    ubtest::ResetSimulation();
    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(run);
    UbHelper ub;
    ub.SetDeviceAttribute("Lanes", UintegerValue(4));
    ub.SetDeviceAttribute("LaneRate", DataRateValue(DataRate("100Gbps")));
    ub.SetDeviceAttribute("VlCount", UintegerValue(v.vls));
    ub.SetDeviceAttribute("CreditReturnGrain", UintegerValue(v.grain));
    ub.SetDeviceAttribute("CreditReturnTimeout", TimeValue(NanoSeconds(50)));
    if (v.shared)
    {
        ub.SetDeviceAttribute("VlBufferCells", UintegerValue(27));
        ub.SetDeviceAttribute("SharedBufferCells", UintegerValue(100));
    }
    else
    {
        ub.SetDeviceAttribute("VlBufferCells", UintegerValue(64));
    }
    ub.SetChannelAttribute("Delay", TimeValue(NanoSeconds(20)));
    ub.SetSwitchAttribute(
        "ForwardingMode",
        EnumValue(v.cutThrough ? UbSwitch::CUT_THROUGH : UbSwitch::STORE_AND_FORWARD));
    ub.SetRoutingAttribute("Selection", EnumValue(v.selection));
    ubtest::ClosNet net = ubtest::BuildClos(ub, 4, 4, 2);
    const NodeContainer& endpoints = net.endpoints;
    const NodeContainer& all = net.all;

    Ptr<UniformRandomVariable> u = CreateObject<UniformRandomVariable>();
    u->SetStream(1000);
    const uint32_t n = endpoints.GetN();
    int64_t stream = 2000;
    UbTrafficHelper traffic;
    for (uint32_t i = 0; i < n; ++i)
    {
        for (uint32_t k = 0; k < 3; ++k)
        {
            uint32_t dst = (i + 1 + u->GetInteger(0, n - 2)) % n;
            traffic.SetSourceAttribute("PacketSize", UintegerValue(u->GetInteger(64, 4096)));
            traffic.SetSourceAttribute("MaxPackets", UintegerValue(u->GetInteger(20, 120)));
            traffic.SetSourceAttribute("ServiceLevel", UintegerValue(u->GetInteger(0, 3)));
            traffic.SetSourceAttribute(
                "Rate",
                DataRateValue(DataRate(u->GetInteger(20, 200) * 1000000000ull)));
            traffic.SetSourceAttribute("Arrival", EnumValue(UbPacketSource::POISSON));
            ApplicationContainer app = traffic.InstallSource(endpoints.Get(i), endpoints.Get(dst));
            DynamicCast<UbPacketSource>(app.Get(0))->AssignStreams(stream++);
            app.Start(NanoSeconds(u->GetInteger(0, 5000)));
        }
    }

    Outcome o;
    auto* out = &o;
    for (uint32_t i = 0; i < all.GetN(); ++i)
    {
        Ptr<UbSwitch> sw = all.Get(i)->GetObject<UbSwitch>();
        uint32_t node = all.Get(i)->GetId();
        sw->TraceConnectWithoutContext("Deliver",
                                       MakeCallback(+[](Outcome* o,
                                                        uint32_t node,
                                                        Ptr<const Packet> p,
                                                        const UbPacketInfo& info) {
                                           HashIn(o->traceHash, Simulator::Now().GetPicoSeconds());
                                           HashIn(o->traceHash, node);
                                           HashIn(o->traceHash, p->GetSize());
                                           UbFlowTag tag;
                                           p->PeekPacketTag(tag);
                                           HashIn(o->traceHash, tag.GetFlowId());
                                       }).Bind(out, node));
        for (uint32_t p = 0; p < sw->GetNPorts(); ++p)
        {
            sw->GetPort(p)->TraceConnectWithoutContext(
                "PhyTxBegin",
                MakeCallback(+[](Outcome* o, uint32_t node, uint32_t port, Ptr<const Packet> pkt) {
                    ++o->txEvents;
                    HashIn(o->traceHash, Simulator::Now().GetPicoSeconds());
                    HashIn(o->traceHash, node * 1000 + port);
                    HashIn(o->traceHash, pkt->GetSize());
                }).Bind(out, node, p));
        }
    }
    Simulator::Stop(MilliSeconds(5));
    Simulator::Run();

    std::ostringstream err;
    for (uint32_t i = 0; i < all.GetN(); ++i)
    {
        Ptr<UbSwitch> sw = all.Get(i)->GetObject<UbSwitch>();
        o.injected += sw->GetInjectedPackets();
        o.delivered += sw->GetDeliveredPackets();
        o.queued += sw->GetQueuedPackets();
        for (uint32_t p = 0; p < sw->GetNPorts(); ++p)
        {
            Ptr<UbNetDevice> d = sw->GetPort(p);
            for (uint8_t vl = 0; vl < d->GetVlCount(); ++vl)
            {
                o.stallPs += d->GetCreditStallTime(vl).GetPicoSeconds();
                if (d->GetCredits(vl) != d->GetInitialCredits(vl) || d->GetRxOccupancy(vl) != 0)
                {
                    err << "node " << i << " port " << p << " VL " << +vl << ": credits "
                        << d->GetCredits(vl) << "/" << d->GetInitialCredits(vl) << ", occupancy "
                        << d->GetRxOccupancy(vl) << "; ";
                }
            }
            if (d->GetCredits(UB_MAX_VLS) != d->GetInitialCredits(UB_MAX_VLS) ||
                d->GetRxOccupancy(UB_MAX_VLS) != 0)
            {
                err << "node " << i << " port " << p << " shared pool: credits "
                    << d->GetCredits(UB_MAX_VLS) << "/" << d->GetInitialCredits(UB_MAX_VLS) << "; ";
            }
        }
    }
    o.creditErrors = err.str();
    ubtest::ResetSimulation();
    return o;
}

class UbConservationTestCase : public TestCase
{
  public:
    UbConservationTestCase(std::string name, Variant v)
        : TestCase(name),
          m_v(v)
    {
    }

  private:
    void DoRun() override
    {
        for (uint32_t run : {1u, 2u, 3u})
        {
            Outcome o = RunRandom(run, m_v);
            NS_TEST_EXPECT_MSG_GT(UB_FIG(o.injected),
                                  1000u,
                                  "run " << run << ": traffic was generated");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(o.delivered),
                                  o.injected,
                                  "run " << run << ": injected = delivered");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(o.queued), 0u, "run " << run << ": VOQs empty");
            NS_TEST_EXPECT_MSG_GT(UB_FIG(o.stallPs),
                                  0,
                                  "run " << run << ": credits ran out somewhere");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(o.creditErrors),
                                  "",
                                  "run " << run << ": credits back, buffers empty");
        }
    }

    Variant m_v;
};

class UbDeterminismTestCase : public TestCase
{
  public:
    UbDeterminismTestCase()
        : TestCase("same seed, same trace bit for bit; another seed, another trace")
    {
    }

  private:
    void DoRun() override
    {
        Variant v{UbRoutingTable::ADAPTIVE, true, 4, true};
        Outcome a = RunRandom(7, v);
        Outcome b = RunRandom(7, v);
        Outcome c = RunRandom(8, v);
        NS_TEST_EXPECT_MSG_GT(UB_FIG(a.txEvents), 1000u, "a busy trace");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(a.traceHash), b.traceHash, "same seed, same trace");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(a.txEvents),
                              b.txEvents,
                              "same seed, same number of transmissions");
        NS_TEST_EXPECT_MSG_NE(UB_FIG(a.traceHash), c.traceHash, "another seed, another trace");
    }
};

class UbConservationTestSuite : public TestSuite
{
  public:
    UbConservationTestSuite()
        : TestSuite("unifiedbus-conservation", TestSuite::Type::SYSTEM)
    {
        AddTestCase(new UbConservationTestCase("ECMP, cut-through",
                                               {UbRoutingTable::ECMP, false, 1, true}));
        AddTestCase(new UbConservationTestCase("spray, store-and-forward",
                                               {UbRoutingTable::SPRAY, false, 1, false}));
        AddTestCase(new UbConservationTestCase("adaptive, shared pool, grain 4",
                                               {UbRoutingTable::ADAPTIVE, true, 4, true}));
        AddTestCase(new UbConservationTestCase("single path, grain 8",
                                               {UbRoutingTable::SINGLE, false, 8, true}));
        AddTestCase(new UbConservationTestCase("adaptive, shared pool, grain 4, 4 VLs",
                                               {UbRoutingTable::ADAPTIVE, true, 4, true, 4}));
        AddTestCase(new UbDeterminismTestCase);
    }
};

UbConservationTestSuite g_ubConservationTestSuite;

} // namespace
