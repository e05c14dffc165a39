/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ub-flow-fabric.h"

#include "ub-controller-helper.h"
#include "ub-helper.h"
#include "ub-preset.h"
#include "ub-results.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/data-rate.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/ub-channel.h"
#include "ns3/ub-collective.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-routing-table.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-transport-header.h"
#include "ns3/ub-transport.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbFlowFabric");

namespace
{

/// ceil(bytes x 8 x 10^12 / rate) ps, as the packet level serializes (0 for no rate limit).
int64_t
SerPs(uint64_t bytes, double bitsPerSecond)
{
    if (!(bitsPerSecond > 0))
    {
        return 0;
    }
    return static_cast<int64_t>(std::ceil(static_cast<double>(bytes) * 8e12 / bitsPerSecond));
}

/// Bytes a Write's data packet adds to its payload: network, transport, transaction and memory
/// headers (UbTransport::HeaderBytes).
uint32_t
DataHeaderBytes()
{
    UbTpFields f;
    f.opcode = UbTransportHeader::DATA;
    f.memHeader = 1;
    return UbTransport::HeaderBytes(f);
}

/// What a shadow moves before it carries on (UbFlowFabric::StartShadow): any amount does, as
/// carrying on changes no rate; a gigabyte keeps its end time far from overflow.
constexpr double SHADOW_BYTES = 1073741824.0;

/// The packet-level carrier's counterpart: each transfer a flow-level Write with notify.
class UbFlowCarrier : public UbTransferCarrier
{
  public:
    UbFlowCarrier(UbFlowFabric& fabric, std::vector<uint32_t> nodes)
        : m_fabric(fabric),
          m_nodes(std::move(nodes))
    {
    }

    uint32_t GetNParticipants() const override
    {
        return static_cast<uint32_t>(m_nodes.size());
    }

    const char* GetLevel() const override
    {
        return "flow";
    }

    void Begin(ArrivedCallback arrived) override
    {
        m_arrived = std::move(arrived);
    }

    void Issue(UbTransferId t,
               const UbTransferGraph::Transfer& x,
               const UbIssueOptions& options) override
    {
        m_fabric.Transfer(
            m_nodes[x.src],
            m_nodes[x.dst],
            x.bytes,
            [this, t]() { m_arrived(t); },
            options.initiatorLatency,
            (options.packetFlags & UB_PKT_MINIMAL) != 0);
    }

    bool Aggregate(const std::vector<UbRingPhase>& phases,
                   uint32_t chunks,
                   const UbCollectiveRunConfig& config,
                   Time& duration) override
    {
        // Phases run one after another: each member starts a phase once its transfers of the
        // phase before have arrived, and at this level every member ends a phase together.
        duration = Time(0);
        for (const auto& ph : phases)
        {
            std::vector<std::pair<uint32_t, uint32_t>> hops;
            for (const auto& ring : ph.rings)
            {
                for (std::size_t p = 0; ring.size() > 1 && p < ring.size(); ++p)
                {
                    hops.emplace_back(m_nodes.at(ring[p]), m_nodes.at(ring[(p + 1) % ring.size()]));
                }
            }
            duration += m_fabric
                            .RingPhase(hops,
                                       ph.steps,
                                       ph.stepBytes,
                                       chunks,
                                       config.issueLatency,
                                       config.minimalRoutes)
                            .duration;
        }
        return true;
    }

    bool AggregateAllToAll(const std::vector<std::vector<uint64_t>>* matrix,
                           uint64_t uniform,
                           uint32_t chunks,
                           const UbCollectiveRunConfig& config,
                           std::vector<Time>& rankDone) override
    {
        UbFlowFabric::AllToAllResult r = m_fabric.AllToAllPhase(m_nodes,
                                                                matrix,
                                                                uniform,
                                                                chunks,
                                                                config.issueCost,
                                                                config.issueLatency,
                                                                config.minimalRoutes);
        rankDone = std::move(r.rankDone);
        return r.aggregated;
    }

  private:
    UbFlowFabric& m_fabric;
    std::vector<uint32_t> m_nodes;
    ArrivedCallback m_arrived;
};

} // namespace

