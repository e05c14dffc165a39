/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Zero-load latency of one packet over a link and over one and two switches, in cut-through and
 * store-and-forward, compared exactly (to the picosecond) with the analytic sum of its terms.
 *
 * Terms: L_A, L_B endpoint pipeline latencies; L_S switch pipeline latency; f = ser(one flit);
 * S = ser(whole framed packet); P = PHY latency; d = propagation (Delay + Length x 5 ns/m);
 * ser(n) = ceil(8 n 10^12 / R) ps; framing per UB Base Spec 2.0 section 4.3 (CRC mode).
 *
 *   link:                         t = t0 + L_A + S + (P + d) + L_B
 *   h hops, cut-through (equal R): t = t0 + L_A + h (P + d) + (h - 1)(f + L_S) + S + L_B
 *   h hops, store-and-forward:     t = t0 + L_A + h (P + d) + (h - 1) L_S + h S + L_B
 *   mixed rates, cut-through, per hop k (head H, tail T, start s, end e):
 *     s_k = H_{k-1}, e_k = max(s_k + S_k, T_{k-1} + f_k),
 *     H_k = s_k + f_k + P + d + L_{k+1}, T_k = e_k + P + d + L_{k+1}; t = T_h
 */
#include "ub-test-utils.h"

#include "ns3/data-rate.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/node-container.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/test.h"
#include "ns3/ub-helper.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-network-header.h"
#include "ns3/ub-routing-helper.h"
#include "ns3/ub-switch.h"
#include "ns3/uinteger.h"

#include <vector>

using namespace ns3;

namespace
{

constexpr int64_t PHY_PS = 17000;
constexpr int64_t DELAY_PS = 3000 + 2 * 5000; // Delay 3 ns + 2 m x 5 ns/m
constexpr int64_t LE_PS = 7000;               // endpoint pipeline
constexpr int64_t LS_PS = 110000;             // switch pipeline
constexpr int64_t T0_PS = 1000000;            // send time 1 us

/**
 * A line A - S1 - ... - Sk - B; lanes[i] = lanes of link i (both directions), 100 Gb/s per lane,
 * efficiency 1. Returns the delivery time of one packet of `appBytes` sent at t0.
 */
int64_t
RunLine(uint32_t nSwitches, const std::vector<uint8_t>& lanes, bool cutThrough, uint32_t appBytes)
{
    ubtest::ResetSimulation();
    NodeContainer nodes;
    nodes.Create(nSwitches + 2);
    UbHelper ub;
    ub.SetDeviceAttribute("LaneRate", DataRateValue(DataRate("100Gbps")));
    ub.SetDeviceAttribute("EncodingEfficiency", DoubleValue(1.0));
    ub.SetDeviceAttribute("PhyLatency", TimeValue(PicoSeconds(PHY_PS)));
    ub.SetChannelAttribute("Delay", TimeValue(NanoSeconds(3)));
    ub.SetChannelAttribute("Length", DoubleValue(2.0));
    ub.SetSwitchAttribute(
        "ForwardingMode",
        EnumValue(cutThrough ? UbSwitch::CUT_THROUGH : UbSwitch::STORE_AND_FORWARD));
    for (uint32_t i = 0; i + 1 < nodes.GetN(); ++i)
    {
        ub.SetDeviceAttribute("Lanes", UintegerValue(lanes.at(i)));
        ub.Install(nodes.Get(i), nodes.Get(i + 1));
    }
    for (uint32_t i = 0; i < nodes.GetN(); ++i)
    {
        bool endpoint = (i == 0 || i + 1 == nodes.GetN());
        nodes.Get(i)->GetObject<UbSwitch>()->SetAttribute(
            "PipelineLatency",
            TimeValue(PicoSeconds(endpoint ? LE_PS : LS_PS)));
    }
    UbRoutingHelper::PopulateShortestPaths(nodes);
    Ptr<UbSwitch> a = nodes.Get(0)->GetObject<UbSwitch>();
    Ptr<UbSwitch> b = nodes.Get(nodes.GetN() - 1)->GetObject<UbSwitch>();
    int64_t delivered = -1;
    b->AddReceiveCallback(UbSwitch::ReceiveCallback([&delivered](Ptr<Packet>, const UbPacketInfo&) {
        delivered = Simulator::Now().GetPicoSeconds();
    }));
    uint32_t dst = b->GetCna();
    Simulator::Schedule(PicoSeconds(T0_PS),
                        [a, dst, appBytes]() { a->Send(Create<Packet>(appBytes), dst, 0, 1); });
    Simulator::Run();
    ubtest::ResetSimulation();
    return delivered;
}

class UbLinkLatencyTestCase : public TestCase
{
  public:
    UbLinkLatencyTestCase()
        : TestCase("zero-load latency equals the analytic sum, to the picosecond")
    {
    }

