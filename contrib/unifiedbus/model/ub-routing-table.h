/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_ROUTING_TABLE_H
#define UB_ROUTING_TABLE_H

#include "ub-packet-info.h"

#include "ns3/object.h"

#include <map>
#include <vector>

namespace ns3
{

class UbSwitch;

/**
 * \ingroup unifiedbus
 * \brief One way out of a switch toward a destination: an output port and the VL class to use on
 * it: VLs vl .. vl + vlSpan - 1. With vlSpan = 1 the VL is fixed; with more the switch allocates
 * the VL per hop, as a router's virtual-channel allocator does: any VL of the class whose
 * downstream buffer has room (UbSwitch::AllocateVl).
 */
struct UbRouteCandidate
{
    /// Flag: only packets injected at this node may take the candidate (a detour chosen at the
    /// source, as UB-Mesh's source-routed paths are); packets in transit ignore it. A set lists
    /// such candidates after all others.
    static constexpr uint8_t SOURCE_ONLY = 1;

    uint16_t port{0};          //!< output port index of the switch
    uint8_t vl{UB_VL_FROM_SL}; //!< VL on that port, or UB_VL_FROM_SL for the port's SL map
    uint8_t flags{0};          //!< SOURCE_ONLY or 0
    /// VLs in the class, from vl (1: the VL is fixed; more needs an explicit vl)
    uint8_t vlSpan{1};

    /// \param o other \return true if equal
    bool operator==(const UbRouteCandidate& o) const
    {
        return port == o.port && vl == o.vl && flags == o.flags && vlSpan == o.vlSpan;
    }

    /// \param o other \return true if o differs
    bool operator!=(const UbRouteCandidate& o) const
    {
        return !(*this == o);
    }

    /// \param o other \return true if this sorts before o
    bool operator<(const UbRouteCandidate& o) const
    {
        if (flags != o.flags)
        {
            return flags < o.flags;
        }
        if (port != o.port)
        {
            return port < o.port;
        }
        return vl != o.vl ? vl < o.vl : vlSpan < o.vlSpan;
    }
};

/**
 * \ingroup unifiedbus
 * \brief How a switch chooses among the candidates of a destination.
 */
class UbPathSelector
{
  public:
    virtual ~UbPathSelector() = default;
    /**
     * \param c candidates (n >= 1)
     * \param n number of candidates
     * \param info the packet
     * \param sw the switch choosing (for load-aware policies)
     * \param counter per-table counter that policies may advance (spraying)
     * \return index into c
     */
    virtual uint32_t Select(const UbRouteCandidate* c,
                            uint32_t n,
                            const UbPacketInfo& info,
                            const UbSwitch& sw,
                            uint32_t& counter) const = 0;
};

/// Always the first candidate.
class UbSinglePathSelector : public UbPathSelector
{
  public:
    uint32_t Select(const UbRouteCandidate* c,
                    uint32_t n,
                    const UbPacketInfo& info,
                    const UbSwitch& sw,
                    uint32_t& counter) const override;
};

/// ECMP: a hash of the packet's flow key and the switch's CNA (so that stages decorrelate).
class UbEcmpSelector : public UbPathSelector
{
  public:
    uint32_t Select(const UbRouteCandidate* c,
                    uint32_t n,
                    const UbPacketInfo& info,
                    const UbSwitch& sw,
                    uint32_t& counter) const override;
};

/// Per-packet spraying: round robin over the candidates, one counter per candidate set.
class UbSpraySelector : public UbPathSelector
{
  public:
    uint32_t Select(const UbRouteCandidate* c,
                    uint32_t n,
                    const UbPacketInfo& info,
                    const UbSwitch& sw,
                    uint32_t& counter) const override;
};

/// Per-packet random choice: a hash of the set's packet count, the switch and the flow, so
/// successive packets pick independently-looking candidates, reproducibly (no random stream).
class UbRandomSelector : public UbPathSelector
{
  public:
    uint32_t Select(const UbRouteCandidate* c,
                    uint32_t n,
                    const UbPacketInfo& info,
                    const UbSwitch& sw,
                    uint32_t& counter) const override;
};

/**
 * Adaptive: the candidate whose output drains soonest: (bytes queued for that output and VL +
 * bytes of downstream buffer its packets hold, i.e. initial credits - credits) at the port's
 * rate, plus the rest of the packet on the wire.
 * Ties go to the candidate the ECMP hash would pick first, so equal loads spread by flow.
 */
class UbAdaptiveSelector : public UbPathSelector
{
  public:
    uint32_t Select(const UbRouteCandidate* c,
                    uint32_t n,
                    const UbPacketInfo& info,
                    const UbSwitch& sw,
                    uint32_t& counter) const override;
};

/// LBF steering: candidate (load-balance field mod n) at the source's switch, (field + hash of
/// source and switch) mod n further on, so a sender picks its path and sources spread.
class UbLbfSelector : public UbPathSelector
{
  public:
    uint32_t Select(const UbRouteCandidate* c,
                    uint32_t n,
                    const UbPacketInfo& info,
                    const UbSwitch& sw,
                    uint32_t& counter) const override;
};

/**
 * \ingroup unifiedbus
 * \brief Destination CNA -> list of candidate (port, VL), and the path-selection policy.
 *
 * Routes are added per destination (AddRoute) and compacted on first use: destinations with the
 * same candidate list share one copy, and runs of consecutive destinations with the same list
 * become one interval. A Clos or a structured address plan therefore costs a handful of
 * intervals per switch, not one entry per destination; lookup is a binary search.
 */
class UbRoutingTable : public Object
{
  public:
    /// Path selection policy.
    enum Selection
    {
        SINGLE,   //!< first candidate
        ECMP,     //!< hash of flow key
        SPRAY,    //!< per-packet round robin
        ADAPTIVE, //!< least loaded output
        LBF,      //!< the packet's load-balance field modulo the candidates
        RANDOM,   //!< per packet, pseudo-random (hash of a packet count)
    };

