/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Transaction layer over the transport, without losses.
 *
 * Zero-load latency (exact, cut-through, equal link rates R, endpoint bandwidth E >= R):
 *   F(P)      = h (PHY + d) + (h - 1)(f + L_S) + S(P)       fabric, h links, packet of P bytes
 *   e(P)      = ser_E(P)                                       endpoint serialization
 *   Write(B)  = L_init + e(P_1) + L_A + F(P_1) + sum_{k>=2} S(P_k) + L_B
 *               + L_tgt + e(44) + L_B + F(44) + L_A
 *   Read(B)   = L_init + e(60) + L_A + F(60) + L_B
 *               + L_tgt + e(R_1) + L_B + F(R_1) + sum_{k>=2} S(R_k) + L_A
 * P_k = 12 + 16 + 16 + 16 + payload_k (NTH, RTPH, BTAH, MAETAH), R_k = 12 + 16 + 16 + payload_k
 * (Read response: NTH, RTPH, ATAH), the TAACK is 12 + 16 + 16 = 44 B, payload_k <= Mtu, and
 * S(P) = ser_R(20 x UbCrcFlits(P)). Packets after the first follow it back to back on every link
 * (the sum term), since E >= R.
 *
 * Throughput of one large Write: R x Mtu / (20 x UbCrcFlits(Mtu + 60)), within 1 %.
 */
#include "ub-test-utils.h"

#include "ns3/data-rate.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/node-container.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/test.h"
#include "ns3/ub-controller-helper.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-helper.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-routing-helper.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-transaction-header.h"
#include "ns3/ub-transport.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <set>
#include <vector>

using namespace ns3;

