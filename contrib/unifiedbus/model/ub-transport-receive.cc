/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * UbTransport, part 2 of 2: what arrives. Acknowledgements (NAK, SACK; the retransmissions and
 * timeouts they drive on the sending side, and C-AQM rate updates) and data (in-order delivery,
 * the SACK bitmap, and the acknowledgements it causes). Part 1 (ub-transport.cc) holds the
 * configuration and the sending side: channels, segmentation, windows, pacing.
 */
#include "ub-scheduler.h"
#include "ub-transaction-header.h"
#include "ub-transport-header.h"
#include "ub-transport.h"
#include "ub-watchdog.h"

#include "ns3/abort.h"
#include "ns3/log.h"
#include "ns3/simulator.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbTransportReceive");

namespace
{
constexpr uint32_t PSN_MASK = UbTransportHeader::PSN_MASK;
} // namespace

int64_t
UbTransport::DeadlinePs(const Channel& ch) const
{
    // The latest estimate applies: round trips measured since the timer started (to any peer,
    // while this one has none) can still move its expiry.
    return ch.rtoStartPs + std::min(RtoPs(ch) * ch.rtoBackoff, m_maxRtoPs);
}

void
UbTransport::ArmTimer(Channel& ch)
{
    if (m_mode != RTP)
    {
        return;
    }
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    if (Unacked(ch) == 0)
    {
        ch.rtoStartPs = -1;
        return;
    }
    if (ch.rtoStartPs < 0)
    {
        ch.rtoStartPs = now;
    }
    if (ch.rtoEvent.IsExpired())
    {
        ch.rtoEvent = Simulator::Schedule(PicoSeconds(DeadlinePs(ch) - now),
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
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    if (ch.rtoStartPs < 0 || Unacked(ch) == 0)
    {
        ch.rtoStartPs = -1;
        return;
    }
    const int64_t deadline = DeadlinePs(ch);
    if (now < deadline)
    {
        // The deadline moved (progress was made, or the round trips grew); sleep until it
        // instead of rescheduling on every acknowledgement.
        ch.rtoEvent = Simulator::Schedule(PicoSeconds(deadline - now),
                                          &UbTransport::OnTimer,
                                          this,
                                          peer,
                                          index);
        return;
    }
    ++m_stats.timeouts;
    NS_LOG_LOGIC("CNA " << m_endpoint.cna << " channel " << index << " to " << peer
                        << ": timeout, resend from PSN " << ch.sndUna);
    if (UbWatchdog::Poll())
    {
        return; // nothing was delivered anywhere for the watchdog's span: the run stops
    }
    ch.rtoBackoff = std::min<uint32_t>(ch.rtoBackoff * 2, 64);
    if (m_retransmission == GO_BACK_N)
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
    ch.rtoStartPs = -1;
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
    if (ch.cc == CC_CAQM && (flags & UbTransportHeader::ACK_CC))
    {
        // C-AQM: follow the hint of a congested path; otherwise the request was granted.
        if (flags & UbTransportHeader::CONGESTED)
        {
            ++m_stats.congestionMarks;
            ch.rateBps = std::max(m_caqmMinRate * ch.lineBps, static_cast<double>(hint) * 1e8);
        }
        else
        {
            ch.rateBps = std::min(ch.lineBps, ch.rateBps + m_caqmIncrease * ch.lineBps);
        }
    }
    uint32_t ack = UbTransportHeader::UnwrapPsn(ch.sndUna, ackPsn24);
    if (ack > ch.nextPsn)
    {
        return; // stale or corrupt
    }
    NS_ABORT_MSG_IF(ack > ch.sndUna && ch.ring.empty(),
                    "UbTransport on CNA " << m_endpoint.cna
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
            int64_t rtt = UbScheduler::Now().GetPicoSeconds() - newest.sentPs;
            ch.rtt->Sample(rtt);
            m_rtt.Sample(rtt);
        }
        auto cap = static_cast<uint32_t>(ch.ring.size());
        uint32_t n = ack - ch.sndUna;
        ch.ringHead = (ch.ringHead + n) & (cap - 1);
        ch.sndUna = ack;
        ch.rtoBackoff = 1;
        ch.rtoStartPs = -1; // progress: restart the timer from now
    }
    if (ch.sndNxt < ch.sndUna)
    {
        ch.sndNxt = ch.sndUna;
    }
    if (opcode == UbTransportHeader::NAK && m_retransmission == GO_BACK_N && ch.sndUna < ch.nextPsn)
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
UbTransport::OnData(Channel& ch, Ptr<Packet> packet, const UbPacketInfo& info)
{
    const uint8_t cc = info.cc;
    const uint8_t flags = info.tp.flags;
    ch.replyFlags = info.flags;
    if (cc & UB_CC_CAPABLE)
    {
        ch.ccSeen = true;
        if (cc & UB_CC_CONGESTED)
        {
            ch.ccCongested = true;
            ch.ccHint = info.hint; // the latest state of the path
        }
    }
    if ((cc & UB_CC_ECN_CE) && ch.cc == CC_DCQCN)
    {
        // DCQCN's notification point: one CNP per channel and CnpInterval at most.
        if (!ch.dcqcn)
        {
            ch.dcqcn = std::make_unique<DcqcnState>();
        }
        const int64_t now = UbScheduler::Now().GetPicoSeconds();
        if (ch.dcqcn->lastCnpPs < 0 || now - ch.dcqcn->lastCnpPs >= m_cnpInterval.GetPicoSeconds())
        {
            if (InjectCnp(ch))
            {
                ch.dcqcn->lastCnpPs = now;
            }
        }
    }
    uint32_t psn = UbTransportHeader::UnwrapPsn(ch.expected, info.tp.psn);
    const bool last = (flags & UbTransportHeader::LAST) != 0;
    if (m_mode != RTP)
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
        DeliverUp(packet, info);
        return;
    }
    if (m_retransmission == GO_BACK_N)
    {
        if (psn == ch.expected)
        {
            ++ch.expected;
            ch.nakSent = false;
            DeliverUp(packet, info);
            AckOrDelay(ch, last || ++ch.sinceAck >= m_ackEvery);
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
        DeliverUp(packet, info);
    }
    AckOrDelay(ch, outOfOrder || last || ++ch.sinceAck >= m_ackEvery);
}

void
UbTransport::DeliverUp(Ptr<Packet> packet, const UbPacketInfo& info)
{
    ++m_stats.delivered;
    m_deliver(packet, info);
    if (m_duplicateNext)
    {
        m_duplicateNext = false;
        m_deliver(packet, info); // UbInvariants' tests: a DATA packet handed up twice
    }
}

void
UbTransport::AckOrDelay(Channel& ch, bool now)
{
    int64_t t = UbScheduler::Now().GetPicoSeconds();
    if (!now)
    {
        // Coalesce, but never hold an acknowledgement longer than AckDelay.
        if (ch.firstUnackedPs < 0)
        {
            ch.firstUnackedPs = t;
            if (ch.ackEvent.IsExpired())
            {
                ch.ackEvent = Simulator::Schedule(m_ackDelay,
                                                  &UbTransport::OnAckTimer,
                                                  this,
                                                  ch.peer,
                                                  ch.index);
            }
        }
        return;
    }
    uint8_t op = (m_retransmission == SELECTIVE && ch.bitmap) ? UbTransportHeader::SACK
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
    int64_t due = ch.firstUnackedPs + m_ackDelay.GetPicoSeconds();
    int64_t now = UbScheduler::Now().GetPicoSeconds();
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
UbTransport::Receive(Ptr<Packet> packet, const UbPacketInfo& info)
{
    const UbTpFields& tp = info.tp;
    const uint32_t src = info.src;
    Channel& ch = GetChannel(src, tp.tpn);
    switch (tp.opcode)
    {
    case UbTransportHeader::DATA:
        OnData(ch, packet, info);
        break;
    case UbTransportHeader::ACK:
    case UbTransportHeader::NAK:
    case UbTransportHeader::SACK:
        OnAck(ch, tp.opcode, tp.psn, tp.word, tp.flags, tp.hint);
        break;
    case UbTransportHeader::CNP:
        OnCnp(ch);
        break;
    default:
        NS_FATAL_ERROR("UbTransport on CNA " << m_endpoint.cna << ": unknown transport opcode "
                                             << +tp.opcode << " from CNA " << src);
    }
}

void
UbTransport::OnCnp(Channel& ch)
{
    ++m_stats.cnpsReceived;
    if (ch.cc != CC_DCQCN)
    {
        return; // not ours to react to
    }
    const int64_t now = UbScheduler::Now().GetPicoSeconds();
    if (!ch.dcqcn)
    {
        ch.dcqcn = std::make_unique<DcqcnState>();
    }
    DcqcnState& s = *ch.dcqcn;
    if (!s.limited && s.targetBps == 0)
    {
        s.alphaPs = now; // the first CNP of the channel (a receiver may have made the state)
    }
    if (ch.rateBps <= 0)
    {
        ch.rateBps = ch.lineBps;
    }
    DcqcnAdvance(ch, now);
    // The reaction point's decrease (DCQCN paper, Algorithm 1): remember the rate as the
    // target, cut by alpha / 2, raise alpha, and restart the timer and the byte counter.
    s.targetBps = ch.rateBps;
    ch.rateBps = std::max(m_dcqcnMinRate.GetBitRate() * 1.0, ch.rateBps * (1 - s.alpha / 2));
    s.alpha = (1 - m_dcqcnG) * s.alpha + m_dcqcnG;
    s.alphaPs = now;
    s.timerPs = now;
    s.bytes = 0;
    s.timerStage = 0;
    s.byteStage = 0;
    s.limited = true;
    NS_LOG_LOGIC("CNA " << m_endpoint.cna << " channel " << ch.index << " to " << ch.peer
                        << ": CNP, rate " << ch.rateBps * 1e-9 << " Gb/s, alpha " << s.alpha);
}

} // namespace ns3
