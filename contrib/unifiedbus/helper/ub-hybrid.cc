/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The hybrid level of UbTopologyHelper: the packet level for the SuperPoDs under study, the
// flow level for the rest, one simulation (doc/flow-level.md, The hybrid level).

#include "ub-flow-fabric.h"
#include "ub-topology-helper.h"

#include "ns3/abort.h"
#include "ns3/data-rate.h"
#include "ns3/ub-collective.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-transport.h"

#include <algorithm>
#include <unordered_map>

namespace ns3
{

namespace
{

/**
 * Moves a transfer with an end in a studied SuperPoD at packet level (UbControllerCarrier),
 * any other at flow level. While a pair has packet-level transfers in flight, a shadow of it in
 * the flow level takes its max-min share there, so that the flow level's transfers leave it
 * room; their load on the packet level's links is the devices' background
 * (UbTopologyHelper::WatchBackground).
 */
class UbHybridCarrier : public UbTransferCarrier
{
  public:
    UbHybridCarrier(std::vector<Ptr<UbController>> controllers,
                    std::unique_ptr<UbTransferCarrier> flow,
                    std::vector<uint32_t> nodes,
                    std::vector<uint8_t> studied,
                    UbFlowFabric& fabric,
                    UbTopologyHelper::HybridStats& stats)
        : m_packet(std::move(controllers)),
          m_flow(std::move(flow)),
          m_nodes(std::move(nodes)),
          m_studied(std::move(studied)),
          m_fabric(fabric),
          m_stats(stats)
    {
    }

    uint32_t GetNParticipants() const override
    {
        return static_cast<uint32_t>(m_nodes.size());
    }

    const char* GetLevel() const override
    {
        return "hybrid";
    }

    void Begin(ArrivedCallback arrived) override
    {
        m_arrived = std::move(arrived);
        m_packet.Begin([this](UbTransferId t) { PacketArrived(t); });
        m_flow->Begin([this](UbTransferId t) { m_arrived(t); });
    }

    void Issue(UbTransferId t,
               const UbTransferGraph::Transfer& x,
               const UbIssueOptions& options) override
    {
        if (!m_studied[x.src] && !m_studied[x.dst])
        {
            ++m_stats.flowTransfers;
            m_flow->Issue(t, x, options);
            return;
        }
        ++m_stats.packetTransfers;
        const uint64_t pair = (static_cast<uint64_t>(x.src) << 32) | x.dst;
        Shadow& s = m_shadows[pair];
        if (s.inFlight++ == 0)
        {
            ++m_stats.shadows;
            s.flow = m_fabric.StartShadow(m_nodes[x.src],
                                          m_nodes[x.dst],
                                          (options.packetFlags & UB_PKT_MINIMAL) != 0);
        }
        m_pairOf[t] = pair;
        m_packet.Issue(t, x, options);
    }

  private:
    /// A pair's shadow in the flow level, while it has packet-level transfers in flight.
    struct Shadow
    {
        uint32_t flow{0};
        uint32_t inFlight{0};
    };

    void PacketArrived(UbTransferId t)
    {
        auto it = m_pairOf.find(t);
        NS_ABORT_MSG_IF(it == m_pairOf.end(),
                        "UbHybridCarrier: transfer " << t << " arrived but was not issued");
        auto s = m_shadows.find(it->second);
        if (--s->second.inFlight == 0)
        {
            m_fabric.StopShadow(s->second.flow);
            m_shadows.erase(s);
        }
        m_pairOf.erase(it);
        m_arrived(t);
    }

