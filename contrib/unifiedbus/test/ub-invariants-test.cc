/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The end-of-run invariants and the watchdog (UbInvariants, UbWatchdog).
 *
 * - On a clean run every check passes, and their number follows from the network: per port
 *   with flow control, one lossless check, one packet count of its link direction and one
 *   credit balance per VL and for the shared pool; one packet balance per node; one
 *   exactly-once check per RTP endpoint and one over all of them.
 * - The credit balance holds at any time, not only once the network drained: checked every
 *   50 ns during random traffic on a Clos, with packets on the wires.
 * - Each invariant can fail, and the report names the node, port and VL: a leaked credit, a
 *   packet delivered twice by a switch, a DATA packet handed up twice by RTP. Left unchecked by
 *   the program, the leaked credit stops the run at Simulator::Destroy.
 * - A real credit deadlock: four switches in a ring, every route clockwise on one VL, small
 *   buffers, each endpoint sending two and three hops away. The run ends by itself with
 *   packets stuck; the report names the stuck channels and the cycle of the four ring links.
 * - A run that waits forever (RTP retransmitting into a failed link, no failover) is stopped by
 *   the watchdog after its span, with the waiting transport channel named.
 */
#include "ub-test-utils.h"

#include "ns3/boolean.h"
#include "ns3/config.h"
#include "ns3/data-rate.h"
#include "ns3/enum.h"
#include "ns3/node-container.h"
#include "ns3/random-variable-stream.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/test.h"
#include "ns3/ub-controller-helper.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-helper.h"
#include "ns3/ub-invariants.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-packet-source.h"
#include "ns3/ub-routing-helper.h"
#include "ns3/ub-routing-table.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-traffic-helper.h"
#include "ns3/ub-transport.h"
#include "ns3/ub-watchdog.h"
#include "ns3/uinteger.h"

#include <string>
#include <vector>

using namespace ns3;

namespace
{

/// The port of `sw` whose link goes to `peer`.
uint32_t
PortTo(Ptr<Node> sw, Ptr<Node> peer)
{
    Ptr<UbSwitch> s = sw->GetObject<UbSwitch>();
    for (uint32_t p = 0; p < s->GetNPorts(); ++p)
    {
        if (s->GetPort(p)->GetPeer()->GetNode() == peer)
        {
            return p;
        }
    }
    NS_ABORT_MSG("no link from node " << sw->GetId() << " to node " << peer->GetId());
}

/// Two endpoints (nodes 0 and 1) on one switch (node 2); endpoint 0 Writes to endpoint 1 over
/// RTP. `before` runs after the build, before the run.
struct Pair
{
    NodeContainer eps;
    NodeContainer sw;
    NodeContainer all;
    uint32_t completed{0};
};

void
RunPair(Pair& p, uint64_t bytes, const std::function<void(Pair&)>& before = {})
{
    ubtest::ResetSimulation();
    p.eps = NodeContainer();
    p.sw = NodeContainer();
    p.eps.Create(2);
    p.sw.Create(1);
    UbHelper ub;
    ub.Install(p.sw.Get(0), p.eps.Get(0));
    ub.Install(p.sw.Get(0), p.eps.Get(1));
    p.all = NodeContainer(p.eps, p.sw);
    UbRoutingHelper::PopulateShortestPaths(p.all);
    UbControllerHelper ctl;
    ctl.Install(p.eps);
    if (before)
    {
        before(p);
    }
    Ptr<UbController> rx = p.eps.Get(1)->GetObject<UbController>();
    Pair* pp = &p;
    Simulator::Schedule(MicroSeconds(1), [pp, rx, bytes]() {
        pp->eps.Get(0)->GetObject<UbController>()->Write(
            rx->GetCna(),
            bytes,
            UbOrder::NO,
            UbCompletionCallback([pp](const UbTransactionRecord&) { ++pp->completed; }));
    });
    Simulator::Run();
}

class UbInvariantsCleanTestCase : public TestCase
{
  public:
    UbInvariantsCleanTestCase()
        : TestCase("a clean run passes every check, and the checks are those the network has")
    {
    }

