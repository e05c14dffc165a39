/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Reliability under link errors, on a two-level Clos (2 leaves x 3 endpoints, 2 spines) with
 * random traffic: every endpoint issues Writes, Reads, Sends and WriteWithNotify (NO, RO, SO)
 * to random others.
 *  - RTP with 1 % packet loss on every link (link retry off), go-back-N and selective repeat,
 *    three seeds: every transaction completes exactly once and executes exactly once at its
 *    target; an SO transaction executes only after every earlier one (from the same initiator
 *    to the same target); losses and retransmissions did happen. A lost packet does not block
 *    unrelated transactions: NO transactions execute while earlier ones wait for a resend.
 *  - CTP with link errors and link-level retry on: everything completes, and the number of
 *    link replays equals the number of injected errors.
 *  - UTP with 1 % loss: losses are reported (transactions declared lost), not hidden:
 *    completed + lost = issued.
 */
#include "ub-test-utils.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/random-variable-stream.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/test.h"
#include "ns3/ub-controller-helper.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-helper.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-switch.h"
#include "ns3/uinteger.h"

#include <iterator>
#include <map>
#include <set>

using namespace ns3;

namespace
{

struct Outcome
{
    uint64_t issued{0};
    uint64_t completedOk{0};
    uint64_t completedLost{0};
    uint64_t duplicateCompletions{0};
    uint64_t duplicateExecutions{0};
    uint64_t executed{0};
    uint64_t soOutOfOrder{0};
    uint64_t noOvertakes{0};
    uint64_t injectedErrors{0};
    uint64_t linkRetries{0};
    uint64_t corruptDrops{0};
    uint64_t retransmitted{0};
    uint64_t transportLost{0};
    uint64_t completionHash{1469598103934665603ull}; //!< FNV-1a over (id, completion time)
};

Outcome
RunLossy(uint32_t run,
         const std::string& transport,
         const std::string& retransmission,
         bool linkRetry,
         double errorRate,
         uint32_t channels)
{
    ubtest::ResetSimulation();
    RngSeedManager::SetSeed(3);
    RngSeedManager::SetRun(run);
    UbHelper ub;
    ub.SetDeviceAttribute("PacketErrorRate", DoubleValue(errorRate));
    ub.SetDeviceAttribute("LinkRetry", BooleanValue(linkRetry));
    ubtest::ClosNet net = ubtest::BuildClos(ub, 2, 3, 2);
    UbHelper::AssignStreams(net.all, 100);
    UbControllerHelper ctl;
    ctl.SetTransportAttribute("Mode", StringValue(transport));
    ctl.SetTransportAttribute("Retransmission", StringValue(retransmission));
    ctl.SetTransportAttribute("TpChannels", UintegerValue(channels));
    ctl.SetTransportAttribute("RetransmitTimeout", TimeValue(MicroSeconds(5)));
    ctl.SetAttribute("LossTimeout", TimeValue(MicroSeconds(200)));
    ctl.SetAttribute("Mtu", UintegerValue(1024));
    ctl.Install(net.endpoints);

    Outcome o;
    const uint32_t n = net.endpoints.GetN();
    std::set<uint64_t> done;
    auto completion = UbCompletionCallback([&](const UbTransactionRecord& r) {
        if (!done.insert(r.id).second)
        {
            ++o.duplicateCompletions;
        }
        r.ok ? ++o.completedOk : ++o.completedLost;
        for (uint64_t v : {r.id, static_cast<uint64_t>(r.completed.GetPicoSeconds())})
        {
            for (int i = 0; i < 8; ++i)
            {
                o.completionHash = (o.completionHash ^ ((v >> (8 * i)) & 0xFF)) * 1099511628211ull;
            }
        }
    });
    // Per (initiator, target): which TASSNs (issue order) have executed.
    std::map<std::pair<uint32_t, uint32_t>, std::set<uint32_t>> executedSeqs;
    for (uint32_t i = 0; i < n; ++i)
    {
        Ptr<UbController> c = net.endpoints.Get(i)->GetObject<UbController>();
        uint32_t me = c->GetCna();
        c->TraceConnectWithoutContext(
            "TransactionExecute",
            Callback<void, uint32_t, uint16_t, UbOp, UbOrder>(
                [&, me](uint32_t src, uint16_t tassn, UbOp op, UbOrder order) {
                    std::set<uint32_t>& ex = executedSeqs[{src, me}];
                    if (!ex.insert(tassn).second)
                    {
                        ++o.duplicateExecutions;
                    }
                    // Every earlier transaction done? (TASSNs count from 0 in issue order.)
                    auto earlier =
                        static_cast<uint32_t>(std::distance(ex.begin(), ex.lower_bound(tassn)));
                    bool allEarlier = earlier == tassn;
                    if (order == UbOrder::SO && !allEarlier)
                    {
                        ++o.soOutOfOrder;
                    }
                    if (order == UbOrder::NO && !allEarlier)
                    {
                        ++o.noOvertakes;
                    }
                }));
    }
    Ptr<UniformRandomVariable> u = CreateObject<UniformRandomVariable>();
    u->SetStream(7);
    for (uint32_t i = 0; i < n; ++i)
    {
        Ptr<UbController> c = net.endpoints.Get(i)->GetObject<UbController>();
        for (uint32_t k = 0; k < 120; ++k)
        {
            uint32_t j = (i + 1 + u->GetInteger(0, n - 2)) % n;
            uint32_t dst = net.endpoints.Get(j)->GetObject<UbController>()->GetCna();
            uint32_t kind = u->GetInteger(0, 3);
            auto order = static_cast<UbOrder>(u->GetInteger(0, 2));
            uint64_t bytes = u->GetInteger(1, 6000);
            Time at = NanoSeconds(1000 + k * 500 + u->GetInteger(0, 400));
            ++o.issued;
            Simulator::Schedule(at, [c, dst, kind, order, bytes, completion]() {
                switch (kind)
                {
                case 0:
                    c->WriteWithNotify(dst, bytes, order, completion);
                    break;
                case 1:
                    c->Write(dst, bytes, order, completion);
                    break;
                case 2:
                    c->Read(dst, bytes, order, completion);
                    break;
                default:
                    c->Send(dst, bytes, order, completion);
                    break;
                }
            });
        }
    }
    Simulator::Stop(MilliSeconds(50));
    Simulator::Run();
    for (uint32_t i = 0; i < net.all.GetN(); ++i)
    {
        Ptr<UbSwitch> sw = net.all.Get(i)->GetObject<UbSwitch>();
        for (uint32_t p = 0; p < sw->GetNPorts(); ++p)
        {
            o.injectedErrors += sw->GetPort(p)->GetInjectedErrors();
            o.linkRetries += sw->GetPort(p)->GetLinkRetries();
            o.corruptDrops += sw->GetPort(p)->GetCorruptedDrops();
        }
    }
    for (uint32_t i = 0; i < n; ++i)
    {
        Ptr<UbController> c = net.endpoints.Get(i)->GetObject<UbController>();
        o.executed += c->GetExecuted();
        o.retransmitted += c->GetTransportStats().retransmitted;
        o.transportLost += c->GetTransportStats().lost;
    }
    ubtest::ResetSimulation();
    return o;
}

class UbRtpLossTestCase : public TestCase
{
  public:
    UbRtpLossTestCase(std::string retransmission, uint32_t channels)
        : TestCase("RTP " + retransmission + ", " + std::to_string(channels) +
                   " channel(s), 1 % loss on every link"),
          m_retransmission(retransmission),
          m_channels(channels)
    {
    }

