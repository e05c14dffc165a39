/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * UbNetDevice, part 1 of 3: the packet path. What crosses the link (messages), the receive
 * buffer and what it sends back (credit returns, PFC frames), the credits toward the other end,
 * transmission and link-level retry. Part 2 (ub-net-device-config.cc) holds the configuration:
 * attributes, validation, what the device announces, initialization and the PHY and framing
 * arithmetic; part 3 (ub-net-device-info.cc) the statistics and the NetDevice interface. The
 * class is split along these lines so that each file reads as one layer.
 */
#include "ub-net-device.h"

#include "ub-channel.h"
#include "ub-compat.h"
#include "ub-invariants.h"
#include "ub-scheduler.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/trace-source-accessor.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbNetDevice");

UbNetDevice::UbNetDevice()
{
    UbEnsurePicoseconds();
}

UbNetDevice::~UbNetDevice() = default;

void
UbNetDevice::DoDispose()
{
    // Simulator::Destroy disposes the nodes: the first port to go checks the run's invariants
    // while every node is still whole.
    UbInvariants::AtDispose();
    m_attemptEvent.Cancel();
    if (m_flushEvent)
    {
        m_flushEvent->Cancel();
    }
    if (m_pfc)
    {
        m_pfc->Dispose();
    }
    m_errors.EndReplay();
    m_node = nullptr;
    m_channel = nullptr;
    m_queues = nullptr;
    m_rxCallback =
        MakeNullCallback<bool, Ptr<NetDevice>, Ptr<const Packet>, uint16_t, const Address&>();
    m_promiscCallback = MakeNullCallback<bool,
                                         Ptr<NetDevice>,
                                         Ptr<const Packet>,
                                         uint16_t,
                                         const Address&,
                                         const Address&,
                                         PacketType>();
    NetDevice::DoDispose();
}

void
UbNetDevice::SendMessage(UbLinkMessage& m)
{
    m_channel->Send(m_end, m);
}

void
UbNetDevice::ReceiveCredit(const UbCreditReturn& r)
{
    m_credits.Push(r);
    if (m_creditBlocked && !m_absorbing)
    {
        ScheduleAttempt();
    }
}

void
UbNetDevice::ReceiveMessage(const UbLinkMessage& m)
{
    switch (m.kind)
    {
    case UbLinkMessage::DATA:
        Receive(m.packet, m.info, PicoSeconds(m.tailPs));
        break;
    case UbLinkMessage::CORRUPTED:
    case UbLinkMessage::CORRUPTED_RETRY:
        ReceiveCorrupted(m.packet, m.info, m.kind == UbLinkMessage::CORRUPTED_RETRY);
        break;
    case UbLinkMessage::CREDIT:
        ReceiveCredit(UbCreditReturn{m.atPs, m.reservedCells, m.sharedCells, m.vl});
        break;
    case UbLinkMessage::PAUSE:
    case UbLinkMessage::RESUME:
        NS_ABORT_MSG_IF(!m_pfc, Where() << ": a PFC frame arrived on a port without PFC");
        m_pfc->Received(m.vl, m.atPs, m.kind == UbLinkMessage::PAUSE);
        if (m.kind == UbLinkMessage::RESUME)
        {
            ScheduleAttempt();
        }
        break;
    case UbLinkMessage::RETRY_REQUEST:
        OnRetryRequest(m.atPs);
        break;
    case UbLinkMessage::RETRY_ACK:
        m_errors.Count(UbLinkErrorModel::RETRY_ACKS);
        break;
    case UbLinkMessage::PARAMS:
        m_peerRetryPs = m.params.retryRequestPs + m.params.linkPs;
        break;
    }
}

void
UbNetDevice::FlushReturns(int64_t nowPs)
{
    ResolveRx(nowPs);
}

int64_t
UbNetDevice::NextReturnArrivalBound() const
{
    int64_t due = m_rxBuffer.NextDueTime();
    if (m_creditReturnMode == FRAMES)
    {
        return due == UB_NEVER_PS ? UB_NEVER_PS
                                  : std::max(due, m_ctrlFreePs) + m_creditFramePs + m_linkPs;
    }
    // The earliest a Crd_Ack can bring a return. A return that rides a data packet instead comes
    // earlier, but is sent when that packet starts, which wakes the other end then.
    int64_t best = UB_NEVER_PS;
    if (HasPendingReturns())
    {
        best = std::max(m_pendingReturns[m_pendingHead].deadlinePs, m_ctrlFreePs);
    }
    if (due != UB_NEVER_PS)
    {
        best =
            std::min(best,
                     std::max({due + m_piggybackWait.GetPicoSeconds(), m_ctrlFreePs, m_txFreePs}));
    }
    return best == UB_NEVER_PS ? UB_NEVER_PS : best + m_creditFramePs + m_linkPs;
}