  private:
    void DoRun() override
    {
        const uint64_t rate4 = 4ull * 100000000000ull;
        for (uint32_t appBytes : {500u, 4096u})
        {
            const uint32_t pkt = appBytes + UbNetworkHeader::SIZE;
            const uint64_t wire = 20ull * ubtest::UbCrcFlits(pkt);
            const int64_t S = ubtest::SerPs(wire, rate4);
            const int64_t f = ubtest::SerPs(20, rate4);
            const int64_t link = PHY_PS + DELAY_PS;
            for (bool ct : {true, false})
            {
                // Direct link.
                int64_t t = RunLine(0, {4}, ct, appBytes);
                NS_TEST_EXPECT_MSG_EQ(UB_FIG(t),
                                      T0_PS + LE_PS + S + link + LE_PS,
                                      "link, " << pkt << " B, " << (ct ? "CT" : "SAF"));
                for (uint32_t h : {2u, 3u})
                {
                    std::vector<uint8_t> lanes(h, 4);
                    t = RunLine(h - 1, lanes, ct, appBytes);
                    int64_t expect =
                        ct ? T0_PS + LE_PS + h * link + (h - 1) * (f + LS_PS) + S + LE_PS
                           : T0_PS + LE_PS + h * link + (h - 1) * LS_PS + h * S + LE_PS;
                    NS_TEST_EXPECT_MSG_EQ(UB_FIG(t),
                                          expect,
                                          h - 1 << " switch(es), " << pkt << " B, "
                                                << (ct ? "CT" : "SAF"));
                }
            }
            // Cut-through from a slow link (x2) into a fast one (x4): the output may not finish
            // before the tail has arrived, so the tail bound decides.
            const uint64_t rate2 = 2ull * 100000000000ull;
            const int64_t S2 = ubtest::SerPs(wire, rate2);
            const int64_t f2 = ubtest::SerPs(20, rate2);
            int64_t h0 = T0_PS + LE_PS;
            int64_t t0 = h0;
            // hop 1 (x2)
            int64_t s1 = h0;
            int64_t e1 = std::max(s1 + S2, t0 + f2);
            int64_t H1 = s1 + f2 + link + LS_PS;
            int64_t T1 = e1 + link + LS_PS;
            // hop 2 (x4)
            int64_t s2 = H1;
            int64_t e2 = std::max(s2 + S, T1 + f);
            int64_t T2 = e2 + link + LE_PS;
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(RunLine(1, {2, 4}, true, appBytes)),
                                  T2,
                                  "x2 into x4 cut-through, " << pkt << " B");
            NS_TEST_EXPECT_MSG_GT(UB_FIG(T1 + f), s2 + S, "the tail bound is the one exercised");
        }
    }
};

/**
 * An asymmetric link (x2 from A to B, x8 from B to A): each direction serializes at its own
 * lane count. One packet each way: t = L + ser_dir(W) + (P + d) + L.
 */
class UbAsymmetricLinkTestCase : public TestCase
{
  public:
    UbAsymmetricLinkTestCase()
        : TestCase("asymmetric link: each direction at its own lane count")
    {
    }