  private:
    void DoRun() override
    {
        uint64_t overtakes = 0;
        for (uint32_t run : {1u, 2u, 3u})
        {
            Outcome o = RunLossy(run, "Rtp", m_retransmission, false, 0.01, m_channels);
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(o.completedOk),
                                  o.issued,
                                  "run " << run << ": every transaction completes");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(o.completedLost), 0u, "run " << run << ": none lost");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(o.duplicateCompletions),
                                  0u,
                                  "run " << run << ": each completes once");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(o.executed),
                                  o.issued,
                                  "run " << run << ": each executes once");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(o.duplicateExecutions),
                                  0u,
                                  "run " << run << ": no duplicate execution");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(o.soOutOfOrder),
                                  0u,
                                  "run " << run << ": SO in issue order");
            NS_TEST_EXPECT_MSG_GT(UB_FIG(o.corruptDrops),
                                  0u,
                                  "run " << run << ": packets were lost");
            NS_TEST_EXPECT_MSG_GT(UB_FIG(o.retransmitted), 0u, "run " << run << ": and resent");
            overtakes += o.noOvertakes;
        }
        if (m_retransmission == "Selective" || m_channels > 1)
        {
            NS_TEST_EXPECT_MSG_GT(UB_FIG(overtakes),
                                  0u,
                                  "later NO transactions pass earlier ones waiting for a resend");
        }
    }

    std::string m_retransmission;
    uint32_t m_channels;
};

