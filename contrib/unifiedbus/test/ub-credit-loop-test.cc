/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Credit-limited throughput of one link (validation-targets.md section 1), with the model's own
 * terms written into the formula:
 *
 *   goodput = min(W / S, N W / loop),  N = floor(B / c),
 *   loop = S + (P + d) + L_B + CF + (P + d)
 *
 * W wire bytes of a packet, c its credit cells, B the VL buffer in cells, S = ser(W), P the PHY
 * latency, d the propagation delay, L_B the receiver's pipeline latency (it frees the packet when
 * it delivers it), CF = ser(credit frame) on the reverse direction, ser(n) = ceil(8 n 10^12 / R).
 * The reverse direction carries no data here, so every return goes at once in a Crd_Ack (with
 * CreditReturn = Piggyback a return waits only for a busy wire, and rides a data packet that
 * starts then); the both-ways case below has B's data on that wire instead.
 *
 * Worked example of the validation target (C = 400 Gb/s, d = 100 ns, P = 4096 B on the wire):
 * loop = 81.92 + 200 + CF ns; with 16-B credit frames CF = 0.32 ns, so B = 4 KiB gives
 * 116.1 Gb/s (116.2 without the credit frame), 8 KiB 232.2 Gb/s, >= 16 KiB 400 Gb/s.
 * The measured rate must match within 1 % for every buffer size.
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
#include "ns3/ub-packet-source.h"
#include "ns3/ub-routing-helper.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-traffic-helper.h"
#include "ns3/uinteger.h"

#include <cmath>
#include <string>
#include <vector>

using namespace ns3;