namespace
{

constexpr int64_t PHY_PS = 17000;
constexpr int64_t DELAY_PS = 13000; // Delay 3 ns + 2 m x 5 ns/m
constexpr int64_t LE_PS = 7000;
constexpr int64_t LS_PS = 110000;
constexpr int64_t LINIT_PS = 50000;
constexpr int64_t LTGT_PS = 80000;
constexpr uint64_t RATE = 400000000000ull; // 4 x 100 Gb/s, efficiency 1
constexpr uint64_t EP_RATE = 800000000000ull;
constexpr uint32_t MTU = 4096;

/// A line of `switches` switches between endpoints A (node 0) and B (node 1).
NodeContainer
BuildLine(uint32_t switches, const std::string& transport = "Rtp")
{
    NodeContainer n;
    n.Create(2 + switches);
    UbHelper ub;
    ub.SetDeviceAttribute("LaneRate", DataRateValue(DataRate("100Gbps")));
    ub.SetDeviceAttribute("EncodingEfficiency", DoubleValue(1.0));
    ub.SetDeviceAttribute("PhyLatency", TimeValue(PicoSeconds(PHY_PS)));
    ub.SetChannelAttribute("Delay", TimeValue(NanoSeconds(3)));
    ub.SetChannelAttribute("Length", DoubleValue(2.0));
    std::vector<uint32_t> order{0};
    for (uint32_t s = 0; s < switches; ++s)
    {
        order.push_back(2 + s);
    }
    order.push_back(1);
    for (std::size_t i = 0; i + 1 < order.size(); ++i)
    {
        ub.Install(n.Get(order[i]), n.Get(order[i + 1]));
    }
    for (uint32_t i = 0; i < n.GetN(); ++i)
    {
        n.Get(i)->GetObject<UbSwitch>()->SetAttribute(
            "PipelineLatency",
            TimeValue(PicoSeconds(i < 2 ? LE_PS : LS_PS)));
    }
    UbRoutingHelper::PopulateShortestPaths(n);
    UbControllerHelper ctl;
    ctl.SetAttribute("Mtu", UintegerValue(MTU));
    ctl.SetAttribute("EndpointBandwidth", DataRateValue(DataRate(EP_RATE)));
    ctl.SetAttribute("InitiatorLatency", TimeValue(PicoSeconds(LINIT_PS)));
    ctl.SetAttribute("TargetLatency", TimeValue(PicoSeconds(LTGT_PS)));
    ctl.SetTransportAttribute("Mode", StringValue(transport));
    ctl.Install(n.Get(0));
    ctl.Install(n.Get(1));
    return n;
}

int64_t
S(uint32_t bytes)
{
    return ubtest::SerPs(20ull * ubtest::UbCrcFlits(bytes), RATE);
}

int64_t
E(uint32_t bytes)
{
    return ubtest::SerPs(bytes, EP_RATE);
}

int64_t
F(uint32_t bytes, uint32_t h)
{
    const int64_t f = ubtest::SerPs(20, RATE); // one flit
    return h * (PHY_PS + DELAY_PS) + (h - 1) * (f + LS_PS) + S(bytes);
}

/// Packet sizes (network layer) of a transfer of `bytes` with `headers` bytes per packet.
std::vector<uint32_t>
Packets(uint64_t bytes, uint32_t headers)
{
    std::vector<uint32_t> v;
    for (uint64_t off = 0; off < bytes; off += MTU)
    {
        v.push_back(static_cast<uint32_t>(std::min<uint64_t>(MTU, bytes - off)) + headers);
    }
    return v;
}

/// Latency of one operation issued at 1 us.
int64_t
RunOne(UbOp op, uint64_t bytes, uint32_t switches)
{
    ubtest::ResetSimulation();
    NodeContainer n = BuildLine(switches);
    Ptr<UbController> a = n.Get(0)->GetObject<UbController>();
    int64_t latency = -1;
    Simulator::Schedule(MicroSeconds(1), [&]() {
        auto cb = UbCompletionCallback([&latency](const UbTransactionRecord& r) {
            latency = (r.completed - r.issued).GetPicoSeconds();
        });
        if (op == UbOp::READ)
        {
            a->Read(1, bytes, UbOrder::NO, cb);
        }
        else
        {
            a->Write(1, bytes, UbOrder::NO, cb);
        }
    });
    Simulator::Run();
    ubtest::ResetSimulation();
    return latency;
}

class UbTransactionLatencyTestCase : public TestCase
{
  public:
    UbTransactionLatencyTestCase()
        : TestCase("zero-load Write and Read latency over 0, 1 and 3 switches, exact")
    {
    }

  private:
    void DoRun() override
    {
        for (uint32_t switches : {0u, 1u, 3u})
        {
            const uint32_t h = switches + 1;
            for (uint64_t bytes : {64ull, 512ull, 10000ull})
            {
                std::vector<uint32_t> w = Packets(bytes, 60);
                int64_t expect = LINIT_PS + E(w[0]) + LE_PS + F(w[0], h);
                for (std::size_t k = 1; k < w.size(); ++k)
                {
                    expect += S(w[k]);
                }
                expect += LE_PS + LTGT_PS + E(44) + LE_PS + F(44, h) + LE_PS;
                NS_TEST_EXPECT_MSG_EQ(UB_FIG(RunOne(UbOp::WRITE, bytes, switches)),
                                      expect,
                                      "Write of " << bytes << " B over " << switches
                                                  << " switches");

                std::vector<uint32_t> r = Packets(bytes, 44);
                expect = LINIT_PS + E(60) + LE_PS + F(60, h) + LE_PS + LTGT_PS + E(r[0]) + LE_PS +
                         F(r[0], h);
                for (std::size_t k = 1; k < r.size(); ++k)
                {
                    expect += S(r[k]);
                }
                expect += LE_PS;
                NS_TEST_EXPECT_MSG_EQ(UB_FIG(RunOne(UbOp::READ, bytes, switches)),
                                      expect,
                                      "Read of " << bytes << " B over " << switches << " switches");
            }
        }
    }
};

class UbWriteThroughputTestCase : public TestCase
{
  public:
    UbWriteThroughputTestCase()
        : TestCase("a large Write runs at the link's payload efficiency (1 %)")
    {
    }