void
UbNetDevice::SetCreditBlocked(bool blocked)
{
    if (m_creditBlocked != blocked)
    {
        m_creditBlocked = blocked;
        if (m_channel)
        {
            m_channel->SetCreditBlocked(m_end, blocked);
        }
    }
}

void
UbNetDevice::OnPeerReturnPending()
{
    if (m_creditBlocked)
    {
        ScheduleAttempt();
    }
}

void
UbNetDevice::SchedulePushFlush()
{
    // Across processes the other end cannot pull: this end sends each credit return at the time
    // it becomes due, from an event of its own.
    int64_t due = m_rxBuffer.NextDueTime();
    if (HasPendingReturns())
    {
        // A pending return is settled once its deadline has passed.
        due = std::min(due, m_pendingReturns[m_pendingHead].deadlinePs + 1);
    }
    if (due == UB_NEVER_PS)
    {
        return;
    }
    if (!m_flushEvent)
    {
        m_flushEvent = std::make_unique<EventId>();
    }
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    due = std::max(due, now);
    if (UbIsPending(*m_flushEvent) && m_flushEvent->GetTs() <= static_cast<uint64_t>(due))
    {
        return;
    }
    m_flushEvent->Cancel();
    *m_flushEvent = UbSchedule(PicoSeconds(due - now),
                               UbHint{this, HotBytes(), nullptr},
                               &UbNetDevice::PushFlush,
                               this); // pooled: one per credit return, in distributed order
}

void
UbNetDevice::PushFlush()
{
    // This event is done: what Resolve leaves due (a return waiting for a data packet, or the
    // next release) gets an event of its own.
    *m_flushEvent = EventId();
    ResolveRx(UbScheduler::Now().GetPicoSeconds());
    SchedulePushFlush();
}

int64_t
UbNetDevice::ControlFrame(int64_t atPs, int64_t framePs)
{
    // A control frame never preempts a data packet already on the wire, and goes before any
    // packet decided after it was due. Returns when its tail reaches the other end.
    int64_t send = std::max({atPs, m_ctrlFreePs, m_txFreePs});
    m_ctrlFreePs = send + framePs;
    return m_ctrlFreePs + m_linkPs;
}

void
UbNetDevice::ResolveRx(int64_t nowPs)
{
    bool due = m_rxBuffer.NextDueTime() <= nowPs;
    bool settle = HasPendingReturns() && m_pendingReturns[m_pendingHead].deadlinePs < nowPs;
    if (!due && !settle)
    {
        return; // nothing is due yet (and nothing new can come due without a release)
    }
    if (due)
    {
        RxHost host{*this};
        m_rxBuffer.Resolve(nowPs, host);
    }
    if (HasPendingReturns())
    {
        FlushPendingReturns(nowPs);
    }
    if (!m_local && m_fcMode == CREDIT)
    {
        SchedulePushFlush();
    }
}

void
UbNetDevice::OnFreed(int64_t atPs, uint8_t vl, uint32_t used)
{
    if (s_tracedSources && !m_vlOccupancyTrace.IsEmpty())
    {
        m_vlOccupancyTrace(PicoSeconds(atPs), vl, used);
    }
    if (m_pfc)
    {
        m_pfc->OnFreed(atPs, vl, used, *this);
    }
}

namespace
{
/// A Crd_Ack block counts at most 63 units per VL (6-bit fields, UB Base Spec 2.0 section 4.4),
/// so a larger return takes several blocks.
constexpr uint32_t UB_CRD_ACK_UNITS = 63;
} // namespace