UbFlowFabric::UbFlowFabric(UbTopology t, UbRouteSet routes, const std::map<uint8_t, Class>& classes)
    : m_topo(std::move(t)),
      m_routes(std::move(routes))
{
    const uint32_t n = m_topo.GetNNodes();
    const uint32_t nLinks = m_topo.GetNLinks();
    NS_ABORT_MSG_IF(m_routes.GetNNodes() != n,
                    "UbFlowFabric: the routes cover " << m_routes.GetNNodes()
                                                      << " nodes, the topology has " << n);
    auto classOf = [&classes, this](uint8_t c) -> const Class& {
        auto it = classes.find(c);
        NS_ABORT_MSG_IF(it == classes.end() || it->second.helper == nullptr,
                        "UbFlowFabric: topology '" << m_topo.GetName() << "' has links of class "
                                                   << +c << " but no preset builds that class");
        return it->second;
    };
    // Links: one prototype device per (class, lanes, lane rate); each direction a fluid link.
    std::map<std::tuple<uint8_t, uint16_t, uint64_t>, uint16_t> kindIndex;
    std::map<std::tuple<uint8_t, int64_t, double>, int64_t> propagation;
    m_kindOf.resize(nLinks);
    m_latencyOf.resize(nLinks);
    std::map<int64_t, uint16_t> latencyIndex; // a link latency -> its index in m_latencies
    // Two directions per link, then one egress per endpoint.
    m_net.ReserveLinks(2 * nLinks + static_cast<uint32_t>(m_topo.GetEndpoints().size()));
    for (uint32_t l = 0; l < nLinks; ++l)
    {
        const UbTopology::Link& link = m_topo.GetLink(l);
        const Class& c = classOf(link.cls);
        auto key = std::make_tuple(link.cls, link.lanes, link.laneRateBps);
        auto it = kindIndex.find(key);
        if (it == kindIndex.end())
        {
            NS_ABORT_MSG_IF(m_kinds.size() >= UINT16_MAX, "UbFlowFabric: too many kinds of link");
            LinkKind k;
            k.proto = c.helper->CreateDevicePrototype();
            if (link.lanes)
            {
                k.proto->SetAttribute("Lanes", UintegerValue(link.lanes));
            }
            if (link.laneRateBps)
            {
                k.proto->SetAttribute("LaneRate", DataRateValue(DataRate(link.laneRateBps)));
            }
            k.wireBps = static_cast<double>(k.proto->GetRateBps()) / 8;
            k.flitPs = k.proto->GetSerializationTime(k.proto->GetFlitSize()).GetPicoSeconds();
            it = kindIndex.emplace(key, static_cast<uint16_t>(m_kinds.size())).first;
            m_kinds.push_back(k);
        }
        m_kindOf[l] = it->second;
        // Propagation as UbTopologyHelper sets the channel: delay, length, or the preset's
        // cable length for that kind of link (a prototype channel per distinct setting).
        double length = link.lengthM;
        if (link.delayPs < 0 && length < 0)
        {
            const bool edge = m_topo.IsEndpoint(link.a) || m_topo.IsEndpoint(link.b);
            for (const char* key :
                 {edge ? "topology::EndpointLinkLength" : "topology::SpineLinkLength",
                  "topology::LinkLength"})
            {
                if (length < 0 && c.preset && c.preset->Has(key))
                {
                    length = c.preset->GetNonNegative(key, 100000);
                }
            }
        }
        auto chKey = std::make_tuple(link.cls, link.delayPs, link.delayPs >= 0 ? 0.0 : length);
        auto ct = propagation.find(chKey);
        if (ct == propagation.end())
        {
            Ptr<UbChannel> ch = c.helper->CreateChannelPrototype();
            if (link.delayPs >= 0)
            {
                ch->SetAttribute("Length", DoubleValue(0.0));
                ch->SetAttribute("Delay", TimeValue(PicoSeconds(link.delayPs)));
            }
            else if (length >= 0)
            {
                ch->SetAttribute("Length", DoubleValue(length));
            }
            ct = propagation.emplace(chKey, ch->GetPropagationDelay().GetPicoSeconds()).first;
        }
        const int64_t latency =
            m_kinds[m_kindOf[l]].proto->GetPhyLatency().GetPicoSeconds() + ct->second;
        auto li = latencyIndex.find(latency);
        if (li == latencyIndex.end())
        {
            NS_ABORT_MSG_IF(m_latencies.size() > UINT16_MAX,
                            "UbFlowFabric: more than 65,536 distinct link latencies");
            li = latencyIndex.emplace(latency, static_cast<uint16_t>(m_latencies.size())).first;
            m_latencies.push_back(latency);
        }
        m_latencyOf[l] = li->second;
        const double cap = m_kinds[m_kindOf[l]].wireBps;
        m_net.AddLink(cap);
        m_net.AddLink(cap);
    }

    // Nodes: pipeline latency, forwarding mode and path selection of their class's switch.
    struct NodeKind
    {
        int64_t pipelinePs;
        bool cutThrough;
        uint8_t selection;
        bool detours;
    };

    std::map<std::pair<uint8_t, bool>, NodeKind> nodeKinds;
    m_pipelinePs.resize(n);
    m_cutThrough.resize(n);
    m_selection.resize(n);
    m_sourceDetours.resize(n);
    // The transport: does it spread a peer's packets over its channels?
    UbControllerHelper ctl;
    const Class& main = classOf(0);
    if (main.preset)
    {
        main.preset->Apply(ctl);
    }
    Ptr<UbController> controller = ctl.CreatePrototype();
    Ptr<UbTransport> transport = ctl.CreateTransportPrototype();
    const uint32_t sprayWidth = transport->GetSprayWidth();
    for (uint32_t v = 0; v < n; ++v)
    {
        const bool endpoint = m_topo.IsEndpoint(v);
        const uint8_t c = (endpoint || m_topo.GetDegree(v) == 0)
                              ? 0
                              : m_topo.GetLink(m_topo.GetPorts(v)[0].link).cls;
        auto key = std::make_pair(c, endpoint);
        auto it = nodeKinds.find(key);
        if (it == nodeKinds.end())
        {
            const Class& cls = classOf(c);
            Ptr<UbSwitch> sw = cls.helper->CreateSwitchPrototype();
            const char* pipeKey =
                endpoint ? "topology::EndpointPipelineLatency" : "topology::SwitchPipelineLatency";
            if (cls.preset && cls.preset->Has(pipeKey))
            {
                sw->SetAttribute("PipelineLatency", StringValue(cls.preset->Get(pipeKey)));
            }
            BooleanValue detours;
            sw->GetAttribute("SourceDetours", detours);
            NodeKind k{sw->GetPipelineLatency().GetPicoSeconds(),
                       sw->IsCutThrough(),
                       static_cast<uint8_t>(sw->GetRoutingTable()->GetSelection()),
                       detours.Get()};
            it = nodeKinds.emplace(key, k).first;
        }
        m_pipelinePs[v] = it->second.pipelinePs;
        m_cutThrough[v] = it->second.cutThrough ? 1 : 0;
        m_selection[v] = it->second.selection;
        m_channelBlind = m_channelBlind && it->second.selection != UbRoutingTable::ECMP &&
                         it->second.selection != UbRoutingTable::LBF;
        m_sourceDetours[v] = it->second.detours ? 1 : 0;
    }
    // Endpoints: their controller's values, and toward other domains the scale-out preset's
    // (as UbTopologyHelper sets RemoteMtu and RemoteInitiatorLatency).
    UintegerValue mtu;
    controller->GetAttribute("Mtu", mtu);
    TimeValue initiator;
    controller->GetAttribute("InitiatorLatency", initiator);
    TimeValue interval;
    controller->GetAttribute("IssueInterval", interval);
    DataRateValue egress;
    controller->GetAttribute("EndpointBandwidth", egress);
    DataRateValue write;
    controller->GetAttribute("WriteBandwidth", write);
    DataRateValue inNetwork;
    controller->GetAttribute("InNetworkRate", inNetwork);
    m_local.mtu = static_cast<uint32_t>(mtu.Get());
    m_local.initiatorPs = initiator.Get().GetPicoSeconds();
    m_local.issueIntervalPs = interval.Get().GetPicoSeconds();
    m_local.egressBps = static_cast<double>(egress.Get().GetBitRate());
    m_local.writeBps = static_cast<double>(write.Get().GetBitRate());
    m_local.inNetworkBps = static_cast<double>(inNetwork.Get().GetBitRate()) / 8;
    m_local.sprayWidth = sprayWidth;
    m_remote = m_local;
    auto scaleOut = classes.find(1);
    if (scaleOut != classes.end() && scaleOut->second.preset)
    {
        const UbPreset& p = *scaleOut->second.preset;
        if (p.Has("UbController::Mtu"))
        {
            m_remote.mtu = p.GetCount("UbController::Mtu");
        }
        if (p.Has("UbController::InitiatorLatency"))
        {
            m_remote.initiatorPs = Time(p.Get("UbController::InitiatorLatency")).GetPicoSeconds();
            m_remote.initiatorFixed = true;
        }
    }
    // Domains: endpoints joined by class-0 links.
    m_domain.assign(n, UINT32_MAX);
    uint32_t domains = 0;
    for (uint32_t s = 0; s < n; ++s)
    {
        if (m_domain[s] != UINT32_MAX || !m_topo.IsEndpoint(s))
        {
            continue;
        }
        std::vector<uint32_t> stack{s};
        m_domain[s] = domains;
        while (!stack.empty())
        {
            uint32_t v = stack.back();
            stack.pop_back();
            for (uint32_t k = 0; k < m_topo.GetDegree(v); ++k)
            {
                const auto& port = m_topo.GetPorts(v)[k];
                if (m_topo.GetLink(port.link).cls == 0 && m_domain[port.peer] == UINT32_MAX)
                {
                    m_domain[port.peer] = domains;
                    stack.push_back(port.peer);
                }
            }
        }
        ++domains;
    }
    // Each endpoint's egress: EndpointBandwidth, and WriteBandwidth below it, in packet bytes.
    m_endpointIndex.assign(n, UINT32_MAX);
    m_egressBase = m_net.GetNLinks();
    uint32_t e = 0;
    for (uint32_t v = 0; v < n; ++v)
    {
        if (!m_topo.IsEndpoint(v))
        {
            continue;
        }
        m_endpointIndex[v] = e++;
        double bps = m_local.egressBps;
        if (m_local.writeBps > 0 && (bps == 0 || m_local.writeBps < bps))
        {
            bps = m_local.writeBps;
        }
        m_net.AddLink(bps > 0 ? bps / 8 : 1e18);
    }
    m_nextTakePs.assign(e, 0);
}