  private:
    void DoRun() override
    {
        Pair p;
        RunPair(p, 64 * 1024);
        NS_TEST_ASSERT_MSG_EQ(p.completed, 1u, "the Write completed");
        UbInvariantReport r = UbInvariants::Check();
        // 4 ports (2 links), 2 VLs each: 4 x (lossless 1 + packets 1 + credit books 2 + 1)
        // + 3 nodes + 2 RTP endpoints + 1 over all endpoints.
        const uint8_t vls = p.sw.Get(0)->GetObject<UbSwitch>()->GetPort(0)->GetVlCount();
        NS_TEST_ASSERT_MSG_EQ(vls, 2, "the default VlCount");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r.checks), 4u * (1 + 1 + vls + 1) + 3 + 2 + 1, "checks");
        NS_TEST_EXPECT_MSG_EQ(r.violations.size(), 0u, (r.Ok() ? "" : r.violations[0]));
        NS_TEST_EXPECT_MSG_EQ(r.Summary(), "passed: 26 checks", "the summary line");
        const UbInvariantReport& end = UbInvariants::End();
        NS_TEST_EXPECT_MSG_EQ(end.ran && end.Ok() && end.deadlock.empty(), true, "at the end");
        NS_TEST_EXPECT_MSG_EQ(&UbInvariants::End(), &end, "End() runs once per simulation");
        ubtest::ResetSimulation();

        // Switched off, the end says so instead of passing.
        RunPair(p, 4096, [](Pair&) {
            Config::SetGlobal("UbCheckInvariants", BooleanValue(false));
        });
        NS_TEST_EXPECT_MSG_EQ(UbInvariants::End().Summary(),
                              "skipped (UbCheckInvariants=false)",
                              "a skipped check says so");
        Config::SetGlobal("UbCheckInvariants", BooleanValue(true));
        ubtest::ResetSimulation();
    }
};

class UbInvariantsInFlightTestCase : public TestCase
{
  public:
    UbInvariantsInFlightTestCase()
        : TestCase("credits balance at any time, with packets on the wires")
    {
    }

  private:
    void DoRun() override
    {
        ubtest::ResetSimulation();
        RngSeedManager::SetSeed(1);
        RngSeedManager::SetRun(3);
        UbHelper ub;
        ub.SetDeviceAttribute("VlBufferCells", UintegerValue(27));
        ub.SetDeviceAttribute("SharedBufferCells", UintegerValue(100));
        ub.SetDeviceAttribute("CreditReturnGrain", UintegerValue(4));
        ub.SetDeviceAttribute("CreditReturnTimeout", TimeValue(NanoSeconds(50)));
        ub.SetChannelAttribute("Delay", TimeValue(NanoSeconds(100)));
        ubtest::ClosNet net = ubtest::BuildClos(ub, 4, 4, 2);
        UbTrafficHelper traffic;
        traffic.SetSourceAttribute("PacketSize", UintegerValue(2048));
        traffic.SetSourceAttribute("MaxPackets", UintegerValue(60));
        traffic.SetSourceAttribute("Rate", DataRateValue(DataRate("200Gbps")));
        traffic.InstallPermutation(net.endpoints, 11).Start(NanoSeconds(100));
        uint64_t samples = 0;
        uint64_t failed = 0;
        uint64_t checks = 0;
        int64_t maxOnWire = 0;
        std::string first;
        std::function<void()> sample = [&]() {
            UbInvariantReport r = UbInvariants::Check();
            ++samples;
            checks += r.checks;
            if (!r.Ok())
            {
                ++failed;
                first = first.empty() ? r.violations[0] : first;
            }
            for (uint32_t i = 0; i < net.all.GetN(); ++i)
            {
                Ptr<UbSwitch> sw = net.all.Get(i)->GetObject<UbSwitch>();
                for (uint32_t port = 0; port < sw->GetNPorts(); ++port)
                {
                    UbCreditBooks b;
                    if (sw->GetPort(port)->ReadCreditBooks(0, b))
                    {
                        maxOnWire =
                            std::max<int64_t>(maxOnWire, static_cast<int32_t>(b.spent - b.charged));
                    }
                }
            }
            if (Simulator::Now() < MicroSeconds(20))
            {
                Simulator::Schedule(NanoSeconds(50), sample);
            }
        };
        Simulator::Schedule(NanoSeconds(50), sample);
        Simulator::Run();
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(samples), 400u, "checked every 50 ns for 20 us");
        NS_TEST_EXPECT_MSG_EQ(failed, 0u, first);
        NS_TEST_EXPECT_MSG_GT(UB_FIG(maxOnWire), 0, "some checks saw cells on a wire");
        NS_TEST_EXPECT_MSG_GT(checks, 400u * 100, "each sample checked every link");
        NS_TEST_EXPECT_MSG_EQ(UbInvariants::End().Ok(), true, "and at the end");
        ubtest::ResetSimulation();
    }
};

/// Break one invariant, check the report names it, and skip the end-of-run check.
class UbInvariantsBrokenTestCase : public TestCase
{
  public:
    UbInvariantsBrokenTestCase()
        : TestCase("each invariant can fail, and its report names node, port and VL")
    {
    }

  private:
    /// \return the one violation Check() reports ("" and a test failure if not exactly one)
    std::string One(const char* what)
    {
        UbInvariantReport r = UbInvariants::Check();
        UbInvariants::SkipEnd();
        NS_TEST_EXPECT_MSG_EQ(r.violations.size(), 1u, what << ": " << r.Summary());
        return r.violations.empty() ? "" : r.violations[0];
    }