  private:
    void DoRun() override
    {
        for (UbOp op : {UbOp::WRITE, UbOp::READ})
        {
            ubtest::ResetSimulation();
            NodeContainer n = BuildLine(1);
            Ptr<UbController> a = n.Get(0)->GetObject<UbController>();
            const uint64_t bytes = 32ull << 20;
            UbTransactionRecord done;
            auto cb = UbCompletionCallback([&done](const UbTransactionRecord& r) { done = r; });
            Simulator::Schedule(MicroSeconds(1), [&]() {
                op == UbOp::WRITE ? a->Write(1, bytes, UbOrder::NO, cb)
                                  : a->Read(1, bytes, UbOrder::NO, cb);
            });
            Simulator::Run();
            uint32_t headers = op == UbOp::WRITE ? 60 : 44;
            double efficiency =
                static_cast<double>(MTU) / (20.0 * ubtest::UbCrcFlits(MTU + headers));
            double expect = RATE * efficiency;
            double measured = bytes * 8.0 / (done.completed - done.issued).GetSeconds();
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(measured / 1e9),
                                      expect / 1e9,
                                      expect / 1e9 * 0.01,
                                      UbOpName(op)
                                          << " throughput (Gb/s) vs R x payload efficiency");
            ubtest::ResetSimulation();
        }
    }
};

class UbOrderingTestCase : public TestCase
{
  public:
    UbOrderingTestCase()
        : TestCase("SO executes in issue order over sprayed paths; atomics add up")
    {
    }

  private:
    void DoRun() override
    {
        for (UbOrder order : {UbOrder::SO, UbOrder::NO})
        {
            ubtest::ResetSimulation();
            UbHelper ub;
            ub.SetRoutingAttribute("Selection", StringValue("Spray"));
            ubtest::ClosNet net = ubtest::BuildClos(ub, 2, 2, 4);
            UbControllerHelper ctl;
            ctl.SetTransportAttribute("TpChannels", UintegerValue(4));
            ctl.SetTransportAttribute("Multipath", StringValue("PerPacket"));
            ctl.Install(net.endpoints);
            Ptr<UbController> a = net.endpoints.Get(0)->GetObject<UbController>();
            Ptr<UbController> b = net.endpoints.Get(3)->GetObject<UbController>();
            std::vector<uint64_t> seen;
            bool addressed = true; // each notification names the address its write was given
            b->SetNotifyCallback(UbController::NotifyCallback(
                [&seen, &addressed](uint32_t src, UbOp op, uint64_t bytes, uint64_t address) {
                    seen.push_back(bytes);
                    addressed = addressed && address == ((bytes % 100) << 40 | 0xA5);
                }));
            const uint32_t n = 60;
            Simulator::Schedule(MicroSeconds(1), [&]() {
                for (uint32_t i = 0; i < n; ++i)
                {
                    // Big and small transactions alternate, so a small one could overtake.
                    uint64_t bytes = (i % 2 ? 200 : 30000) + i;
                    a->WriteWithNotify(b->GetCna(),
                                       bytes,
                                       order,
                                       UbCompletionCallback(),
                                       UbIssueOptions(),
                                       static_cast<uint64_t>(i) << 40 | 0xA5);
                }
            });
            Simulator::Run();
            NS_TEST_ASSERT_MSG_EQ(UB_FIG(seen.size()), n, "every transaction executed once");
            NS_TEST_EXPECT_MSG_EQ(addressed, true, "the notify names the address written to");
            bool inOrder = true;
            for (uint32_t i = 0; i < n; ++i)
            {
                inOrder = inOrder && seen[i] == (i % 2 ? 200 : 30000) + i;
            }
            if (order == UbOrder::SO)
            {
                NS_TEST_EXPECT_MSG_EQ(UB_FIG(inOrder), true, "SO executes in issue order");
            }
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(a->GetCompleted()), n, "all complete at the initiator");
            ubtest::ResetSimulation();
        }