UbFlowFabric::~UbFlowFabric() = default;

void
UbFlowFabric::SetOnePod(uint32_t podEndpoints, uint32_t pods)
{
    const uint64_t npus = static_cast<uint64_t>(podEndpoints) * pods;
    NS_ABORT_MSG_IF(podEndpoints == 0 || pods == 0 || npus > m_topo.GetNNodes(),
                    "UbFlowFabric::SetOnePod: " << pods << " pods of " << podEndpoints
                                                << " NPUs do not fit topology '" << m_topo.GetName()
                                                << "'");
    for (uint32_t v = 0; v < npus; ++v)
    {
        NS_ABORT_MSG_IF(!m_topo.IsEndpoint(v),
                        "UbFlowFabric::SetOnePod: node " << v << " of topology '"
                                                         << m_topo.GetName() << "' is not an NPU");
        // The pods are the class-0 components, as the whole fabric's would be (pod k's NPUs
        // have no UB link here for k > 0).
        m_domain[v] = v / podEndpoints;
    }
    // Pod 0's switches follow the NPUs; the scale-out switches after them are numbered here
    // as in the whole system, where every pod's switches come before them: their ECMP and LBF
    // choices hash the whole system's node numbers, as the packet level's do.
    uint32_t v = static_cast<uint32_t>(npus);
    while (v < m_topo.GetNNodes() && !m_topo.IsEndpoint(v) && m_domain[v] == 0)
    {
        ++v;
    }
    m_shiftFrom = v;
    m_shift = static_cast<uint64_t>(pods - 1) * (v - npus);
    NS_ABORT_MSG_IF(m_shift + m_topo.GetNNodes() > UINT32_MAX,
                    "UbFlowFabric::SetOnePod: the whole system has more than 2^32 nodes");
    m_podEndpoints = podEndpoints;
    m_pods = pods;
}