  private:
    void DoRun() override
    {
        ubtest::ResetSimulation();
        NodeContainer n;
        n.Create(2);
        UbHelper ub;
        ub.SetDeviceAttribute("LaneRate", DataRateValue(DataRate("100Gbps")));
        ub.SetDeviceAttribute("EncodingEfficiency", DoubleValue(1.0));
        ub.SetDeviceAttribute("PhyLatency", TimeValue(PicoSeconds(PHY_PS)));
        ub.SetChannelAttribute("Delay", TimeValue(NanoSeconds(3)));
        ub.SetChannelAttribute("Length", DoubleValue(2.0));
        ub.SetSwitchAttribute("PipelineLatency", TimeValue(PicoSeconds(LE_PS)));
        ub.InstallAsymmetric(n.Get(0), n.Get(1), 2, 8);
        UbRoutingHelper::PopulateShortestPaths(n);
        Ptr<UbSwitch> a = n.Get(0)->GetObject<UbSwitch>();
        Ptr<UbSwitch> b = n.Get(1)->GetObject<UbSwitch>();
        int64_t atB = -1;
        int64_t atA = -1;
        b->AddReceiveCallback(UbSwitch::ReceiveCallback(
            [&atB](Ptr<Packet>, const UbPacketInfo&) { atB = Simulator::Now().GetPicoSeconds(); }));
        a->AddReceiveCallback(UbSwitch::ReceiveCallback(
            [&atA](Ptr<Packet>, const UbPacketInfo&) { atA = Simulator::Now().GetPicoSeconds(); }));
        Simulator::Schedule(PicoSeconds(T0_PS),
                            [a, b]() { a->Send(Create<Packet>(1000), b->GetCna(), 0, 1); });
        Simulator::Schedule(PicoSeconds(T0_PS),
                            [a, b]() { b->Send(Create<Packet>(1000), a->GetCna(), 0, 1); });
        Simulator::Run();
        const uint64_t wire = 20ull * ubtest::UbCrcFlits(1000 + UbNetworkHeader::SIZE);
        const int64_t link = PHY_PS + DELAY_PS;
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(atB),
                              T0_PS + LE_PS + ubtest::SerPs(wire, 200000000000ull) + link + LE_PS,
                              "A to B at x2");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(atA),
                              T0_PS + LE_PS + ubtest::SerPs(wire, 800000000000ull) + link + LE_PS,
                              "B to A at x8");
        ubtest::ResetSimulation();
    }
};

class UbFramingTestCase : public TestCase
{
  public:
    UbFramingTestCase()
        : TestCase("UB CRC-mode framing: flits per packet size")
    {
    }

  private:
    void DoRun() override
    {
        Ptr<UbNetDevice> dev = CreateObject<UbNetDevice>();
        // Single block: ceil((L + 8) / 20). Spec examples: 64 B -> 4 flits, 256 B -> 14 flits.
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(dev->GetFlits(64)), 4u, "64-B packet");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(dev->GetFlits(256)), 14u, "256-B packet");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(dev->GetFlits(632)), 32u, "largest single-block packet");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(dev->GetFlits(633)), 33u, "a second block starts");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(dev->GetMaxFramedPacket()), 10142u, "16 blocks of 32 flits");
        for (uint32_t L = 1; L <= 10142; L += 7)
        {
            NS_TEST_ASSERT_MSG_EQ(UB_FIG(dev->GetFlits(L)),
                                  ubtest::UbCrcFlits(L),
                                  "packet of " << L << " B");
        }
        dev->SetAttribute("Framing", EnumValue(UbNetDevice::FIXED));
        dev->SetAttribute("DlOverhead", UintegerValue(6));
        dev->SetAttribute("FlitSize", UintegerValue(16));
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(dev->GetFlits(4090)), 256u, "fixed: ceil((4090 + 6) / 16)");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(dev->GetFlits(4091)), 257u, "fixed: one byte more");
        dev->Dispose();
    }
};

/// The network header is 12 bytes and its fields survive serialization.
class UbNetworkHeaderTestCase : public TestCase
{
  public:
    UbNetworkHeaderTestCase()
        : TestCase("network header: 12 bytes, fields round-trip")
    {
    }

  private:
    void DoRun() override
    {
        UbNetworkHeader h;
        h.SetSource(0xABCDEF);
        h.SetDestination(0x123456);
        h.SetServiceLevel(13);
        h.SetLoadBalance(0x5A);
        h.SetCci(0xBEEF);
        h.SetNextProtocol(5);
        h.SetRoutingType(2);
        Ptr<Packet> p = Create<Packet>(100);
        p->AddHeader(h);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(p->GetSize()), 112u, "12-byte header");
        UbNetworkHeader r;
        p->RemoveHeader(r);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r.GetSource()), 0xABCDEFu, "source CNA");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r.GetDestination()), 0x123456u, "destination CNA");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(+r.GetServiceLevel()), 13, "SL");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(+r.GetLoadBalance()), 0x5A, "LBF");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r.GetCci()), 0xBEEF, "CCI");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(+r.GetNextProtocol()), 5, "NLP");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(+r.GetRoutingType()), 2, "RT");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(p->GetSize()), 100u, "payload left");
    }
};

class UbLinkLatencyTestSuite : public TestSuite
{
  public:
    UbLinkLatencyTestSuite()
        : TestSuite("unifiedbus-latency", TestSuite::Type::UNIT)
    {
        AddTestCase(new UbFramingTestCase);
        AddTestCase(new UbNetworkHeaderTestCase);
        AddTestCase(new UbLinkLatencyTestCase);
        AddTestCase(new UbAsymmetricLinkTestCase);
    }
};

UbLinkLatencyTestSuite g_ubLinkLatencyTestSuite;

} // namespace
