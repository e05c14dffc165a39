/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Credit-based flow control per VL, both halves: this file is where credits are handled.
 *
 * A link direction A -> B has a credit ledger in the manner of BookSim's BufferState, split
 * between its two owners:
 *   - UbCreditSender (in A's device): the credits A holds toward B's receive buffer per VL and in
 *     B's shared pool, and the returns in flight toward A (as they left B, timestamped);
 *   - UbCreditReceiver (in B's device): the occupancy of B's receive buffer, the times its
 *     packets leave it (announced by B's switch), and the return policy (grain, timeout).
 * The two halves meet only through UbCreditReturn messages carried by the UbChannel: neither
 * reads the other.
 */
#ifndef UB_CREDIT_H
#define UB_CREDIT_H

#include "ub-packet-info.h"

#include "ns3/nstime.h"
#include "ns3/traced-callback.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

namespace ns3
{

/// A time that never comes (picoseconds).
constexpr int64_t UB_NEVER_PS = std::numeric_limits<int64_t>::max();

/**
 * \ingroup unifiedbus
 * \brief Credits a receiver returns: cells of one VL's reserve and of the shared pool, and the
 * time they reach the sender. Crosses the link as a UbLinkMessage of kind CREDIT.
 */
struct UbCreditReturn
{
    int64_t atPs{0};           //!< arrival at the sender (tail of the credit frame)
    uint32_t reservedCells{0}; //!< cells of the VL's reserve
    uint32_t sharedCells{0};   //!< cells of the shared pool
    uint8_t vl{0};             //!< the VL
};

/// VLs whose per-VL credit and buffer state a port holds in itself, with no allocation (every
/// preset uses 2; a link with more allocates them)
constexpr uint8_t UB_INLINE_VLS = 2;

/**
 * \ingroup unifiedbus
 * The credit books of one link direction for one VL's reserve (or, with UB_MAX_VLS, for the
 * shared pool), as the sender and the receiver hold them. UbInvariants adds them up: credits
 * held + returned and not yet absorbed + spent and not yet charged (the packets on the wire) +
 * cells in the buffer + cells freed and not yet returned equal what the receiver announced.
 */
struct UbCreditBooks
{
    int64_t credits{0};     //!< sender: credits held
    uint64_t incoming{0};   //!< sender: returned cells that arrived or are on their way, unabsorbed
    uint32_t spent{0};      //!< sender: cells spent since the start (wraps around)
    uint32_t initial{0};    //!< sender: what the receiver announced
    uint32_t charged{0};    //!< receiver: cells charged since the start (wraps around)
    uint64_t used{0};       //!< receiver: cells in the buffer
    uint64_t unreturned{0}; //!< receiver: cells freed and not yet returned
};

/**
 * \ingroup unifiedbus
 * \brief The sending half of credit flow control on one link direction.
 *
 * Holds the credits toward the peer's receive buffer, as the peer announced it when the link
 * came up, and the returns the peer has sent, in arrival order. Returns are not events: the
 * owner absorbs those due (Absorb) before it decides, and can ask whether a packet will fit by
 * a given time from the returns already on their way (FitsBy, NextArrivalAfter).
 *
 * Also keeps the credit-stall statistics of each VL: from the time a VL has a packet waiting
 * without the credits for it to the time the credits come.
 */
class UbCreditSender
{
  public:
    UbCreditSender() = default;
    UbCreditSender(const UbCreditSender&) = delete; //!< m_vl may point into the object
    UbCreditSender& operator=(const UbCreditSender&) = delete;

    /**
     * \brief Start with the peer's announced buffer as credits.
     * \param nVl VLs of the link
     * \param vlCells the peer's reserve per VL (cells)
     * \param sharedCells the peer's shared pool (cells)
     * \param counting true in credit mode; otherwise no credits are held or checked
     * \param stallTrace the owner's CreditStall trace source (vl, begin)
     */
    void Init(uint8_t nVl,
              uint32_t vlCells,
              uint32_t sharedCells,
              bool counting,
              TracedCallback<uint8_t, bool>* stallTrace);

    /// \param vl VL \param cells cells of a packet \return true if the credits cover it now
    bool Fits(uint8_t vl, uint32_t cells) const
    {
        return static_cast<int64_t>(m_vl[vl].credits) + m_shared >= static_cast<int64_t>(cells);
    }

    /**
     * \param vl VL
     * \param cells cells of a packet
     * \param atPs a time
     * \return true if the credits now and the returns arriving by atPs cover the packet
     */
    bool FitsBy(uint8_t vl, uint32_t cells, int64_t atPs) const;

    /**
     * \brief Spend a packet's cells: the shared pool first, then the VL's reserve (UB Base Spec
     * 2.0 section 4.6.1.3). The caller checked Fits.
     * \param vl VL
     * \param cells cells of the packet
     * \param[out] reserved cells taken from the reserve
     * \param[out] shared cells taken from the shared pool
     * \return false if the reserve lacks credits (a model bug)
     */
    bool Spend(uint8_t vl, uint32_t cells, uint32_t& reserved, uint32_t& shared)
    {
        auto c = static_cast<int32_t>(cells);
        Vl& s = m_vl[vl];
        int32_t sh = std::min(c, m_shared);
        int32_t res = c - sh;
        if (res > s.credits)
        {
            return false;
        }
        s.credits -= res;
        s.spent += static_cast<uint32_t>(res);
        m_shared -= sh;
        m_sharedSpent += static_cast<uint32_t>(sh);
        reserved = static_cast<uint32_t>(res);
        shared = static_cast<uint32_t>(sh);
        return true;
    }

    /// \param r a return the peer sent (arrives at r.atPs); returns come in arrival order
    void Push(const UbCreditReturn& r)
    {
        m_incoming.push_back(r);
    }

    /**
     * \brief Take in every return that has arrived by nowPs, in arrival order.
     * \param nowPs the time
     * \param onArrival called with each return taken in (after its credits are added)
     * \return false if a return took the credits above what the peer announced (a model bug)
     */
    template <typename F>
    bool Absorb(int64_t nowPs, F&& onArrival);

    /// \param t a time \return arrival of the first return after t on its way, or UB_NEVER_PS
    int64_t NextArrivalAfter(int64_t t) const;

    /// \param vl VL (UB_MAX_VLS for the shared pool) \return credits held now (cells)
    int64_t GetCredits(uint8_t vl) const;
    /// \param vl VL (UB_MAX_VLS for the shared pool) \return credits when the link came up
    uint32_t GetInitial(uint8_t vl) const;
    /// \param vl VL \return cells of the peer's buffer this side's packets hold (initial - now)
    uint32_t GetHeldCells(uint8_t vl) const;

    // --- Credit stalls (statistics) ---

    /// \return bitmask of VLs in a stall (or with one predicted)
    uint32_t GetStallMask() const
    {
        return m_stallMask;
    }

    /**
     * \brief A VL has a packet waiting without credits from sincePs on (may be in the future:
     * the stall is then traced when it begins, unless it ends first).
     * \param vl VL
     * \param sincePs start of the stall
     */
    void MarkStall(uint8_t vl, int64_t sincePs);
    /// \param vl VL \param atPs the credits came at this time: the stall ends
    void EndStall(uint8_t vl, int64_t atPs);
    /// \param vl VL \param nowPs the time \return stall time of the VL so far
    int64_t GetStallPs(uint8_t vl, int64_t nowPs) const;

    /**
     * \brief Fill the sender's half of the books (credits, incoming, spent, initial).
     * \param vl VL, or UB_MAX_VLS for the shared pool
     * \param[out] b the books
     */
    void ReadBooks(uint8_t vl, UbCreditBooks& b) const;

    /**
     * \brief Lose credits, as a bug in the credit return would: for the tests of UbInvariants.
     * \param vl VL \param cells credits lost
     */
    void LeakForTest(uint8_t vl, int32_t cells)
    {
        m_vl[vl].credits -= cells;
    }

    /// \return bytes held beyond sizeof(UbCreditSender)
    uint64_t GetHeapBytes() const;

  private:
    /// Per VL.
    struct Vl
    {
        int64_t stallSincePs{-1}; //!< start of the current credit stall, -1 if none
        int64_t stallTotalPs{0};  //!< accumulated credit-stall time
        int32_t credits{0};       //!< credits toward the peer's reserve (cells)
        uint32_t spent{0};        //!< reserve cells spent since the start (wraps around)
        bool stallAnnounced{false};
    };

    void AnnounceStall(uint8_t vl, int64_t sincePs);

    /// Drop the returns taken in from the front of the FIFO, now and then.
    void Compact()
    {
        if (m_head == m_incoming.size())
        {
            m_incoming.clear();
            m_head = 0;
        }
        else if (m_head > 32 && 2 * m_head > m_incoming.size())
        {
            m_incoming.erase(m_incoming.begin(),
                             m_incoming.begin() + static_cast<std::ptrdiff_t>(m_head));
            m_head = 0;
        }
    }

    Vl* m_vl{m_inlineVl};                   //!< per VL: m_inlineVl or m_heapVl
    std::vector<UbCreditReturn> m_incoming; //!< FIFO in arrival order, from m_head
    uint32_t m_head{0};
    int32_t m_shared{0};
    uint32_t m_sharedSpent{0}; //!< shared cells spent since the start (wraps around)
    uint32_t m_vlInitial{0};
    uint32_t m_sharedInitial{0};
    uint32_t m_stallMask{0};
    uint8_t m_nVl{0};
    TracedCallback<uint8_t, bool>* m_stallTrace{nullptr};
    Vl m_inlineVl[UB_INLINE_VLS];   //!< the VLs of a link with at most UB_INLINE_VLS
    std::unique_ptr<Vl[]> m_heapVl; //!< the VLs of a link with more
};

/**
 * \ingroup unifiedbus
 * \brief The receive buffer of a port and, in credit mode, the receiving half of credit flow
 * control.
 *
 * Counts the cells in use per VL (reserve) and in the shared pool. The node's switch announces
 * when each packet will leave the buffer (its tail left the output it was switched to, or the
 * endpoint took it); the cells are freed then. In credit mode the freed cells of a VL accumulate
 * until CreditReturnGrain of them have, or CreditReturnTimeout after the first, and are then
 * returned (the owner sends the credit frame, which times it on its own transmit direction).
 *
 * Nothing here is an event: Resolve(now) plays the releases and timeouts due by now in time
 * order. The owner calls it before it decides anything, and, when the other end may be waiting,
 * at the times NextDueTime gives.
 */
class UbCreditReceiver
{
  public:
    UbCreditReceiver() = default;
    UbCreditReceiver(const UbCreditReceiver&) = delete; //!< m_vl may point into the object
    UbCreditReceiver& operator=(const UbCreditReceiver&) = delete;

    /**
     * \param nVl VLs
     * \param vlCells reserve per VL (cells)
     * \param sharedCells shared pool (cells)
     * \param returning true in credit mode (freed cells are returned)
     * \param grainCells CreditReturnGrain
     * \param timeoutPs CreditReturnTimeout
     */
    void Init(uint8_t nVl,
              uint32_t vlCells,
              uint32_t sharedCells,
              bool returning,
              uint32_t grainCells,
              int64_t timeoutPs);

    /// \param vl VL \param reserved reserve cells \param shared shared cells \return true if they
    /// fit now
    bool CanHold(uint8_t vl, uint32_t reserved, uint32_t shared) const
    {
        return m_vl[vl].used + reserved <= m_vlCells && m_sharedUsed + shared <= m_sharedCells;
    }

    /// \param vl VL \return reserve cells still free now
    uint32_t FreeReserve(uint8_t vl) const
    {
        return m_vlCells - m_vl[vl].used;
    }

    /// \return shared cells still free now
    uint32_t FreeShared() const
    {
        return m_sharedCells - m_sharedUsed;
    }

    /// Charge a packet that arrived. \param vl VL \param reserved cells \param shared cells
    void Charge(uint8_t vl, uint32_t reserved, uint32_t shared)
    {
        m_vl[vl].used += reserved;
        m_vl[vl].charged += reserved;
        m_sharedUsed += shared;
        m_sharedCharged += shared;
    }

    /**
     * \brief The packet will leave the buffer at atPs.
     * \param atPs when (not before now)
     * \param vl VL it arrived on
     * \param reserved its reserve cells
     * \param shared its shared cells
     */
    void ScheduleRelease(int64_t atPs, uint8_t vl, uint32_t reserved, uint32_t shared)
    {
        m_releases.push_back(Release{atPs, reserved, shared, vl});
        std::push_heap(m_releases.begin(),
                       m_releases.end(),
                       [](const Release& a, const Release& b) { return a.atPs > b.atPs; });
        m_nextDuePs = std::min(m_nextDuePs, atPs);
    }

    /**
     * \brief Play the releases and return timeouts due by nowPs, in time order.
     *
     * The host is told as the buffer drains: host.OnFreed(atPs, vl, used) when cells of a VL are
     * freed (used = reserve cells still in use), and, in credit mode, host.ReturnCredits(atPs,
     * vl, reservedCells, sharedCells) when credits are due (the host sends the credit frame no
     * earlier than atPs, timed on its own transmit direction).
     * \param nowPs the time
     * \param host the owner's callbacks
     */
    template <typename Host>
    void Resolve(int64_t nowPs, Host& host);

    /// \return the earliest pending release or return timeout, UB_NEVER_PS if none (kept as
    /// the state changes, so that the check before every decision reads one field)
    int64_t NextDueTime() const
    {
        return m_nextDuePs;
    }

    /**
     * \brief When a VL's occupancy falls to a level, from the releases already scheduled.
     * \param vl VL
     * \param level cells
     * \return the time, or UB_NEVER_PS if the scheduled releases do not get there
     */
    int64_t TimeUsedFallsTo(uint8_t vl, uint32_t level) const;

    /// \param vl VL \return reserve cells in use now (as resolved)
    uint32_t GetUsed(uint8_t vl) const
    {
        return m_vl[vl].used;
    }

    /// \return shared cells in use now (as resolved)
    uint32_t GetSharedUsed() const
    {
        return m_sharedUsed;
    }

    /// \return reserve cells per VL
    uint32_t GetVlCells() const
    {
        return m_vlCells;
    }

    /// \param cells new reserve per VL (the other end's credits do not change)
    void SetVlCells(uint32_t cells)
    {
        m_vlCells = cells;
    }

    /// \return bytes held beyond sizeof(UbCreditReceiver)
    uint64_t GetHeapBytes() const;

    /**
     * \brief Fill the receiver's half of the books (charged, used, unreturned); releases not yet
     * resolved count as used.
     * \param vl VL, or UB_MAX_VLS for the shared pool
     * \param[out] b the books
     */
    void ReadBooks(uint8_t vl, UbCreditBooks& b) const;

  private:
    /// A packet leaving the buffer at a known time.
    struct Release
    {
        int64_t atPs;
        uint32_t reservedCells;
        uint32_t sharedCells;
        uint8_t vl;
    };

    /// Per VL.
    struct Vl
    {
        int64_t accSincePs{0};   //!< when the first unreturned freed cell was freed
        uint32_t used{0};        //!< reserve cells in use
        uint32_t accReserved{0}; //!< freed reserve cells not yet returned
        uint32_t accShared{0};   //!< freed shared cells not yet returned
        uint32_t charged{0};     //!< reserve cells charged since the start (wraps around)
    };

    /// \param[out] vl the VL whose return times out first \return when (UB_NEVER_PS if none)
    int64_t NextDeadline(uint8_t& vl) const
    {
        return m_accPending == 0 ? UB_NEVER_PS : ScanDeadlines(vl);
    }

    int64_t ScanDeadlines(uint8_t& vl) const;
    /// Pop the earliest release and free its cells. \return it
    Release PopRelease();

    Vl* m_vl{m_inlineVl};             //!< per VL: m_inlineVl or m_heapVl
    std::vector<Release> m_releases;  //!< min-heap on atPs
    int64_t m_nextDuePs{UB_NEVER_PS}; //!< earliest release or return timeout (NextDueTime)
    int64_t m_timeoutPs{0};
    uint32_t m_vlCells{0};
    uint32_t m_sharedCells{0};
    uint32_t m_sharedUsed{0};
    uint32_t m_sharedCharged{0}; //!< shared cells charged since the start (wraps around)
    uint32_t m_grain{1};
    uint32_t m_accPending{0}; //!< VLs with unreturned cells below the grain
    uint8_t m_nVl{0};
    bool m_returning{false};
    Vl m_inlineVl[UB_INLINE_VLS];   //!< the VLs of a buffer with at most UB_INLINE_VLS
    std::unique_ptr<Vl[]> m_heapVl; //!< the VLs of a buffer with more
};

inline UbCreditReceiver::Release
UbCreditReceiver::PopRelease()
{
    std::pop_heap(m_releases.begin(), m_releases.end(), [](const Release& a, const Release& b) {
        return a.atPs > b.atPs;
    });
    Release r = m_releases.back();
    m_releases.pop_back();
    m_vl[r.vl].used -= r.reservedCells;
    m_sharedUsed -= r.sharedCells;
    return r;
}

template <typename Host>
void
UbCreditReceiver::Resolve(int64_t nowPs, Host& host)
{
    while (true)
    {
        int64_t tRel = m_releases.empty() ? UB_NEVER_PS : m_releases.front().atPs;
        uint8_t deadVl = 0;
        int64_t tDead = NextDeadline(deadVl);
        if (std::min(tRel, tDead) > nowPs)
        {
            m_nextDuePs = std::min(tRel, tDead);
            return;
        }
        if (tDead < tRel)
        {
            // Freed cells below the grain waited CreditReturnTimeout: return them anyway.
            --m_accPending;
            Vl& s = m_vl[deadVl];
            uint32_t res = s.accReserved;
            uint32_t sh = s.accShared;
            s.accReserved = 0;
            s.accShared = 0;
            host.ReturnCredits(tDead, deadVl, res, sh);
            continue;
        }
        Release r = PopRelease();
        Vl& s = m_vl[r.vl];
        host.OnFreed(r.atPs, r.vl, s.used);
        if (!m_returning)
        {
            continue;
        }
        bool wasEmpty = (s.accReserved + s.accShared) == 0;
        if (wasEmpty)
        {
            s.accSincePs = r.atPs;
        }
        s.accReserved += r.reservedCells;
        s.accShared += r.sharedCells;
        if (s.accReserved + s.accShared >= m_grain)
        {
            if (!wasEmpty)
            {
                --m_accPending;
            }
            uint32_t res = s.accReserved;
            uint32_t sh = s.accShared;
            s.accReserved = 0;
            s.accShared = 0;
            host.ReturnCredits(r.atPs, r.vl, res, sh);
        }
        else if (wasEmpty)
        {
            ++m_accPending;
        }
    }
}

template <typename F>
bool
UbCreditSender::Absorb(int64_t nowPs, F&& onArrival)
{
    bool ok = true;
    while (m_head < m_incoming.size() && m_incoming[m_head].atPs <= nowPs)
    {
        const UbCreditReturn r = m_incoming[m_head++];
        Vl& s = m_vl[r.vl];
        s.credits += static_cast<int32_t>(r.reservedCells);
        m_shared += static_cast<int32_t>(r.sharedCells);
        ok = ok && s.credits <= static_cast<int32_t>(m_vlInitial) &&
             m_shared <= static_cast<int32_t>(m_sharedInitial);
        onArrival(r);
    }
    Compact();
    return ok;
}

} // namespace ns3

#endif /* UB_CREDIT_H */
