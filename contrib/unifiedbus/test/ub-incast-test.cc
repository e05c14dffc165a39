/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * N -> 1 incast through one switch (validation-targets.md section 2), N = 2, 8, 32.
 *
 * Every sender sends K packets of W wire bytes; the switch's output to the receiver is the
 * bottleneck. Work-conserving bound: once the first packet is through, the output never idles,
 * so the last tail arrives at
 *
 *   T_ideal = t_first + (N K - 1) S,   S = ser(W) on the bottleneck,
 *
 * t_first being the arrival of the first packet (its zero-load latency). Checked: completion
 * within 1 % of T_ideal (measured from the start), zero drops in credit mode, and every
 * sender's share of the bottleneck within 5 % of the others' while all are active. The same
 * incast with FlowControl = None and a small buffer drops packets and counts them:
 * injected = delivered + dropped. The lossless check is shown to fail: a receiver that shrinks
 * its buffer below what it announced gets packets it cannot hold, which are counted (or, by
 * default, stop the run).
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
#include "ns3/ub-controller-helper.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-flow-tag.h"
#include "ns3/ub-helper.h"
#include "ns3/ub-invariants.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-network-header.h"
#include "ns3/ub-routing-helper.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-traffic-helper.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <map>
#include <vector>

using namespace ns3;

namespace
{

struct IncastResult
{
    int64_t startPs{0};
    int64_t firstPs{-1};
    int64_t lastPs{-1};
    uint64_t delivered{0};
    uint64_t injected{0};
    uint64_t drops{0};
    uint64_t violations{0};                           // lossless violations (counted, not aborted)
    std::map<uint32_t, std::vector<int64_t>> perFlow; // arrival times per flow
    int64_t serPs{0};
};

IncastResult
RunIncast(uint32_t n, uint32_t packetsEach, bool lossless, uint32_t bufferCells)
{
    ubtest::ResetSimulation();
    ubtest::CountLosslessViolations();
    NodeContainer senders;
    senders.Create(n);
    NodeContainer sw;
    sw.Create(1);
    NodeContainer rx;
    rx.Create(1);
    UbHelper ub;
    ub.SetDeviceAttribute("Lanes", UintegerValue(4));
    ub.SetDeviceAttribute("LaneRate", DataRateValue(DataRate("100Gbps")));
    ub.SetDeviceAttribute("EncodingEfficiency", DoubleValue(1.0));
    ub.SetDeviceAttribute("VlBufferCells", UintegerValue(bufferCells));
    ub.SetDeviceAttribute("FlowControl",
                          EnumValue(lossless ? UbNetDevice::CREDIT : UbNetDevice::NONE));
    ub.SetChannelAttribute("Delay", TimeValue(NanoSeconds(10)));
    ub.SetSwitchAttribute("InjectionBufferBytes", UintegerValue(1 << 16));
    for (uint32_t i = 0; i < n; ++i)
    {
        ub.Install(senders.Get(i), sw.Get(0));
    }
    NetDeviceContainer bottleneck = ub.Install(sw.Get(0), rx.Get(0));
    NodeContainer all(senders, sw, rx);
    UbRoutingHelper::PopulateShortestPaths(all);

    UbTrafficHelper traffic;
    traffic.SetSourceAttribute("PacketSize", UintegerValue(4096));
    traffic.SetSourceAttribute("MaxPackets", UintegerValue(packetsEach));
    ApplicationContainer apps = traffic.InstallIncast(senders, rx.Get(0));
    apps.Start(MicroSeconds(1));

    IncastResult r;
    r.startPs = MicroSeconds(1).GetPicoSeconds();
    auto* res = &r;
    rx.Get(0)->GetObject<UbSwitch>()->AddReceiveCallback(
        UbSwitch::ReceiveCallback([res](Ptr<Packet> p, const UbPacketInfo&) {
            int64_t now = Simulator::Now().GetPicoSeconds();
            if (res->firstPs < 0)
            {
                res->firstPs = now;
            }
            res->lastPs = now;
            ++res->delivered;
            UbFlowTag tag;
            p->PeekPacketTag(tag);
            res->perFlow[tag.GetFlowId()].push_back(now);
        }));
    Simulator::Stop(Seconds(1));
    Simulator::Run();
    Ptr<UbNetDevice> out = DynamicCast<UbNetDevice>(bottleneck.Get(0));
    r.serPs =
        out->GetSerializationTime(out->GetWireBytes(4096 + UbNetworkHeader::SIZE)).GetPicoSeconds();
    for (uint32_t i = 0; i < all.GetN(); ++i)
    {
        Ptr<UbSwitch> s = all.Get(i)->GetObject<UbSwitch>();
        r.injected += s->GetInjectedPackets();
        for (uint32_t p = 0; p < s->GetNPorts(); ++p)
        {
            r.drops += s->GetPort(p)->GetDropCount();
            r.violations += s->GetPort(p)->GetLosslessViolations();
        }
    }
    ubtest::ResetSimulation();
    return r;
}

class UbIncastTestCase : public TestCase
{
  public:
    explicit UbIncastTestCase(uint32_t n)
        : TestCase("lossless incast " + std::to_string(n) + " to 1"),
          m_n(n)
    {
    }

