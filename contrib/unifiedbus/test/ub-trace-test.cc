/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Trace sources report what happened, and at the right times:
 *  - PhyTxBegin and PhyTxEnd fire once per packet, PhyTxEnd exactly ser(wire bytes) after
 *    PhyTxBegin on an idle link; MacRx fires once per packet at the receiver;
 *  - CreditStall begins and ends pair up per VL, and a stall appears when the VL buffer is one
 *    packet deep;
 *  - CreditReturn returns exactly the cells that were sent (sum over the run);
 *  - VlOccupancy ends at zero and never exceeds the VL buffer;
 *  - PhyRxDrop fires once per dropped packet in drop-tail mode;
 *  - a sink connected through a Config path (with its context) sees every packet, and none once
 *    it is disconnected (the device tests a mask of connected sources on each packet).
 */
#include "ub-test-utils.h"

#include "ns3/config.h"
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
#include "ns3/ub-switch.h"
#include "ns3/ub-traffic-helper.h"
#include "ns3/uinteger.h"

#include <map>

using namespace ns3;

namespace
{

struct Counters
{
    uint64_t txBegin{0};
    uint64_t txEnd{0};
    uint64_t macRx{0};
    uint64_t drops{0};
    std::map<uint8_t, int64_t> stallOpen;
    uint64_t stallBegins{0};
    uint64_t stallEnds{0};
    uint64_t returnedCells{0};
    uint32_t lastOccupancy{0};
    uint32_t maxOccupancy{0};
    int64_t lastBeginPs{-1};
    int64_t maxEndMinusBeginPs{0};
    int64_t minEndMinusBeginPs{INT64_MAX};
};

class UbTraceTestCase : public TestCase
{
  public:
    UbTraceTestCase()
        : TestCase("trace sources count and time what happened")
    {
    }