        // Fetch-add from 8 initiators to one counter: the counter ends at 8 x 3 and the old
        // values returned are exactly 0, 3, ..., 21 (each seen once).
        ubtest::ResetSimulation();
        UbHelper ub;
        ubtest::ClosNet net = ubtest::BuildClos(ub, 3, 3, 2);
        UbControllerHelper ctl;
        ctl.Install(net.endpoints);
        Ptr<UbController> target = net.endpoints.Get(8)->GetObject<UbController>();
        std::multiset<uint64_t> results;
        auto cb = UbCompletionCallback(
            [&results](const UbTransactionRecord& r) { results.insert(r.result); });
        for (uint32_t i = 0; i < 8; ++i)
        {
            Ptr<UbController> c = net.endpoints.Get(i)->GetObject<UbController>();
            Simulator::Schedule(NanoSeconds(1000 + 7 * i), [c, target, cb]() {
                c->AtomicFetchAdd(target->GetCna(), 0x40, 3, UbOrder::NO, cb);
            });
        }
        // Compare-and-swap: only the one whose compare matches wins.
        Ptr<UbController> c0 = net.endpoints.Get(0)->GetObject<UbController>();
        uint64_t casOld = 99;
        Simulator::Schedule(MicroSeconds(20), [&]() {
            c0->AtomicCompareSwap(target->GetCna(),
                                  0x40,
                                  24,
                                  1000,
                                  UbOrder::SO,
                                  UbCompletionCallback([&casOld](const UbTransactionRecord& r) {
                                      casOld = r.result;
                                  }));
        });
        Simulator::Run();
        std::multiset<uint64_t> expect;
        for (uint64_t k = 0; k < 8; ++k)
        {
            expect.insert(3 * k);
        }
        NS_TEST_EXPECT_MSG_EQ(UB_FIG((results == expect)),
                              true,
                              "fetch-add old values 0, 3, ..., 21");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(casOld), 24u, "CAS returns the old value");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(target->GetAtomicValue(0x40)),
                              1000u,
                              "CAS swapped (24 == 24)");
        ubtest::ResetSimulation();
    }
};

class UbStateTestCase : public TestCase
{
  public:
    UbStateTestCase()
        : TestCase("outstanding limit holds; state is freed on completion")
    {
    }

  private:
    void DoRun() override
    {
        ubtest::ResetSimulation();
        NodeContainer n = BuildLine(1);
        Ptr<UbController> a = n.Get(0)->GetObject<UbController>();
        a->SetAttribute("MaxOutstanding", UintegerValue(4));
        uint32_t maxSeen = 0;
        uint64_t bytesAfterFirst = 0;
        const uint32_t count = 5000;
        auto cb = UbCompletionCallback([&](const UbTransactionRecord& r) {
            maxSeen = std::max(maxSeen, a->GetOutstanding() + 1);
            if (a->GetCompleted() == 100)
            {
                bytesAfterFirst = a->GetStateBytes();
            }
        });
        Simulator::Schedule(MicroSeconds(1), [&]() {
            for (uint32_t i = 0; i < count; ++i)
            {
                a->Write(1, 1000 + (i % 7) * 100, i % 3 ? UbOrder::NO : UbOrder::SO, cb);
            }
        });
        Simulator::Run();
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(a->GetCompleted()), count, "all complete");
        NS_TEST_EXPECT_MSG_LT_OR_EQ(UB_FIG(maxSeen),
                                    4u,
                                    "never more than MaxOutstanding in flight");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(a->GetOutstanding()), 0u, "nothing left in flight");
        uint64_t end = a->GetStateBytes();
        NS_TEST_EXPECT_MSG_LT(UB_FIG(end),
                              bytesAfterFirst + 4096,
                              "state does not grow with the run");
        ubtest::ResetSimulation();
    }
};

/// Bad input stops the run with a message naming the thing and the fix.