namespace
{

struct LinkConfig
{
    uint32_t flitSize;
    bool ubFraming; // UB CRC framing, else Fixed with 0 overhead
    uint32_t flitsPerCell;
    uint32_t creditFrameBytes;
    uint64_t laneRateBps;
    double efficiency;
    int64_t phyPs;
    int64_t delayPs;
    int64_t receiverPipelinePs;
    uint32_t netPacketBytes;
};

struct Measured
{
    double rateBps;
    int64_t credits;
    int64_t initialCredits;
    uint32_t occupancy;
    uint32_t backArrivals;
    uint64_t creditFrames; // Crd_Ack blocks B sent
};

/**
 * Greedy sender A -> receiver B over one link with `bufferCells` per VL at B; returns the wire
 * rate measured over k full credit loops.
 */
Measured
RunLink(const LinkConfig& c,
        uint32_t bufferCells,
        uint32_t window,
        uint32_t loops,
        bool bothWays = false,
        const std::string& creditReturn = "Piggyback")
{
    ubtest::ResetSimulation();
    NodeContainer nodes;
    nodes.Create(2);
    UbHelper ub;
    ub.SetDeviceAttribute("Lanes", UintegerValue(4));
    ub.SetDeviceAttribute("LaneRate", DataRateValue(DataRate(c.laneRateBps)));
    ub.SetDeviceAttribute("EncodingEfficiency", DoubleValue(c.efficiency));
    ub.SetDeviceAttribute("PhyLatency", TimeValue(PicoSeconds(c.phyPs)));
    ub.SetDeviceAttribute("FlitSize", UintegerValue(c.flitSize));
    ub.SetDeviceAttribute("Framing",
                          EnumValue(c.ubFraming ? UbNetDevice::UB_CRC : UbNetDevice::FIXED));
    ub.SetDeviceAttribute("DlOverhead", UintegerValue(0));
    ub.SetDeviceAttribute("FlitsPerCell", UintegerValue(c.flitsPerCell));
    ub.SetDeviceAttribute("CreditFrameBytes", UintegerValue(c.creditFrameBytes));
    ub.SetDeviceAttribute("Mtu", UintegerValue(c.netPacketBytes));
    ub.SetDeviceAttribute("VlBufferCells", UintegerValue(bufferCells));
    ub.SetDeviceAttribute("CreditReturn", StringValue(creditReturn));
    ub.SetChannelAttribute("Delay", TimeValue(PicoSeconds(c.delayPs)));
    ub.SetSwitchAttribute("PipelineLatency", TimeValue(Time(0)));
    ub.SetSwitchAttribute("InjectionBufferBytes", UintegerValue(1 << 20));
    NetDeviceContainer devs = ub.Install(nodes.Get(0), nodes.Get(1));
    nodes.Get(1)->GetObject<UbSwitch>()->SetAttribute("PipelineLatency",
                                                      TimeValue(PicoSeconds(c.receiverPipelinePs)));
    UbRoutingHelper::PopulateShortestPaths(nodes);

    const uint32_t packets = window * loops + 1;
    UbTrafficHelper traffic;
    traffic.SetSourceAttribute("PacketSize",
                               UintegerValue(c.netPacketBytes - UbNetworkHeader::SIZE));
    traffic.SetSourceAttribute("MaxPackets", UintegerValue(packets));
    traffic.InstallSource(nodes.Get(0), nodes.Get(1)).Start(MicroSeconds(1));
    if (bothWays)
    {
        // B sends as much back, so that A's credits share B's wire with B's data.
        traffic.InstallSource(nodes.Get(1), nodes.Get(0)).Start(MicroSeconds(1));
    }

    std::vector<int64_t> arrivals;
    arrivals.reserve(packets);
    nodes.Get(1)->GetObject<UbSwitch>()->AddReceiveCallback(
        UbSwitch::ReceiveCallback([&arrivals](Ptr<Packet>, const UbPacketInfo&) {
            arrivals.push_back(Simulator::Now().GetPicoSeconds());
        }));
    uint32_t backArrivals = 0;
    nodes.Get(0)->GetObject<UbSwitch>()->AddReceiveCallback(UbSwitch::ReceiveCallback(
        [&backArrivals](Ptr<Packet>, const UbPacketInfo&) { ++backArrivals; }));
    Simulator::Stop(Seconds(1));
    Simulator::Run();

    Measured m{};
    Ptr<UbNetDevice> tx = DynamicCast<UbNetDevice>(devs.Get(0));
    Ptr<UbNetDevice> rx = DynamicCast<UbNetDevice>(devs.Get(1));
    if (arrivals.size() == packets)
    {
        uint64_t wire = static_cast<uint64_t>(tx->GetWireBytes(c.netPacketBytes));
        double span = static_cast<double>(arrivals[window * loops] - arrivals[0]) * 1e-12;
        m.rateBps = static_cast<double>(window) * loops * wire * 8.0 / span;
    }
    m.credits = tx->GetCredits(0);
    m.initialCredits = tx->GetInitialCredits(0);
    m.occupancy = rx->GetRxOccupancy(0) + tx->GetRxOccupancy(0);
    m.backArrivals = backArrivals;
    m.creditFrames = rx->GetCreditFramesSent();
    ubtest::ResetSimulation();
    return m;
}

class UbCreditLoopTestCase : public TestCase
{
  public:
    UbCreditLoopTestCase(std::string name, LinkConfig c, std::vector<uint32_t> windows)
        : TestCase(name),
          m_c(c),
          m_windows(std::move(windows))
    {
    }

  private:
    void DoRun() override
    {
        const LinkConfig& c = m_c;
        const uint64_t rate =
            static_cast<uint64_t>(std::llround(4.0L * c.laneRateBps * c.efficiency));
        const uint64_t flits = c.ubFraming ? ubtest::UbCrcFlits(c.netPacketBytes, c.flitSize)
                                           : (c.netPacketBytes + c.flitSize - 1) / c.flitSize;
        const uint64_t wire = flits * c.flitSize;
        const uint64_t cells = (flits + c.flitsPerCell - 1) / c.flitsPerCell;
        const int64_t S = ubtest::SerPs(wire, rate);
        const int64_t CF = ubtest::SerPs(c.creditFrameBytes, rate);
        const int64_t loop = S + 2 * (c.phyPs + c.delayPs) + c.receiverPipelinePs + CF;
        for (uint32_t n : m_windows)
        {
            // A buffer of n packets plus a partial cell short of the next one: floor(B / c) = n.
            uint32_t bufferCells = static_cast<uint32_t>(n * cells + cells - 1);
            double lineRate = static_cast<double>(wire) * 8.0 / (S * 1e-12);
            double windowRate = static_cast<double>(n) * wire * 8.0 / (loop * 1e-12);
            double expect = std::min(lineRate, windowRate);
            uint32_t loops = std::max(32u, 512u / n);
            Measured m = RunLink(c, bufferCells, n, loops);
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(m.rateBps / 1e9),
                                      expect / 1e9,
                                      expect / 1e9 * 0.01,
                                      "B = " << bufferCells << " cells (" << n
                                             << " packets): goodput in Gb/s");
            NS_TEST_EXPECT_MSG_EQ(
                UB_FIG(m.credits),
                m.initialCredits,
                "credits back at their initial value when idle, B = " << bufferCells);
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(m.occupancy), 0u, "receive buffer empty when idle");
        }
    }

    LinkConfig m_c;
    std::vector<uint32_t> m_windows;
};