void
UbNetDevice::ReturnCredits(int64_t atPs, uint8_t vl, uint32_t reservedCells, uint32_t sharedCells)
{
    if (m_creditReturnMode == PIGGYBACK)
    {
        // Due now; it waits for the wire (what is on it goes first) and, for at most
        // CreditPiggybackWait, for a data packet to ride on.
        int64_t deadline =
            std::max({atPs + m_piggybackWait.GetPicoSeconds(), m_txFreePs, m_ctrlFreePs});
        m_pendingReturns.push_back(PendingReturn{deadline, reservedCells, sharedCells, vl});
        return;
    }
    uint32_t frames = (reservedCells + sharedCells + UB_CRD_ACK_UNITS - 1) / UB_CRD_ACK_UNITS;
    int64_t arrival = ControlFrame(atPs, static_cast<int64_t>(frames) * m_creditFramePs);
    m_creditFrames += frames;
    NS_LOG_LOGIC(Where() << " VL " << +vl << ": return " << reservedCells << "+" << sharedCells
                         << " cells, due at " << atPs << " ps, arriving " << arrival << " ps");
    m_channel->SendCredit(m_end, UbCreditReturn{arrival, reservedCells, sharedCells, vl});
}

namespace
{
/// Credit returns gathered per VL, for one Crd_Ack block or one data packet's header.
struct UbReturnSums
{
    uint32_t reserved[UB_MAX_VLS]; //!< reserve cells per VL (valid where mask has the VL)
    uint32_t shared[UB_MAX_VLS];   //!< shared cells per VL
    uint32_t mask{0};              //!< VLs with something to return

    /// Add one return. \param vl VL \param r reserve cells \param s shared cells
    void Add(uint8_t vl, uint32_t r, uint32_t s)
    {
        if ((mask & (1u << vl)) == 0)
        {
            mask |= 1u << vl;
            reserved[vl] = 0;
            shared[vl] = 0;
        }
        reserved[vl] += r;
        shared[vl] += s;
    }

    /// \return Crd_Ack blocks needed: one, or more if a VL returns over 63 units
    uint32_t Blocks() const
    {
        uint32_t blocks = 1;
        for (uint32_t m = mask; m != 0; m &= m - 1)
        {
            auto v = static_cast<uint8_t>(__builtin_ctz(m));
            blocks = std::max(blocks,
                              (reserved[v] + shared[v] + UB_CRD_ACK_UNITS - 1) / UB_CRD_ACK_UNITS);
        }
        return blocks;
    }

    /// Send one return per VL, arriving at arrivalPs. \param ch channel \param end sender's end
    /// \param arrivalPs arrival at the other end
    void Send(UbChannel& ch, uint32_t end, int64_t arrivalPs) const
    {
        for (uint32_t m = mask; m != 0; m &= m - 1)
        {
            auto v = static_cast<uint8_t>(__builtin_ctz(m));
            ch.SendCredit(end, UbCreditReturn{arrivalPs, reserved[v], shared[v], v});
        }
    }
};
} // namespace

void
UbNetDevice::FlushPendingReturns(int64_t nowPs)
{
    // Returns whose deadline passed with no data packet starting go in Crd_Ack blocks: each block
    // starts when the wire is free and carries every VL due by then (UB Base Spec 2.0 section
    // 4.4: one block has a field per VL).
    while (HasPendingReturns() && m_pendingReturns[m_pendingHead].deadlinePs < nowPs)
    {
        int64_t send =
            std::max({m_pendingReturns[m_pendingHead].deadlinePs, m_ctrlFreePs, m_txFreePs});
        UbReturnSums sums;
        while (HasPendingReturns() && m_pendingReturns[m_pendingHead].deadlinePs <= send &&
               m_pendingReturns[m_pendingHead].deadlinePs < nowPs)
        {
            const PendingReturn& r = m_pendingReturns[m_pendingHead++];
            sums.Add(r.vl, r.reservedCells, r.sharedCells);
        }
        uint32_t blocks = sums.Blocks();
        m_ctrlFreePs = send + static_cast<int64_t>(blocks) * m_creditFramePs;
        m_creditFrames += blocks;
        NS_LOG_LOGIC(Where() << ": Crd_Ack of " << blocks << " block(s) for VLs 0x" << std::hex
                             << sums.mask << std::dec << ", sent at " << send << " ps");
        sums.Send(*m_channel, m_end, m_ctrlFreePs + m_linkPs);
    }
    if (!HasPendingReturns())
    {
        m_pendingReturns.clear();
        m_pendingHead = 0;
    }
}

