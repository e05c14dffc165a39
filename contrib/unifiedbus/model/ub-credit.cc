/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-credit.h"

#include "ub-scheduler.h"

#include "ns3/abort.h"
#include "ns3/simulator.h"

#include <algorithm>

namespace ns3
{

namespace
{
/// The per-VL state of n VLs, fresh: the object's own slots if they suffice, else allocated.
template <typename Vl>
Vl*
UseVls(uint8_t n, Vl (&inlineVl)[UB_INLINE_VLS], std::unique_ptr<Vl[]>& heapVl)
{
    if (n <= UB_INLINE_VLS)
    {
        heapVl.reset();
        for (Vl& v : inlineVl)
        {
            v = Vl{};
        }
        return inlineVl;
    }
    heapVl = std::make_unique<Vl[]>(n);
    return heapVl.get();
}
} // namespace

// ---------------------------------------------------------------------------------------------
// Sender

void
UbCreditSender::Init(uint8_t nVl,
                     uint32_t vlCells,
                     uint32_t sharedCells,
                     bool counting,
                     TracedCallback<uint8_t, bool>* stallTrace)
{
    m_nVl = nVl;
    m_vl = UseVls(nVl, m_inlineVl, m_heapVl);
    m_vlInitial = counting ? vlCells : 0;
    m_sharedInitial = counting ? sharedCells : 0;
    for (uint8_t v = 0; v < nVl; ++v)
    {
        m_vl[v].credits = static_cast<int32_t>(m_vlInitial);
    }
    m_shared = static_cast<int32_t>(m_sharedInitial);
    m_stallTrace = stallTrace;
}

bool
UbCreditSender::FitsBy(uint8_t vl, uint32_t cells, int64_t atPs) const
{
    int64_t credits = static_cast<int64_t>(m_vl[vl].credits) + m_shared;
    for (std::size_t i = m_head; i < m_incoming.size() && m_incoming[i].atPs <= atPs; ++i)
    {
        const UbCreditReturn& r = m_incoming[i];
        credits += r.sharedCells + (r.vl == vl ? r.reservedCells : 0);
    }
    return credits >= static_cast<int64_t>(cells);
}

int64_t
UbCreditSender::NextArrivalAfter(int64_t t) const
{
    for (std::size_t i = m_head; i < m_incoming.size(); ++i)
    {
        if (m_incoming[i].atPs > t)
        {
            return m_incoming[i].atPs;
        }
    }
    return UB_NEVER_PS;
}

int64_t
UbCreditSender::GetCredits(uint8_t vl) const
{
    NS_ABORT_MSG_IF(vl != UB_MAX_VLS && vl >= m_nVl, "UbCreditSender: no VL " << +vl);
    return vl == UB_MAX_VLS ? m_shared : m_vl[vl].credits;
}

uint32_t
UbCreditSender::GetInitial(uint8_t vl) const
{
    return vl == UB_MAX_VLS ? m_sharedInitial : m_vlInitial;
}

uint32_t
UbCreditSender::GetHeldCells(uint8_t vl) const
{
    int64_t held = static_cast<int64_t>(m_vlInitial) - m_vl[vl].credits;
    return static_cast<uint32_t>(std::max<int64_t>(held, 0));
}

void
UbCreditSender::MarkStall(uint8_t vl, int64_t sincePs)
{
    Vl& s = m_vl[vl];
    m_stallMask |= 1u << vl;
    s.stallSincePs = sincePs;
    s.stallAnnounced = false;
    if (m_stallTrace == nullptr || m_stallTrace->IsEmpty())
    {
        return;
    }
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    if (sincePs <= now)
    {
        AnnounceStall(vl, sincePs);
    }
    else
    {
        Simulator::Schedule(PicoSeconds(sincePs - now),
                            &UbCreditSender::AnnounceStall,
                            this,
                            vl,
                            sincePs);
    }
}

void
UbCreditSender::AnnounceStall(uint8_t vl, int64_t sincePs)
{
    Vl& s = m_vl[vl];
    if ((m_stallMask & (1u << vl)) != 0 && s.stallSincePs == sincePs && !s.stallAnnounced)
    {
        s.stallAnnounced = true;
        (*m_stallTrace)(vl, true);
    }
}

void
UbCreditSender::EndStall(uint8_t vl, int64_t atPs)
{
    // A stall predicted for a future time is withdrawn if the credits come before it begins.
    Vl& s = m_vl[vl];
    m_stallMask &= ~(1u << vl);
    if (atPs > s.stallSincePs)
    {
        s.stallTotalPs += atPs - s.stallSincePs;
    }
    s.stallSincePs = -1;
    if (s.stallAnnounced)
    {
        s.stallAnnounced = false;
        (*m_stallTrace)(vl, false);
    }
}

int64_t
UbCreditSender::GetStallPs(uint8_t vl, int64_t nowPs) const
{
    if (vl >= m_nVl)
    {
        return 0;
    }
    const Vl& s = m_vl[vl];
    int64_t total = s.stallTotalPs;
    if (s.stallSincePs >= 0 && nowPs > s.stallSincePs) // a predicted stall may not have begun yet
    {
        total += nowPs - s.stallSincePs;
    }
    return total;
}

void
UbCreditSender::ReadBooks(uint8_t vl, UbCreditBooks& b) const
{
    const bool pool = vl == UB_MAX_VLS;
    b.credits = pool ? m_shared : m_vl[vl].credits;
    b.spent = pool ? m_sharedSpent : m_vl[vl].spent;
    b.initial = pool ? m_sharedInitial : m_vlInitial;
    b.incoming = 0;
    for (std::size_t i = m_head; i < m_incoming.size(); ++i)
    {
        const UbCreditReturn& r = m_incoming[i];
        b.incoming += pool ? r.sharedCells : (r.vl == vl ? r.reservedCells : 0);
    }
}

uint64_t
UbCreditSender::GetHeapBytes() const
{
    return (m_heapVl ? m_nVl * sizeof(Vl) : 0) + m_incoming.capacity() * sizeof(UbCreditReturn);
}

// ---------------------------------------------------------------------------------------------
// Receiver

void
UbCreditReceiver::Init(uint8_t nVl,
                       uint32_t vlCells,
                       uint32_t sharedCells,
                       bool returning,
                       uint32_t grainCells,
                       int64_t timeoutPs)
{
    m_nVl = nVl;
    m_vl = UseVls(nVl, m_inlineVl, m_heapVl);
    m_vlCells = vlCells;
    m_sharedCells = sharedCells;
    m_returning = returning;
    m_grain = grainCells;
    m_timeoutPs = timeoutPs;
}

int64_t
UbCreditReceiver::ScanDeadlines(uint8_t& vl) const
{
    int64_t best = UB_NEVER_PS;
    for (uint8_t v = 0; v < m_nVl; ++v)
    {
        const Vl& s = m_vl[v];
        if (s.accReserved + s.accShared != 0 && s.accSincePs + m_timeoutPs < best)
        {
            best = s.accSincePs + m_timeoutPs;
            vl = v;
        }
    }
    return best;
}

int64_t
UbCreditReceiver::TimeUsedFallsTo(uint8_t vl, uint32_t level) const
{
    std::vector<std::pair<int64_t, uint32_t>> rel;
    for (const auto& r : m_releases)
    {
        if (r.vl == vl)
        {
            rel.emplace_back(r.atPs, r.reservedCells);
        }
    }
    std::sort(rel.begin(), rel.end());
    int64_t occ = m_vl[vl].used;
    for (const auto& [at, cells] : rel)
    {
        occ -= cells;
        if (occ <= static_cast<int64_t>(level))
        {
            return at;
        }
    }
    return UB_NEVER_PS;
}

void
UbCreditReceiver::ReadBooks(uint8_t vl, UbCreditBooks& b) const
{
    if (vl == UB_MAX_VLS)
    {
        b.charged = m_sharedCharged;
        b.used = m_sharedUsed;
        b.unreturned = 0;
        for (uint8_t v = 0; v < m_nVl; ++v)
        {
            b.unreturned += m_vl[v].accShared;
        }
        return;
    }
    b.charged = m_vl[vl].charged;
    b.used = m_vl[vl].used;
    b.unreturned = m_vl[vl].accReserved;
}

uint64_t
UbCreditReceiver::GetHeapBytes() const
{
    return (m_heapVl ? m_nVl * sizeof(Vl) : 0) + m_releases.capacity() * sizeof(Release);
}

} // namespace ns3