/**
 * Both directions greedy with deep buffers, UB framing: A's credits go back on B's wire, which is
 * busy with B's data. Riding B's data headers they cost nothing, and each direction runs at the
 * line rate W / S. As one Crd_Ack per return (one per packet: all its cells are freed at once)
 * every packet of B is followed by a block: W / (S + CF) exactly, CF = ser(40 B).
 */
class UbCreditBothWaysTestCase : public TestCase
{
  public:
    UbCreditBothWaysTestCase()
        : TestCase("both directions busy: credits in data headers cost nothing, Crd_Ack frames "
                   "cost one block per packet")
    {
    }

  private:
    void DoRun() override
    {
        LinkConfig c{20, true, 8, 40, 112000000000ull, 0.9375, 20000, 50000, 5000, 4096};
        const uint64_t rate = 420000000000ull;
        const uint64_t wire = 20ull * ubtest::UbCrcFlits(c.netPacketBytes);
        const int64_t S = ubtest::SerPs(wire, rate);
        const int64_t CF = ubtest::SerPs(c.creditFrameBytes, rate);
        const uint32_t loops = 64;
        for (const char* mode : {"Piggyback", "Frames"})
        {
            bool pig = std::string(mode) == "Piggyback";
            Measured m = RunLink(c, 512, 8, loops, true, mode);
            double expect = static_cast<double>(wire) * 8.0 / ((S + (pig ? 0 : CF)) * 1e-12);
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(m.rateBps / 1e9),
                                      expect / 1e9,
                                      expect / 1e9 * 1e-4,
                                      mode << ": A's goodput in Gb/s with B's wire busy");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(m.backArrivals), 8u * loops + 1, "B's packets all came");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(m.credits), m.initialCredits, "credits back when idle");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(m.occupancy), 0u, "buffers empty when idle");
            if (pig)
            {
                // Only the returns due after B's last packet go in a block.
                NS_TEST_EXPECT_MSG_LT_OR_EQ(UB_FIG(m.creditFrames), 2u, "hardly any Crd_Ack");
            }
            else
            {
                NS_TEST_EXPECT_MSG_EQ(UB_FIG(m.creditFrames),
                                      8u * loops + 1,
                                      "one Crd_Ack per packet of A");
            }
        }
    }
};

class UbCreditLoopTestSuite : public TestSuite
{
  public:
    UbCreditLoopTestSuite()
        : TestSuite("unifiedbus-credit-loop", TestSuite::Type::UNIT)
    {
        // The worked example of validation-targets.md section 1: 400 Gb/s, d = 100 ns,
        // 4096-B packets on the wire (16-B flits, no framing overhead), 256-B cells.
        LinkConfig worked{16, false, 16, 16, 100000000000ull, 1.0, 0, 100000, 0, 4096};
        AddTestCase(new UbCreditLoopTestCase("worked example: 400 Gbps, d = 100 ns, 4 KiB packets",
                                             worked,
                                             {1, 2, 3, 4, 6, 8, 16}));
        // UB defaults: 20-B flits with CRC framing, 160-B cells, 40-B Crd_Ack frames,
        // 4 x 112 Gb/s x 120/128, PHY 20 ns, 50 ns of cable, receiver pipeline 5 ns.
        LinkConfig ub{20, true, 8, 40, 112000000000ull, 0.9375, 20000, 50000, 5000, 4096};
        AddTestCase(new UbCreditLoopTestCase("UB framing and cells, 420 Gbps, d = 50 ns",
                                             ub,
                                             {1, 2, 3, 4, 6, 12}));
        AddTestCase(new UbCreditBothWaysTestCase);
    }
};

UbCreditLoopTestSuite g_ubCreditLoopTestSuite;

} // namespace