    void DoRun() override
    {
        Pair p;
        // A credit lost: the sender's credits drop by 3 cells without a packet.
        RunPair(p, 8192);
        p.eps.Get(0)->GetObject<UbSwitch>()->GetPort(0)->LeakCreditsForTest(0, 3);
        std::string v = One("a leaked credit");
        NS_TEST_EXPECT_MSG_EQ(
            ubtest::ContainsAll(
                v,
                {"node 0 port 0 VL 0 -> node 2 port 0", "credits not conserved", "(lost 3)"}),
            true,
            v);

        // A switch delivers a packet twice: the node's packets no longer balance.
        RunPair(p, 8192, [](Pair& q) {
            q.eps.Get(1)->GetObject<UbSwitch>()->DuplicateNextDeliveryForTest();
        });
        v = One("a duplicated delivery");
        NS_TEST_EXPECT_MSG_EQ(ubtest::ContainsAll(v, {"node 1 (CNA", "packets appeared"}), true, v);

        // RTP hands a DATA packet up twice: the target sees a request again.
        RunPair(p, 8192, [](Pair& q) {
            q.eps.Get(1)->GetObject<UbTransport>()->DuplicateNextDeliveryForTest();
        });
        v = One("a duplicated RTP delivery");
        NS_TEST_EXPECT_MSG_EQ(ubtest::ContainsAll(v,
                                                  {"node 1 (CNA",
                                                   "1 request packet(s) arrived",
                                                   "RTP delivers each packet exactly once"}),
                              true,
                              v);
        ubtest::ResetSimulation();
    }
};

/// Four switches in a ring (nodes 4..7), an endpoint on each (nodes 0..3); every route goes
/// clockwise on VL 0 and each endpoint sends to the endpoints two and three hops away.
class UbDeadlockTestCase : public TestCase
{
  public:
    UbDeadlockTestCase()
        : TestCase("a ring routed one way on one VL deadlocks; the report names the cycle")
    {
    }

  private:
    void DoRun() override
    {
        ubtest::ResetSimulation();
        NodeContainer eps;
        eps.Create(4);
        NodeContainer sws;
        sws.Create(4);
        UbHelper ub;
        ub.SetDeviceAttribute("VlBufferCells", UintegerValue(60)); // two 4-KiB packets
        for (uint32_t i = 0; i < 4; ++i)
        {
            ub.Install(eps.Get(i), sws.Get(i));
        }
        for (uint32_t i = 0; i < 4; ++i)
        {
            ub.Install(sws.Get(i), sws.Get((i + 1) % 4));
        }
        std::vector<uint32_t> cna(4);
        for (uint32_t i = 0; i < 4; ++i)
        {
            cna[i] = eps.Get(i)->GetObject<UbSwitch>()->GetCna();
        }
        for (uint32_t i = 0; i < 4; ++i)
        {
            Ptr<UbRoutingTable> e = eps.Get(i)->GetObject<UbSwitch>()->GetRoutingTable();
            Ptr<UbRoutingTable> s = sws.Get(i)->GetObject<UbSwitch>()->GetRoutingTable();
            for (uint32_t d = 0; d < 4; ++d)
            {
                if (d != i)
                {
                    e->AddRoute(cna[d], 0, 0);
                }
                s->AddRoute(cna[d],
                            static_cast<uint16_t>(
                                PortTo(sws.Get(i), d == i ? eps.Get(i) : sws.Get((i + 1) % 4))),
                            0);
            }
        }
        UbTrafficHelper traffic;
        traffic.SetSourceAttribute("PacketSize", UintegerValue(4096));
        traffic.SetSourceAttribute("MaxPackets", UintegerValue(100));
        for (uint32_t i = 0; i < 4; ++i)
        {
            for (uint32_t hops : {2u, 3u})
            {
                traffic.InstallSource(eps.Get(i), eps.Get((i + hops) % 4)).Start(NanoSeconds(10));
            }
        }
        Simulator::Run();
        uint64_t injected = 0;
        uint64_t delivered = 0;
        for (uint32_t i = 0; i < 4; ++i)
        {
            injected += eps.Get(i)->GetObject<UbSwitch>()->GetInjectedPackets();
            delivered += eps.Get(i)->GetObject<UbSwitch>()->GetDeliveredPackets();
        }
        NS_TEST_EXPECT_MSG_LT(UB_FIG(delivered), injected, "the run ended with packets stuck");
        const UbInvariantReport& r = UbInvariants::End();
        NS_TEST_EXPECT_MSG_EQ(r.Ok(), true, "a deadlock breaks no invariant: " << r.Summary());
        // The four ring channels, and the endpoints' links behind them.
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r.stuckChannels), 8u, r.deadlock);
        std::string cycle = "Cycle of waits: ";
        for (uint32_t k = 0; k <= 4; ++k)
        {
            uint32_t i = k % 4;
            cycle += "node " + std::to_string(sws.Get(i)->GetId()) + " port " +
                     std::to_string(PortTo(sws.Get(i), sws.Get((i + 1) % 4))) + " VL 0" +
                     (k < 4 ? " -> " : "\n");
        }
        NS_TEST_EXPECT_MSG_EQ(ubtest::ContainsAll(r.deadlock, {"UB deadlock: 8 channel(s)", cycle}),
                              true,
                              r.deadlock << "\nexpected " << cycle);
        NS_TEST_EXPECT_MSG_EQ(ubtest::ContainsAll(r.deadlock,
                                                  {"packet(s) waiting, the head needs 26 cells, "
                                                   "credits "}),
                              true,
                              r.deadlock);
        ubtest::ResetSimulation();
    }
};