    UbControllerCarrier m_packet;
    std::unique_ptr<UbTransferCarrier> m_flow;
    std::vector<uint32_t> m_nodes;  //!< per participant: its endpoint node
    std::vector<uint8_t> m_studied; //!< per participant: in a studied SuperPoD
    UbFlowFabric& m_fabric;
    UbTopologyHelper::HybridStats& m_stats;
    ArrivedCallback m_arrived;
    std::unordered_map<uint64_t, Shadow> m_shadows;      //!< (src, dst) -> its shadow
    std::unordered_map<UbTransferId, uint64_t> m_pairOf; //!< packet transfer -> its pair
};

} // namespace

void
UbTopologyHelper::SetHybrid(std::vector<uint32_t> studied, std::vector<uint32_t> taking)
{
    NS_ABORT_MSG_IF(m_all.GetN() > 0 || m_flow,
                    "UbTopologyHelper::SetHybrid: call it before Build");
    NS_ABORT_MSG_IF(studied.empty(),
                    "UbTopologyHelper::SetHybrid: name at least one endpoint whose SuperPoD is "
                    "under study");
    NS_ABORT_MSG_IF(m_flowLevel,
                    "UbTopologyHelper::SetHybrid: the fabric is already set to the flow level");
    m_hybrid = true;
    m_studied = std::move(studied);
    m_taking = std::move(taking);
}

bool
UbTopologyHelper::IsHybrid() const
{
    return m_hybrid;
}

bool
UbTopologyHelper::IsStudied(uint32_t endpoint) const
{
    return !m_hybrid || (endpoint < m_studiedEp.size() && m_studiedEp[endpoint] != 0);
}

const UbTopologyHelper::HybridStats&
UbTopologyHelper::GetHybridStats() const
{
    return m_hybridStats;
}

void
UbTopologyHelper::PlanHybrid()
{
    const UbTopology& t = m_topo;
    const uint32_t n = t.GetNNodes();
    const std::vector<uint32_t> eps = t.GetEndpoints();
    bool scaleOut = false;
    for (uint32_t l = 0; l < t.GetNLinks() && !scaleOut; ++l)
    {
        scaleOut = t.GetLink(l).cls != 0;
    }
    NS_ABORT_MSG_IF(!scaleOut,
                    "UbTopologyHelper: the hybrid level studies SuperPoDs of a SuperCluster, "
                    "joined by a scale-out network (links of class 1 or more); topology '"
                        << t.GetName() << "' has none: use --level=packet or --level=flow");
    // The studied SuperPoDs: what class-0 links join to a studied endpoint.
    std::vector<uint8_t> part(n, 0);
    std::vector<uint32_t> stack;
    for (uint32_t e : m_studied)
    {
        NS_ABORT_MSG_IF(e >= eps.size(),
                        "UbTopologyHelper: the hybrid level studies endpoint "
                            << e << " of topology '" << t.GetName() << "', which has "
                            << eps.size());
        if (!part[eps[e]])
        {
            part[eps[e]] = 1;
            stack.push_back(eps[e]);
        }
        while (!stack.empty())
        {
            const uint32_t v = stack.back();
            stack.pop_back();
            for (uint32_t k = 0; k < t.GetDegree(v); ++k)
            {
                const UbTopology::Port& p = t.GetPorts(v)[k];
                if (t.GetLink(p.link).cls == 0 && !part[p.peer])
                {
                    part[p.peer] = 1;
                    stack.push_back(p.peer);
                }
            }
        }
    }
    // The scale-out network: switches whose (first) link is of another class.
    for (uint32_t v = 0; v < n; ++v)
    {
        if (!t.IsEndpoint(v) && t.GetDegree(v) > 0 && t.GetLink(t.GetPorts(v)[0].link).cls != 0)
        {
            part[v] = 1;
        }
    }
    // Every link that touches them: other endpoints that take part get their scale-out ports.
    std::vector<uint8_t> takes(n, m_taking.empty() ? 1 : 0);
    for (uint32_t e : m_taking)
    {
        NS_ABORT_MSG_IF(e >= eps.size(),
                        "UbTopologyHelper: the hybrid level's endpoint "
                            << e << " taking part is not one of topology '" << t.GetName() << "''s "
                            << eps.size());
        takes[eps[e]] = 1;
    }
    auto joins = [&](uint32_t v) { return part[v] || (t.IsEndpoint(v) && takes[v]); };
    m_linkBuilt.assign(t.GetNLinks(), 0);
    std::vector<uint8_t> node(n, 0);
    for (uint32_t l = 0; l < t.GetNLinks(); ++l)
    {
        const UbTopology::Link& link = t.GetLink(l);
        if ((part[link.a] || part[link.b]) && joins(link.a) && joins(link.b))
        {
            m_linkBuilt[l] = 1;
            node[link.a] = 1;
            node[link.b] = 1;
            ++m_hybridStats.packetLinks;
        }
    }
    m_hybridStats.packetNodes = static_cast<uint32_t>(std::count(node.begin(), node.end(), 1));
    m_studiedEp.assign(eps.size(), 0);
    uint32_t studied = 0;
    for (uint32_t i = 0; i < eps.size(); ++i)
    {
        m_studiedEp[i] = part[eps[i]];
        studied += part[eps[i]];
    }
    NS_ABORT_MSG_IF(studied == eps.size(),
                    "UbTopologyHelper: the hybrid level studies every SuperPoD of topology '"
                        << t.GetName() << "'; that is the packet level: use --level=packet");
}

void
UbTopologyHelper::WatchBackground()
{
    std::vector<uint32_t> links;
    for (uint32_t l = 0; l < m_linkBuilt.size(); ++l)
    {
        if (m_linkBuilt[l])
        {
            links.push_back(m_flow->GetLinkId(l, 0));
            links.push_back(m_flow->GetLinkId(l, 1));
        }
    }
    m_hybridStats.watchedLinks = static_cast<uint32_t>(links.size());
    UbFlowNetwork& net = m_flow->GetNetwork();
    net.Watch(links, [this, &net](uint32_t id, double load, uint32_t flows) {
        // The flow level's load takes its share of the wire's time, never more than a fair
        // arbiter would leave it against one more input (the packet level's): flows / (flows
        // + 1). With the shadows in the settling, max-min already leaves the packet level at
        // least that on the links its transfers cross; the bound holds for what they do not
        // shadow (acknowledgements).
        const double share = std::min(load / net.GetCapacity(id), flows / (flows + 1.0));
        m_devices[id]->SetBackground(std::max(0.0, share));
        ++m_hybridStats.backgroundChanges;
        m_hybridStats.peakBackground = std::max(m_hybridStats.peakBackground, share);
    });
}

std::unique_ptr<UbCollectiveEngine>
UbTopologyHelper::MakeHybridEngine(const std::vector<uint32_t>& ranks)
{
    NS_ABORT_MSG_IF(!m_hybrid || !m_flow,
                    "UbTopologyHelper::MakeHybridEngine: no hybrid level; call SetHybrid "
                    "before Build");
    NS_ABORT_MSG_IF(ranks.size() < 2, "UbTopologyHelper::MakeHybridEngine: fewer than 2 ranks");
    const std::vector<uint32_t> eps = GetTopology().GetEndpoints();
    std::vector<Ptr<UbController>> controllers;
    std::vector<uint32_t> nodes;
    std::vector<uint8_t> studied;
    std::vector<double> inNetwork;
    for (uint32_t r : ranks)
    {
        NS_ABORT_MSG_IF(r >= eps.size(),
                        "UbTopologyHelper::MakeHybridEngine: rank endpoint "
                            << r << " of a system with " << eps.size() << " endpoints");
        Ptr<UbController> c = m_endpoints.Get(r)->GetObject<UbController>();
        NS_ABORT_MSG_IF(!c,
                        "UbTopologyHelper::MakeHybridEngine: endpoint " << r
                                                                        << " has no controller");
        controllers.push_back(c);
        nodes.push_back(eps[r]);
        studied.push_back(m_studiedEp[r]);
        DataRateValue rate;
        c->GetAttribute("InNetworkRate", rate);
        inNetwork.push_back(static_cast<double>(rate.Get().GetBitRate()) / 8);
    }
    // What one packet on every path of a rank's channel group carries, as the packet level's
    // engine takes it.
    const uint64_t spray = static_cast<uint64_t>(controllers[0]->GetMtu()) *
                           controllers[0]->GetTransport()->GetSprayWidth();
    auto carrier = std::make_unique<UbHybridCarrier>(controllers,
                                                     m_flow->MakeCarrier(nodes),
                                                     nodes,
                                                     std::move(studied),
                                                     *m_flow,
                                                     m_hybridStats);
    return std::make_unique<UbCollectiveEngine>(std::move(carrier),
                                                static_cast<uint32_t>(ranks.size()),
                                                spray,
                                                std::move(inNetwork));
}

} // namespace ns3