class UbCtpLinkRetryTestCase : public TestCase
{
  public:
    UbCtpLinkRetryTestCase()
        : TestCase("CTP over erroring links with link-level retry delivers everything")
    {
    }

  private:
    void DoRun() override
    {
        for (uint32_t run : {1u, 2u})
        {
            Outcome o = RunLossy(run, "Ctp", "GoBackN", true, 0.02, 1);
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(o.completedOk),
                                  o.issued,
                                  "run " << run << ": all complete");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(o.executed),
                                  o.issued,
                                  "run " << run << ": all executed once");
            NS_TEST_EXPECT_MSG_GT(UB_FIG(o.injectedErrors),
                                  0u,
                                  "run " << run << ": errors were injected");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(o.linkRetries),
                                  o.injectedErrors,
                                  "run " << run << ": one replay per error");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(o.corruptDrops), 0u, "run " << run << ": nothing dropped");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(o.transportLost), 0u, "run " << run << ": no PSN missing");
        }
    }
};

class UbUtpLossTestCase : public TestCase
{
  public:
    UbUtpLossTestCase()
        : TestCase("UTP with 1 % loss reports its losses")
    {
    }

  private:
    void DoRun() override
    {
        Outcome o = RunLossy(1, "Utp", "GoBackN", false, 0.01, 1);
        NS_TEST_EXPECT_MSG_GT(UB_FIG(o.completedLost), 0u, "some transactions are reported lost");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(o.completedOk + o.completedLost),
                              o.issued,
                              "completed + lost = issued");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(o.transportLost), 0u, "the transport counts missing PSNs");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(o.retransmitted), 0u, "UTP never resends");
    }
};

class UbTransportDeterminismTestCase : public TestCase
{
  public:
    UbTransportDeterminismTestCase()
        : TestCase("lossy runs: same seed, same completions to the picosecond")
    {
    }

  private:
    void DoRun() override
    {
        Outcome a = RunLossy(5, "Rtp", "Selective", false, 0.01, 2);
        Outcome b = RunLossy(5, "Rtp", "Selective", false, 0.01, 2);
        Outcome c = RunLossy(6, "Rtp", "Selective", false, 0.01, 2);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(a.completionHash),
                              b.completionHash,
                              "same seed, same completions");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(a.retransmitted), b.retransmitted, "same retransmissions");
        NS_TEST_EXPECT_MSG_NE(UB_FIG(a.completionHash), c.completionHash, "another seed differs");
    }
};

class UbReliabilityTestSuite : public TestSuite
{
  public:
    UbReliabilityTestSuite()
        : TestSuite("unifiedbus-reliability", TestSuite::Type::SYSTEM)
    {
        AddTestCase(new UbRtpLossTestCase("GoBackN", 1));
        AddTestCase(new UbRtpLossTestCase("GoBackN", 4));
        AddTestCase(new UbRtpLossTestCase("Selective", 1));
        AddTestCase(new UbCtpLinkRetryTestCase);
        AddTestCase(new UbUtpLossTestCase);
        AddTestCase(new UbTransportDeterminismTestCase);
    }
};

UbReliabilityTestSuite g_ubReliabilityTestSuite;

} // namespace
