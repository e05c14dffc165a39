/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_TOPOLOGY_ROUTING_H
#define UB_TOPOLOGY_ROUTING_H

#include "ub-topology.h"

#include "ns3/ub-routing-table.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
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
    /// \return largest number of VLs any candidate names (0 if every route takes the SL map)
    uint32_t GetNVlsUsed() const;

    /**
     * \brief Install node v's routes in a routing table.
     * \param v node
     * \param table the table (its routes are replaced)
     */
    void InstallInto(uint32_t v, UbRoutingTable& table) const;

    /// \return bytes held
    uint64_t GetMemoryBytes() const;

  private:
    std::vector<std::vector<Interval>> m_node;
    std::vector<uint32_t> m_setStart{0};
    std::vector<UbRouteCandidate> m_pool;
    std::unordered_multimap<uint64_t, uint32_t> m_index;
};

/**
 * \ingroup unifiedbus
 * \brief Route computation, deadlock check and path statistics on a UbTopology.
 */
class UbTopologyRouting
{
  public:
    /// How routes pick the VL of each hop.
    enum VlPolicy
    {
        VL_FROM_SL, //!< every hop uses the output port's SL-to-VL map
        /**
         * The hop into the destination uses VL 1, every other hop VL 0. Channels into a
         * destination then never wait on another channel, so a topology whose non-final hops are
         * deadlock-free (such as a 2D full mesh with one intermediate) needs only 2 VLs.
         */
        FINAL_HOP_VL1,
    };

    /**
     * \brief All shortest paths to every endpoint, as ECMP sets (breadth-first search with
     * Boost.Graph). Endpoints that do not forward are never intermediate hops. Endpoints with the
     * same neighbours (the NPUs of one Clos leaf group) share one search, so a Clos costs one
     * search per leaf group, not per NPU. An endpoint that cannot reach another stops the run
     * with both names.
     * \param t the topology
     * \param vl VL policy
     * \return the routes
     */
    static UbRouteSet ShortestPaths(const UbTopology& t, VlPolicy vl = VL_FROM_SL);

    /**
     * \brief Routes from a function of (node, destination): for structured topologies whose
     * builder knows the paths (UB-Mesh's direct, detour and borrow policies).
     * \param t the topology
     * \param f f(v, d, out) fills out with the candidates of node v toward endpoint d (v != d)
     * \return the routes
     */
    static UbRouteSet FromFunction(
        const UbTopology& t,
        const std::function<void(uint32_t, uint32_t, std::vector<UbRouteCandidate>&)>& f);

    /// Outcome of the deadlock check.
    struct DeadlockReport
    {
        bool deadlockFree{true};        //!< no cycle in the channel dependency graph
        uint64_t channels{0};           //!< (directed link, VL) vertices that could lie on a cycle
        uint64_t dependencies{0};       //!< dependency edges among them
        uint32_t vlsUsed{0};            //!< distinct VLs on the routes
        std::vector<std::string> cycle; //!< a cycle, as "a->b vl0" channels, if one exists
    };

    /**
     * \brief Build the channel dependency graph (Dally and Seitz) of the routes and look for a
     * cycle. A vertex is a directed link and a VL; an edge c1 -> c2 means that a packet for some
     * destination may hold c1 while it waits for c2. Routes that name no VL use slToVlOfSl0 (the
     * VL of service level 0). Channels into endpoints that do not forward end every path and are
     * left out (they cannot be on a cycle).
     * \param t the topology
     * \param r its routes
     * \param slVl VL used by candidates that take the SL map
     * \return the report
     */
    static DeadlockReport CheckDeadlock(const UbTopology& t, const UbRouteSet& r, uint8_t slVl = 0);

    /**
     * \brief Hop counts (links traversed) of every ordered endpoint pair, following the first
     * candidate at every node. Stops the run if a route is missing or loops.
     * \param t the topology
     * \param r its routes
     * \param sources endpoints to start from (empty: all)
     * \return histogram: hops -> number of pairs
     */
    static std::map<uint32_t, uint64_t> HopCounts(const UbTopology& t,
                                                  const UbRouteSet& r,
                                                  const std::vector<uint32_t>& sources = {});
};

} // namespace ns3

#endif /* UB_TOPOLOGY_ROUTING_H */