  private:
    void DoRun() override
    {
        const uint32_t k = 2048 / m_n; // 8 MiB in all
        IncastResult r = RunIncast(m_n, k, true, 512);
        NS_TEST_ASSERT_MSG_EQ(UB_FIG(r.delivered), uint64_t(m_n) * k, "every packet delivered");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r.violations), 0u, "lossless: no packet met a full buffer");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r.drops), 0u, "nothing dropped");
        double ideal = static_cast<double>(r.firstPs - r.startPs) +
                       static_cast<double>(uint64_t(m_n) * k - 1) * r.serPs;
        double actual = static_cast<double>(r.lastPs - r.startPs);
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(actual / ideal),
                                  1.0,
                                  0.01,
                                  "completion vs work-conserving bound");
        // Shares: packets each sender got through before the first sender finished.
        int64_t firstDone = INT64_MAX;
        for (const auto& [id, times] : r.perFlow)
        {
            firstDone = std::min(firstDone, times.back());
        }
        uint64_t lo = UINT64_MAX;
        uint64_t hi = 0;
        for (const auto& [id, times] : r.perFlow)
        {
            auto got = static_cast<uint64_t>(
                std::upper_bound(times.begin(), times.end(), firstDone) - times.begin());
            lo = std::min(lo, got);
            hi = std::max(hi, got);
        }
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r.perFlow.size()), m_n, "one flow per sender");
        NS_TEST_EXPECT_MSG_LT_OR_EQ(UB_FIG(static_cast<double>(hi)),
                                    static_cast<double>(lo) * 1.05,
                                    "senders' shares within 5 % (min " << lo << ", max " << hi
                                                                       << ")");
    }

    uint32_t m_n;
};

class UbDropTailIncastTestCase : public TestCase
{
  public:
    UbDropTailIncastTestCase()
        : TestCase("drop-tail incast 8 to 1 with a small buffer drops and counts")
    {
    }

  private:
    void DoRun() override
    {
        // 4108-B packets take 26 cells of 160 B; 60 cells hold two packets per input.
        IncastResult r = RunIncast(8, 64, false, 60);
        NS_TEST_EXPECT_MSG_GT(UB_FIG(r.drops), 0u, "drop-tail with a small buffer drops");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r.injected),
                              r.delivered + r.drops,
                              "injected = delivered + dropped");
        // The same buffer with credits: nothing lost.
        IncastResult lossless = RunIncast(8, 64, true, 60);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(lossless.violations),
                              0u,
                              "credit mode, same buffer: no packet met a full buffer");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(lossless.delivered),
                              8u * 64u,
                              "credit mode delivers everything");
    }
};