uint32_t
UbFlowFabric::GetEgressId(uint32_t endpoint) const
{
    NS_ABORT_MSG_IF(endpoint >= m_endpointIndex.size() || m_endpointIndex[endpoint] == UINT32_MAX,
                    "UbFlowFabric: node " << endpoint << " is not an endpoint");
    return m_egressBase + m_endpointIndex[endpoint];
}

const UbFlowFabric::Route&
UbFlowFabric::GetRoute(uint32_t src, uint32_t dst, bool minimal)
{
    NS_ABORT_MSG_IF(src >= (1u << 31) || dst >= (1u << 31), "UbFlowFabric: node beyond 2^31");
    const uint64_t key = (static_cast<uint64_t>(src) << 32) | dst | (minimal ? 1ull << 63 : 0);
    auto it = m_routeCache.find(key);
    if (it != m_routeCache.end())
    {
        return it->second;
    }
    Route r;
    BuildRoute(src, dst, minimal, r);
    return m_routeCache.emplace(key, std::move(r)).first->second;
}

const UbRouteCandidate*
UbFlowFabric::Candidates(uint32_t v, uint32_t src, uint32_t dst, bool minimal, uint32_t& count)
    const
{
    // Candidates of node v toward dst, as UbSwitch::Route takes them: the source's own packets
    // every one if its switch allows detours (SourceDetours) and the transfer is not held to
    // minimal routes; every other node those listed before the source-only ones.
    uint32_t nc = 0;
    const UbRouteCandidate* c = m_routes.Lookup(v, dst, nc);
    NS_ABORT_MSG_IF(nc == 0,
                    "UbFlowFabric: node " << m_topo.GetNode(v).name << " has no route to "
                                          << m_topo.GetNode(dst).name << " (from "
                                          << m_topo.GetNode(src).name << ")");
    count = nc;
    if (v != src || minimal || !m_sourceDetours[v])
    {
        uint32_t k = 0;
        while (k < nc && !(c[k].flags & UbRouteCandidate::SOURCE_ONLY))
        {
            ++k;
        }
        NS_ABORT_MSG_IF(k == 0,
                        "UbFlowFabric: node " << m_topo.GetNode(v).name << "'s route to "
                                              << m_topo.GetNode(dst).name
                                              << " has only source-only candidates");
        count = k;
    }
    return c;
}

