/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * What crosses a link, and a link whose two ends share nothing but messages.
 *
 *  - Every kind of UbLinkMessage serializes completely (packet with its headers and tags, info,
 *    parameters) and deserializes to the same message; malformed buffers are refused with a
 *    message.
 *  - A two-process link in principle: every channel of a network gets a carrier, one function
 *    that serializes each message, checks it, deserializes it and hands it to the other end, as
 *    a transport between processes would. The carrier checks that messages come in the order
 *    they are sent, that none takes effect sooner than the link delay after it was sent, and
 *    that control messages of one direction take effect in order. Every packet and every credit
 *    return goes through it, and the run gives the same arrivals to the picosecond as the same
 *    network with ordinary links: with credits (a tight buffer, a return grain and timeout, two
 *    VLs), with PFC, and with link errors under link-level retry.
 *  - Distributed order (UbScheduler::SetDistributedOrder, for ns-3's distributed simulator):
 *    a 4 x 64 SuperCluster's AllReduce whose every message is handed over one picosecond
 *    before it takes effect, as late as a transport between processes may, gives the same end,
 *    rank finishes and port counters as when they are handed over at once; in the usual order
 *    the same late hand-over changes the ports.
 */
#include "ub-test-utils.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/global-value.h"
#include "ns3/node-container.h"
#include "ns3/node-list.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/test.h"
#include "ns3/ub-channel.h"
#include "ns3/ub-collective.h"
#include "ns3/ub-experiment.h"
#include "ns3/ub-flow-tag.h"
#include "ns3/ub-helper.h"
#include "ns3/ub-link-message.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-network-header.h"
#include "ns3/ub-results.h"
#include "ns3/ub-routing-helper.h"
#include "ns3/ub-scheduler.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-traffic-helper.h"
#include "ns3/uinteger.h"

#include <array>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <vector>

using namespace ns3;

namespace
{

class UbLinkMessageSerializationTestCase : public TestCase
{
  public:
    UbLinkMessageSerializationTestCase()
        : TestCase("every link message serializes completely; malformed buffers are refused")
    {
    }

  private:
    void DoRun() override
    {
        Ptr<Packet> p = Create<Packet>(4096);
        UbNetworkHeader h;
        h.SetSource(7);
        h.SetDestination(123456);
        h.SetServiceLevel(3);
        h.SetLoadBalance(0x5a);
        p->AddHeader(h);
        UbFlowTag flow;
        flow.SetFlowId(42);
        flow.SetSendTime(NanoSeconds(99));
        p->AddPacketTag(flow);
        UbLinkMessage m;
        m.kind = UbLinkMessage::DATA;
        m.vl = 1;
        m.sentPs = 1000;
        m.atPs = 123456;
        m.tailPs = 234567;
        m.packet = p;
        m.info.src = 7;
        m.info.dst = 123456;
        m.info.reservedCells = 26;
        m.info.sharedCells = 3;
        m.info.vl = 1;
        m.info.cc = UB_CC_CAPABLE;
        m.info.hint = 77;
        std::vector<uint8_t> bytes = m.Serialize();
        UbLinkMessage back;
        std::string error;
        NS_TEST_ASSERT_MSG_EQ(UB_FIG(UbLinkMessage::Deserialize(bytes, back, error)), true, error);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(back.packet->GetSize()), p->GetSize(), "packet size");
        UbNetworkHeader h2;
        back.packet->PeekHeader(h2);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(h2.GetDestination()), 123456u, "network header survives");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(+h2.GetLoadBalance()), 0x5a, "LBF survives");
        UbFlowTag tag;
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(back.packet->PeekPacketTag(tag)), true, "flow tag survives");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(tag.GetFlowId()), 42u, "flow id survives");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(tag.GetSendTime()), NanoSeconds(99), "send time survives");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(back.tailPs), 234567, "tail time");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(back.info.sharedCells), 3u, "credit split");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(back.info.hint), 77u, "C-AQM hint");

        // A transport packet: its headers travel as fields, which must cross too.
        UbLinkMessage t = m;
        t.packet = Create<Packet>(256 + 60);
        t.info.nlp = 1;
        t.info.flags = UB_PKT_MINIMAL;
        t.info.tp.opcode = 0x01;
        t.info.tp.flags = 0x01;
        t.info.tp.tpn = 3;
        t.info.tp.psn = 0xABCDEF;
        t.info.tp.taOpcode = 0x02;
        t.info.tp.order = 2;
        t.info.tp.tassn = 4321;
        t.info.tp.offset = 8192;
        t.info.tp.length = 65536;
        t.info.tp.memHeader = 1;
        t.info.tp.word = 0x1122334455667788ULL;
        t.info.tp.hint = 9;
        NS_TEST_ASSERT_MSG_EQ(UB_FIG(UbLinkMessage::Deserialize(t.Serialize(), back, error)),
                              true,
                              error);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(back.packet->GetSize()), 316u, "size counts the headers");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(+back.info.flags), +UB_PKT_MINIMAL, "packet flags");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(back.info.tp.psn), 0xABCDEFu, "PSN");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(+back.info.tp.tpn), 3, "TPN");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(back.info.tp.tassn), 4321u, "TASSN");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(back.info.tp.offset), 8192u, "offset");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(back.info.tp.length), 65536u, "length");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(back.info.tp.word), 0x1122334455667788ULL, "address");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(+back.info.tp.order), 2, "order");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(+back.info.tp.memHeader), 1, "memory header");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(back.info.tp.hint), 9u, "echoed hint");

        UbLinkMessage c;
        c.kind = UbLinkMessage::PARAMS;
        c.atPs = 50;
        c.params.vlBufferCells = 512;
        c.params.rateBps = 420000000000ULL;
        c.params.cutThrough = true;
        NS_TEST_ASSERT_MSG_EQ(UB_FIG(UbLinkMessage::Deserialize(c.Serialize(), back, error)),
                              true,
                              error);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(back.params.rateBps), 420000000000ULL, "rate survives");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(back.params.cutThrough), true, "cut-through survives");

        // Malformed: truncated, a wrong magic number, an unknown kind, a time before sending.
        std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + 20);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(UbLinkMessage::Deserialize(cut, back, error)),
                              false,
                              "truncated");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(error), std::string("truncated message header"), "says so");
        std::vector<uint8_t> bad = bytes;
        bad[0] ^= 0xff;
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(UbLinkMessage::Deserialize(bad, back, error)),
                              false,
                              "bad magic");
        bad = bytes;
        bad[4] = 200;
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(UbLinkMessage::Deserialize(bad, back, error)),
                              false,
                              "unknown kind");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(error), std::string("unknown message kind 200"), "says so");
        bad = bytes;
        bad.push_back(0);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(UbLinkMessage::Deserialize(bad, back, error)),
                              false,
                              "trailing bytes");
    }
};