/// What a deliberately broken link did: packets injected, delivered, and lossless violations.
struct BrokenLinkResult
{
    uint64_t injected{0};
    uint64_t delivered{0};
    uint64_t violations{0};
    std::vector<std::string> invariants; //!< what UbInvariants::Check reported
};

/**
 * An endpoint sends 64 packets of 4 KiB through a switch whose output is 4 times slower than
 * its input (1 lane against 4), so the switch's input buffer fills. That buffer announced 60
 * cells when the link came up (two 26-cell packets); the test then shrinks it to 30, so the
 * sender's credits allow two packets where one fits.
 */
BrokenLinkResult
RunBrokenLink(bool count)
{
    ubtest::ResetSimulation();
    if (count)
    {
        ubtest::CountLosslessViolations();
    }
    NodeContainer nodes;
    nodes.Create(3); // endpoint, switch, endpoint
    UbHelper ub;
    ub.SetDeviceAttribute("VlBufferCells", UintegerValue(60));
    NetDeviceContainer in = ub.Install(nodes.Get(0), nodes.Get(1));
    ub.SetDeviceAttribute("Lanes", UintegerValue(1));
    ub.Install(nodes.Get(1), nodes.Get(2));
    UbRoutingHelper::PopulateShortestPaths(nodes);
    UbTrafficHelper traffic;
    traffic.SetSourceAttribute("PacketSize", UintegerValue(4096));
    traffic.SetSourceAttribute("MaxPackets", UintegerValue(64));
    traffic.InstallSource(nodes.Get(0), nodes.Get(2)).Start(MicroSeconds(1));
    for (uint32_t i = 0; i < nodes.GetN(); ++i)
    {
        nodes.Get(i)->Initialize();
    }
    in.Get(1)->SetAttribute("VlBufferCells", UintegerValue(30));
    Simulator::Run();
    BrokenLinkResult r;
    r.injected = nodes.Get(0)->GetObject<UbSwitch>()->GetInjectedPackets();
    r.delivered = nodes.Get(2)->GetObject<UbSwitch>()->GetDeliveredPackets();
    r.violations = ubtest::LosslessViolations();
    r.invariants = UbInvariants::Check().violations;
    UbInvariants::SkipEnd(); // broken on purpose: the end-of-run check would abort
    ubtest::ResetSimulation();
    return r;
}

class UbLosslessCheckTestCase : public TestCase
{
  public:
    UbLosslessCheckTestCase()
        : TestCase("the lossless check sees a buffer smaller than it announced")
    {
    }

  private:
    void DoRun() override
    {
        BrokenLinkResult r = RunBrokenLink(true);
        NS_TEST_EXPECT_MSG_GT(UB_FIG(r.violations), 0u, "violations are counted");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r.injected), 64u, "the source sent every packet");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r.delivered + r.violations),
                              r.injected,
                              "every packet is delivered or counted as a violation");
        // The end-of-run invariants report it too, naming the port and VL, and nothing else
        // (the violating packets are counted lost: packet and credit books still balance).
        NS_TEST_ASSERT_MSG_EQ(UB_FIG(r.invariants.size()), 1u, "one invariant fails");
        NS_TEST_EXPECT_MSG_EQ(
            ubtest::ContainsAll(r.invariants[0],
                                {"node 1 port 0 VL 0: " + std::to_string(r.violations) +
                                 " packet(s) arrived to a full buffer of a lossless link"}),
            true,
            r.invariants[0]);
        // By default the first violation stops the run, naming the node, port and VL.
        ubtest::ChildResult c = ubtest::RunInChild([]() { RunBrokenLink(false); });
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c.exitedNormally), false, "the run stops");
        NS_TEST_EXPECT_MSG_EQ(
            UB_FIG(ubtest::ContainsAll(c.output,
                                       {"UB lossless violation at UbNetDevice node 1 port 0 VL 0",
                                        "arrived to a full buffer (VL reserve 26/30 cells"})),
            true,
            "message names node, port, VL and the buffer: " << c.output);
    }
};