void
UbNetDevice::PiggybackReturns(int64_t startPs)
{
    // Every return still pending rides in the link header of the data packet starting at
    // startPs and reaches the other end with its first flit. [A] The header is taken to carry
    // every VL pending; the spec's field widths were not available.
    UbReturnSums sums;
    for (uint32_t i = m_pendingHead; i < m_pendingReturns.size(); ++i)
    {
        const PendingReturn& r = m_pendingReturns[i];
        sums.Add(r.vl, r.reservedCells, r.sharedCells);
    }
    m_pendingReturns.clear();
    m_pendingHead = 0;
    ++m_piggybacked;
    NS_LOG_LOGIC(Where() << ": data header starting at " << startPs << " ps returns VLs 0x"
                         << std::hex << sums.mask << std::dec);
    sums.Send(*m_channel, m_end, startPs + m_flitPs + m_linkPs);
}

void
UbNetDevice::SendPfcFrame(int64_t atPs, uint8_t vl, bool pause)
{
    // A PAUSE or XON frame waits for the packet on the wire, like a credit frame.
    UbLinkMessage m;
    m.kind = pause ? UbLinkMessage::PAUSE : UbLinkMessage::RESUME;
    m.vl = vl;
    m.atPs = ControlFrame(atPs, SerPs(m_pauseFrameBytes));
    NS_LOG_LOGIC(Where() << " VL " << +vl << ": " << (pause ? "PAUSE" : "XON") << " decided at "
                         << atPs << " ps (occupancy " << m_rxBuffer.GetUsed(vl) << " cells)");
    SendMessage(m);
}

void
UbNetDevice::RegisterRelease(Time at, uint8_t vl, uint32_t reservedCells, uint32_t sharedCells)
{
    m_rxBuffer.ScheduleRelease(at.GetPicoSeconds(), vl, reservedCells, sharedCells);
    if (m_fcMode == CREDIT)
    {
        if (m_local)
        {
            m_channel->NotifyPending(m_end);
        }
        else
        {
            SchedulePushFlush();
        }
    }
    else if (m_pfc)
    {
        m_pfc->OnReleaseScheduled(vl, m_rxBuffer);
    }
}

void
UbNetDevice::PfcCheck()
{
    ResolveRx(UbScheduler::Now().GetPicoSeconds());
    m_pfc->RecheckPaused(m_rxBuffer);
}

void
UbNetDevice::Receive(Ptr<Packet> packet, UbPacketInfo info, Time tailReady)
{
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    NS_LOG_FUNCTION(this << packet << +info.vl << tailReady);
    if (m_fault.IsDown())
    {
        m_fault.CountDrop();
        m_phyRxDropTrace(packet);
        return;
    }
    ResolveRx(now);
    NS_ABORT_MSG_IF(info.vl >= m_vlCount,
                    Where() << ": packet arrived on VL " << +info.vl
                            << " beyond VlCount=" << +m_vlCount);
    if (m_fcMode == CREDIT)
    {
        if (!m_rxBuffer.CanHold(info.vl, info.reservedCells, info.sharedCells))
        {
            std::ostringstream what;
            what << "UB lossless violation at " << Where() << " VL " << +info.vl << ": a packet of "
                 << info.reservedCells + info.sharedCells
                 << " cells arrived to a full buffer (VL reserve " << m_rxBuffer.GetUsed(info.vl)
                 << "/" << m_vlBufferCells << " cells, shared " << m_rxBuffer.GetSharedUsed() << "/"
                 << m_sharedBufferCells << "). This is a model bug: please report it.";
            LosslessViolation(packet, info.vl, what.str());
            // The sender spent the cells: give them back at once so that its credits stay true.
            m_rxBuffer.Charge(info.vl, info.reservedCells, info.sharedCells);
            RegisterRelease(UbScheduler::Now(), info.vl, info.reservedCells, info.sharedCells);
            return;
        }
    }
    else if (m_fcMode == PFC)
    {
        uint32_t cells = GetCells(packet->GetSize());
        if (m_rxBuffer.FreeReserve(info.vl) < cells)
        {
            std::ostringstream what;
            what << "UB lossless violation under PFC at " << Where() << " VL " << +info.vl
                 << ": a packet of " << cells << " cells arrived to a full buffer ("
                 << m_rxBuffer.GetUsed(info.vl) << "/" << m_vlBufferCells << " cells, XOFF at "
                 << m_pfc->GetXoffCells()
                 << "). The PFC headroom was too small: this is a model bug, please report it.";
            LosslessViolation(packet, info.vl, what.str());
            return;
        }
        info.reservedCells = cells;
        info.sharedCells = 0;
    }
    else
    {
        uint32_t cells = GetCells(packet->GetSize());
        uint32_t sh = std::min(cells, m_rxBuffer.FreeShared());
        uint32_t res = cells - sh;
        if (m_rxBuffer.FreeReserve(info.vl) < res)
        {
            NS_LOG_LOGIC(Where() << " VL " << +info.vl << ": drop, buffer full");
            ++m_drops;
            m_phyRxDropTrace(packet);
            return;
        }
        info.reservedCells = res;
        info.sharedCells = sh;
    }
    m_rxBuffer.Charge(info.vl, info.reservedCells, info.sharedCells);
    if (m_pfc)
    {
        m_pfc->OnCharged(now, info.vl, m_rxBuffer, *this);
    }
    ++m_rxPackets;
    if (s_tracedSources)
    {
        m_macRxTrace(packet);
    }
    if (s_tracedSources && !m_vlOccupancyTrace.IsEmpty())
    {
        m_vlOccupancyTrace(UbScheduler::Now(), info.vl, m_rxBuffer.GetUsed(info.vl));
    }
    if (s_tracedSources && !m_phyRxEndTrace.IsEmpty())
    {
        Simulator::Schedule(tailReady - UbScheduler::Now(),
                            &UbNetDevice::FirePhyRxEnd,
                            this,
                            packet);
    }
    m_queues->ReceiveFromPort(m_port, packet, info, tailReady);
}