uint32_t
UbFlowFabric::Choose(uint32_t v,
                     uint32_t count,
                     uint32_t c,
                     uint32_t src,
                     uint32_t dst,
                     uint32_t& first) const
{
    // The candidates a packet of channel c takes at node v, as UbRoutingTable::Select picks
    // them: one for Single, ECMP and LBF (from the channel's flow hash and load-balance field),
    // all of them, evenly, for the per-packet selections (Spray, Random, Adaptive).
    switch (m_selection[v])
    {
    case UbRoutingTable::SINGLE:
        first = 0;
        return 1u;
    case UbRoutingTable::ECMP:
        first = UbRoutingTable::EcmpChoice(UbFlowHash(c, src, dst), SystemNode(v), count);
        return 1u;
    case UbRoutingTable::LBF:
        first = UbRoutingTable::LbfChoice(static_cast<uint8_t>(c & 0xFF),
                                          src,
                                          dst,
                                          SystemNode(v),
                                          count);
        return 1u;
    default:
        first = 0;
        return count;
    }
}

void
UbFlowFabric::BuildRoute(uint32_t src, uint32_t dst, bool minimal, Route& r) const
{
    const uint32_t n = m_topo.GetNNodes();
    NS_ABORT_MSG_IF(src >= n || dst >= n || !m_topo.IsEndpoint(src) || !m_topo.IsEndpoint(dst),
                    "UbFlowFabric: a transfer from node " << src << " to node " << dst
                                                          << "; both must be endpoints");
    NS_ABORT_MSG_IF(src == dst, "UbFlowFabric: a transfer from node " << src << " to itself");
    NS_ABORT_MSG_IF(m_podEndpoints && src / m_podEndpoints == dst / m_podEndpoints &&
                        src / m_podEndpoints > 0 && src / m_podEndpoints < m_pods,
                    "UbFlowFabric: a transfer from node "
                        << src << " to node " << dst << " inside SuperPoD " << src / m_podEndpoints
                        << ", whose fabric this topology does not hold (one SuperPoD for all, "
                           "for aggregated ring phases only); build every SuperPoD "
                           "(UbTopologyHelper::SetOnePod(false), or --aggregate=off)");
    const bool remote = m_domain[src] != m_domain[dst];
    r.ep = remote ? &m_remote : &m_local;
    const uint32_t payload = r.ep->mtu;
    const uint32_t packet = payload + DataHeaderBytes();
    auto candidates = [this, dst, src, minimal](uint32_t v, uint32_t& count) {
        return Candidates(v, src, dst, minimal, count);
    };
    auto choose = [this, src, dst](uint32_t v, uint32_t count, uint32_t c, uint32_t& first) {
        return Choose(v, count, c, src, dst, first);
    };
    // Each channel of the source's group carries an equal share (its packets go round the
    // channels); the share spreads down the routes from node to node. Where no node picks by
    // the channel (no ECMP or LBF), every channel walks the same way: one walk stands for all,
    // and its weights are summed below as the walks' would be.
    const uint32_t channels = std::max<uint32_t>(1, r.ep->sprayWidth);
    const uint32_t walks = m_channelBlind ? 1 : channels;
    // (fluid link, weight) as the shares reach the links; summed per link below, in this order.
    std::vector<std::pair<uint32_t, double>> weights;
    // Per node, for the channel being walked: 1 on the stack, 2 done (valid where m_walkMark is
    // the walk's epoch), and the share of the channel that reaches it.
    m_walkState.resize(n, 0);
    m_walkShare.resize(n, 0.0);
    m_walkMark.resize(n, 0);
    auto state = [this](uint32_t v) -> uint8_t& {
        if (m_walkMark[v] != m_walkEpoch)
        {
            m_walkMark[v] = m_walkEpoch;
            m_walkState[v] = 0;
            m_walkShare[v] = 0.0;
        }
        return m_walkState[v];
    };
    auto share = [this, &state](uint32_t v) -> double& {
        state(v);
        return m_walkShare[v];
    };
    std::vector<uint32_t> order;
    std::vector<std::pair<uint32_t, uint32_t>> stack;
    for (uint32_t ch = 0; ch < walks; ++ch)
    {
        // The nodes this channel's packets reach, each after every node that feeds it (routes
        // toward one destination have no cycle): depth-first, then reversed.
        if (++m_walkEpoch == 0)
        {
            std::fill(m_walkMark.begin(), m_walkMark.end(), 0);
            m_walkEpoch = 1;
        }
        order.clear();
        stack.assign(1, {src, 0});
        state(src) = 1;
        while (!stack.empty())
        {
            const uint32_t v = stack.back().first;
            uint32_t& next = stack.back().second;
            uint32_t count = 0;
            uint32_t first = 0;
            uint32_t k = 0;
            const UbRouteCandidate* c = nullptr;
            if (v != dst)
            {
                c = candidates(v, count);
                k = choose(v, count, ch, first);
            }
            if (next < k)
            {
                const uint32_t port = c[first + next].port;
                ++next;
                NS_ABORT_MSG_IF(port >= m_topo.GetDegree(v),
                                "UbFlowFabric: a route of node " << m_topo.GetNode(v).name
                                                                 << " uses port " << port);
                const uint32_t peer = m_topo.GetPorts(v)[port].peer;
                uint8_t& ps = state(peer);
                NS_ABORT_MSG_IF(ps == 1,
                                "UbFlowFabric: the routes from "
                                    << m_topo.GetNode(src).name << " to "
                                    << m_topo.GetNode(dst).name << " loop at "
                                    << m_topo.GetNode(peer).name);
                if (ps == 0)
                {
                    ps = 1;
                    stack.emplace_back(peer, 0);
                }
                continue;
            }
            state(v) = 2;
            order.push_back(v);
            stack.pop_back();
        }
        std::reverse(order.begin(), order.end());
        share(src) = 1.0 / channels;
        for (uint32_t v : order)
        {
            if (v == dst)
            {
                continue;
            }
            uint32_t count = 0;
            const UbRouteCandidate* c = candidates(v, count);
            uint32_t first = 0;
            const uint32_t k = choose(v, count, ch, first);
            const double part = share(v) / k;
            for (uint32_t j = first; j < first + k; ++j)
            {
                const UbTopology::Port& p = m_topo.GetPorts(v)[c[j].port];
                const UbTopology::Link& link = m_topo.GetLink(p.link);
                const uint32_t side = link.a == v ? 0 : 1;
                const LinkKind& kind = m_kinds[m_kindOf[p.link]];
                const double wire = kind.proto->GetWireBytes(packet);
                weights.emplace_back(GetLinkId(p.link, side), part * wire / payload);
                share(p.peer) += part;
            }
        }
    }
    double egressBps = r.ep->egressBps;
    if (r.ep->writeBps > 0 && (egressBps == 0 || r.ep->writeBps < egressBps))
    {
        egressBps = r.ep->writeBps;
    }
    r.uses.clear();
    if (egressBps > 0)
    {
        r.uses.push_back({GetEgressId(src), static_cast<double>(packet) / payload});
    }
    // Summed per link in the order the shares arrived, and listed by link (as a map would);
    // one walk standing for every channel is added once per channel, in the same order.
    std::stable_sort(weights.begin(), weights.end(), [](const auto& a, const auto& b) {
        return a.first < b.first;
    });
    std::vector<std::pair<uint32_t, double>> weight;
    const uint32_t repeats = channels / walks;
    for (std::size_t i = 0; i < weights.size();)
    {
        std::size_t j = i;
        while (j < weights.size() && weights[j].first == weights[i].first)
        {
            ++j;
        }
        double sum = 0;
        for (uint32_t rep = 0; rep < repeats; ++rep)
        {
            for (std::size_t k = i; k < j; ++k)
            {
                sum = (rep == 0 && k == i) ? weights[k].second : sum + weights[k].second;
            }
        }
        weight.emplace_back(weights[i].first, sum);
        i = j;
    }
    for (const auto& [l, w] : weight)
    {
        r.uses.push_back({l, w});
    }
    r.rate = std::numeric_limits<double>::infinity();
    for (const auto& u : r.uses)
    {
        r.rate = std::min(r.rate, m_net.GetCapacity(u.link) / u.weight);
    }
    FirstPath(src, dst, minimal, r);
    r.lastLinks = 0;
    for (const auto& [l, w] : weight)
    {
        const UbTopology::Link& link = m_topo.GetLink(l / 2);
        r.lastLinks += ((l % 2 == 0 ? link.b : link.a) == dst) ? 1 : 0;
    }
    r.egressBps = egressBps;
}