void
IssueAt1us(const std::function<void(Ptr<UbController>)>& f, uint32_t mtu = MTU)
{
    ubtest::ResetSimulation();
    NodeContainer n = BuildLine(1);
    n.Get(0)->GetObject<UbController>()->SetAttribute("Mtu", UintegerValue(mtu));
    Ptr<UbController> a = n.Get(0)->GetObject<UbController>();
    Simulator::Schedule(MicroSeconds(1), [a, f]() { f(a); });
    Simulator::Run();
}

/**
 * Path choice per transfer (UbTransport::ChannelChoice). Endpoint A on leaf 0 sends Writes to B on
 * leaf 1 of a Clos with 2 spines; leaves steer by the load-balance field (Selection = Lbf), so
 * channel i of A's group goes through spine i mod 2. Counted at the spines: the packets from A
 * each carried, which per Write are its data packets and A's RTP acknowledgement of B's TAACK,
 * on the same channel (17 for 64 KiB, 2 for 4 KiB).
 *  - one channel: every Write on one spine;
 *  - 4 channels, RoundRobin, 8 Writes of 64 KiB one after another (a collective's steps): each
 *    channel carries 2, each spine exactly 4 Writes;
 *  - LeastLoaded, the 8 issued at once: each goes to an empty channel, 4 Writes per spine;
 *  - Random, 400 one-packet Writes at once: binomial(400, 1/2) Writes per spine, 200 +- 50
 *    (5 sigma).
 */
class UbChannelChoiceTestCase : public TestCase
{
  public:
    UbChannelChoiceTestCase()
        : TestCase("successive transfers of a pair spread over the paths: round robin, least "
                   "loaded, random")
    {
    }

  private:
    /// Data packets through spine 0 and spine 1.
    static std::pair<uint64_t, uint64_t> Run(uint32_t channels,
                                             const std::string& choice,
                                             uint32_t writes,
                                             uint64_t bytes,
                                             bool together)
    {
        ubtest::ResetSimulation();
        UbHelper ub;
        ub.SetRoutingAttribute("Selection", StringValue("Lbf"));
        ubtest::ClosNet net = ubtest::BuildClos(ub, 2, 1, 2);
        UbControllerHelper ctl;
        ctl.SetTransportAttribute("TpChannels", UintegerValue(channels));
        ctl.SetTransportAttribute("ChannelChoice", StringValue(choice));
        ctl.Install(net.endpoints);
        Ptr<UbController> a = net.endpoints.Get(0)->GetObject<UbController>();
        const uint32_t b = net.endpoints.Get(1)->GetObject<UbController>()->GetCna();
        a->GetTransport()->AssignStreams(11);
        auto left = std::make_shared<uint32_t>(writes);
        std::function<void()> next;
        auto cb = UbCompletionCallback([&](const UbTransactionRecord&) {
            if (--*left > 0 && !together)
            {
                next();
            }
        });
        next = [&]() { a->Write(b, bytes, UbOrder::NO, cb); };
        Simulator::Schedule(MicroSeconds(1), [&]() {
            for (uint32_t i = 0; i < (together ? writes : 1); ++i)
            {
                next();
            }
        });
        Simulator::Run();
        NS_ABORT_MSG_IF(*left != 0, "channel choice: not every Write completed");
        auto through = [&](uint32_t s) {
            // Spine s: port 0 to leaf 0, port 1 to leaf 1 (the data's way).
            return net.spines.Get(s)->GetObject<UbSwitch>()->GetPort(1)->GetTxPackets();
        };
        std::pair<uint64_t, uint64_t> r{through(0), through(1)};
        ubtest::ResetSimulation();
        return r;
    }