void
UbNetDevice::LosslessViolation(Ptr<Packet> packet, uint8_t vl, const std::string& what)
{
    if (m_losslessCheck == ABORT)
    {
        NS_FATAL_ERROR(what);
    }
    if (!m_violations)
    {
        m_violations = std::make_unique<uint64_t[]>(UB_MAX_VLS);
    }
    ++m_violations[vl];
    NS_LOG_WARN(what << " (counted: LosslessViolation=Count)");
    m_phyRxDropTrace(packet);
}

void
UbNetDevice::ReceiveCorrupted(Ptr<Packet> packet, UbPacketInfo info, bool retry)
{
    if (m_fault.IsDown())
    {
        m_fault.CountDrop();
        m_phyRxDropTrace(packet);
        return;
    }
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    if (retry)
    {
        // The CRC fails at the tail: ask for a replay with a Retry_Req_Set on the reverse
        // direction. The copy held no cells here (the good copy will).
        NS_LOG_LOGIC(Where() << " VL " << +info.vl << ": CRC error, asking for a replay");
        UbLinkMessage m;
        m.kind = UbLinkMessage::RETRY_REQUEST;
        m.atPs = now + SerPs(static_cast<uint64_t>(m_errors.retrySetFlits) * m_flitSize) + m_linkPs;
        SendMessage(m);
        return;
    }
    // The cells were spent by the sender; charge and free them at once so that the credits
    // come back, and count the loss.
    ResolveRx(now);
    m_rxBuffer.Charge(info.vl, info.reservedCells, info.sharedCells);
    RegisterRelease(UbScheduler::Now(), info.vl, info.reservedCells, info.sharedCells);
    m_errors.Count(UbLinkErrorModel::CORRUPT_DROPS);
    NS_LOG_LOGIC(Where() << " VL " << +info.vl << ": CRC error, packet dropped");
    m_phyRxDropTrace(packet);
}

int64_t
UbNetDevice::AssignStreams(int64_t stream)
{
    return m_errors.AssignStreams(stream);
}

void
UbNetDevice::FirePhyRxEnd(Ptr<const Packet> p)
{
    m_phyRxEndTrace(p);
}

void
UbNetDevice::AbsorbCredits(int64_t nowPs)
{
    if (m_local)
    {
        m_absorbing = true;
        m_channel->Pull(m_end, nowPs);
        m_absorbing = false;
    }
    bool ok = m_credits.Absorb(nowPs, [this](const UbCreditReturn& r) {
        if (s_tracedSources && !m_creditReturnTrace.IsEmpty())
        {
            m_creditReturnTrace(r.vl, r.reservedCells, r.sharedCells, PicoSeconds(r.atPs));
        }
        for (uint32_t mask = m_credits.GetStallMask(); mask != 0; mask &= mask - 1)
        {
            auto v = static_cast<uint8_t>(__builtin_ctz(mask));
            if (HeadFits(v, m_queues->PeekHeadBytes(m_port, v)))
            {
                m_credits.EndStall(v, r.atPs);
            }
        }
    });
    NS_ABORT_MSG_IF(!ok, Where() << ": credits exceed the peer's buffer; a model bug");
}