/// What the carriers saw.
struct CarrierLog
{
    std::map<std::string, uint64_t> kinds; //!< messages per kind
    uint64_t outOfOrder{0};                //!< a message sent before the previous one
    uint64_t tooSoon{0};                   //!< a message taking effect sooner than the link delay
    uint64_t controlOrder{0};              //!< control messages of one direction out of order
    uint64_t badBytes{0};                  //!< a message that did not survive serialization
    int64_t lastSentPs{0};
    std::map<std::pair<UbChannel*, uint32_t>, int64_t> lastControlPs;
};

CarrierLog* g_log = nullptr;

/// Stands in for a transport between two processes: bytes only, checked, then delivered.
void
Carry(UbChannel* ch, const std::array<int64_t, 2>& minDelayPs, uint32_t to, const UbLinkMessage& m)
{
    CarrierLog& log = *g_log;
    int64_t now = Simulator::Now().GetPicoSeconds();
    ++log.kinds[m.KindName()];
    if (m.sentPs != now || now < log.lastSentPs)
    {
        ++log.outOfOrder;
    }
    log.lastSentPs = now;
    if (m.atPs < now + minDelayPs[1 - to])
    {
        ++log.tooSoon;
    }
    if (m.kind == UbLinkMessage::CREDIT || m.kind == UbLinkMessage::PAUSE ||
        m.kind == UbLinkMessage::RESUME)
    {
        int64_t& last = log.lastControlPs[{ch, to}];
        log.controlOrder += m.atPs < last ? 1 : 0;
        last = m.atPs;
    }
    UbLinkMessage back;
    std::string error;
    if (!UbLinkMessage::Deserialize(m.Serialize(), back, error) || back.atPs != m.atPs ||
        back.kind != m.kind)
    {
        ++log.badBytes;
        return;
    }
    ch->Deliver(to, back);
}