void
UbFlowFabric::FirstPath(uint32_t src, uint32_t dst, bool minimal, Route& r) const
{
    const uint32_t n = m_topo.GetNNodes();
    const uint32_t packet = r.ep->mtu + DataHeaderBytes();
    auto candidates = [this, dst, src, minimal](uint32_t v, uint32_t& count) {
        return Candidates(v, src, dst, minimal, count);
    };
    auto choose = [this, src, dst](uint32_t v, uint32_t count, uint32_t c, uint32_t& first) {
        return Choose(v, count, c, src, dst, first);
    };
    // The first packet's path: channel 0's, the first of its candidates at every node.
    r.afterPs = m_pipelinePs[src];
    uint32_t v = src;
    uint32_t lastKind = 0;
    uint32_t hops = 0;
    while (v != dst)
    {
        uint32_t count = 0;
        const UbRouteCandidate* c = candidates(v, count);
        uint32_t j = 0;
        choose(v, count, 0, j);
        const UbTopology::Port& p = m_topo.GetPorts(v)[c[j].port];
        const LinkKind& kind = m_kinds[m_kindOf[p.link]];
        const uint32_t next = p.peer;
        r.afterPs += m_latencies[m_latencyOf[p.link]] + m_pipelinePs[next];
        if (next != dst)
        {
            // The next node forwards after the first flit (cut-through) or the whole packet.
            r.afterPs += m_cutThrough[next]
                             ? kind.flitPs
                             : kind.proto->GetSerializationTime(kind.proto->GetWireBytes(packet))
                                   .GetPicoSeconds();
        }
        lastKind = m_kindOf[p.link];
        v = next;
        NS_ABORT_MSG_IF(++hops > n,
                        "UbFlowFabric: the route to " << m_topo.GetNode(dst).name << " loops");
    }
    r.lastKind = lastKind;
}