bool
UbNetDevice::HeadFits(uint8_t vl, uint32_t packetBytes) const
{
    return m_credits.Fits(vl, GetCells(packetBytes));
}

bool
UbNetDevice::FitsBy(uint8_t vl, uint32_t packetBytes, int64_t atPs) const
{
    return m_credits.FitsBy(vl, GetCells(packetBytes), atPs);
}

void
UbNetDevice::ScheduleAttempt()
{
    if (m_fault.IsDown())
    {
        m_attemptEvent.Cancel();
        return;
    }
    // One event per decision: the next time the port can start a packet, which is when the wire
    // frees, or later if no waiting VL will have the credits for its head packet by then.
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    uint32_t waiting = m_queues->GetWaitingMask(m_port);
    if (waiting == 0)
    {
        SetCreditBlocked(false);
        m_attemptEvent.Cancel();
        return;
    }
    int64_t target = std::max(now, m_txFreePs);
    if (m_fcMode == CREDIT)
    {
        bool any = false;
        for (uint32_t mask = waiting; mask != 0; mask &= mask - 1)
        {
            auto v = static_cast<uint8_t>(__builtin_ctz(mask));
            if (FitsBy(v, m_queues->PeekHeadBytes(m_port, v), target))
            {
                any = true;
            }
            else if ((m_credits.GetStallMask() & (1u << v)) == 0)
            {
                m_credits.MarkStall(v, target);
            }
        }
        SetCreditBlocked(!any);
        if (!any)
        {
            // The earliest credits can come: a return already on its way, or (in one process)
            // what the other end has pending. Across processes the next return message wakes
            // this port when it is sent.
            int64_t tc = m_local ? m_channel->NextArrivalBound(m_end) : UB_NEVER_PS;
            tc = std::min(tc, m_credits.NextArrivalAfter(target));
            if (tc == UB_NEVER_PS)
            {
                // Nothing is on its way; the other end tells when it schedules a release.
                m_attemptEvent.Cancel();
                return;
            }
            target = std::max(target, tc);
        }
    }
    else if (m_fcMode == PFC)
    {
        int64_t resume = UB_NEVER_PS;
        for (uint32_t mask = waiting; mask != 0; mask &= mask - 1)
        {
            auto v = static_cast<uint8_t>(__builtin_ctz(mask));
            resume = std::min(resume, m_pfc->ResumePs(v, target));
        }
        if (resume == UB_NEVER_PS)
        {
            // Every waiting VL is paused with no XON on its way; the XON calls back.
            m_attemptEvent.Cancel();
            return;
        }
        target = std::max(target, resume);
    }
    if (!m_attemptEvent.IsExpired())
    {
        if (m_attemptEvent.GetTs() == static_cast<uint64_t>(target))
        {
            return;
        }
        m_attemptEvent.Cancel();
    }
    m_attemptEvent = UbSchedule(PicoSeconds(target - now),
                                UbHint{this, HotBytes(), nullptr},
                                &UbNetDevice::TryTransmit,
                                this);
}

void
UbNetDevice::NotifyQueued()
{
    if (m_txFreePs > UbScheduler::Now().GetPicoSeconds())
    {
        ScheduleAttempt();
        return;
    }
    TryTransmit();
}

bool
UbNetDevice::CanStartNow(uint8_t vl, uint32_t packetBytes)
{
    if (!m_ready)
    {
        Initialize();
    }
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    if (m_fault.IsDown() || m_txFreePs > now || m_queues->GetWaitingMask(m_port) != 0)
    {
        return false;
    }
    if (m_fcMode == PFC)
    {
        return !m_pfc->PausedAt(vl, now, now);
    }
    if (m_fcMode != CREDIT)
    {
        return true;
    }
    AbsorbCredits(now);
    return HeadFits(vl, packetBytes);
}