/// Gives every UB channel of the simulation a carrier.
void
InstallCarriers()
{
    for (auto it = NodeList::Begin(); it != NodeList::End(); ++it)
    {
        Ptr<UbSwitch> sw = (*it)->GetObject<UbSwitch>();
        for (uint32_t p = 0; sw && p < sw->GetNPorts(); ++p)
        {
            Ptr<UbNetDevice> d = sw->GetPort(p);
            Ptr<UbChannel> ch = DynamicCast<UbChannel>(d->GetChannel());
            if (!ch->IsLocal())
            {
                continue;
            }
            // The link delay of each direction: the sender's PHY latency + propagation.
            std::array<int64_t, 2> delays{};
            for (uint32_t e = 0; e < 2; ++e)
            {
                Ptr<UbNetDevice> de = DynamicCast<UbNetDevice>(ch->GetDevice(e));
                delays[e] = (de->GetPhyLatency() + ch->GetPropagationDelay()).GetPicoSeconds();
            }
            UbChannel* raw = PeekPointer(ch);
            ch->SetCarrier(UbChannel::CarrierCallback(
                [raw, delays](uint32_t to, const UbLinkMessage& m) { Carry(raw, delays, to, m); }));
        }
    }
}

/// What a run gave: every delivery (flow, time), and totals.
struct Outcome
{
    std::vector<std::pair<int64_t, uint32_t>> arrivals;
    uint64_t creditFrames{0};
    uint64_t txPackets{0};
    uint64_t pauses{0};
    uint64_t retries{0};
    uint64_t violations{0};
};

enum Scenario
{
    CREDITS,
    PFC,
    RETRY,
};

