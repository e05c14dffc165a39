/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-routing-helper.h"

#include "ns3/abort.h"
#include "ns3/node-list.h"
#include "ns3/node.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-routing-table.h"
#include "ns3/ub-switch.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/visitors.hpp>
#include <limits>
#include <unordered_map>
#include <vector>

namespace ns3
{

void
UbRoutingHelper::PopulateShortestPaths()
{
    NodeContainer all;
    for (auto it = NodeList::Begin(); it != NodeList::End(); ++it)
    {
        if ((*it)->GetObject<UbSwitch>())
        {
            all.Add(*it);
        }
    }
    PopulateShortestPaths(all);
}

void
UbRoutingHelper::PopulateShortestPaths(const NodeContainer& nodes)
{
    using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
    const auto n = static_cast<uint32_t>(nodes.GetN());
    std::vector<Ptr<UbSwitch>> sw(n);
    std::unordered_map<uint32_t, uint32_t> indexOfNode;
    for (uint32_t i = 0; i < n; ++i)
    {
        sw[i] = nodes.Get(i)->GetObject<UbSwitch>();
        NS_ABORT_MSG_IF(!sw[i],
                        "UbRoutingHelper: node " << nodes.Get(i)->GetId()
                                                 << " has no UbSwitch; install UB links first");
        indexOfNode[nodes.Get(i)->GetId()] = i;
    }

    // Neighbour of each port (or n when the peer is outside the set).
    std::vector<std::vector<uint32_t>> peerOf(n);
    Graph g(n);
    for (uint32_t i = 0; i < n; ++i)
    {
        uint32_t ports = sw[i]->GetNPorts();
        peerOf[i].assign(ports, n);
        for (uint32_t p = 0; p < ports; ++p)
        {
            Ptr<UbNetDevice> peer = sw[i]->GetPort(p)->GetPeer();
            if (!peer)
            {
                continue;
            }
            auto it = indexOfNode.find(peer->GetNode()->GetId());
            if (it == indexOfNode.end())
            {
                continue;
            }
            peerOf[i][p] = it->second;
            if (i < it->second)
            {
                boost::add_edge(i, it->second, g);
            }
        }
    }

    const uint32_t inf = std::numeric_limits<uint32_t>::max();
    std::vector<uint32_t> dist(n);
    for (uint32_t d = 0; d < n; ++d)
    {
        std::fill(dist.begin(), dist.end(), inf);
        dist[d] = 0;
        boost::breadth_first_search(
            g,
            boost::vertex(d, g),
            boost::visitor(boost::make_bfs_visitor(
                boost::record_distances(dist.data(), boost::on_tree_edge()))));
        uint32_t dstCna = sw[d]->GetCna();
        for (uint32_t u = 0; u < n; ++u)
        {
            if (u == d)
            {
                continue;
            }
            NS_ABORT_MSG_IF(dist[u] == inf,
                            "UbRoutingHelper: node "
                                << nodes.Get(u)->GetId() << " cannot reach node "
                                << nodes.Get(d)->GetId() << ": the topology is disconnected");
            Ptr<UbRoutingTable> table = sw[u]->GetRoutingTable();
            for (uint32_t p = 0; p < peerOf[u].size(); ++p)
            {
                uint32_t v = peerOf[u][p];
                if (v < n && dist[v] + 1 == dist[u])
                {
                    table->AddRoute(dstCna, static_cast<uint16_t>(p), UB_VL_FROM_SL);
                }
            }
        }
    }
}

} // namespace ns3