void
UbNetDevice::TryTransmit()
{
    if (m_fault.IsDown())
    {
        return; // a failed link sends nothing; the switch flushes its queue at detection
    }
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    if (m_txFreePs > now)
    {
        ScheduleAttempt();
        return;
    }
    uint32_t waiting = m_queues->GetWaitingMask(m_port);
    if (waiting == 0)
    {
        SetCreditBlocked(false);
        return;
    }
    if (m_fcMode == CREDIT)
    {
        AbsorbCredits(now);
    }
    uint32_t heads[UB_MAX_VLS];
    uint32_t eligible = 0;
    for (uint32_t mask = waiting; mask != 0; mask &= mask - 1)
    {
        auto v = static_cast<uint8_t>(__builtin_ctz(mask));
        uint32_t bytes = m_queues->PeekHeadBytes(m_port, v);
        heads[v] = GetWireBytes(bytes); // arbiters weigh what the packet costs on the wire
        bool ok = m_fcMode == CREDIT ? HeadFits(v, bytes)
                                     : (m_fcMode != PFC || !m_pfc->PausedAt(v, now, now));
        if (ok)
        {
            eligible |= 1u << v;
            if (m_credits.GetStallMask() & (1u << v))
            {
                m_credits.EndStall(v, now);
            }
        }
        else if (m_fcMode == CREDIT && (m_credits.GetStallMask() & (1u << v)) == 0)
        {
            m_credits.MarkStall(v, now);
        }
    }
    if (eligible == 0)
    {
        NS_LOG_LOGIC(Where() << ": waiting for credits, VLs 0x" << std::hex << waiting << std::dec);
        ScheduleAttempt();
        return;
    }
    SetCreditBlocked(false);
    UbVlArbiterInput in;
    in.eligible = eligible;
    in.waiting = waiting;
    in.headBytes = heads;
    in.nVl = m_vlCount;
    uint8_t vl = m_arbiter->Select(in, m_arbState);
    UbQueuedPacket q = m_queues->PopHead(m_port, vl);
    Time end = Transmit(q.packet, q.info, q.tailReady);
    m_queues->Departed(q.charge, end);
    ScheduleAttempt();
}

Time
UbNetDevice::Transmit(Ptr<Packet> packet, UbPacketInfo& info, Time tailReady)
{
    if (!m_ready)
    {
        Initialize();
    }
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    ResolveRx(now); // credit frames already due go first
    uint32_t bytes = packet->GetSize();
    uint32_t wire = GetWireBytes(bytes);
    int64_t start = std::max({now, m_ctrlFreePs, m_txFreePs});
    int64_t ser = SerPs(wire);
    if (m_background > 0)
    {
        // the hybrid level's background takes its share of the wire's time
        ser = static_cast<int64_t>(std::ceil(static_cast<double>(ser) / (1 - m_background)));
    }
    int64_t end = std::max(start + ser, tailReady.GetPicoSeconds() + m_flitPs);
    if (HasPendingReturns())
    {
        PiggybackReturns(start); // returns due by now whose deadline has not passed
    }
    if (m_fcMode == CREDIT)
    {
        bool ok = m_credits.Spend(info.vl, GetCells(bytes), info.reservedCells, info.sharedCells);
        NS_ABORT_MSG_IF(!ok,
                        Where() << " VL " << +info.vl << ": transmit without credits; a model bug");
    }
    else
    {
        info.reservedCells = 0;
        info.sharedCells = 0;
    }
    // Link errors, drawn when the packet starts. With link-level retry the copies that fail are
    // replayed (PlanReplays); without it the packet is lost at the receiver.
    bool corrupted = false;
    bool replayed = false;
    int64_t firstEnd = end;
    if (m_errors.IsOn() && m_errors.Draw(wire))
    {
        m_errors.Count(UbLinkErrorModel::INJECTED);
        if (m_errors.linkRetry)
        {
            replayed = true;
            PlanReplays(packet, info, start, end, wire);
        }
        else
        {
            corrupted = true;
        }
    }
    NS_LOG_LOGIC(Where() << " VL " << +info.vl << ": " << bytes << " B (" << wire
                         << " B on the wire) from " << start << " to " << end << " ps to CNA "
                         << info.dst << (corrupted ? " (corrupted)" : "")
                         << (replayed ? " (replayed)" : ""));
    m_txFreePs = end;
    m_busyPs += end - start;
    ++m_txPackets;
    m_txWireBytes += wire;
    if (s_tracedSources)
    {
        m_macTxTrace(packet);
        m_phyTxBeginTrace(packet);
    }
    if (s_tracedSources && !m_phyTxEndTrace.IsEmpty())
    {
        Simulator::Schedule(PicoSeconds(end - now), &UbNetDevice::FirePhyTxEnd, this, packet);
    }
    if (corrupted || replayed)
    {
        // The receiver's CRC check fails at the tail of the (first) copy.
        UbLinkMessage m;
        m.kind = replayed ? UbLinkMessage::CORRUPTED_RETRY : UbLinkMessage::CORRUPTED;
        m.vl = info.vl;
        m.atPs = firstEnd + m_linkPs;
        m.tailPs = m.atPs;
        m.packet = packet;
        m.info = info;
        SendMessage(m);
        return PicoSeconds(end);
    }
    SendData(packet, info, now, start, end);
    return PicoSeconds(end);
}

