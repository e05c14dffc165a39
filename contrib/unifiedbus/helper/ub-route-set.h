/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_ROUTE_SET_H
#define UB_ROUTE_SET_H

#include "ns3/ub-routing-table.h"

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief The routes of a whole topology in compact form: for every node, intervals of
 * destination node indices, each mapped to one candidate set (ports and VLs).
 *
 * Candidate sets are shared by all nodes; a node of a Clos holds a handful of intervals, a node
 * of a full mesh one per destination. UbTopologyHelper copies each node's part into its
 * UbRoutingTable; the deadlock checker and the hop-count statistics read it directly.
 */
class UbRouteSet
{
  public:
    /// Destinations [lo, hi) of one node use candidate set `set`.
    struct Interval
    {
        uint32_t lo;  //!< first destination
        uint32_t hi;  //!< one past the last destination
        uint32_t set; //!< candidate set
    };

    /// \param nodes number of nodes
    explicit UbRouteSet(uint32_t nodes = 0);

    /**
     * \brief Append routes of node v for destinations [lo, hi) (lo must not be below the end of
     * v's previous interval); merges with the previous interval when it can.
     * \param v node
     * \param lo first destination
     * \param hi one past the last destination
     * \param set a set from Intern
     */
    void Append(uint32_t v, uint32_t lo, uint32_t hi, uint32_t set);
    /**
     * \brief The id of a candidate set (equal sets get equal ids).
     * \param c the candidates, in preference order
     * \return its id
     */
    uint32_t Intern(const std::vector<UbRouteCandidate>& c);

    /**
     * \brief Candidates of node v toward destination d.
     * \param v node
     * \param d destination node
     * \param[out] n number of candidates (0: no route)
     * \return the first candidate or nullptr
     */
    const UbRouteCandidate* Lookup(uint32_t v, uint32_t d, uint32_t& n) const;

    /// \return number of nodes
    uint32_t GetNNodes() const;
    /// \param v node \return its intervals
    const std::vector<Interval>& GetIntervals(uint32_t v) const;
    /// \param s set id \return number of candidates
    uint32_t GetSetSize(uint32_t s) const;
    /// \param s set id \return its first candidate
    const UbRouteCandidate* GetSet(uint32_t s) const;
    /// \return number of distinct sets
    uint32_t GetNSets() const;
    /// \return total intervals over all nodes
    uint64_t GetNIntervals() const;
    /// \return one more than the highest VL any candidate names or allocates (0 if every route
    /// takes the SL map)
    uint32_t GetNVlsUsed() const;

    /**
     * \brief Install node v's routes in a routing table.
     * \param v node
     * \param table the table (its routes are replaced)
     */
    void InstallInto(uint32_t v, UbRoutingTable& table) const;
    /**
     * \brief Install node v's routes where only some of its ports were built (the hybrid
     * level's endpoints outside the pods under study, with their scale-out ports only): each
     * candidate's port becomes portMap[port]; candidates on ports mapped to UINT32_MAX are left
     * out, and destinations left without a candidate get no route.
     * \param v node
     * \param table the table (its routes are replaced)
     * \param portMap per topology port of v: the switch's port, or UINT32_MAX
     */
    void InstallInto(uint32_t v, UbRoutingTable& table, const std::vector<uint32_t>& portMap) const;

    /// \return bytes held
    uint64_t GetMemoryBytes() const;
    /// Release the room the tables grew into beyond their size (once they are complete: a
    /// switch's intervals grow by doubling).
    void ShrinkToFit();

  private:
    std::vector<std::vector<Interval>> m_node;
    std::vector<uint32_t> m_setStart{0};
    std::vector<UbRouteCandidate> m_pool;
    std::unordered_multimap<uint64_t, uint32_t> m_index;
};

} // namespace ns3

#endif /* UB_ROUTE_SET_H */