/// What an incast of Writes over RTP took: the last completion, and the bottleneck's wire.
struct RtpIncastResult
{
    int64_t makespanPs{0};     //!< from the issue to the last completion
    int64_t onePacketPs{0};    //!< one Write of one packet alone (zero load)
    int64_t serPs{0};          //!< one full data packet on the bottleneck
    int64_t blockPs{0};        //!< one Crd_Ack block on the bottleneck
    uint64_t packets{0};       //!< data packets through the bottleneck
    uint64_t creditFrames{0};  //!< Crd_Ack blocks on the bottleneck
    uint64_t piggybacked{0};   //!< data packets on the bottleneck that carried credits
    uint64_t retransmitted{0}; //!< RTP retransmissions (there must be none)
};

/**
 * `n` endpoints each Write `bytes` over RTP to one receiver through one switch, all issued at
 * 1 us, with the module's default links, buffers and transport. The switch's output to the
 * receiver is the bottleneck; the receiver's ACKs free cells at the switch, whose credits go
 * back over that same output.
 */
RtpIncastResult
RunRtpIncast(uint32_t n, uint64_t bytes, const std::string& creditReturn)
{
    RtpIncastResult r;
    for (bool alone : {true, false})
    {
        ubtest::ResetSimulation();
        NodeContainer eps;
        eps.Create(n + 1); // 0 = receiver
        NodeContainer sw;
        sw.Create(1);
        UbHelper ub;
        ub.SetDeviceAttribute("CreditReturn", StringValue(creditReturn));
        std::vector<Ptr<UbNetDevice>> toReceiver;
        for (uint32_t i = 0; i <= n; ++i)
        {
            NetDeviceContainer d = ub.Install(sw.Get(0), eps.Get(i));
            if (i == 0)
            {
                toReceiver.push_back(DynamicCast<UbNetDevice>(d.Get(0)));
            }
        }
        NodeContainer all(eps, sw);
        UbRoutingHelper::PopulateShortestPaths(all);
        UbControllerHelper ctl;
        ctl.Install(eps);
        Ptr<UbController> rx = eps.Get(0)->GetObject<UbController>();
        int64_t last = 0;
        uint32_t done = 0;
        auto cb = UbCompletionCallback([&](const UbTransactionRecord& t) {
            last = std::max(last, t.completed.GetPicoSeconds());
            ++done;
        });
        uint32_t senders = alone ? 1 : n;
        uint64_t size = alone ? 4096 : bytes;
        Simulator::Schedule(MicroSeconds(1), [&]() {
            for (uint32_t i = 1; i <= senders; ++i)
            {
                eps.Get(i)->GetObject<UbController>()->Write(rx->GetCna(), size, UbOrder::NO, cb);
            }
        });
        Simulator::Run();
        NS_ABORT_MSG_IF(done != senders, "RTP incast: not every Write completed");
        int64_t span = last - MicroSeconds(1).GetPicoSeconds();
        if (alone)
        {
            r.onePacketPs = span;
            continue;
        }
        r.makespanPs = span;
        Ptr<UbNetDevice> out = toReceiver[0];
        r.serPs = out->GetSerializationTime(out->GetWireBytes(4096 + 60)).GetPicoSeconds();
        r.blockPs = out->GetSerializationTime(40).GetPicoSeconds();
        r.packets = out->GetTxPackets();
        r.creditFrames = out->GetCreditFramesSent();
        r.piggybacked = out->GetPiggybackedCreditReturns();
        UbTransport::Stats ts = UbControllerHelper::SumTransportStats(all);
        r.retransmitted = ts.retransmitted;
    }
    ubtest::ResetSimulation();
    return r;
}

/**
 * The incast of the issue that brought credits into data headers: 15 endpoints Write 2 MiB each
 * to one (7,680 packets of 4,096 B, each acknowledged). The bottleneck's wire ideal is one
 * zero-load Write of one packet plus the other packets back to back on the bottleneck:
 *   T_ideal = T_1 + (N K - 1) S,
 * S the serialization of one 4,156-B packet (4,096 B + NTH, RTPH, BTAH, MAETAH) on it. With
 * credits riding the data headers the incast ends within 0.2 % of it and the bottleneck sends
 * no Crd_Ack while it is busy; with a Crd_Ack per return (the earlier model) every ACK the
 * receiver sends costs the bottleneck a 40-B block, which shows as about one block's time per
 * packet.
 */