uint32_t
UbFlowFabric::HeaderBytes()
{
    return DataHeaderBytes();
}

int64_t
UbFlowFabric::FillPs(const Route& r, uint64_t bytes) const
{
    // The packets are stored whole where the endpoint's write path makes them (WriteBandwidth)
    // and hands them to its switch (EndpointBandwidth), one after another, the slower taking
    // s1 and the faster s0 per packet, and where the destination takes them (s2, on the k links
    // into it, in turn): packet i leaves the endpoint at d(i) = s0 + (i + 1) s1, and n packets
    // arrive by T = max(d(n - 1) + s2, d(j - 1) + ceil(n / k) s2), with j the packets the last
    // link waits for first ((n - 1) mod k + 1). The fluid counts n packets at the slowest
    // stage's pace, b = max(s1, s2 / k) (or slower, if a link between limits the flow, which
    // the fluid then counts); the rest is the fill, after the fluid.
    const uint64_t mtu = r.ep->mtu;
    const uint64_t n = (bytes + mtu - 1) / mtu;
    const auto payload = static_cast<uint32_t>(n == 1 ? bytes : mtu);
    const uint32_t packet = payload + DataHeaderBytes();
    const LinkKind& last = m_kinds[r.lastKind];
    const auto egress = static_cast<double>(SerPs(packet, r.ep->egressBps));
    const auto write = static_cast<double>(SerPs(packet, r.ep->writeBps));
    const double s0 = std::min(egress, write);
    const double s1 = std::max(egress, write);
    const auto s2 = static_cast<double>(
        last.proto->GetSerializationTime(last.proto->GetWireBytes(packet)).GetPicoSeconds());
    const auto links = std::max<uint32_t>(1, r.lastLinks);
    const double k = links;
    const double nd = static_cast<double>(n);
    const double j = static_cast<double>((n - 1) % links + 1);
    const double t = std::max(s0 + nd * s1 + s2, s0 + j * s1 + std::ceil(nd / k) * s2);
    const double b = std::max(s1, s2 / k);
    return std::max<int64_t>(0, static_cast<int64_t>(std::llround(t - nd * b)));
}

int64_t
UbFlowFabric::IssuePs(uint32_t src, const Route& r, Time issueLatency)
{
    // The issue engine takes one request per IssueInterval, in call order; each then takes its
    // issue latency (UbController::StartDelay).
    int64_t latency = r.ep->initiatorPs;
    if (!r.ep->initiatorFixed && !issueLatency.IsNegative())
    {
        latency = issueLatency.GetPicoSeconds();
    }
    if (r.ep->issueIntervalPs == 0)
    {
        return latency;
    }
    const int64_t now = Simulator::Now().GetPicoSeconds();
    int64_t& next = m_nextTakePs[m_endpointIndex[src]];
    const int64_t taken = std::max(now, next);
    next = taken + r.ep->issueIntervalPs;
    return taken - now + latency;
}

void
UbFlowFabric::Transfer(uint32_t src,
                       uint32_t dst,
                       uint64_t bytes,
                       ArrivedCallback arrived,
                       Time issueLatency,
                       bool minimal)
{
    const Route& r = GetRoute(src, dst, minimal);
    bytes = std::max<uint64_t>(bytes, 1);
    const int64_t issue = IssuePs(src, r, issueLatency);
    Pending p{&r, bytes, std::move(arrived)};
    const uint64_t pair = (static_cast<uint64_t>(src) << 32) | dst;
    Simulator::Schedule(PicoSeconds(issue), [this, pair, p = std::move(p)]() mutable {
        // A pair's transfers move one after another, in the order they were issued, as the
        // transport sends a peer's messages (and the collectives order them strongly).
        auto [it, fresh] = m_pairs.try_emplace(pair);
        it->second.push_back(std::move(p));
        if (it->second.size() == 1)
        {
            StartHead(pair);
        }
    });
}

void
UbFlowFabric::StartHead(uint64_t pair)
{
    Pending& p = m_pairs.at(pair).front();
    const int64_t tail = p.route->afterPs + FillPs(*p.route, p.bytes);
    m_net.Start(p.route->uses, static_cast<double>(p.bytes), Ended(pair, tail));
}