    /// How a packet whose route gives a VL class (UbRouteCandidate::vlSpan > 1) gets its VL.
    enum VlAllocation
    {
        /// Packets of a transport (network header NLP != 0) stay on the class's first VL, in
        /// order for go-back-N and served round robin with every other flow there; raw packets
        /// take FREE's VL.
        VL_AUTO,
        VL_FLOW, //!< every packet: the VL its flow key hashes to (a flow stays in order)
        /// Every packet: the VL with the least ahead of it (queued here and held downstream), as
        /// a textbook virtual-channel allocator; packets of a flow may overtake one another.
        VL_FREE,
    };

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    UbRoutingTable();
    ~UbRoutingTable() override;

    /**
     * \brief Add a candidate for a destination (duplicates are ignored).
     * \param dst destination CNA
     * \param port output port index
     * \param vl VL on that port, or UB_VL_FROM_SL
     */
    void AddRoute(uint32_t dst, uint16_t port, uint8_t vl = UB_VL_FROM_SL);

    /// Remove every route.
    void Clear();

    /**
     * \brief Replace every route with a table already in compact form (used by the system
     * builders, which compute routes for whole destination ranges at once).
     *
     * Interval i covers destinations [lo[i], lo[i+1]) (the last one up to end) and maps them to
     * candidate set set[i] (or to no route if set[i] is UINT32_MAX); set s is
     * pool[setStart[s] .. setStart[s+1]).
     * \param lo interval starts, strictly increasing
     * \param set set of each interval
     * \param end one past the last destination covered
     * \param setStart start of each set in pool, plus the end of the pool
     * \param pool candidates of all sets
     */
    void Assign(std::vector<uint32_t> lo,
                std::vector<uint32_t> set,
                uint32_t end,
                std::vector<uint32_t> setStart,
                std::vector<UbRouteCandidate> pool);

    /**
     * \brief Candidates for a destination.
     * \param dst destination CNA
     * \param[out] n number of candidates (0 if none)
     * \return pointer to the first candidate, or nullptr
     */
    const UbRouteCandidate* Lookup(uint32_t dst, uint32_t& n) const;

