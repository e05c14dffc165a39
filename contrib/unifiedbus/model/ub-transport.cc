/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * UbTransport, part 1 of 2: configuration (attributes, start, statistics) and the sending side:
 * TP channels and groups, segmentation into packets, windows, pacing, injection. What arrives
 * (acknowledgements, data) is in part 2, ub-transport-receive.cc.
 */
#include "ub-transport.h"

#include "ub-compat.h"
#include "ub-error.h"
#include "ub-invariants.h"
#include "ub-network-header.h"
#include "ub-scheduler.h"
#include "ub-transaction-header.h"
#include "ub-transport-header.h"

#include "ns3/abort.h"
#include "ns3/data-rate.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbTransport");
NS_OBJECT_ENSURE_REGISTERED(UbTransport);

namespace
{
constexpr uint32_t PSN_MASK = UbTransportHeader::PSN_MASK;
} // namespace

TypeId
UbTransport::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::UbTransport")
            .SetParent<Object>()
            .SetGroupName("UnifiedBus")
            .AddConstructor<UbTransport>()
            .AddAttribute("Mode",
                          "Transport service: Rtp (reliable, end-to-end retransmission), Ctp "
                          "(relies on link-level retry) or Utp (unreliable).",
                          EnumValue(UbTransport::RTP),
                          UbMakeEnumAccessor(&UbTransport::m_mode),
                          MakeEnumChecker(UbTransport::RTP,
                                          "Rtp",
                                          UbTransport::CTP,
                                          "Ctp",
                                          UbTransport::UTP,
                                          "Utp"))
            .AddAttribute("Retransmission",
                          "RTP retransmission: GoBackN or Selective (64-bit SACK).",
                          EnumValue(UbTransport::GO_BACK_N),
                          UbMakeEnumAccessor(&UbTransport::m_retransmission),
                          MakeEnumChecker(UbTransport::GO_BACK_N,
                                          "GoBackN",
                                          UbTransport::SELECTIVE,
                                          "Selective"))
            .AddAttribute("TpChannels",
                          "TP channels per peer (a TP channel group, 1..64); their packets carry "
                          "different load-balance fields, so they may take different paths. "
                          "Default 4 [A]: enough that successive transactions of a pair (a "
                          "collective's steps) spread over paths, where one channel pinned "
                          "them all to the path its hash gave.",
                          UintegerValue(4),
                          MakeUintegerAccessor(&UbTransport::m_channels),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("Multipath",
                          "Use of the channel group: PerTransaction (a transaction stays on one "
                          "channel) or PerPacket (its packets spread over all).",
                          EnumValue(UbTransport::PER_TRANSACTION),
                          UbMakeEnumAccessor(&UbTransport::m_multipath),
                          MakeEnumChecker(UbTransport::PER_TRANSACTION,
                                          "PerTransaction",
                                          UbTransport::PER_PACKET,
                                          "PerPacket"))
            .AddAttribute("ChannelChoice",
                          "PerTransaction: how successive transactions to a peer pick their "
                          "channel (and so their path): RoundRobin (default: in turn, starting "
                          "at (own CNA + peer CNA) mod TpChannels, so every channel gets an "
                          "equal share and two pairs do not step through the paths in "
                          "lockstep), Random (uniform per transaction) or LeastLoaded (fewest "
                          "packets unacknowledged or still to send; ties in turn).",
                          EnumValue(UbTransport::ROUND_ROBIN),
                          UbMakeEnumAccessor(&UbTransport::m_channelChoice),
                          MakeEnumChecker(UbTransport::ROUND_ROBIN,
                                          "RoundRobin",
                                          UbTransport::RANDOM,
                                          "Random",
                                          UbTransport::LEAST_LOADED,
                                          "LeastLoaded"))
            .AddAttribute("Window",
                          "RTP: unacknowledged packets per TP channel (Selective: at most 65).",
                          UintegerValue(256),
                          MakeUintegerAccessor(&UbTransport::m_window),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("AckEvery",
                          "RTP: packets per cumulative acknowledgement (also at the last packet of "
                          "every transaction message).",
                          UintegerValue(8),
                          MakeUintegerAccessor(&UbTransport::m_ackEvery),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("AckDelay",
                          "RTP: the longest a receiver holds a cumulative acknowledgement while "
                          "it waits for AckEvery packets (time). Default 2 us: an assumption.",
                          TimeValue(MicroSeconds(2)),
                          MakeTimeAccessor(&UbTransport::m_ackDelay),
                          MakeTimeChecker(PicoSeconds(1)))
            .AddAttribute(
                "RetransmitTimeout",
                "RTP retransmission timeout (RTO) before any round trip was measured, and the "
                "least it can be (time). As RFC 6298 computes it, the RTO is SRTT + max(G, 4 "
                "RTTVAR) from the measured round trips to the peer (the endpoint's, for a peer "
                "not yet measured), with G = AckDelay (a receiver may hold an acknowledgement "
                "that long), kept within [RetransmitTimeout, MaxRetransmitTimeout], and doubled "
                "on each expiry without progress. Default 100 us: an assumption, far above the "
                "queueing delays of a loaded SuperPoD (a 64-NPU All-to-All of 64 KiB per pair "
                "measures round trips of at most 18.4 us), so that a loss-free run never resends; "
                "a "
                "lossless fabric loses packets only to link errors the link layer did not fix.",
                TimeValue(MicroSeconds(100)),
                MakeTimeAccessor(&UbTransport::m_rto),
                MakeTimeChecker(Time(0)))
            .AddAttribute("MaxRetransmitTimeout",
                          "RTP: the most the retransmission timeout can be, backoff included "
                          "(time; 0: 64 x RetransmitTimeout). RFC 6298 section 2.5 allows such "
                          "a bound.",
                          TimeValue(Time(0)),
                          MakeTimeAccessor(&UbTransport::m_maxRto),
                          MakeTimeChecker(Time(0)))
            .AddAttribute(
                "CongestionControl",
                "None; Caqm: C-AQM as the facts describe it (the sender asks for rate "
                "with the I bit; a congested switch port sets the C bit and writes a rate "
                "hint; the receiver echoes it in its ACK; the sender paces each TP channel "
                "at the hint, and adds CaqmIncrease per un-congested ACK); or Dcqcn: DCQCN "
                "as in Zhu et al., SIGCOMM 2015 (switches mark ECN, UbSwitch::EcnThreshold; "
                "the receiver sends a CNP at most every CnpInterval per channel; the sender "
                "cuts its rate by alpha/2 per CNP and recovers by fast recovery, additive "
                "and hyper increase).",
                EnumValue(UbTransport::CC_NONE),
                UbMakeEnumAccessor(&UbTransport::m_cc),
                MakeEnumChecker(UbTransport::CC_NONE,
                                "None",
                                UbTransport::CC_CAQM,
                                "Caqm",
                                UbTransport::CC_DCQCN,
                                "Dcqcn"))
            .AddAttribute(
                "RemoteCongestionControl",
                "Congestion control of channels to peers outside the endpoint's domain "
                "(UbController::DomainFirst..DomainLast): Same (as CongestionControl), "
                "None, Caqm or Dcqcn. UbTopologyHelper sets it from the scale-out preset's "
                "CongestionControl, so UBoE scale-out runs C-AQM and RoCE runs DCQCN while "
                "the SuperPoD inside keeps its own.",
                EnumValue(UbTransport::CC_SAME),
                UbMakeEnumAccessor(&UbTransport::m_remoteCc),
                MakeEnumChecker(UbTransport::CC_SAME,
                                "Same",
                                UbTransport::CC_NONE,
                                "None",
                                UbTransport::CC_CAQM,
                                "Caqm",
                                UbTransport::CC_DCQCN,
                                "Dcqcn"))
            .AddAttribute("CaqmIncrease",
                          "C-AQM: rate added per un-congested ACK, as a fraction of the channel's "
                          "maximum rate. Default 0.05: an assumption.",
                          DoubleValue(0.05),
                          MakeDoubleAccessor(&UbTransport::m_caqmIncrease),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("CaqmMinRate",
                          "C-AQM: the lowest rate, as a fraction of the channel's maximum. "
                          "Default 0.01: an assumption.",
                          DoubleValue(0.01),
                          MakeDoubleAccessor(&UbTransport::m_caqmMinRate),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("DcqcnG",
                          "DCQCN: gain g of the congestion estimate, alpha = (1 - g) alpha + g "
                          "per CNP. Default 1/256, the DCQCN paper's.",
                          DoubleValue(1.0 / 256),
                          MakeDoubleAccessor(&UbTransport::m_dcqcnG),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("DcqcnAlphaPeriod",
                          "DCQCN: alpha decays by (1 - g) after each such period without a CNP. "
                          "Default 55 us, the DCQCN paper's.",
                          TimeValue(MicroSeconds(55)),
                          MakeTimeAccessor(&UbTransport::m_dcqcnAlphaPeriod),
                          MakeTimeChecker(PicoSeconds(1)))
            .AddAttribute("DcqcnIncreasePeriod",
                          "DCQCN: the rate-increase timer. Default 55 us, the DCQCN paper's.",
                          TimeValue(MicroSeconds(55)),
                          MakeTimeAccessor(&UbTransport::m_dcqcnIncreasePeriod),
                          MakeTimeChecker(PicoSeconds(1)))
            .AddAttribute("DcqcnByteCounter",
                          "DCQCN: bytes sent per rate-increase step of the byte counter. "
                          "Default 10 MB, the DCQCN paper's.",
                          UintegerValue(10000000),
                          MakeUintegerAccessor(&UbTransport::m_dcqcnByteCounter),
                          MakeUintegerChecker<uint64_t>(1))
            .AddAttribute("DcqcnF",
                          "DCQCN: steps of fast recovery before additive increase (F). "
                          "Default 5, the DCQCN paper's.",
                          UintegerValue(5),
                          MakeUintegerAccessor(&UbTransport::m_dcqcnF),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("DcqcnAi",
                          "DCQCN: additive increase of the target rate per step (R_AI). "
                          "Default 40 Mb/s, the DCQCN paper's.",
                          DataRateValue(DataRate("40Mbps")),
                          MakeDataRateAccessor(&UbTransport::m_dcqcnAi),
                          MakeDataRateChecker())
            .AddAttribute("DcqcnHai",
                          "DCQCN: hyper increase per step (R_HAI), once both the timer and the "
                          "byte counter passed F steps. Default 200 Mb/s: an assumption (5 x "
                          "R_AI); NIC defaults keep the same ratio (50 and 5 Mb/s ... 10 x).",
                          DataRateValue(DataRate("200Mbps")),
                          MakeDataRateAccessor(&UbTransport::m_dcqcnHai),
                          MakeDataRateChecker())
            .AddAttribute("DcqcnMinRate",
                          "DCQCN: the lowest rate a decrease leaves. Default 10 Mb/s: an "
                          "assumption (NIC defaults allow 1 Mb/s).",
                          DataRateValue(DataRate("10Mbps")),
                          MakeDataRateAccessor(&UbTransport::m_dcqcnMinRate),
                          MakeDataRateChecker())
            .AddAttribute("CnpInterval",
                          "DCQCN: the receiver sends at most one CNP per channel in this "
                          "time. Default 50 us, the DCQCN paper's.",
                          TimeValue(MicroSeconds(50)),
                          MakeTimeAccessor(&UbTransport::m_cnpInterval),
                          MakeTimeChecker(Time(0)));
    return tid;
}

UbTransport::UbTransport()
{
    UbEnsurePicoseconds();
}

int64_t
UbTransport::AssignStreams(int64_t stream)
{
    if (!m_channelRng)
    {
        m_channelRng = CreateObject<UniformRandomVariable>();
    }
    m_channelRng->SetStream(stream);
    return 1;
}

UbTransport::~UbTransport() = default;

std::string
UbTransport::Where() const
{
    std::ostringstream os;
    os << "UbTransport on CNA " << m_endpoint.cna;
    return os.str();
}

void
UbTransport::SetCallbacks(InjectCallback inject, DeliverCallback deliver, WaitCallback waitForRoom)
{
    m_inject = inject;
    m_deliver = deliver;
    m_waitForRoom = waitForRoom;
}

void
UbTransport::Start(const Endpoint& endpoint)
{
    m_endpoint = endpoint;
    const std::string w = Where();
    UB_INPUT_ERROR_IF(m_channels == 0 || m_channels > 64,
                      w << ": TpChannels=" << m_channels << " is invalid; use 1..64");
    UB_INPUT_ERROR_IF(m_window == 0, w << ": Window=0 is invalid; use 1 or more");
    UB_INPUT_ERROR_IF(m_ackEvery == 0, w << ": AckEvery=0 is invalid; use 1 or more");
    UB_INPUT_ERROR_IF(m_mode == RTP && m_rto.IsZero(),
                      w << ": RetransmitTimeout=0 is invalid for RTP");
    m_maxRtoPs = m_maxRto.IsZero() ? 64 * m_rto.GetPicoSeconds() : m_maxRto.GetPicoSeconds();
    UB_INPUT_ERROR_IF(m_maxRtoPs < m_rto.GetPicoSeconds(),
                      w << ": MaxRetransmitTimeout=" << m_maxRto.As(Time::US)
                        << " is below RetransmitTimeout=" << m_rto.As(Time::US)
                        << "; raise it or use 0 (64 x RetransmitTimeout)");
    NS_ABORT_MSG_IF(m_inject.IsNull() || m_deliver.IsNull() || m_waitForRoom.IsNull(),
                    w << ": started without its callbacks; UbController::DoInitialize sets them");
    if (m_channelChoice == RANDOM && !m_channelRng)
    {
        // Made only when used, so that other random streams keep their numbers.
        m_channelRng = CreateObject<UniformRandomVariable>();
    }
    const CongestionControl remote = m_remoteCc == CC_SAME ? m_cc : m_remoteCc;
    m_paced = m_cc != CC_NONE || remote != CC_NONE;
}

void
UbTransport::DoDispose()
{
    UbInvariants::AtDispose(); // the first of the model's objects to go checks the run
    for (auto& [cna, peer] : m_peers)
    {
        for (auto& ch : peer.channels)
        {
            ch.rtoEvent.Cancel();
            ch.paceEvent.Cancel();
            ch.ackEvent.Cancel();
        }
    }
    m_peers.clear();
    m_lastPeer = nullptr;
    m_active.clear();
    m_pendingAcks.clear();
    m_sized = {};
    m_inject = InjectCallback();
    m_deliver = DeliverCallback();
    m_waitForRoom = WaitCallback();
    Object::DoDispose();
}

const UbTransport::Stats&
UbTransport::GetStats() const
{
    return m_stats;
}

uint32_t
UbTransport::GetNPeers() const
{
    return static_cast<uint32_t>(m_peers.size());
}

uint64_t
UbTransport::GetUnacked() const
{
    uint64_t n = 0;
    for (const auto& [cna, peer] : m_peers)
    {
        for (const auto& ch : peer.channels)
        {
            n += Unacked(ch);
        }
    }
    return n;
}

uint32_t
UbTransport::DescribePending(std::ostream& os, uint32_t limit) const
{
    // In CNA order, so that the report is the same from run to run.
    std::vector<uint32_t> cnas;
    cnas.reserve(m_peers.size());
    for (const auto& [cna, peer] : m_peers)
    {
        cnas.push_back(cna);
    }
    std::sort(cnas.begin(), cnas.end());
    uint32_t n = 0;
    for (uint32_t cna : cnas)
    {
        const Peer& peer = m_peers.at(cna);
        for (const auto& ch : peer.channels)
        {
            const uint64_t unacked = Unacked(ch);
            const uint64_t waiting = ch.queue.size() - ch.queueHead;
            if (unacked == 0 && waiting == 0)
            {
                continue;
            }
            if (n++ < limit)
            {
                os << "  CNA " << m_endpoint.cna << " -> CNA " << cna << ", TP channel " << ch.index
                   << ": " << unacked << " packet(s) unacknowledged from PSN " << ch.sndUna << ", "
                   << waiting << " message(s) not started, timeout backoff x" << ch.rtoBackoff
                   << "\n";
            }
        }
    }
    return n;
}

uint64_t
UbTransport::GetMemoryBytes() const
{
    uint64_t bytes = sizeof(*this) + m_active.capacity() * sizeof(Channel*);
    for (const auto& p : m_sized)
    {
        // A shared packet: the object, and its buffer and metadata (about 64 B; no payload).
        bytes += p ? sizeof(Packet) + 64 : 0;
    }
    for (const auto& [cna, peer] : m_peers)
    {
        bytes += sizeof(Peer) + 32 + peer.shared.capacity() * sizeof(UbTpMessage);
        for (const auto& ch : peer.channels)
        {
            bytes += sizeof(Channel) + ch.ring.capacity() * sizeof(Desc) +
                     ch.resendQueue.capacity() * sizeof(uint32_t) +
                     ch.queue.capacity() * sizeof(UbTpMessage);
        }
    }
    return bytes;
}

void
UbTransport::RttEstimator::Sample(int64_t r)
{
    if (srttPs < 0)
    {
        srttPs = r;
        rttvarPs = r / 2;
        return;
    }
    rttvarPs = (3 * rttvarPs + std::abs(srttPs - r)) / 4;
    srttPs = (7 * srttPs + r) / 8;
}

int64_t
UbTransport::RtoPs(const Channel& ch) const
{
    // RFC 6298: SRTT + max(G, 4 RTTVAR) from the peer's round trips, or the endpoint's when the
    // peer has none yet, within [RetransmitTimeout, MaxRetransmitTimeout].
    const RttEstimator& e = ch.rtt->srttPs >= 0 ? *ch.rtt : m_rtt;
    int64_t rto = m_rto.GetPicoSeconds();
    if (e.srttPs >= 0)
    {
        rto = std::max(rto, e.srttPs + std::max(m_ackDelay.GetPicoSeconds(), 4 * e.rttvarPs));
    }
    return std::min(rto, m_maxRtoPs);
}

uint32_t
UbTransport::Window() const
{
    // A 64-bit SACK bitmap covers 64 PSNs beyond the next expected one.
    return m_retransmission == SELECTIVE ? std::min<uint32_t>(m_window, 65) : m_window;
}

UbTransport::Peer&
UbTransport::GetPeer(uint32_t cna)
{
    // Packets come in runs from one peer: remember the last one found (peers are never
    // erased while the transport runs, and the map's nodes do not move).
    if (m_lastPeer && m_lastPeerCna == cna)
    {
        return *m_lastPeer;
    }
    auto it = m_peers.find(cna);
    if (it != m_peers.end())
    {
        m_lastPeer = &it->second;
        m_lastPeerCna = cna;
        return it->second;
    }
    Peer& p = m_peers[cna];
    m_lastPeer = &p;
    m_lastPeerCna = cna;
    const bool outside = cna < m_endpoint.domainFirst || cna > m_endpoint.domainLast;
    p.mtu = outside && m_endpoint.remoteMtu != 0 ? m_endpoint.remoteMtu : m_endpoint.mtu;
    const uint8_t cc = outside && m_remoteCc != CC_SAME ? m_remoteCc : m_cc;
    const double line = outside && m_endpoint.remoteMaxRateBps > 0 ? m_endpoint.remoteMaxRateBps
                                                                   : m_endpoint.maxRateBps;
    p.channels.resize(m_channels);
    for (uint32_t i = 0; i < m_channels; ++i)
    {
        Channel& ch = p.channels[i];
        ch.peer = cna;
        ch.index = i;
        ch.rtt = &p.rtt;
        ch.owner = &p;
        ch.cc = cc;
        ch.lineBps = line;
    }
    return p;
}

UbTransport::Channel&
UbTransport::GetChannel(uint32_t cna, uint32_t index)
{
    Peer& p = GetPeer(cna);
    NS_ABORT_MSG_IF(index >= p.channels.size(),
                    "UbTransport on CNA " << m_endpoint.cna << ": packet for TP channel " << index
                                          << " from CNA " << cna
                                          << ", but TpChannels=" << p.channels.size()
                                          << "; both ends need the same TpChannels");
    return p.channels[index];
}

uint32_t
UbTransport::FlowKey(const Channel& ch) const
{
    // Channel i of a group carries load-balance field i: switches steering by LBF put the
    // channels of a group on different paths, and ECMP hashes them apart.
    return ch.index;
}

uint32_t
UbTransport::Unacked(const Channel& ch) const
{
    return ch.nextPsn - ch.sndUna;
}

UbTransport::Desc&
UbTransport::RingAt(Channel& ch, uint32_t psn)
{
    auto cap = static_cast<uint32_t>(ch.ring.size());
    return ch.ring[(ch.ringHead + (psn - ch.sndUna)) & (cap - 1)];
}

void
UbTransport::Activate(Channel& ch)
{
    if (!ch.active)
    {
        ch.active = true;
        m_active.push_back(&ch);
    }
}

void
UbTransport::Send(uint32_t dst, const UbTpMessage& msg)
{
    Peer& p = GetPeer(dst);
    if (m_multipath == PER_PACKET && p.channels.size() > 1)
    {
        p.shared.push_back(msg);
        // Activate the group starting at the channel after the one that took the group's last
        // packet (NextNewSegment), so that the packets of successive messages go round the
        // channels in turn: a start that moved on by one per message put the first packets of
        // eight 8-packet messages on the same channel, whose path then carried eight packets
        // while others carried one. The first start is (own CNA + peer's CNA) mod n, so that
        // from many sources to one peer the first packets do not all arrive on one of its
        // ports.
        const auto n = static_cast<uint32_t>(p.channels.size());
        if (!p.rotated)
        {
            p.nextChannel = (static_cast<uint64_t>(m_endpoint.cna) + dst) % n;
            p.rotated = true;
        }
        for (uint32_t i = 0; i < n; ++i)
        {
            Activate(p.channels[(p.nextChannel + i) % n]);
        }
    }
    else
    {
        Channel& ch = p.channels[ChooseChannel(p, dst)];
        ch.queue.push_back(msg);
        Activate(ch);
    }
    Pump();
}

uint32_t
UbTransport::Backlog(const Channel& ch, uint32_t mtu) const
{
    uint64_t packets = Unacked(ch);
    for (uint32_t i = ch.queueHead; i < ch.queue.size(); ++i)
    {
        const UbTpMessage& m = ch.queue[i];
        packets += (m.dataBytes - m.nextOffset + mtu - 1) / mtu + (m.dataBytes == 0 ? 1 : 0);
    }
    return static_cast<uint32_t>(std::min<uint64_t>(packets, UINT32_MAX));
}

uint32_t
UbTransport::ChooseChannel(Peer& p, uint32_t dst)
{
    const auto n = static_cast<uint32_t>(p.channels.size());
    if (n == 1)
    {
        return 0;
    }
    if (!p.rotated)
    {
        // Start the rotation at (own CNA + peer CNA) mod n: pairs that step through their
        // channels together (a collective's) then sit on different ones.
        p.nextChannel = static_cast<uint32_t>((static_cast<uint64_t>(m_endpoint.cna) + dst) % n);
        p.rotated = true;
    }
    uint32_t pick = p.nextChannel;
    if (m_channelChoice == RANDOM)
    {
        pick = m_channelRng->GetInteger(0, n - 1);
    }
    else if (m_channelChoice == LEAST_LOADED)
    {
        uint32_t best = UINT32_MAX;
        for (uint32_t k = 0; k < n; ++k)
        {
            uint32_t i = (p.nextChannel + k) % n;
            uint32_t load = Backlog(p.channels[i], p.mtu);
            if (load < best)
            {
                best = load;
                pick = i;
            }
        }
    }
    p.nextChannel = (p.nextChannel + 1) % n;
    return pick;
}

bool
UbTransport::NextNewSegment(Channel& ch, Desc& d, bool commit)
{
    Peer& p = *ch.owner;
    std::vector<UbTpMessage>* q = &ch.queue;
    uint32_t* head = &ch.queueHead;
    if (m_multipath == PER_PACKET && p.channels.size() > 1)
    {
        q = &p.shared;
        head = &p.sharedHead;
    }
    if (*head >= q->size())
    {
        return false;
    }
    UbTpMessage& m = (*q)[*head];
    d.offset = m.nextOffset;
    d.len = std::min(m.dataBytes - m.nextOffset, p.mtu);
    d.lengthField = m.lengthField;
    d.address = m.address + m.nextOffset;
    d.operand[0] = m.operand[0];
    d.operand[1] = m.operand[1];
    d.tassn = m.tassn;
    d.taOpcode = m.taOpcode;
    d.order = m.order;
    d.operandBytes = static_cast<uint8_t>(m.operandBytes);
    d.memHeader = m.memHeader;
    d.flags = m.flags;
    d.last = (m.nextOffset + d.len >= m.dataBytes);
    d.sacked = false;
    d.resent = false;
    if (commit)
    {
        if (q == &p.shared)
        {
            // The group's next message starts on the channel after this one (Send).
            const auto n = static_cast<uint32_t>(p.channels.size());
            p.nextChannel = static_cast<uint32_t>(&ch - p.channels.data() + 1) % n;
        }
        m.nextOffset += d.len;
        if (d.last)
        {
            ++*head;
            if (*head == q->size())
            {
                q->clear();
                *head = 0;
            }
            else if (*head > 64 && 2 * *head > q->size())
            {
                q->erase(q->begin(), q->begin() + *head);
                *head = 0;
            }
        }
    }
    return true;
}

uint32_t
UbTransport::HeaderBytes(const UbTpFields& tp)
{
    uint32_t bytes = UbNetworkHeader::SIZE + UbTransportHeader::SIZE;
    if (tp.opcode == UbTransportHeader::SACK)
    {
        bytes += UbTransportHeader::SACK_EXTRA;
    }
    else if (tp.opcode == UbTransportHeader::DATA)
    {
        bytes += UbTransactionHeader::SIZE + (tp.memHeader ? UbMemoryHeader::SIZE : 0);
    }
    return bytes;
}

Ptr<Packet>
UbTransport::SizedPacket(uint32_t bytes)
{
    Ptr<Packet>& slot = m_sized[bytes & 7];
    if (!slot || slot->GetSize() != bytes)
    {
        slot = Create<Packet>(bytes);
    }
    return slot;
}

bool
UbTransport::InjectData(Channel& ch, const Desc& d)
{
    UbTpFields f;
    f.opcode = UbTransportHeader::DATA;
    f.flags = d.last ? UbTransportHeader::LAST : 0;
    f.tpn = static_cast<uint8_t>(ch.index);
    f.psn = d.psn & PSN_MASK;
    f.taOpcode = d.taOpcode;
    f.order = d.order;
    f.tassn = d.tassn;
    f.offset = d.offset;
    f.length = d.lengthField;
    f.memHeader = d.memHeader ? 1 : 0;
    f.word = d.memHeader ? d.address : 0;
    uint8_t cc = 0;
    if (ch.cc == CC_CAQM)
    {
        cc = UB_CC_CAPABLE;
        if (ch.rateBps < ch.lineBps)
        {
            cc |= UB_CC_INCREASE;
            f.flags |= UbTransportHeader::INCREASE;
        }
    }
    // The headers' bytes count in the size; only an atomic's operands are real bytes.
    const uint32_t headers = HeaderBytes(f);
    Ptr<Packet> p;
    if (d.operandBytes > 0)
    {
        uint8_t buf[16];
        std::memcpy(buf, d.operand, sizeof(buf));
        p = Create<Packet>(buf, d.operandBytes);
        p->AddPaddingAtEnd(headers);
    }
    else
    {
        p = SizedPacket(d.len + headers);
    }
    bool writeData = d.len > 0 && (d.taOpcode == UbTransactionHeader::WRITE ||
                                   d.taOpcode == UbTransactionHeader::WRITE_NOTIFY ||
                                   d.taOpcode == UbTransactionHeader::SEND);
    if (!m_inject(p, ch.peer, FlowKey(ch), cc, d.flags, writeData, f))
    {
        return false;
    }
    ++m_stats.dataSent;
    Sent(ch, p->GetSize() - UbNetworkHeader::SIZE);
    return true;
}

bool
UbTransport::InjectAck(Channel& ch, uint8_t opcode)
{
    UbTpFields f;
    f.opcode = opcode;
    f.tpn = static_cast<uint8_t>(ch.index);
    f.psn = ch.expected & PSN_MASK;
    f.word = opcode == UbTransportHeader::SACK ? ch.bitmap : 0;
    if (ch.ccSeen)
    {
        // Echo the C-AQM feedback of the data acknowledged (TPACK-CC).
        f.flags |= UbTransportHeader::ACK_CC;
        if (ch.ccCongested)
        {
            f.flags |= UbTransportHeader::CONGESTED;
            f.hint = ch.ccHint;
        }
    }
    if (!m_inject(SizedPacket(HeaderBytes(f)), ch.peer, FlowKey(ch), 0, ch.replyFlags, false, f))
    {
        return false;
    }
    ++m_stats.acksSent;
    ch.sinceAck = 0;
    ch.firstUnackedPs = -1;
    ch.ccSeen = false;
    ch.ccCongested = false;
    ch.ccHint = 0xFFFF;
    return true;
}

bool
UbTransport::InjectCnp(Channel& ch)
{
    UbTpFields f;
    f.opcode = UbTransportHeader::CNP;
    f.tpn = static_cast<uint8_t>(ch.index);
    if (!m_inject(SizedPacket(HeaderBytes(f)), ch.peer, FlowKey(ch), 0, ch.replyFlags, false, f))
    {
        return false; // a full injection buffer: the next marked packet asks again
    }
    ++m_stats.cnpsSent;
    return true;
}

void
UbTransport::DcqcnAdvance(Channel& ch, int64_t now)
{
    // DCQCN's timers, applied when the channel next sends or hears a CNP instead of as events:
    // the rate is only read then, so the result is the same as with timers.
    DcqcnState& s = *ch.dcqcn;
    const int64_t alphaPs = m_dcqcnAlphaPeriod.GetPicoSeconds();
    if (now - s.alphaPs >= alphaPs)
    {
        const int64_t k = (now - s.alphaPs) / alphaPs;
        s.alpha *= std::pow(1 - m_dcqcnG, static_cast<double>(k));
        s.alphaPs += k * alphaPs;
    }
    const int64_t timerPs = m_dcqcnIncreasePeriod.GetPicoSeconds();
    while (s.limited && now - s.timerPs >= timerPs)
    {
        s.timerPs += timerPs;
        ++s.timerStage;
        DcqcnIncrease(ch);
    }
}

void
UbTransport::DcqcnIncrease(Channel& ch)
{
    // The reaction point's increase (DCQCN paper, after QCN): F steps of fast recovery toward
    // the target, then additive increase of the target, and hyper increase once both the timer
    // and the byte counter passed F.
    DcqcnState& s = *ch.dcqcn;
    const uint32_t hi = std::max(s.timerStage, s.byteStage);
    const uint32_t lo = std::min(s.timerStage, s.byteStage);
    if (lo > m_dcqcnF)
    {
        s.targetBps += (lo - m_dcqcnF) * static_cast<double>(m_dcqcnHai.GetBitRate());
    }
    else if (hi > m_dcqcnF)
    {
        s.targetBps += static_cast<double>(m_dcqcnAi.GetBitRate());
    }
    s.targetBps = std::min(s.targetBps, ch.lineBps);
    ch.rateBps = (s.targetBps + ch.rateBps) / 2;
    if (ch.lineBps - ch.rateBps < static_cast<double>(m_dcqcnAi.GetBitRate()))
    {
        ch.rateBps = ch.lineBps; // back at the line rate: no more pacing
        s.limited = false;
    }
}

UbTransport::SendResult
UbTransport::TrySendOne(Channel& ch)
{
    const bool reliable = m_mode == RTP;
    if (m_paced && ch.cc != CC_NONE && Paced(ch))
    {
        return NOTHING; // the pacing timer brings the channel back
    }
    // Selective repeat: holes first.
    while (reliable && !ch.resendQueue.empty())
    {
        uint32_t psn = ch.resendQueue.front();
        if (psn < ch.sndUna || psn >= ch.nextPsn || RingAt(ch, psn).sacked)
        {
            ch.resendQueue.erase(ch.resendQueue.begin());
            continue;
        }
        Desc& d = RingAt(ch, psn);
        if (!InjectData(ch, d))
        {
            return BLOCKED;
        }
        d.resent = true;
        d.retransmitted = true;
        d.sentPs = UbScheduler::Now().GetPicoSeconds();
        ++m_stats.retransmitted;
        ch.resendQueue.erase(ch.resendQueue.begin());
        ArmTimer(ch);
        return SENT;
    }
    // Go-back-N: resend from sndNxt.
    if (reliable && ch.sndNxt < ch.nextPsn)
    {
        if (ch.sndNxt < ch.sndUna)
        {
            ch.sndNxt = ch.sndUna;
        }
        if (ch.sndNxt < ch.nextPsn)
        {
            Desc& d = RingAt(ch, ch.sndNxt);
            if (!InjectData(ch, d))
            {
                return BLOCKED;
            }
            d.retransmitted = true;
            d.sentPs = UbScheduler::Now().GetPicoSeconds();
            ++ch.sndNxt;
            ++m_stats.retransmitted;
            ArmTimer(ch);
            return SENT;
        }
    }
    if (reliable && Unacked(ch) >= Window())
    {
        return NOTHING;
    }
    Desc d;
    if (!NextNewSegment(ch, d, false))
    {
        return NOTHING;
    }
    d.psn = ch.nextPsn;
    d.sentPs = UbScheduler::Now().GetPicoSeconds();
    d.retransmitted = false;
    if (!InjectData(ch, d))
    {
        return BLOCKED;
    }
    NextNewSegment(ch, d, true);
    ++ch.nextPsn;
    ch.sndNxt = ch.nextPsn;
    if (reliable)
    {
        auto cap = static_cast<uint32_t>(ch.ring.size());
        uint32_t used = Unacked(ch); // includes the new one
        if (used > cap)
        {
            // Grow the ring (power of two), keeping the order.
            uint32_t newCap = std::max<uint32_t>(16, cap * 2);
            std::vector<Desc> grown(newCap);
            for (uint32_t i = 0; i + 1 < used; ++i)
            {
                grown[i] = ch.ring[(ch.ringHead + i) & (cap - 1)];
            }
            ch.ring.swap(grown);
            ch.ringHead = 0;
        }
        RingAt(ch, d.psn) = d;
        ArmTimer(ch);
    }
    return SENT;
}

void
UbTransport::Pump()
{
    if (m_pumping)
    {
        return;
    }
    m_pumping = true;
    while (!m_pendingAcks.empty())
    {
        auto [ch, op] = m_pendingAcks.front();
        if (!InjectAck(*ch, op))
        {
            break;
        }
        m_pendingAcks.erase(m_pendingAcks.begin());
    }
    bool blocked = !m_pendingAcks.empty();
    while (!blocked && !m_active.empty())
    {
        if (m_rr >= m_active.size())
        {
            m_rr = 0;
        }
        Channel* ch = m_active[m_rr];
        SendResult r = TrySendOne(*ch);
        if (r == BLOCKED)
        {
            blocked = true;
        }
        else if (r == NOTHING)
        {
            ch->active = false;
            m_active[m_rr] = m_active.back();
            m_active.pop_back();
        }
        else
        {
            ++m_rr; // round robin: one packet per channel per turn
        }
    }
    m_pumping = false;
    if (blocked && !m_waitingRoom)
    {
        m_waitingRoom = true;
        m_waitForRoom();
    }
}

bool
UbTransport::Paced(Channel& ch)
{
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    if (ch.rateBps <= 0)
    {
        ch.rateBps = ch.lineBps; // a new channel starts at full rate
    }
    if (ch.cc == CC_DCQCN && !(ch.dcqcn && ch.dcqcn->limited))
    {
        return false; // DCQCN paces only below the line rate
    }
    if (ch.nextSendPs <= now)
    {
        return false;
    }
    if (ch.paceEvent.IsExpired())
    {
        Channel* c = &ch;
        ch.paceEvent = Simulator::Schedule(PicoSeconds(ch.nextSendPs - now), [this, c]() {
            Activate(*c);
            Pump();
        });
    }
    return true;
}

void
UbTransport::Sent(Channel& ch, uint32_t bytes)
{
    if (ch.cc == CC_NONE || ch.rateBps <= 0)
    {
        return;
    }
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    if (ch.cc == CC_DCQCN)
    {
        if (!ch.dcqcn || !ch.dcqcn->limited)
        {
            return;
        }
        DcqcnState& s = *ch.dcqcn;
        DcqcnAdvance(ch, now);
        s.bytes += bytes;
        while (s.limited && s.bytes >= m_dcqcnByteCounter)
        {
            s.bytes -= m_dcqcnByteCounter;
            ++s.byteStage;
            DcqcnIncrease(ch);
        }
        if (!s.limited)
        {
            return;
        }
    }
    // Bytes on the wire, network header included.
    auto gap = static_cast<int64_t>((bytes + 12) * 8.0 * 1e12 / ch.rateBps);
    ch.nextSendPs = std::max(now, ch.nextSendPs) + gap;
}

double
UbTransport::GetRate(uint32_t peer, uint32_t index) const
{
    auto it = m_peers.find(peer);
    if (it == m_peers.end() || index >= it->second.channels.size())
    {
        return 0;
    }
    return it->second.channels[index].rateBps;
}

void
UbTransport::OnInjectionRoom()
{
    m_waitingRoom = false;
    Pump();
}

} // namespace ns3
