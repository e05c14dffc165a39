/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_TOPOLOGY_ROUTING_H
#define UB_TOPOLOGY_ROUTING_H

#include "ub-route-set.h"
#include "ub-topology.h"

#include "ns3/ub-routing-table.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ns3
{

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
     * \brief Read a VL policy's name, as topology files, presets (topology::VlPolicy) and
     * --vlPolicy write it: from-sl or final-hop-vl1 (case, '-' and '_' ignored, so FromSl and
     * FINAL_HOP_VL1 also do).
     * \param name the name
     * \param[out] policy the policy
     * \return false if the name is none of them
     */
    static bool VlPolicyFromName(const std::string& name, VlPolicy& policy);
    /// \param policy a VL policy \return its name (from-sl, final-hop-vl1)
    static std::string VlPolicyName(VlPolicy policy);

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
     * destination may hold c1 while it waits for c2. A candidate with a VL class (vlSpan > 1)
     * gives a vertex per VL of the class, each with an edge to every VL of the next hop's class:
     * a packet waits for any one of them, so a graph without a cycle is deadlock-free. Routes that
     * name no VL use slToVlOfSl0 (the VL of service level 0). Channels into endpoints that do not
     * forward end every path and are left out (they cannot be on a cycle). \param t the topology
     * \param r its routes
     * \param slVl VL used by candidates that take the SL map
     * \return the report
     */
    static DeadlockReport CheckDeadlock(const UbTopology& t, const UbRouteSet& r, uint8_t slVl = 0);

    /**
     * \brief The deadlock check scoped to the routes some traffic uses: only the dependencies of
     * packets between the given pairs (every candidate path of each, channel by channel). A
     * topology whose full route set could close a cycle (a ring of switches) is safe for traffic
     * that cannot (neighbours only). The pairs must include the reverse direction where replies
     * flow (acknowledgements, Read data).
     * \param t the topology
     * \param r its routes
     * \param pairs (source node, destination node) pairs
     * \param slVl VL of routes that name none
     * \return the report (channels: those the pairs' routes use)
     */
    static DeadlockReport CheckDeadlock(const UbTopology& t,
                                        const UbRouteSet& r,
                                        const std::vector<std::pair<uint32_t, uint32_t>>& pairs,
                                        uint8_t slVl = 0);

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