  private:
    void DoRun() override
    {
        ubtest::ResetSimulation();
        NodeContainer n;
        n.Create(2);
        UbHelper ub;
        ub.SetDeviceAttribute("Lanes", UintegerValue(4));
        ub.SetDeviceAttribute("LaneRate", DataRateValue(DataRate("100Gbps")));
        ub.SetDeviceAttribute("EncodingEfficiency", DoubleValue(1.0));
        // 4108-B packets are 26 cells; 51 cells hold one packet: the sender stalls each loop.
        ub.SetDeviceAttribute("VlBufferCells", UintegerValue(51));
        ub.SetChannelAttribute("Delay", TimeValue(NanoSeconds(100)));
        NetDeviceContainer d = ub.Install(n.Get(0), n.Get(1));
        UbRoutingHelper::PopulateShortestPaths(n);
        UbTrafficHelper traffic;
        traffic.SetSourceAttribute("PacketSize", UintegerValue(4096));
        traffic.SetSourceAttribute("MaxPackets", UintegerValue(100));
        traffic.InstallSource(n.Get(0), n.Get(1)).Start(MicroSeconds(1));

        Counters c;
        Ptr<UbNetDevice> tx = DynamicCast<UbNetDevice>(d.Get(0));
        Ptr<UbNetDevice> rx = DynamicCast<UbNetDevice>(d.Get(1));
        tx->TraceConnectWithoutContext("PhyTxBegin",
                                       MakeCallback(+[](Counters* c, Ptr<const Packet>) {
                                           ++c->txBegin;
                                           c->lastBeginPs = Simulator::Now().GetPicoSeconds();
                                       }).Bind(&c));
        tx->TraceConnectWithoutContext(
            "PhyTxEnd",
            MakeCallback(+[](Counters* c, Ptr<const Packet>) {
                ++c->txEnd;
                int64_t d = Simulator::Now().GetPicoSeconds() - c->lastBeginPs;
                c->maxEndMinusBeginPs = std::max(c->maxEndMinusBeginPs, d);
                c->minEndMinusBeginPs = std::min(c->minEndMinusBeginPs, d);
            }).Bind(&c));
        rx->TraceConnectWithoutContext("MacRx", MakeCallback(+[](Counters* c, Ptr<const Packet>) {
                                                    ++c->macRx;
                                                }).Bind(&c));
        tx->TraceConnectWithoutContext("CreditStall",
                                       MakeCallback(+[](Counters* c, uint8_t vl, bool begin) {
                                           if (begin)
                                           {
                                               ++c->stallBegins;
                                               c->stallOpen[vl]++;
                                           }
                                           else
                                           {
                                               ++c->stallEnds;
                                               c->stallOpen[vl]--;
                                           }
                                       }).Bind(&c));
        tx->TraceConnectWithoutContext(
            "CreditReturn",
            MakeCallback(+[](Counters* c, uint8_t vl, uint32_t res, uint32_t sh, Time at) {
                c->returnedCells += res + sh;
            }).Bind(&c));
        rx->TraceConnectWithoutContext(
            "VlOccupancy",
            MakeCallback(+[](Counters* c, Time at, uint8_t vl, uint32_t cells) {
                c->lastOccupancy = cells;
                c->maxOccupancy = std::max(c->maxOccupancy, cells);
            }).Bind(&c));
        Simulator::Stop(MilliSeconds(1));
        Simulator::Run();
        // Make the receiver report its last releases and the sender absorb the last credits.
        rx->GetRxOccupancy(0);
        tx->GetCredits(0);

        const int64_t ser = ubtest::SerPs(20ull * ubtest::UbCrcFlits(4108), 400000000000ull);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c.txBegin), 100u, "PhyTxBegin once per packet");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c.txEnd), 100u, "PhyTxEnd once per packet");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c.minEndMinusBeginPs),
                              ser,
                              "PhyTxEnd = PhyTxBegin + ser(wire)");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c.maxEndMinusBeginPs),
                              ser,
                              "PhyTxEnd = PhyTxBegin + ser(wire)");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c.macRx), 100u, "MacRx once per packet");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(c.stallBegins), 50u, "a one-packet buffer stalls the sender");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c.stallBegins), c.stallEnds, "stalls begin and end in pairs");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c.stallOpen[0]), 0, "no stall left open");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c.returnedCells), 100u * 26u, "every cell sent came back");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c.lastOccupancy), 0u, "the buffer ends empty");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c.maxOccupancy),
                              26u,
                              "one packet at a time in a one-packet buffer");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(tx->GetCreditStallTime(0).GetPicoSeconds()),
                              0,
                              "stall time counted");
        ubtest::ResetSimulation();

        // Drop-tail: one PhyRxDrop per drop.
        NodeContainer m;
        m.Create(4);
        UbHelper lossy;
        lossy.SetDeviceAttribute("FlowControl", EnumValue(UbNetDevice::NONE));
        lossy.SetDeviceAttribute("VlBufferCells", UintegerValue(30));
        lossy.Install(m.Get(0), m.Get(2));
        lossy.Install(m.Get(1), m.Get(2));
        lossy.Install(m.Get(2), m.Get(3));
        UbRoutingHelper::PopulateShortestPaths(m);
        UbTrafficHelper t2;
        t2.SetSourceAttribute("MaxPackets", UintegerValue(50));
        t2.InstallSource(m.Get(0), m.Get(3)).Start(MicroSeconds(1));
        t2.InstallSource(m.Get(1), m.Get(3)).Start(MicroSeconds(1));
        uint64_t traced = 0;
        Ptr<UbSwitch> sw = m.Get(2)->GetObject<UbSwitch>();
        for (uint32_t p = 0; p < sw->GetNPorts(); ++p)
        {
            sw->GetPort(p)->TraceConnectWithoutContext(
                "PhyRxDrop",
                MakeCallback(+[](uint64_t* n, Ptr<const Packet>) { ++*n; }).Bind(&traced));
        }
        Simulator::Stop(MilliSeconds(1));
        Simulator::Run();
        uint64_t counted = 0;
        for (uint32_t p = 0; p < sw->GetNPorts(); ++p)
        {
            counted += sw->GetPort(p)->GetDropCount();
        }
        NS_TEST_EXPECT_MSG_GT(UB_FIG(counted), 0u, "the switch dropped");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(traced), counted, "PhyRxDrop once per drop");
        ubtest::ResetSimulation();
    }
};