    /**
     * \brief Choose one candidate for a packet with the configured policy.
     * \param c candidates (from Lookup)
     * \param n number of candidates
     * \param info the packet
     * \param sw the switch choosing
     * \return index into c
     */
    uint32_t Select(const UbRouteCandidate* c,
                    uint32_t n,
                    const UbPacketInfo& info,
                    const UbSwitch& sw);

    /// \return the selection policy
    Selection GetSelection() const;
    /**
     * \brief ECMP's choice: the candidate a packet of this flow hash takes at this node.
     * \param flowHash the packet's UbPacketInfo::flowHash
     * \param cna the node's CNA
     * \param n candidates (at least 1)
     * \return the candidate's index
     */
    static uint32_t EcmpChoice(uint32_t flowHash, uint32_t cna, uint32_t n);
    /**
     * \brief LBF's choice: at the source's own node the load-balance field picks the candidate;
     * further on it is rotated by a hash of (source, destination, node).
     * \param lbf the packet's load-balance field
     * \param src its source CNA
     * \param dst its destination CNA
     * \param cna the node's CNA
     * \param n candidates (at least 1)
     * \return the candidate's index
     */
    static uint32_t LbfChoice(uint8_t lbf, uint32_t src, uint32_t dst, uint32_t cna, uint32_t n);

    /// \return number of destinations with at least one route
    uint32_t GetNDestinations() const;
    /// \return number of intervals after compaction
    uint32_t GetNIntervals() const;
    /// \return bytes held by the compacted table
    uint64_t GetMemoryBytes() const;

    /**
     * \brief Visit every (destination, candidate) pair (for validation).
     * \param f called as f(dst, candidate)
     */
    template <typename F>
    void ForEachRoute(F f) const
    {
        Compact();
        for (std::size_t i = 0; i < m_lo.size(); ++i)
        {
            uint32_t hi = (i + 1 < m_lo.size()) ? m_lo[i + 1] : m_end;
            uint32_t set = m_set[i];
            if (set == NO_SET)
            {
                continue;
            }
            for (uint32_t d = m_lo[i]; d < hi; ++d)
            {
                for (uint32_t k = m_setStart[set]; k < m_setStart[set + 1]; ++k)
                {
                    f(d, m_pool[k]);
                }
            }
        }
    }

    /**
     * \brief Visit every candidate of every interval of destinations once (validation that
     * does not depend on the destination: its cost follows the intervals, not the system size).
     * \param f called as f(first destination of the interval, candidate)
     */
    template <typename F>
    void ForEachIntervalRoute(F f) const
    {
        Compact();
        for (std::size_t i = 0; i < m_lo.size(); ++i)
        {
            uint32_t set = m_set[i];
            if (set == NO_SET)
            {
                continue;
            }
            for (uint32_t k = m_setStart[set]; k < m_setStart[set + 1]; ++k)
            {
                f(m_lo[i], m_pool[k]);
            }
        }
    }

  private:
    static constexpr uint32_t NO_SET = 0xFFFFFFFF;
    void Compact() const;

  public:
    /// \return the VL allocation policy (VlAllocation attribute)
    VlAllocation GetVlAllocation() const
    {
        return m_vlAllocation;
    }

  private:
    Selection m_selection{ECMP};
    VlAllocation m_vlAllocation{VL_AUTO};
    const UbPathSelector* m_selector{nullptr};
    uint32_t m_counter{0};
    std::vector<uint32_t> m_rr; //!< spray counters, one per candidate set (by pool position)

    // Building form (emptied by Compact).
    mutable std::map<uint32_t, std::vector<UbRouteCandidate>> m_building;
    // Compacted form: interval i covers [m_lo[i], m_lo[i+1]) (last one up to m_end) -> set
    // m_set[i].
    mutable std::vector<uint32_t> m_lo;
    mutable std::vector<uint32_t> m_set;
    mutable uint32_t m_end{0};
    mutable std::vector<uint32_t> m_setStart; // set s = m_pool[m_setStart[s] .. m_setStart[s+1])
    mutable std::vector<UbRouteCandidate> m_pool;
    mutable uint32_t m_nDest{0};
};

} // namespace ns3

#endif /* UB_ROUTING_TABLE_H */