void
UbNetDevice::SendData(Ptr<Packet> packet,
                      const UbPacketInfo& info,
                      int64_t nowPs,
                      int64_t startPs,
                      int64_t endPs)
{
    // One event: the packet becomes ready at the next node. The last hop always delivers at
    // the tail, since the endpoint takes the whole packet.
    int64_t tailReadyAtPeer = endPs + m_linkPs + m_peerPipelinePs;
    int64_t ready = (m_peerCutThrough && info.dst != m_peerCna)
                        ? startPs + m_flitPs + m_linkPs + m_peerPipelinePs
                        : tailReadyAtPeer;
    m_channel->SendData(m_end, packet, info, nowPs, ready, tailReadyAtPeer);
}

void
UbNetDevice::PlanReplays(Ptr<Packet> packet,
                         UbPacketInfo& info,
                         int64_t& start,
                         int64_t& end,
                         uint32_t wire)
{
    // The copy that started at `start` fails. The receiver finds it at the tail and sends a
    // Retry_Req_Set (its request time and link latency, as it announced them); this port
    // answers with a Retry_Ack_Set and replays, go-back-N from the packet, so nothing else
    // starts meanwhile. A replay can fail too (drawn now, from this direction's stream, as the
    // copies would be drawn one after another). The copies go out as the requests arrive.
    const int64_t ackPs = SerPs(static_cast<uint64_t>(m_errors.retrySetFlits) * m_flitSize);
    UbLinkErrorModel::Replay& r = m_errors.StartReplay();
    r.packet = packet;
    do
    {
        m_errors.Count(UbLinkErrorModel::RETRIES);
        m_busyPs += end - start;
        int64_t detect = end + m_linkPs;
        start = detect + m_peerRetryPs + ackPs;
        end = start + SerPs(wire);
        r.startPs.push_back(start);
        r.endPs.push_back(end);
    } while (m_errors.Draw(wire) && (m_errors.Count(UbLinkErrorModel::INJECTED), true));
    r.info = info;
}

void
UbNetDevice::OnRetryRequest(int64_t atPs)
{
    UbLinkErrorModel::Replay* r = m_errors.GetReplay();
    NS_ABORT_MSG_IF(r == nullptr || r->next >= r->startPs.size(),
                    Where() << ": a link-retry request arrived with no packet to replay");
    const int64_t ackPs = SerPs(static_cast<uint64_t>(m_errors.retrySetFlits) * m_flitSize);
    int64_t start = r->startPs[r->next];
    int64_t end = r->endPs[r->next];
    NS_ABORT_MSG_IF(atPs + ackPs != start,
                    Where() << ": the link-retry request arrived at " << atPs
                            << " ps, not as planned (" << start - ackPs
                            << " ps); the other end's retry timing changed unannounced");
    UbLinkMessage ack;
    ack.kind = UbLinkMessage::RETRY_ACK;
    ack.atPs = start + m_linkPs;
    SendMessage(ack);
    bool last = ++r->next == r->startPs.size();
    if (last)
    {
        Ptr<Packet> packet = r->packet;
        UbPacketInfo info = r->info;
        m_errors.EndReplay();
        SendData(packet, info, UbScheduler::Now().GetPicoSeconds(), start, end);
        return;
    }
    UbLinkMessage m;
    m.kind = UbLinkMessage::CORRUPTED_RETRY;
    m.vl = r->info.vl;
    m.atPs = end + m_linkPs;
    m.tailPs = m.atPs;
    m.packet = r->packet;
    m.info = r->info;
    SendMessage(m);
}

void
UbNetDevice::FirePhyTxEnd(Ptr<const Packet> p)
{
    m_phyTxEndTrace(p);
}

} // namespace ns3
