/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_ROUTING_HELPER_H
#define UB_ROUTING_HELPER_H

#include "ns3/node-container.h"

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief Computes UbRoutingTable entries from the links UbHelper installed.
 *
 * PopulateShortestPaths runs a breadth-first search (Boost.Graph) from every destination and
 * gives each node, for each destination, every port whose neighbour is one hop closer: all
 * shortest paths, so that ECMP, spraying and adaptive selection have all equal-cost choices.
 * Routes use the output port's SL-to-VL map. A destination that some node cannot reach stops
 * the run with both node ids named.
 */
class UbRoutingHelper
{
  public:
    /**
     * \brief Routes among the given nodes (each must have a UbSwitch).
     * \param nodes the nodes; links to nodes outside are ignored
     */
    static void PopulateShortestPaths(const NodeContainer& nodes);
    /// Routes among every node of the simulation that has a UbSwitch.
    static void PopulateShortestPaths();
};

} // namespace ns3

#endif /* UB_ROUTING_HELPER_H */