    void DoRun() override
    {
        const uint64_t big = 16 + 1; // packets from A per 64-KiB Write
        auto one = Run(1, "RoundRobin", 8, 65536, false);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(std::max(one.first, one.second)),
                              8u * big,
                              "one channel: every Write on one spine");
        auto rr = Run(4, "RoundRobin", 8, 65536, false);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(rr.first), 4u * big, "round robin: 4 Writes via spine 0");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(rr.second), 4u * big, "round robin: 4 Writes via spine 1");
        auto ll = Run(4, "LeastLoaded", 8, 65536, true);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(ll.first), 4u * big, "least loaded: 4 Writes via spine 0");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(ll.second), 4u * big, "least loaded: 4 Writes via spine 1");
        auto rnd = Run(4, "Random", 400, 4096, true);
        NS_TEST_EXPECT_MSG_EQ(rnd.first + rnd.second, 2u * 400u, "random: every Write crossed");
        NS_TEST_EXPECT_MSG_GT_OR_EQ(UB_FIG(rnd.first / 2), 150u, "random: Writes via spine 0");
        NS_TEST_EXPECT_MSG_LT_OR_EQ(rnd.first / 2, 250u, "random: Writes via spine 0");
    }
};

/**
 * IssueInterval: the endpoint starts one transaction per interval. Eight 64-B Writes called at
 * once, over one switch, with an interval of 40 ns (longer than any packet's serialization,
 * so the Writes never meet on a link): Write k completes exactly k x 40 ns after Write 0, and
 * Write 0 takes the zero-load latency of the latency case. Without an interval the eight
 * leave back to back, and the last completes less than 40 ns after the first. The engine takes
 * the requests in call order and each then has its own latency: a Write issued with 1 us of
 * latency (UbIssueOptions) and one called right after it with the default start 1 us and
 * 40 ns + LINIT after the call, so the slow one does not hold up the next.
 */
class UbIssueIntervalTestCase : public TestCase
{
  public:
    UbIssueIntervalTestCase()
        : TestCase("IssueInterval: Writes called at once start one per interval, exact")
    {
    }

  private:
    /// Completion times (ps after the call) of `writes` 64-B Writes called together.
    static std::vector<int64_t> Run(Time interval, uint32_t writes)
    {
        ubtest::ResetSimulation();
        NodeContainer n = BuildLine(1);
        Ptr<UbController> a = n.Get(0)->GetObject<UbController>();
        a->SetAttribute("IssueInterval", TimeValue(interval));
        std::vector<int64_t> done;
        auto cb = UbCompletionCallback([&done](const UbTransactionRecord& r) {
            done.push_back((r.completed - r.issued).GetPicoSeconds());
        });
        Simulator::Schedule(MicroSeconds(1), [&]() {
            for (uint32_t i = 0; i < writes; ++i)
            {
                a->Write(1, 64, UbOrder::NO, cb);
            }
        });
        Simulator::Run();
        ubtest::ResetSimulation();
        return done;
    }