/// 6 senders -> switch -> receiver, 10-m links, two SLs on two VLs, 64 packets each.
Outcome
RunScenario(Scenario s, bool carriers, CarrierLog* log)
{
    ubtest::ResetSimulation();
    ubtest::CountLosslessViolations();
    g_log = log;
    NodeContainer senders;
    senders.Create(6);
    NodeContainer sw;
    sw.Create(1);
    NodeContainer rx;
    rx.Create(1);
    UbHelper ub;
    ub.SetChannelAttribute("Length", DoubleValue(10.0));
    ub.SetDeviceAttribute("SlToVl", StringValue("0,1"));
    ub.SetDeviceAttribute("VlArbitration", StringValue("Dwrr"));
    ub.SetDeviceAttribute("VlWeights", StringValue("1,2"));
    if (s == CREDITS)
    {
        ub.SetDeviceAttribute("VlBufferCells", UintegerValue(60));
        ub.SetDeviceAttribute("SharedBufferCells", UintegerValue(40));
        ub.SetDeviceAttribute("CreditReturnGrain", UintegerValue(8));
        ub.SetDeviceAttribute("CreditReturnTimeout", TimeValue(NanoSeconds(30)));
    }
    else if (s == PFC)
    {
        ub.SetDeviceAttribute("FlowControl", StringValue("Pfc"));
    }
    else
    {
        ub.SetDeviceAttribute("PacketErrorRate", DoubleValue(0.05));
        ub.SetDeviceAttribute("LinkRetry", BooleanValue(true));
    }
    NetDeviceContainer devs;
    for (uint32_t i = 0; i < senders.GetN(); ++i)
    {
        devs.Add(ub.Install(senders.Get(i), sw.Get(0)));
    }
    devs.Add(ub.Install(sw.Get(0), rx.Get(0)));
    NodeContainer all(senders, sw, rx);
    UbRoutingHelper::PopulateShortestPaths(all);
    if (s == RETRY)
    {
        int64_t stream = 11;
        for (uint32_t i = 0; i < devs.GetN(); ++i)
        {
            stream += DynamicCast<UbNetDevice>(devs.Get(i))->AssignStreams(stream);
        }
    }
    if (carriers)
    {
        InstallCarriers();
    }
    UbTrafficHelper traffic;
    traffic.SetSourceAttribute("PacketSize", UintegerValue(4096));
    traffic.SetSourceAttribute("MaxPackets", UintegerValue(64));
    for (uint32_t i = 0; i < senders.GetN(); ++i)
    {
        traffic.SetSourceAttribute("ServiceLevel", UintegerValue(i % 2));
        traffic.InstallSource(senders.Get(i), rx.Get(0)).Start(NanoSeconds(100 + 7 * i));
    }
    Outcome o;
    auto* out = &o;
    rx.Get(0)->GetObject<UbSwitch>()->AddReceiveCallback(
        UbSwitch::ReceiveCallback([out](Ptr<Packet> p, const UbPacketInfo&) {
            UbFlowTag tag;
            p->PeekPacketTag(tag);
            out->arrivals.emplace_back(Simulator::Now().GetPicoSeconds(), tag.GetFlowId());
        }));
    // Both runs stop at the same time, so that what is counted at the end (credit returns sent
    // by then) is comparable: with carriers each end sends its returns when due; without, they
    // are counted when asked for.
    Simulator::Stop(MilliSeconds(1));
    Simulator::Run();
    for (uint32_t i = 0; i < devs.GetN(); ++i)
    {
        Ptr<UbNetDevice> d = DynamicCast<UbNetDevice>(devs.Get(i));
        o.creditFrames += d->GetCreditFramesSent();
        o.txPackets += d->GetTxPackets();
        o.pauses += d->GetPauseFramesSent();
        o.retries += d->GetLinkRetries();
    }
    o.violations = ubtest::LosslessViolations();
    ubtest::ResetSimulation();
    g_log = nullptr;
    return o;
}

class UbTwoProcessLinkTestCase : public TestCase
{
  public:
    UbTwoProcessLinkTestCase(Scenario s, std::string name)
        : TestCase("links whose ends share only serialized messages give the same results: " +
                   name),
          m_s(s)
    {
    }