/// Config::Connect and Config::Disconnect on MacTx, MacRx and PhyTxBegin.
class UbTraceConnectTestCase : public TestCase
{
  public:
    UbTraceConnectTestCase()
        : TestCase("a trace sink connected by Config path sees every packet until disconnected")
    {
    }

  private:
    static void Count(uint64_t* n, std::string context, Ptr<const Packet>)
    {
        *n += context.empty() ? 0 : 1;
    }

    void DoRun() override
    {
        ubtest::ResetSimulation();
        NodeContainer n;
        n.Create(2);
        UbHelper ub;
        NetDeviceContainer d = ub.Install(n.Get(0), n.Get(1));
        UbRoutingHelper::PopulateShortestPaths(n);
        UbTrafficHelper traffic;
        traffic.SetSourceAttribute("PacketSize", UintegerValue(1024));
        traffic.SetSourceAttribute("MaxPackets", UintegerValue(200));
        traffic.SetSourceAttribute("Rate", DataRateValue(DataRate("10Gbps")));
        traffic.InstallSource(n.Get(0), n.Get(1)).Start(MicroSeconds(1));
        uint64_t macTx = 0;
        uint64_t txBegin = 0;
        uint64_t macRx = 0;
        const std::string tx =
            "/NodeList/" + std::to_string(n.Get(0)->GetId()) + "/DeviceList/*/$ns3::UbNetDevice/";
        const std::string rx =
            "/NodeList/" + std::to_string(n.Get(1)->GetId()) + "/DeviceList/*/$ns3::UbNetDevice/";
        auto cbTx = MakeBoundCallback(&Count, &macTx);
        auto cbBegin = MakeBoundCallback(&Count, &txBegin);
        auto cbRx = MakeBoundCallback(&Count, &macRx);
        Config::Connect(tx + "MacTx", cbTx);
        Config::Connect(tx + "PhyTxBegin", cbBegin);
        Config::Connect(rx + "MacRx", cbRx);
        // 1024-B packets at 10 Gb/s: one every 819 ns; about 60 have gone at 50 us.
        Simulator::Stop(MicroSeconds(50));
        Simulator::Run();
        Ptr<UbNetDevice> sender = DynamicCast<UbNetDevice>(d.Get(0));
        Ptr<UbNetDevice> receiver = DynamicCast<UbNetDevice>(d.Get(1));
        const uint64_t sentThen = sender->GetTxPackets();
        const uint64_t receivedThen = receiver->GetRxPackets();
        NS_TEST_EXPECT_MSG_GT(UB_FIG(sentThen), 10u, "packets went before the disconnection");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(macTx), sentThen, "MacTx (with context) once per packet");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(txBegin), sentThen, "PhyTxBegin once per packet");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(macRx), receivedThen, "MacRx once per packet");
        Config::Disconnect(tx + "MacTx", cbTx);
        Config::Disconnect(rx + "MacRx", cbRx);
        Simulator::Stop(MilliSeconds(1));
        Simulator::Run();
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(sender->GetTxPackets()), 200u, "all packets went");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(macTx), sentThen, "MacTx silent once disconnected");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(macRx), receivedThen, "MacRx silent once disconnected");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(txBegin), 200u, "PhyTxBegin, still connected, saw all");
        ubtest::ResetSimulation();
    }
};

class UbTraceTestSuite : public TestSuite
{
  public:
    UbTraceTestSuite()
        : TestSuite("unifiedbus-traces", TestSuite::Type::UNIT)
    {
        AddTestCase(new UbTraceTestCase);
        AddTestCase(new UbTraceConnectTestCase);
    }
};

UbTraceTestSuite g_ubTraceTestSuite;

} // namespace