class UbRtpIncastTestCase : public TestCase
{
  public:
    UbRtpIncastTestCase()
        : TestCase("RTP incast 15 to 1 of 2 MiB Writes: within 0.2 % of the wire ideal")
    {
    }

  private:
    void DoRun() override
    {
        const uint32_t n = 15;
        const uint64_t bytes = 2ull << 20;
        const uint64_t k = bytes / 4096;
        RtpIncastResult pig = RunRtpIncast(n, bytes, "Piggyback");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(pig.retransmitted), 0u, "no retransmission");
        // Data packets, and one RTP ACK per sender for its Write's TAACK.
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(pig.packets), n * k + n, "every data packet crossed once");
        double ideal = static_cast<double>(pig.onePacketPs) +
                       static_cast<double>(n * k - 1) * static_cast<double>(pig.serPs);
        // Exact: the bottleneck never idles once the first packet is through, and carries
        // nothing but data packets until the last.
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(static_cast<double>(pig.makespanPs)),
                              ideal,
                              "credits in data headers: the wire ideal, to the picosecond");
        NS_TEST_EXPECT_MSG_LT_OR_EQ(UB_FIG((pig.makespanPs / ideal - 1.0) * 100.0),
                                    0.2,
                                    "credits in data headers: % over the wire ideal");
        // Every return the bottleneck owes goes in a data header while it is busy; a Crd_Ack
        // goes only for the returns due after its last data packet.
        NS_TEST_EXPECT_MSG_LT_OR_EQ(UB_FIG(pig.creditFrames),
                                    n,
                                    "credits in data headers: hardly any Crd_Ack");
        RtpIncastResult fr = RunRtpIncast(n, bytes, "Frames");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(fr.retransmitted), 0u, "no retransmission (Frames)");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(fr.piggybacked), 0u, "Frames: nothing rides data headers");
        // One 40-B block per return (each ACK frees its cells at the switch). A block that falls
        // in a gap of the bottleneck costs nothing, so the extra time is at most the blocks'.
        double frameShare =
            static_cast<double>(fr.makespanPs - pig.makespanPs) /
            (static_cast<double>(fr.creditFrames) * static_cast<double>(fr.blockPs));
        // Each RTP ACK the receiver sends frees a cell at the switch: one block per return, as
        // many as the returns that rode data headers or went in blocks above (the timing moves
        // a few ACKs).
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(static_cast<double>(fr.creditFrames)),
                                  static_cast<double>(pig.creditFrames + pig.piggybacked),
                                  0.01 * static_cast<double>(fr.creditFrames),
                                  "Frames: one block per return");
        NS_TEST_EXPECT_MSG_GT(UB_FIG((fr.makespanPs / ideal - 1.0) * 100.0),
                              0.2,
                              "Frames: % over the wire ideal (the cost the old path shows)");
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(frameShare),
                                  1.0,
                                  0.05,
                                  "Frames: the extra time is the blocks' wire time ("
                                      << fr.creditFrames << " blocks, makespan " << fr.makespanPs
                                      << " ps against " << pig.makespanPs << " ps)");
    }
};

class UbIncastTestSuite : public TestSuite
{
  public:
    UbIncastTestSuite()
        : TestSuite("unifiedbus-incast", TestSuite::Type::SYSTEM)
    {
        for (uint32_t n : {2u, 8u, 32u})
        {
            AddTestCase(new UbIncastTestCase(n));
        }
        AddTestCase(new UbRtpIncastTestCase);
        AddTestCase(new UbDropTailIncastTestCase);
        AddTestCase(new UbLosslessCheckTestCase);
    }
};

UbIncastTestSuite g_ubIncastTestSuite;

} // namespace