  private:
    void DoRun() override
    {
        CarrierLog unused;
        Outcome plain = RunScenario(m_s, false, &unused);
        CarrierLog log;
        Outcome carried = RunScenario(m_s, true, &log);
        NS_TEST_ASSERT_MSG_EQ(UB_FIG(plain.arrivals.size()), 6u * 64u, "every packet delivered");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(carried.arrivals.size()), plain.arrivals.size(), "same count");
        uint64_t same = 0;
        for (std::size_t i = 0; i < std::min(plain.arrivals.size(), carried.arrivals.size()); ++i)
        {
            same += plain.arrivals[i] == carried.arrivals[i] ? 1 : 0;
        }
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(same),
                              plain.arrivals.size(),
                              "every arrival at the same picosecond, in the same order");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(plain.arrivals.back().first),
                              carried.arrivals.back().first,
                              "same completion");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(carried.creditFrames), plain.creditFrames, "same credits");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(carried.pauses), plain.pauses, "same PAUSE frames");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(carried.retries), plain.retries, "same replays");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(carried.violations), 0u, "lossless");
        // Everything went through the carriers, checked.
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(log.kinds["DATA"]),
                              carried.txPackets,
                              "every packet crossed as a message (a replayed one once, good)");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(log.outOfOrder), 0u, "messages come in the order sent");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(log.tooSoon), 0u, "none sooner than the link delay");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(log.controlOrder), 0u, "control messages in time order");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(log.badBytes), 0u, "every message survived serialization");
        if (m_s == CREDITS)
        {
            NS_TEST_EXPECT_MSG_GT(UB_FIG(carried.creditFrames), 0u, "credits were returned");
            NS_TEST_EXPECT_MSG_GT(UB_FIG(log.kinds["CREDIT"]), 0u, "as messages");
        }
        if (m_s == PFC)
        {
            NS_TEST_EXPECT_MSG_GT(UB_FIG(log.kinds["PAUSE"]), 0u, "PAUSE frames crossed");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(log.kinds["RESUME"]), log.kinds["PAUSE"], "and XONs");
        }
        if (m_s == RETRY)
        {
            NS_TEST_EXPECT_MSG_GT(UB_FIG(carried.retries), 0u, "packets were replayed");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(log.kinds["RETRY_REQUEST"]),
                                  carried.retries,
                                  "one retry request per replay");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(log.kinds["RETRY_ACK"]),
                                  carried.retries,
                                  "one retry acknowledgement per replay");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(log.kinds["CORRUPTED_RETRY"]),
                                  carried.retries,
                                  "one corrupted copy per replay");
        }
    }

    Scenario m_s;
};

/// Gives every UB channel a carrier that hands each message over as late as a transport
/// between processes may (one picosecond before it takes effect, from an event of its own),
/// through its bytes; counts messages that would come too late.
void
InstallLateCarriers(uint64_t* tooLate)
{
    std::set<UbChannel*> done;
    for (auto it = NodeList::Begin(); it != NodeList::End(); ++it)
    {
        Ptr<UbSwitch> sw = (*it)->GetObject<UbSwitch>();
        for (uint32_t p = 0; sw && p < sw->GetNPorts(); ++p)
        {
            Ptr<UbChannel> ch = DynamicCast<UbChannel>(sw->GetPort(p)->GetChannel());
            UbChannel* raw = PeekPointer(ch);
            if (!ch || !done.insert(raw).second)
            {
                continue;
            }
            ch->SetCarrier(
                UbChannel::CarrierCallback([raw, tooLate](uint32_t to, const UbLinkMessage& m) {
                    const int64_t now = Simulator::Now().GetPicoSeconds();
                    if (m.atPs <= now)
                    {
                        ++*tooLate;
                        return;
                    }
                    auto bytes = std::make_shared<std::vector<uint8_t>>(m.Serialize());
                    Simulator::Schedule(PicoSeconds(m.atPs - 1 - now), [raw, to, bytes]() {
                        UbLinkMessage back;
                        std::string error;
                        NS_ABORT_MSG_IF(!UbLinkMessage::Deserialize(*bytes, back, error), error);
                        raw->Deliver(to, back);
                    });
                }));
        }
    }
}

/// What a 4 x 64 SuperCluster's hierarchical AllReduce of 1 MiB over UBoE gave at packet level:
/// its end, every rank's last arrival, and every port's row.
struct OrderOutcome
{
    bool finished{false};
    int64_t endPs{0};
    std::vector<int64_t> rankDonePs;
    std::vector<std::tuple<uint32_t, uint32_t, uint64_t, uint64_t, double, double, uint64_t>> ports;
    uint64_t tooLate{0};

    /// \param o another run \return how many of its port rows differ from this one's
    uint64_t PortsApart(const OrderOutcome& o) const
    {
        uint64_t apart = ports.size() > o.ports.size() ? ports.size() - o.ports.size()
                                                       : o.ports.size() - ports.size();
        for (std::size_t i = 0; i < std::min(ports.size(), o.ports.size()); ++i)
        {
            apart += ports[i] != o.ports[i] ? 1 : 0;
        }
        return apart;
    }
};

