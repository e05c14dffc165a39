/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-routing-helper.h"

#include "ub-topology-routing.h"
#include "ub-topology.h"

#include "ns3/abort.h"
#include "ns3/channel.h"
#include "ns3/node-list.h"
#include "ns3/node.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-routing-table.h"
#include "ns3/ub-switch.h"

#include <algorithm>
#include <string>
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
    // The nodes as a UbTopology, so that the one shortest-path engine (UbTopologyRouting) routes
    // them too: every node is a destination and may relay (an NPU forwards through its on-chip
    // switch, a switch chip always), every link costs one hop. Links are added in the order
    // their channels were made, which is the order of the switches' ports, so the topology's
    // port k of a node is its switch's port k whenever the links were installed with UbHelper.
    const auto n = static_cast<uint32_t>(nodes.GetN());
    std::vector<Ptr<UbSwitch>> sw(n);
    std::unordered_map<uint32_t, uint32_t> indexOfNode;
    UbTopology t("ns3-nodes");
    for (uint32_t i = 0; i < n; ++i)
    {
        sw[i] = nodes.Get(i)->GetObject<UbSwitch>();
        NS_ABORT_MSG_IF(!sw[i],
                        "UbRoutingHelper: node " << nodes.Get(i)->GetId()
                                                 << " has no UbSwitch; install UB links first");
        indexOfNode[nodes.Get(i)->GetId()] = i;
        t.AddNode("node" + std::to_string(nodes.Get(i)->GetId()), UbTopology::ENDPOINT, true);
    }

    // Each link inside the set once, with its switch port at both ends.
    struct LinkPorts
    {
        uint32_t channel;
        uint32_t a;
        uint32_t b;
        uint32_t portA;
        uint32_t portB;
    };

    std::vector<LinkPorts> links;
    for (uint32_t i = 0; i < n; ++i)
    {
        for (uint32_t p = 0; p < sw[i]->GetNPorts(); ++p)
        {
            Ptr<UbNetDevice> dev = sw[i]->GetPort(p);
            Ptr<UbNetDevice> peer = dev->GetPeer();
            if (!peer)
            {
                continue;
            }
            auto it = indexOfNode.find(peer->GetNode()->GetId());
            if (it == indexOfNode.end() || it->second <= i)
            {
                continue; // outside the set, or seen from its other end
            }
            links.push_back(LinkPorts{static_cast<uint32_t>(dev->GetChannel()->GetId()),
                                      i,
                                      it->second,
                                      p,
                                      peer->GetPortIndex()});
        }
    }
    std::sort(links.begin(), links.end(), [](const LinkPorts& x, const LinkPorts& y) {
        return x.channel < y.channel;
    });
    std::vector<std::vector<uint32_t>> switchPort(n); // topology port k of node i -> switch port
    for (const auto& l : links)
    {
        t.AddLink(l.a, l.b);
        switchPort[l.a].push_back(l.portA);
        switchPort[l.b].push_back(l.portB);
    }
    UbRouteSet routes = UbTopologyRouting::ShortestPaths(t, UbTopologyRouting::VL_FROM_SL);

    std::vector<UbRouteCandidate> cand;
    for (uint32_t u = 0; u < n; ++u)
    {
        Ptr<UbRoutingTable> table = sw[u]->GetRoutingTable();
        for (uint32_t d = 0; d < n; ++d)
        {
            if (d == u)
            {
                continue;
            }
            uint32_t k = 0;
            const UbRouteCandidate* c = routes.Lookup(u, d, k);
            cand.assign(c, c + k);
            for (auto& x : cand)
            {
                x.port = static_cast<uint16_t>(switchPort[u][x.port]);
            }
            // Candidates in switch port order, as ECMP indexes them.
            std::stable_sort(cand.begin(),
                             cand.end(),
                             [](const UbRouteCandidate& x, const UbRouteCandidate& y) {
                                 return x.port < y.port;
                             });
            uint32_t dstCna = sw[d]->GetCna();
            for (const auto& x : cand)
            {
                table->AddRoute(dstCna, x.port, x.vl);
            }
        }
    }
}

} // namespace ns3
