/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-transport.h"

#include "ub-controller.h"
#include "ub-transaction-header.h"
#include "ub-transport-header.h"

#include "ns3/abort.h"
#include "ns3/log.h"
#include "ns3/simulator.h"

#include <algorithm>
#include <cstring>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbTransport");

namespace
{
constexpr uint32_t PSN_MASK = 0xFFFFFF;

/// The full PSN nearest to `reference` whose low 24 bits are `psn24`.
uint32_t
Unwrap24(uint32_t reference, uint32_t psn24)
{
    uint32_t candidate = (reference & ~PSN_MASK) | (psn24 & PSN_MASK);
    auto diff = static_cast<int32_t>(candidate - reference);
    if (diff > static_cast<int32_t>(PSN_MASK / 2))
    {
        candidate -= PSN_MASK + 1;
    }
    else if (diff < -static_cast<int32_t>(PSN_MASK / 2))
    {
        candidate += PSN_MASK + 1;
    }
    return candidate;
}
} // namespace

UbTransport::UbTransport(UbController* owner, const Config& config)
    : m_owner(owner),
      m_config(config)
{
}

UbTransport::~UbTransport() = default;

void
UbTransport::Dispose()
{
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
    m_active.clear();
    m_pendingAcks.clear();
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

uint64_t
UbTransport::GetMemoryBytes() const
{
    uint64_t bytes = sizeof(*this) + m_active.capacity() * sizeof(Channel*);
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

int64_t
UbTransport::RtoPs(const Channel& ch) const
{
    // Jacobson/Karels: SRTT + 4 RTTVAR, never below the configured timeout.
    int64_t floor = m_config.rto.GetPicoSeconds();
    if (ch.srttPs < 0)
    {
        return floor;
    }
    return std::max(floor, ch.srttPs + 4 * ch.rttvarPs);
}

uint32_t
UbTransport::Window() const
{
    // A 64-bit SACK bitmap covers 64 PSNs beyond the next expected one.
    return m_config.retransmission == SELECTIVE ? std::min<uint32_t>(m_config.window, 65)
                                                : m_config.window;
}

UbTransport::Peer&
UbTransport::GetPeer(uint32_t cna)
{
    auto it = m_peers.find(cna);
    if (it != m_peers.end())
    {
        return it->second;
    }
    Peer& p = m_peers[cna];
    bool remote =
        m_config.remoteMtu != 0 && (cna < m_config.domainFirst || cna > m_config.domainLast);
    p.mtu = remote ? m_config.remoteMtu : m_config.mtu;
    p.channels.resize(m_config.channels);
    for (uint32_t i = 0; i < m_config.channels; ++i)
    {
        p.channels[i].peer = cna;
        p.channels[i].index = i;
    }
    return p;
}

UbTransport::Channel&
UbTransport::GetChannel(uint32_t cna, uint32_t index)
{
    Peer& p = GetPeer(cna);
    NS_ABORT_MSG_IF(index >= p.channels.size(),
                    "UbTransport on CNA " << m_owner->GetCna() << ": packet for TP channel "
                                          << index << " from CNA " << cna
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
    if (m_config.multipath == PER_PACKET && p.channels.size() > 1)
    {
        p.shared.push_back(msg);
        // Activate the group starting at a channel that moves on with every message and starts
        // at (own CNA + peer's CNA) mod n, so that short messages neither all leave on the first
        // channels (the first paths) nor, from many sources to one peer, all arrive on one of
        // its ports (a start seeded by the peer alone sent every source's first message to a
        // peer down the same plane).
        const auto n = static_cast<uint32_t>(p.channels.size());
        if (!p.rotated)
        {
            p.nextChannel = (static_cast<uint64_t>(m_owner->GetCna()) + dst) % n;
            p.rotated = true;
        }
        for (uint32_t i = 0; i < n; ++i)
        {
            Activate(p.channels[(p.nextChannel + i) % n]);
        }
        p.nextChannel = (p.nextChannel + 1) % n;
    }
    else
    {
        Channel& ch = p.channels[p.nextChannel];
        p.nextChannel = (p.nextChannel + 1) % p.channels.size();
        ch.queue.push_back(msg);
        Activate(ch);
    }
    Pump();
}

bool
UbTransport::NextNewSegment(Channel& ch, Desc& d, bool commit)
{
    Peer& p = m_peers[ch.peer];
    std::vector<UbTpMessage>* q = &ch.queue;
    uint32_t* head = &ch.queueHead;
    if (m_config.multipath == PER_PACKET && p.channels.size() > 1)
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
    d.last = (m.nextOffset + d.len >= m.dataBytes);
    d.sacked = false;
    d.resent = false;
    if (commit)
    {
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

bool
UbTransport::InjectData(Channel& ch, const Desc& d)
{
    Ptr<Packet> p;
    if (d.operandBytes > 0)
    {
        // Atomic operands and results are real bytes (8 or 16): the target computes with them.
        uint8_t buf[16];
        std::memcpy(buf, d.operand, sizeof(buf));
        p = Create<Packet>(buf, d.operandBytes);
    }
    else
    {
        p = Create<Packet>(d.len);
    }
    if (d.memHeader)
    {
        UbMemoryHeader mh;
        mh.address = d.address;
        mh.length = d.taOpcode == UbTransactionHeader::READ ? d.lengthField : d.len;
        p->AddHeader(mh);
    }
    UbTransactionHeader th;
    th.opcode = static_cast<UbTransactionHeader::Opcode>(d.taOpcode);
    th.order = d.order;
    th.tassn = d.tassn;
    th.offset = d.offset;
    th.length = d.lengthField;
    p->AddHeader(th);
    UbTransportHeader tp;
    tp.opcode = UbTransportHeader::DATA;
    tp.flags = d.last ? UbTransportHeader::LAST : 0;
    tp.srcTpn = ch.index;
    tp.dstTpn = ch.index;
    tp.psn = d.psn & PSN_MASK;
    uint8_t cc = 0;
    if (m_config.caqm)
    {
        cc = UB_CC_CAPABLE;
        if (ch.rateBps < m_config.maxRateBps)
        {
            cc |= UB_CC_INCREASE;
            tp.flags |= UbTransportHeader::INCREASE;
        }
    }
    p->AddHeader(tp);
    uint32_t bytes = p->GetSize();
    bool writeData = d.len > 0 && (d.taOpcode == UbTransactionHeader::WRITE ||
                                   d.taOpcode == UbTransactionHeader::WRITE_NOTIFY ||
                                   d.taOpcode == UbTransactionHeader::SEND);
    if (!m_owner->InjectFromTransport(p, ch.peer, FlowKey(ch), cc, writeData))
    {
        return false;
    }
    ++m_stats.dataSent;
    Sent(ch, bytes);
    return true;
}

bool
UbTransport::InjectAck(Channel& ch, uint8_t opcode)
{
    Ptr<Packet> p = Create<Packet>(0);
    UbTransportHeader tp;
    tp.opcode = static_cast<UbTransportHeader::Opcode>(opcode);
    tp.srcTpn = ch.index;
    tp.dstTpn = ch.index;
    tp.ackPsn = ch.expected & PSN_MASK;
    tp.sack = ch.bitmap;
    if (ch.ccSeen)
    {
        // Echo the C-AQM feedback of the data acknowledged (TPACK-CC).
        tp.flags |= UbTransportHeader::ACK_CC;
        if (ch.ccCongested)
        {
            tp.flags |= UbTransportHeader::CONGESTED;
            tp.hint = ch.ccHint;
        }
    }
    p->AddHeader(tp);
    if (!m_owner->InjectFromTransport(p, ch.peer, FlowKey(ch), 0))
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

UbTransport::SendResult
UbTransport::TrySendOne(Channel& ch)
{
    const bool reliable = m_config.mode == RTP;
    if (m_config.caqm && Paced(ch))
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
        d.sentPs = Simulator::Now().GetPicoSeconds();
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
            d.sentPs = Simulator::Now().GetPicoSeconds();
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
    d.sentPs = Simulator::Now().GetPicoSeconds();
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
        m_owner->WaitForInjectionRoom();
    }
}

bool
UbTransport::Paced(Channel& ch)
{
    int64_t now = Simulator::Now().GetPicoSeconds();
    if (ch.rateBps <= 0)
    {
        ch.rateBps = m_config.maxRateBps; // a new channel starts at full rate
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
    if (!m_config.caqm || ch.rateBps <= 0)
    {
        return;
    }
    int64_t now = Simulator::Now().GetPicoSeconds();
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

void
UbTransport::ArmTimer(Channel& ch)
{
    if (m_config.mode != RTP)
    {
        return;
    }
    int64_t now = Simulator::Now().GetPicoSeconds();
    if (Unacked(ch) == 0)
    {
        ch.rtoDeadlinePs = -1;
        return;
    }
    if (ch.rtoDeadlinePs < 0)
    {
        ch.rtoDeadlinePs = now + RtoPs(ch) * ch.rtoBackoff;
    }
    if (ch.rtoEvent.IsExpired())
    {
        ch.rtoEvent = Simulator::Schedule(PicoSeconds(ch.rtoDeadlinePs - now),
                                          &UbTransport::OnTimer,
                                          this,
                                          ch.peer,
                                          ch.index);
    }
}

void
UbTransport::OnTimer(uint32_t peer, uint32_t index)
{
    Channel& ch = GetChannel(peer, index);
    int64_t now = Simulator::Now().GetPicoSeconds();
    if (ch.rtoDeadlinePs < 0 || Unacked(ch) == 0)
    {
        ch.rtoDeadlinePs = -1;
        return;
    }
    if (now < ch.rtoDeadlinePs)
    {
        // The deadline moved (progress was made); sleep until it instead of rescheduling on
        // every acknowledgement.
        ch.rtoEvent = Simulator::Schedule(PicoSeconds(ch.rtoDeadlinePs - now),
                                          &UbTransport::OnTimer,
                                          this,
                                          peer,
                                          index);
        return;
    }
    ++m_stats.timeouts;
    NS_LOG_LOGIC("CNA " << m_owner->GetCna() << " channel " << index << " to " << peer
                        << ": timeout, resend from PSN " << ch.sndUna);
    ch.rtoBackoff = std::min<uint32_t>(ch.rtoBackoff * 2, 64);
    if (m_config.retransmission == GO_BACK_N)
    {
        ch.sndNxt = ch.sndUna;
    }
    else
    {
        ch.resendQueue.clear();
        for (uint32_t psn = ch.sndUna; psn < ch.nextPsn; ++psn)
        {
            Desc& d = RingAt(ch, psn);
            if (!d.sacked)
            {
                ch.resendQueue.push_back(psn);
            }
        }
    }
    ch.rtoDeadlinePs = -1;
    Activate(ch);
    ArmTimer(ch);
    Pump();
}

void
UbTransport::OnAck(Channel& ch,
                   uint8_t opcode,
                   uint32_t ackPsn24,
                   uint64_t sack,
                   uint8_t flags,
                   uint16_t hint)
{
    if (m_config.caqm && (flags & UbTransportHeader::ACK_CC))
    {
        // C-AQM: follow the hint of a congested path; otherwise the request was granted.
        if (flags & UbTransportHeader::CONGESTED)
        {
            ++m_stats.congestionMarks;
            ch.rateBps = std::max(m_config.minRateBps, static_cast<double>(hint) * 1e8);
        }
        else
        {
            ch.rateBps = std::min(m_config.maxRateBps, ch.rateBps + m_config.increaseBps);
        }
    }
    uint32_t ack = Unwrap24(ch.sndUna, ackPsn24);
    if (ack > ch.nextPsn)
    {
        return; // stale or corrupt
    }
    NS_ABORT_MSG_IF(ack > ch.sndUna && ch.ring.empty(),
                    "UbTransport on CNA " << m_owner->GetCna()
                                          << ": an acknowledgement arrived for packets this "
                                             "endpoint did not send reliably; both ends of a "
                                             "transfer must use the same Transport (Rtp, Ctp or "
                                             "Utp)");
    if (ack > ch.sndUna)
    {
        // RTT sample from the newest packet this ACK covers, unless it was sent twice (Karn).
        const Desc& newest = RingAt(ch, ack - 1);
        if (!newest.retransmitted)
        {
            int64_t rtt = Simulator::Now().GetPicoSeconds() - newest.sentPs;
            if (ch.srttPs < 0)
            {
                ch.srttPs = rtt;
                ch.rttvarPs = rtt / 2;
            }
            else
            {
                ch.rttvarPs = (3 * ch.rttvarPs + std::abs(ch.srttPs - rtt)) / 4;
                ch.srttPs = (7 * ch.srttPs + rtt) / 8;
            }
        }
        auto cap = static_cast<uint32_t>(ch.ring.size());
        uint32_t n = ack - ch.sndUna;
        ch.ringHead = (ch.ringHead + n) & (cap - 1);
        ch.sndUna = ack;
        ch.rtoBackoff = 1;
        ch.rtoDeadlinePs = -1; // progress: restart the timer from now
    }
    if (ch.sndNxt < ch.sndUna)
    {
        ch.sndNxt = ch.sndUna;
    }
    if (opcode == UbTransportHeader::NAK && m_config.retransmission == GO_BACK_N &&
        ch.sndUna < ch.nextPsn)
    {
        ch.sndNxt = ch.sndUna; // go back
    }
    if (opcode == UbTransportHeader::SACK && ch.sndUna < ch.nextPsn)
    {
        // Mark what arrived; resend, once, each hole below the highest arrival.
        uint32_t highest = ch.sndUna;
        for (uint32_t i = 0; i < 64; ++i)
        {
            uint32_t psn = ch.sndUna + 1 + i;
            if (psn >= ch.nextPsn)
            {
                break;
            }
            if (sack & (1ull << i))
            {
                RingAt(ch, psn).sacked = true;
                highest = psn;
            }
        }
        for (uint32_t psn = ch.sndUna; psn < highest; ++psn)
        {
            Desc& d = RingAt(ch, psn);
            if (!d.sacked && !d.resent)
            {
                d.resent = true;
                ch.resendQueue.push_back(psn);
            }
        }
    }
    ArmTimer(ch);
    Activate(ch);
    Pump();
}

void
UbTransport::OnData(Channel& ch,
                    Ptr<Packet> packet,
                    uint32_t psn24,
                    uint8_t flags,
                    uint8_t cc,
                    uint16_t hint)
{
    if (cc & UB_CC_CAPABLE)
    {
        ch.ccSeen = true;
        if (cc & UB_CC_CONGESTED)
        {
            ch.ccCongested = true;
            ch.ccHint = hint; // the latest state of the path
        }
    }
    uint32_t psn = Unwrap24(ch.expected, psn24);
    const bool last = (flags & UbTransportHeader::LAST) != 0;
    if (m_config.mode != RTP)
    {
        if (psn >= ch.expected)
        {
            m_stats.lost += psn - ch.expected;
            ch.expected = psn + 1;
        }
        else if (m_stats.lost > 0)
        {
            --m_stats.lost; // late, not lost
        }
        ++m_stats.delivered;
        m_owner->DeliverFromTransport(packet, ch.peer);
        return;
    }
    if (m_config.retransmission == GO_BACK_N)
    {
        if (psn == ch.expected)
        {
            ++ch.expected;
            ch.nakSent = false;
            ++m_stats.delivered;
            m_owner->DeliverFromTransport(packet, ch.peer);
            AckOrDelay(ch, last || ++ch.sinceAck >= m_config.ackEvery);
        }
        else if (psn > ch.expected)
        {
            ++m_stats.outOfWindow;
            if (!ch.nakSent)
            {
                ch.nakSent = true;
                if (!InjectAck(ch, UbTransportHeader::NAK))
                {
                    m_pendingAcks.emplace_back(&ch, UbTransportHeader::NAK);
                    Pump();
                }
            }
        }
        else
        {
            ++m_stats.duplicates;
            if (!InjectAck(ch, UbTransportHeader::ACK))
            {
                m_pendingAcks.emplace_back(&ch, UbTransportHeader::ACK);
                Pump();
            }
        }
        return;
    }
    // Selective repeat.
    bool deliver = false;
    bool outOfOrder = false;
    if (psn == ch.expected)
    {
        deliver = true;
        ++ch.expected;
        while (ch.bitmap & 1)
        {
            ch.bitmap >>= 1;
            ++ch.expected;
        }
        ch.bitmap >>= 1;
    }
    else if (psn > ch.expected && psn - ch.expected - 1 < 64)
    {
        uint64_t bit = 1ull << (psn - ch.expected - 1);
        if (ch.bitmap & bit)
        {
            ++m_stats.duplicates;
        }
        else
        {
            ch.bitmap |= bit;
            deliver = true;
        }
        outOfOrder = true;
    }
    else if (psn > ch.expected)
    {
        ++m_stats.outOfWindow;
        outOfOrder = true;
    }
    else
    {
        ++m_stats.duplicates;
        outOfOrder = true; // acknowledge again
    }
    if (deliver)
    {
        ++m_stats.delivered;
        m_owner->DeliverFromTransport(packet, ch.peer);
    }
    AckOrDelay(ch, outOfOrder || last || ++ch.sinceAck >= m_config.ackEvery);
}

void
UbTransport::AckOrDelay(Channel& ch, bool now)
{
    int64_t t = Simulator::Now().GetPicoSeconds();
    if (!now)
    {
        // Coalesce, but never hold an acknowledgement longer than AckDelay.
        if (ch.firstUnackedPs < 0)
        {
            ch.firstUnackedPs = t;
            if (ch.ackEvent.IsExpired())
            {
                ch.ackEvent = Simulator::Schedule(m_config.ackDelay,
                                                  &UbTransport::OnAckTimer,
                                                  this,
                                                  ch.peer,
                                                  ch.index);
            }
        }
        return;
    }
    uint8_t op = (m_config.retransmission == SELECTIVE && ch.bitmap) ? UbTransportHeader::SACK
                                                                     : UbTransportHeader::ACK;
    ch.firstUnackedPs = -1;
    if (!InjectAck(ch, op))
    {
        m_pendingAcks.emplace_back(&ch, op);
        Pump();
    }
}

void
UbTransport::OnAckTimer(uint32_t peer, uint32_t index)
{
    Channel& ch = GetChannel(peer, index);
    if (ch.firstUnackedPs < 0)
    {
        return; // acknowledged meanwhile
    }
    int64_t due = ch.firstUnackedPs + m_config.ackDelay.GetPicoSeconds();
    int64_t now = Simulator::Now().GetPicoSeconds();
    if (now < due)
    {
        ch.ackEvent = Simulator::Schedule(PicoSeconds(due - now),
                                          &UbTransport::OnAckTimer,
                                          this,
                                          peer,
                                          index);
        return;
    }
    AckOrDelay(ch, true);
}

void
UbTransport::Receive(Ptr<Packet> packet, uint32_t src, uint8_t cc, uint16_t hint)
{
    UbTransportHeader tp;
    packet->RemoveHeader(tp);
    Channel& ch = GetChannel(src, tp.dstTpn);
    switch (tp.opcode)
    {
    case UbTransportHeader::DATA:
        OnData(ch, packet, tp.psn, tp.flags, cc, hint);
        break;
    case UbTransportHeader::ACK:
    case UbTransportHeader::NAK:
    case UbTransportHeader::SACK:
        OnAck(ch, tp.opcode, tp.ackPsn, tp.sack, tp.flags, tp.hint);
        break;
    default:
        NS_FATAL_ERROR("UbTransport on CNA " << m_owner->GetCna() << ": unknown transport opcode "
                                             << +tp.opcode << " from CNA " << src);
    }
}

} // namespace ns3