class UbWatchdogTestCase : public TestCase
{
  public:
    UbWatchdogTestCase()
        : TestCase("the watchdog stops a run that delivers nothing for its span")
    {
    }

  private:
    void DoRun() override
    {
        const Time down = MicroSeconds(2);
        Pair p;
        RunPair(p, 1 << 20, [down](Pair& q) {
            Config::SetGlobal("UbWatchdogSpan", TimeValue(MilliSeconds(1)));
            // The link to the receiver fails during the Write and nothing fails over.
            Ptr<UbNetDevice> a = q.sw.Get(0)->GetObject<UbSwitch>()->GetPort(1);
            Ptr<UbNetDevice> b = a->GetPeer();
            Simulator::Schedule(down, [a, b]() {
                a->SetLinkDown();
                b->SetLinkDown();
            });
        });
        const Time stop = Simulator::Now();
        NS_TEST_EXPECT_MSG_EQ(UbWatchdog::HasStopped(), true, "the watchdog stopped the run");
        NS_TEST_EXPECT_MSG_EQ(p.completed, 0u, "the Write never completed");
        // The span counts from the first retransmission timeout that saw no new delivery; the
        // timeouts back off to MaxRetransmitTimeout (64 x 100 us).
        NS_TEST_EXPECT_MSG_GT_OR_EQ(stop, down + MilliSeconds(1), "not before the span");
        NS_TEST_EXPECT_MSG_LT_OR_EQ(stop,
                                    down + MilliSeconds(1) + 2 * MicroSeconds(6400),
                                    "within the span and two timeouts");
        const std::string& rep = UbWatchdog::GetReport();
        const uint32_t src = p.eps.Get(0)->GetObject<UbSwitch>()->GetCna();
        const uint32_t dst = p.eps.Get(1)->GetObject<UbSwitch>()->GetCna();
        NS_TEST_EXPECT_MSG_EQ(ubtest::ContainsAll(rep,
                                                  {"UB watchdog: nothing was delivered",
                                                   "(UbWatchdogSpan 1 ms)",
                                                   "CNA " + std::to_string(src) + " -> CNA " +
                                                       std::to_string(dst) + ", TP channel "}),
                              true,
                              rep);
        Config::SetGlobal("UbWatchdogSpan", TimeValue(Seconds(0)));
        ubtest::ResetSimulation();
        NS_TEST_EXPECT_MSG_EQ(UbWatchdog::HasStopped(), true, "until the next simulation starts");
    }
};

class UbInvariantsTestSuite : public TestSuite
{
  public:
    UbInvariantsTestSuite()
        : TestSuite("unifiedbus-invariants", TestSuite::Type::UNIT)
    {
        AddTestCase(new UbInvariantsCleanTestCase);
        AddTestCase(new UbInvariantsInFlightTestCase);
        AddTestCase(new UbInvariantsBrokenTestCase);
        AddTestCase(new ubtest::ExpectStopTestCase(
            "a leaked credit left unchecked stops the run at Simulator::Destroy",
            []() {
                Pair p;
                RunPair(p, 8192);
                p.sw.Get(0)->GetObject<UbSwitch>()->GetPort(1)->LeakCreditsForTest(1, 2);
                Simulator::Destroy();
            },
            {"UB invariants FAILED: 1 violation(s)",
             "node 2 port 1 VL 1 -> node 1 port 0: credits not conserved",
             "(lost 2)"},
            ubtest::ExpectStopTestCase::ABORT));
        AddTestCase(new UbDeadlockTestCase);
        AddTestCase(new UbWatchdogTestCase);
    }
};

UbInvariantsTestSuite g_ubInvariantsTestSuite;

} // namespace