OrderOutcome
RunOrdered(bool distributed, bool late)
{
    ubtest::ResetSimulation(); // (which resets SchedulerType too)
    GlobalValue::Bind("SchedulerType", StringValue("ns3::UbScheduler"));
    UbScheduler::SetDistributedOrder(distributed);
    OrderOutcome o;
    UbResults results("unifiedbus-link-messages", "unused.db");
    UbExperiment::CollectiveRun run;
    run.build = UbExperiment::SuperClusterBuild(4, 64, "uboe-400g", "atlas950");
    run.op = UbCollectiveOp::ALL_REDUCE;
    run.algo = UbCollectiveAlgo::HIERARCHICAL;
    run.group = 64;
    run.bytes = 1 << 20;
    run.results = &results;
    uint64_t* tooLate = &o.tooLate;
    if (late)
    {
        run.setup = [tooLate](UbTopologyHelper&, UbCollectiveEngine&) {
            InstallLateCarriers(tooLate);
        };
    }
    const UbExperiment::CollectiveOutcome out = UbExperiment::Run(run);
    UbScheduler::SetDistributedOrder(false);
    o.finished = out.finished;
    o.endPs = out.result.end.GetPicoSeconds();
    for (const Time& t : out.result.rankDone)
    {
        o.rankDonePs.push_back(t.GetPicoSeconds());
    }
    for (const UbResults::PortRow& p : results.GetPorts())
    {
        o.ports.emplace_back(p.node,
                             p.port,
                             p.txPackets,
                             p.txBytes,
                             p.busyS,
                             p.creditStallS,
                             p.creditFrames);
    }
    return o;
}

/**
 * In distributed order (UbScheduler::SetDistributedOrder) a node sees the events of one time in
 * an order that does not hang on when the messages among them were handed over: a run whose
 * every message is handed over as late as a transport between processes may gives the same
 * results, to the picosecond and port by port, as the run that hands them over at once. The
 * case is one where the usual order (time, then insertion) does not give that: handed over late,
 * the same run's ports differ there.
 */
class UbDistributedOrderTestCase : public TestCase
{
  public:
    UbDistributedOrderTestCase()
        : TestCase("distributed order: messages handed over late give the same results")
    {
    }

  private:
    void DoRun() override
    {
        const OrderOutcome now = RunOrdered(true, false);
        const OrderOutcome late = RunOrdered(true, true);
        NS_TEST_ASSERT_MSG_EQ(now.finished, true, "the AllReduce finished");
        NS_TEST_ASSERT_MSG_EQ(late.finished, true, "and handed over late");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(late.tooLate), 0u, "no message due before it was sent");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(late.endPs), now.endPs, "the same end, to the picosecond");
        const bool sameRanks = late.rankDonePs == now.rankDonePs;
        NS_TEST_EXPECT_MSG_EQ(sameRanks, true, "every rank's finish");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(now.ports.size()), 500u, "the ports that sent");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(late.PortsApart(now)), 0u, "every port's counters");
        // The usual order: the same late hand-over changes the ports' counters here.
        const OrderOutcome usual = RunOrdered(false, false);
        const OrderOutcome usualLate = RunOrdered(false, true);
        NS_TEST_EXPECT_MSG_GT(UB_FIG(usualLate.PortsApart(usual)),
                              0u,
                              "in the usual order, a late hand-over changes ports here");
    }
};

class UbLinkMessageTestSuite : public TestSuite
{
  public:
    UbLinkMessageTestSuite()
        : TestSuite("unifiedbus-link-messages", TestSuite::Type::UNIT)
    {
        AddTestCase(new UbLinkMessageSerializationTestCase);
        AddTestCase(new UbTwoProcessLinkTestCase(CREDITS, "credits"));
        AddTestCase(new UbTwoProcessLinkTestCase(PFC, "PFC"));
        AddTestCase(new UbTwoProcessLinkTestCase(RETRY, "link-level retry"));
        AddTestCase(new UbDistributedOrderTestCase);
    }
};

UbLinkMessageTestSuite g_ubLinkMessageTestSuite;

} // namespace