    void DoRun() override
    {
        const int64_t interval = 40000;
        const uint32_t h = 2;
        const uint32_t w = 64 + 60;
        const int64_t zeroLoad =
            LINIT_PS + E(w) + LE_PS + F(w, h) + LE_PS + LTGT_PS + E(44) + LE_PS + F(44, h) + LE_PS;
        std::vector<int64_t> paced = Run(PicoSeconds(interval), 8);
        NS_TEST_ASSERT_MSG_EQ(paced.size(), 8u, "every Write completed");
        for (uint32_t k = 0; k < paced.size(); ++k)
        {
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(paced[k]),
                                  zeroLoad + k * interval,
                                  "Write " << k << " with an interval of 40 ns");
        }
        // A slow Write, then a default one, called together.
        ubtest::ResetSimulation();
        NodeContainer n = BuildLine(1);
        Ptr<UbController> a = n.Get(0)->GetObject<UbController>();
        a->SetAttribute("IssueInterval", TimeValue(PicoSeconds(interval)));
        int64_t slow = -1;
        int64_t fast = -1;
        Simulator::Schedule(MicroSeconds(1), [&]() {
            UbIssueOptions late;
            late.initiatorLatency = MicroSeconds(1);
            a->WriteWithNotify(1,
                               64,
                               UbOrder::NO,
                               UbCompletionCallback([&slow](const UbTransactionRecord& r) {
                                   slow = (r.completed - r.issued).GetPicoSeconds();
                               }),
                               late);
            a->WriteWithNotify(1,
                               64,
                               UbOrder::NO,
                               UbCompletionCallback([&fast](const UbTransactionRecord& r) {
                                   fast = (r.completed - r.issued).GetPicoSeconds();
                               }),
                               UbIssueOptions());
        });
        Simulator::Run();
        ubtest::ResetSimulation();
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(slow),
                              zeroLoad - LINIT_PS + 1000000,
                              "the Write with 1 us of latency");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(fast),
                              zeroLoad + interval,
                              "the Write called after it is not held up by it");
        std::vector<int64_t> free = Run(Time(0), 8);
        NS_TEST_ASSERT_MSG_EQ(free.size(), 8u, "every Write completed");
        NS_TEST_EXPECT_MSG_EQ(free.front(), zeroLoad, "Write 0 without an interval");
        NS_TEST_EXPECT_MSG_LT(free.back() - free.front(),
                              interval,
                              "without an interval the Writes leave back to back");
    }
};

class UbTransactionTestSuite : public TestSuite
{
  public:
    UbTransactionTestSuite()
        : TestSuite("unifiedbus-transaction", TestSuite::Type::SYSTEM)
    {
        AddTestCase(new UbTransactionLatencyTestCase);
        AddTestCase(new UbWriteThroughputTestCase);
        AddTestCase(new UbOrderingTestCase);
        AddTestCase(new UbStateTestCase);
        AddTestCase(new UbChannelChoiceTestCase);
        AddTestCase(new UbIssueIntervalTestCase);
        AddTestCase(new ubtest::ExpectStopTestCase(
            "a read of 0 bytes",
            []() { IssueAt1us([](Ptr<UbController> a) { a->Read(1, 0); }); },
            {"UbController node 0", "Read of 0 bytes", "at least 1 byte"}));
        for (uint32_t mtu : {100u, 16384u})
        {
            AddTestCase(new ubtest::ExpectStopTestCase(
                "an MTU of " + std::to_string(mtu) + " B",
                [mtu]() { IssueAt1us([](Ptr<UbController> a) { a->Write(1, 100); }, mtu); },
                {"UbController node 0",
                 "Mtu=" + std::to_string(mtu),
                 "256, 512, 1024, 2048, 4096 or 8192"}));
        }
        AddTestCase(new ubtest::ExpectStopTestCase(
            "a destination without a controller",
            []() { IssueAt1us([](Ptr<UbController> a) { a->Write(2, 100); }); },
            {"UbController node 0", "Write to CNA 2", "no UbController", "UbControllerHelper"}));
        AddTestCase(new ubtest::ExpectStopTestCase(
            "an MTU whose packets exceed the ports' Mtu",
            []() { IssueAt1us([](Ptr<UbController> a) { a->Write(1, 100); }, 8192); },
            {"UbController node 0", "Mtu=8192", "raise UbNetDevice::Mtu to at least 8252"}));
        // An operation or opcode the model does not support stops the run in every build; both
        // used to become a Write silently.
        AddTestCase(new ubtest::ExpectStopTestCase(
            "an operation that is not one of UbOp's",
            []() { UbTransactionHeader::OpcodeOf(static_cast<UbOp>(77)); },
            {"operation 77 is not one of UbOp's"},
            ubtest::ExpectStopTestCase::ABORT));
        AddTestCase(new ubtest::ExpectStopTestCase(
            "a request opcode the model does not know",
            []() { UbTransactionHeader::OpOf(0x7e); },
            {"TAOpcode 0x7e is not a request"},
            ubtest::ExpectStopTestCase::ABORT));
    }
};

UbTransactionTestSuite g_ubTransactionTestSuite;

} // namespace