UbFlowNetwork::DoneCallback
UbFlowFabric::Ended(uint64_t pair, int64_t tail)
{
    return [this, pair, tail](uint32_t flow) {
        auto it = m_pairs.find(pair);
        const Route* route = it->second.front().route;
        Simulator::Schedule(PicoSeconds(tail), std::move(it->second.front().arrived));
        it->second.pop_front();
        if (it->second.empty())
        {
            m_pairs.erase(it);
            return;
        }
        Pending& next = it->second.front();
        if (next.route == route)
        {
            // The pair's next transfer on the same route: the flow carries on.
            const int64_t nextTail = route->afterPs + FillPs(*route, next.bytes);
            m_net.Continue(flow, static_cast<double>(next.bytes), Ended(pair, nextTail));
            return;
        }
        StartHead(pair);
    };
}

uint32_t
UbFlowFabric::StartShadow(uint32_t src, uint32_t dst, bool minimal)
{
    const Route& r = GetRoute(src, dst, minimal);
    const uint32_t flow = m_net.Start(r.uses, SHADOW_BYTES, [this](uint32_t f) { ShadowOn(f); });
    m_net.SetReported(flow, false);
    return flow;
}

void
UbFlowFabric::ShadowOn(uint32_t flow)
{
    m_net.Continue(flow, SHADOW_BYTES, [this](uint32_t f) { ShadowOn(f); });
}

void
UbFlowFabric::StopShadow(uint32_t flow)
{
    m_net.Stop(flow);
}

Time
UbFlowFabric::GetZeroLoadTime(uint32_t src, uint32_t dst, uint64_t bytes)
{
    const Route& r = GetRoute(src, dst, false);
    bytes = std::max<uint64_t>(bytes, 1);
    const int64_t fluid =
        static_cast<int64_t>(std::ceil(static_cast<double>(bytes) / r.rate * 1e12));
    return PicoSeconds(r.ep->initiatorPs + fluid + r.afterPs + FillPs(r, bytes));
}

std::unique_ptr<UbTransferCarrier>
UbFlowFabric::MakeCarrier(const std::vector<uint32_t>& ranks)
{
    for (uint32_t v : ranks)
    {
        NS_ABORT_MSG_IF(v >= m_topo.GetNNodes() || !m_topo.IsEndpoint(v),
                        "UbFlowFabric: rank node " << v << " is not an endpoint");
    }
    return std::make_unique<UbFlowCarrier>(*this, ranks);
}

std::unique_ptr<UbCollectiveEngine>
UbFlowFabric::MakeEngine(const std::vector<uint32_t>& ranks)
{
    std::vector<double> inNetwork(ranks.size(), m_local.inNetworkBps);
    return std::make_unique<UbCollectiveEngine>(MakeCarrier(ranks),
                                                static_cast<uint32_t>(ranks.size()),
                                                static_cast<uint64_t>(m_local.mtu) *
                                                    m_local.sprayWidth,
                                                inNetwork);
}

void
UbFlowFabric::AddPorts(UbResults& results,
                       Time duration,
                       const std::string& scope,
                       const std::function<bool(uint32_t)>& skip) const
{
    const double seconds = duration.GetSeconds();
    for (uint32_t v = 0; v < m_topo.GetNNodes(); ++v)
    {
        for (uint32_t k = 0; k < m_topo.GetDegree(v); ++k)
        {
            const UbTopology::Port& p = m_topo.GetPorts(v)[k];
            const UbTopology::Link& link = m_topo.GetLink(p.link);
            const uint32_t side = link.a == v ? 0 : 1;
            if (skip && skip(p.link))
            {
                continue;
            }
            const double carried = m_net.GetCarried(GetLinkId(p.link, side));
            if (!(carried > 0))
            {
                continue;
            }
            UbResults::PortRow row;
            row.node = v;
            row.port = k;
            row.peerNode = p.peer;
            row.txBytes = static_cast<uint64_t>(std::llround(carried));
            row.busyS = carried / m_kinds[m_kindOf[p.link]].wireBps;
            row.utilization = seconds > 0 ? row.busyS / seconds : 0;
            row.scope = scope;
            results.AddPort(row);
        }
    }
}

uint64_t
UbFlowFabric::GetMemoryBytes() const
{
    uint64_t routes = 0;
    for (const auto& [key, r] : m_routeCache)
    {
        routes += sizeof(key) + sizeof(r) + r.uses.capacity() * sizeof(UbFlowNetwork::Use) + 16;
    }
    return m_net.GetMemoryBytes() + m_topo.GetMemoryBytes() + m_routes.GetMemoryBytes() + routes +
           m_endpointIndex.capacity() * 4 + m_kindOf.capacity() * 2 + m_latencyOf.capacity() * 2 +
           m_latencies.capacity() * 8 + m_pipelinePs.capacity() * 8 + m_cutThrough.capacity() +
           m_selection.capacity() + m_sourceDetours.capacity() + m_domain.capacity() * 4 +
           m_nextTakePs.capacity() * 8;
}

} // namespace ns3
