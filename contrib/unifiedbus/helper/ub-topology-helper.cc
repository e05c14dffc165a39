/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-topology-helper.h"

#include "ub-controller-helper.h"
#include "ub-systems.h"

#include "ns3/abort.h"
#include "ns3/data-rate.h"
#include "ns3/double.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/nstime.h"
#include "ns3/string.h"
#include "ns3/ub-channel.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-error.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-routing-table.h"
#include "ns3/ub-switch.h"
#include "ns3/uinteger.h"

#include <chrono>
#include <iostream>
#include <malloc.h>
#include <set>
#include <sstream>
#include <sys/resource.h>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbTopologyHelper");

namespace
{
double
SecondsSince(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
} // namespace

UbTopologyHelper::UbTopologyHelper() = default;

uint64_t
UbTopologyHelper::HeapBytesInUse()
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#else
    return 0;
#endif
}

uint64_t
UbTopologyHelper::PeakRssBytes()
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

void
UbTopologyHelper::SetPreset(const UbPreset& preset)
{
    // Applied now, so that attributes set on GetUbHelper() afterwards override the preset's.
    m_preset = preset;
    m_preset->Apply(m_ub);
}

void
UbTopologyHelper::SetClassPreset(uint8_t cls, const UbPreset& preset)
{
    UB_INPUT_ERROR_IF(cls == 0 || cls > 15,
                      "UbTopologyHelper::SetClassPreset: class " << +cls
                                                                 << " is not 1..15 (class 0 is "
                                                                    "SetPreset's)");
    UbHelper h;
    preset.Apply(h);
    m_classes[cls] = std::make_pair(preset, h);
}

void
UbTopologyHelper::SetVlPolicy(UbTopologyRouting::VlPolicy policy)
{
    m_vlPolicy = policy;
    m_vlPolicySet = true;
}

void
UbTopologyHelper::SetVlPolicyOption(const std::string& text)
{
    UbTopologyRouting::VlPolicy policy;
    if (!text.empty())
    {
        UB_INPUT_ERROR_IF(!UbTopologyRouting::VlPolicyFromName(text, policy),
                          "UbTopologyHelper: VL policy '" << text
                                                          << "' is not from-sl or final-hop-vl1");
        SetVlPolicy(policy);
    }
}

const char*
UbTopologyHelper::TopologyOptionHelp()
{
    return "a topology file (doc/topology.md) to build instead of the preset's system; the "
           "preset still gives the device, switch and endpoint values";
}

const char*
UbTopologyHelper::VlPolicyOptionHelp()
{
    return "VL policy of shortest-path routes: from-sl or final-hop-vl1 (default: the topology "
           "file's vlpolicy line, else the preset's topology::VlPolicy, else from-sl)";
}

bool
UbTopologyHelper::CheckVlPolicyOption(const std::string& program, const std::string& text)
{
    UbTopologyRouting::VlPolicy policy;
    if (text.empty() || UbTopologyRouting::VlPolicyFromName(text, policy))
    {
        return true;
    }
    std::cerr << program << ": --vlPolicy=" << text << " is not from-sl or final-hop-vl1\n";
    return false;
}

void
UbTopologyHelper::SetRoutes(UbRouteSet routes)
{
    m_givenRoutes = std::move(routes);
}

void
UbTopologyHelper::SetRouter(Router router)
{
    m_router = std::move(router);
}

void
UbTopologyHelper::BuildSuperCluster(const UbSuperClusterSystems::SuperCluster& given)
{
    UbSuperClusterSystems::SuperCluster sc = given;
    const uint64_t npus = static_cast<uint64_t>(sc.pods) * sc.pod.endpoints;
    UB_INPUT_ERROR_IF(sc.onePod && (!m_flowLevel || m_hybrid),
                      "UbTopologyHelper: a SuperCluster holding one SuperPoD for all (onePod) is "
                      "built at the flow level only (SetFlowLevel(true), not hybrid)");
    sc.onePod = sc.onePod || (m_flowLevel && !m_hybrid && sc.pods > 1 && m_onePod &&
                              m_onePod(npus, sc.pod.endpoints));
    SetRouter([sc](const UbTopology& t, UbTopologyRouting::VlPolicy vl) {
        return UbSuperClusterSystems::Routes(t, sc, vl);
    });
    UbTopology t = UbSuperClusterSystems::BuildSuperCluster(sc);
    if (m_ranks > 1)
    {
        m_rankOf = UbSuperClusterSystems::Partition(t, sc, m_ranks);
    }
    Build(std::move(t));
    if (sc.onePod)
    {
        m_flow->SetOnePod(sc.pod.endpoints, sc.pods);
    }
}

void
UbTopologyHelper::SetOnePod(OnePodRule rule)
{
    m_onePod = std::move(rule);
}

void
UbTopologyHelper::SetOnePod(bool on)
{
    m_onePod = on ? OnePodRule([](uint64_t, uint32_t) { return true; }) : OnePodRule();
}

void
UbTopologyHelper::SetRanks(uint32_t ranks, uint32_t rank)
{
    UB_INPUT_ERROR_IF(ranks == 0 || rank >= ranks,
                      "UbTopologyHelper::SetRanks: rank " << rank << " of " << ranks);
    UB_INPUT_ERROR_IF(m_all.GetN() > 0, "UbTopologyHelper::SetRanks: call it before Build");
    m_ranks = ranks;
    m_rank = rank;
}

const std::vector<uint32_t>&
UbTopologyHelper::GetRankOfNodes() const
{
    return m_rankOf;
}

void
UbTopologyHelper::SetInstallControllers(bool install)
{
    m_controllers = install;
}

void
UbTopologyHelper::SetCheckDeadlock(bool check)
{
    m_checkDeadlock = check;
}

void
UbTopologyHelper::SetDeadlockScope(std::vector<std::pair<uint32_t, uint32_t>> pairs)
{
    m_deadlockScope = std::move(pairs);
}

UbHelper&
UbTopologyHelper::GetUbHelper()
{
    return m_ub;
}

void
UbTopologyHelper::Build(const UbTopology& t)
{
    Build(UbTopology(t));
}

namespace
{
/**
 * A default the user set for ports' lanes or lane rate (--ns3::UbNetDevice::Lanes=8,
 * Config::SetDefault) wins over what the topology gives its links, at every level; say so.
 */
void
UseUserLinkDefaults(UbTopology& t)
{
    std::string lanesText;
    std::string rateText;
    const bool lanes = UbPreset::UserSetDefault("UbNetDevice", "Lanes", lanesText);
    const bool rate = UbPreset::UserSetDefault("UbNetDevice", "LaneRate", rateText);
    if (!lanes && !rate)
    {
        return;
    }
    const auto l = static_cast<uint16_t>(lanes ? std::stoul(lanesText) : 0);
    UB_INPUT_ERROR_IF(lanes && l != 1 && l != 2 && l != 4 && l != 8,
                      "UbNetDevice::Lanes=" << l
                                            << " (set as a default) is invalid; UB ports have 1, "
                                               "2, 4 or 8 lanes");
    const uint64_t bps = rate ? DataRate(rateText).GetBitRate() : 0;
    for (uint32_t k = 0; k < t.GetNLinks(); ++k)
    {
        const auto& link = t.GetLink(k);
        t.SetLinkRate(k, lanes ? l : link.lanes, rate ? bps : link.laneRateBps);
    }
    static std::set<std::string> said;
    if (said.insert(t.GetName() + lanesText + "/" + rateText).second)
    {
        std::cerr << "note: the default"
                  << (lanes ? " UbNetDevice::Lanes = " + lanesText : std::string())
                  << (lanes && rate ? " and" : "")
                  << (rate ? " UbNetDevice::LaneRate = " + rateText : std::string())
                  << " you set replaces what topology '" << t.GetName()
                  << "' gives its links, on every link\n";
    }
}
} // namespace

void
UbTopologyHelper::Build(UbTopology&& topology)
{
    UB_INPUT_ERROR_IF(m_all.GetN() > 0 || m_flow,
                      "UbTopologyHelper: Build called twice; use one helper per fabric");
    uint64_t heap0 = HeapBytesInUse();
    m_topo = std::move(topology);
    m_topo.ShrinkToFit();
    UseUserLinkDefaults(m_topo);
    const UbTopology& t = m_topo;
    const uint32_t n = m_topo.GetNNodes();
    UB_INPUT_ERROR_IF(n == 0, "UbTopologyHelper: topology '" << t.GetName() << "' has no nodes");
    UB_INPUT_ERROR_IF(m_ranks > 1 && m_rankOf.size() != n,
                      "UbTopologyHelper: topology '"
                          << t.GetName() << "' cannot be split over " << m_ranks
                          << " processes: only SuperClusters are (by SuperPoD; BuildSuperCluster)");
    UB_INPUT_ERROR_IF(m_ranks > 1 && (m_flowLevel || m_hybrid),
                      "UbTopologyHelper: only the packet level is split over processes, not the "
                      "flow or hybrid level");

    auto t0 = std::chrono::steady_clock::now();
    if (m_givenRoutes)
    {
        UB_INPUT_ERROR_IF(m_vlPolicySet,
                          "UbTopologyHelper: topology '"
                              << t.GetName()
                              << "' comes with its builder's routes, which choose their VLs "
                                 "themselves; a VL policy (--vlPolicy) applies to shortest-path "
                                 "routes (topology files, Clos presets)");
        UB_INPUT_ERROR_IF(m_givenRoutes->GetNNodes() != n,
                          "UbTopologyHelper: the routes given cover "
                              << m_givenRoutes->GetNNodes() << " nodes, the topology has " << n);
        m_routes = std::move(*m_givenRoutes);
        m_givenRoutes.reset();
        m_computed = false;
    }
    else
    {
        if (!m_vlPolicySet)
        {
            // The file's vlpolicy statement, else the preset's topology::VlPolicy.
            std::string name = m_topo.GetVlPolicy();
            std::string where = "topology '" + t.GetName() + "'";
            if (name.empty() && m_preset && m_preset->Has("topology::VlPolicy"))
            {
                name = m_preset->Get("topology::VlPolicy");
                where = "preset '" + m_preset->GetName() + "' (topology::VlPolicy)";
            }
            UB_INPUT_ERROR_IF(
                !name.empty() && !UbTopologyRouting::VlPolicyFromName(name, m_vlPolicy),
                where << ": VL policy '" << name << "' is not from-sl or final-hop-vl1");
        }
        m_routes = m_router ? m_router(m_topo, m_vlPolicy)
                            : UbTopologyRouting::ShortestPaths(m_topo, m_vlPolicy);
    }
    m_routes.ShrinkToFit();
    m_report.routeSeconds = SecondsSince(t0);

    if (m_flowLevel || m_hybrid)
    {
        std::map<uint8_t, UbFlowFabric::Class> classes;
        classes[0] = UbFlowFabric::Class{m_preset ? &*m_preset : nullptr, &m_ub};
        for (const auto& [c, entry] : m_classes)
        {
            classes[c] = UbFlowFabric::Class{&entry.first, &entry.second};
        }
        t0 = std::chrono::steady_clock::now();
        if (m_hybrid)
        {
            // The flow level of the whole system beside the packet level built below.
            m_flow =
                std::make_unique<UbFlowFabric>(UbTopology(m_topo), UbRouteSet(m_routes), classes);
            PlanHybrid();
        }
        else
        {
            // The fabric takes the topology and routes over (GetTopology and GetRoutes then
            // return its own).
            m_flow =
                std::make_unique<UbFlowFabric>(std::move(m_topo), std::move(m_routes), classes);
            FinishReport(SecondsSince(t0), heap0);
            return;
        }
    }
    if (!m_rankOf.empty())
    {
        // Split over processes: the links with an end here.
        m_linkBuilt.assign(m_topo.GetNLinks(), 0);
        for (uint32_t l = 0; l < m_topo.GetNLinks(); ++l)
        {
            const auto& link = m_topo.GetLink(l);
            m_linkBuilt[l] = m_rankOf[link.a] == m_rank || m_rankOf[link.b] == m_rank;
        }
    }
    // Hybrid or split over processes: only what PlanHybrid or the partition chose gets ns-3
    // objects beyond a bare node.
    const bool partial = !m_linkBuilt.empty();
    auto linkBuilt = [this, partial](uint32_t l) { return !partial || m_linkBuilt[l] != 0; };
    std::vector<uint8_t> nodeBuilt(partial ? n : 0, 0);
    for (uint32_t l = 0; partial && l < m_topo.GetNLinks(); ++l)
    {
        if (m_linkBuilt[l])
        {
            nodeBuilt[m_topo.GetLink(l).a] = 1;
            nodeBuilt[m_topo.GetLink(l).b] = 1;
        }
    }
    auto built = [partial, &nodeBuilt](uint32_t v) { return !partial || nodeBuilt[v] != 0; };
    if (m_checkDeadlock)
    {
        t0 = std::chrono::steady_clock::now();
        m_deadlock = UbTopologyRouting::CheckDeadlock(m_topo, m_routes);
        if (!m_deadlock.deadlockFree && !m_deadlockScope.empty())
        {
            // The routes could close a cycle; what matters is whether this run's traffic can.
            const auto eps = m_topo.GetEndpoints();
            std::vector<std::pair<uint32_t, uint32_t>> pairs;
            for (const auto& [a, b] : m_deadlockScope)
            {
                UB_INPUT_ERROR_IF(a >= eps.size() || b >= eps.size(),
                                  "UbTopologyHelper: the deadlock scope names endpoint "
                                      << std::max(a, b) << " of topology '" << t.GetName()
                                      << "', which has " << eps.size());
                pairs.emplace_back(eps[a], eps[b]);
                pairs.emplace_back(eps[b], eps[a]);
            }
            auto full = m_deadlock;
            m_deadlock = UbTopologyRouting::CheckDeadlock(m_topo, m_routes, pairs);
            if (m_deadlock.deadlockFree)
            {
                std::cerr << "note: topology '" << t.GetName()
                          << "': its routes could deadlock (cycle: " << full.cycle.front()
                          << ", ...), but the " << m_deadlockScope.size()
                          << " endpoint pairs of this run cannot close a cycle\n";
            }
        }
        m_report.checkSeconds = SecondsSince(t0);
        if (!m_deadlock.deadlockFree)
        {
            std::ostringstream os;
            for (const auto& c : m_deadlock.cycle)
            {
                os << (os.tellp() > 0 ? ", " : "") << c;
            }
            UB_INPUT_ERROR("topology '"
                           << t.GetName() << "': the routes "
                           << (m_deadlockScope.empty()
                                   ? std::string("can deadlock")
                                   : "of this run's " + std::to_string(m_deadlockScope.size()) +
                                         " endpoint pairs can deadlock")
                           << "; channel dependency cycle: " << os.str()
                           << "; use a VL policy that breaks it (the line 'vlpolicy "
                              "final-hop-vl1' in a topology file, topology::VlPolicy = "
                              "FinalHopVl1 in a preset, --vlPolicy=final-hop-vl1, or "
                              "UbTopologyHelper::SetVlPolicy) or other routes");
        }
    }

    t0 = std::chrono::steady_clock::now();
    if (m_rankOf.empty())
    {
        m_all.Create(n);
    }
    for (uint32_t i = 0; i < m_rankOf.size(); ++i)
    {
        m_all.Add(CreateObject<Node>(m_rankOf[i])); // its system id: the rank that runs it
    }
    for (uint32_t l = 0; l < m_topo.GetNLinks(); ++l)
    {
        uint8_t c = m_topo.GetLink(l).cls;
        UB_INPUT_ERROR_IF(c != 0 && m_classes.find(c) == m_classes.end(),
                          "UbTopologyHelper: link "
                              << l << " (" << m_topo.GetNode(m_topo.GetLink(l).a).name << " - "
                              << m_topo.GetNode(m_topo.GetLink(l).b).name << ") is of class " << +c
                              << " but no preset builds that class; call "
                                 "SetClassPreset("
                              << +c << ", preset)");
    }
    // A switch belongs to the class of its first link; endpoints to class 0.
    auto classOfNode = [this](uint32_t i) -> uint8_t {
        if (m_topo.IsEndpoint(i) || m_topo.GetDegree(i) == 0)
        {
            return 0;
        }
        return m_topo.GetLink(m_topo.GetPorts(i)[0].link).cls;
    };
    auto helperOf = [this](uint8_t c) -> UbHelper& {
        return c == 0 ? m_ub : m_classes.at(c).second;
    };
    for (uint32_t i = 0; i < n; ++i)
    {
        if (built(i))
        {
            Ptr<UbSwitch> sw = helperOf(classOfNode(i)).InstallSwitch(m_all.Get(i));
            sw->SetCna(i);
        }
        (m_topo.IsEndpoint(i) ? m_endpoints : m_switches).Add(m_all.Get(i));
    }
    m_devices.reserve(2ULL * m_topo.GetNLinks());
    for (uint32_t l = 0; l < m_topo.GetNLinks(); ++l)
    {
        const auto& link = m_topo.GetLink(l);
        if (!linkBuilt(l))
        {
            m_devices.push_back(nullptr);
            m_devices.push_back(nullptr);
            continue;
        }
        NetDeviceContainer d = helperOf(link.cls).Install(m_all.Get(link.a), m_all.Get(link.b));
        // The topology's link index: the same number in every process of a distributed run.
        DynamicCast<UbChannel>(d.Get(0)->GetChannel())->SetLinkId(l);
        for (uint32_t s = 0; s < 2; ++s)
        {
            Ptr<UbNetDevice> dev = DynamicCast<UbNetDevice>(d.Get(s));
            if (link.lanes)
            {
                dev->SetAttribute("Lanes", UintegerValue(link.lanes));
            }
            if (link.laneRateBps)
            {
                dev->SetAttribute("LaneRate", DataRateValue(DataRate(link.laneRateBps)));
            }
            m_devices.push_back(dev);
        }
        if (!link.lanes || !link.laneRateBps)
        {
            // Lanes or rate from the preset, not the file: the topology says what was built, so
            // that its aggregates (UbSystems::EndpointBandwidthBps) count them.
            UintegerValue lanes;
            DataRateValue rate;
            m_devices.back()->GetAttribute("Lanes", lanes);
            m_devices.back()->GetAttribute("LaneRate", rate);
            m_topo.SetLinkRate(l,
                               link.lanes ? link.lanes : static_cast<uint16_t>(lanes.Get()),
                               link.laneRateBps ? link.laneRateBps : rate.Get().GetBitRate());
        }
        Ptr<UbChannel> ch = DynamicCast<UbChannel>(m_devices.back()->GetChannel());
        if (link.delayPs >= 0)
        {
            ch->SetAttribute("Length", DoubleValue(0.0));
            ch->SetAttribute("Delay", TimeValue(PicoSeconds(link.delayPs)));
        }
        else if (link.lengthM >= 0)
        {
            ch->SetAttribute("Length", DoubleValue(link.lengthM));
        }
        else
        {
            // Neither length nor delay (a topology file's link without them): the cable length
            // the preset of the link's class gives its builders for that kind of link.
            const UbPreset* p =
                link.cls == 0 ? (m_preset ? &*m_preset : nullptr) : &m_classes.at(link.cls).first;
            const bool edge = m_topo.IsEndpoint(link.a) || m_topo.IsEndpoint(link.b);
            for (const char* key :
                 {edge ? "topology::EndpointLinkLength" : "topology::SpineLinkLength",
                  "topology::LinkLength"})
            {
                if (p && p->Has(key))
                {
                    ch->SetAttribute("Length", DoubleValue(p->GetNonNegative(key, 100000)));
                    break;
                }
            }
        }
    }
    WarnStarvation();
    // Pipeline latencies from the preset of each node's class.
    for (uint32_t i = 0; i < n; ++i)
    {
        if (!built(i))
        {
            continue;
        }
        uint8_t c = classOfNode(i);
        const UbPreset* p = c == 0 ? (m_preset ? &*m_preset : nullptr) : &m_classes.at(c).first;
        const char* key = m_topo.IsEndpoint(i) ? "topology::EndpointPipelineLatency"
                                               : "topology::SwitchPipelineLatency";
        if (p && p->Has(key))
        {
            m_all.Get(i)->GetObject<UbSwitch>()->SetAttribute("PipelineLatency",
                                                              StringValue(p->Get(key)));
        }
    }
    // Every port's attributes, now that presets, classes and the file have set them: a bad
    // value is refused here, before anything runs, not when traffic first reaches the port.
    for (const auto& dev : m_devices)
    {
        if (dev)
        {
            dev->CheckConfiguration();
        }
    }
    std::vector<uint32_t> portMap;
    for (uint32_t i = 0; i < n; ++i)
    {
        if (!built(i))
        {
            continue;
        }
        UbRoutingTable& table = *m_all.Get(i)->GetObject<UbSwitch>()->GetRoutingTable();
        // A node whose links were all built has its ports in topology order (links are built
        // in order); one with some left out (hybrid) has them renumbered.
        portMap.clear();
        uint32_t next = 0;
        for (uint32_t k = 0; k < m_topo.GetDegree(i); ++k)
        {
            portMap.push_back(linkBuilt(m_topo.GetPorts(i)[k].link) ? next++ : UINT32_MAX);
        }
        if (next == m_topo.GetDegree(i))
        {
            m_routes.InstallInto(i, table);
        }
        else
        {
            m_routes.InstallInto(i, table, portMap);
        }
    }
    if (m_controllers && m_endpoints.GetN() > 0)
    {
        UbControllerHelper ctl;
        if (m_preset)
        {
            m_preset->Apply(ctl);
        }
        NodeContainer eps;
        const std::vector<uint32_t> epNodes = m_topo.GetEndpoints();
        for (uint32_t i = 0; i < m_endpoints.GetN(); ++i)
        {
            if (built(epNodes[i]))
            {
                eps.Add(m_endpoints.Get(i));
            }
        }
        ctl.Install(eps);
        SetDomains();
    }
    if (m_hybrid)
    {
        WatchBackground();
    }
    FinishReport(SecondsSince(t0), heap0);
}

void
UbTopologyHelper::FinishReport(double buildSeconds, uint64_t heap0)
{
    m_report.buildSeconds = buildSeconds;
    m_report.nodes = GetTopology().GetNNodes();
    m_report.ports = 2 * GetTopology().GetNLinks();
    m_report.intervals = GetRoutes().GetNIntervals();
    m_report.routeBytes = GetRoutes().GetMemoryBytes();
    m_report.topologyBytes = GetTopology().GetMemoryBytes();
    uint64_t heap1 = HeapBytesInUse();
    m_report.heapBytes = heap1 > heap0 ? heap1 - heap0 : 0;
}

void
UbTopologyHelper::WarnStarvation() const
{
    // Routes that put packets on more than one VL share links between those VLs; strict
    // priority would hold the lower VL's packets (transit traffic that other packets wait
    // behind) for as long as a higher VL is backlogged.
    const uint32_t used = GetRoutes().GetNVlsUsed();
    if (used < 2)
    {
        return;
    }
    for (const auto& dev : m_devices)
    {
        if (dev && dev->GetVlArbitration() == UbNetDevice::STRICT_PRIORITY && dev->GetVlCount() > 1)
        {
            std::cerr << "warning: topology '" << GetTopology().GetName() << "': its routes use "
                      << used
                      << " VLs and links arbitrate them by strict priority, which starves the "
                         "lower VLs under load; set UbNetDevice::VlArbitration=Dwrr\n";
            return;
        }
    }
}

void
UbTopologyHelper::BuildPreset(const std::string& nameOrPath, uint32_t endpoints)
{
    BuildPreset(UbPreset::Load(nameOrPath), endpoints);
}

void
UbTopologyHelper::BuildPreset(const UbPreset& preset, uint32_t endpoints)
{
    SetPreset(preset);
    UbTopology t = UbSystems::FromPreset(preset, endpoints);
    if (preset.Get("topology::Builder") == "ub-mesh")
    {
        uint32_t policy = UbSystems::DIRECT;
        if (preset.Has("topology::RoutingPolicy"))
        {
            std::string p = preset.Get("topology::RoutingPolicy");
            UB_INPUT_ERROR_IF(
                p != "direct" && p != "detour" && p != "borrow" && p != "detour+borrow",
                "UbTopologyHelper: preset '" << preset.GetName() << "': RoutingPolicy '" << p
                                             << "' is not direct, detour, borrow or detour+borrow");
            policy = (p.find("detour") != std::string::npos ? uint32_t(UbSystems::DETOUR) : 0U) |
                     (p.find("borrow") != std::string::npos ? uint32_t(UbSystems::BORROW) : 0U);
        }
        SetRoutes(
            UbSystems::UbMeshRoutes(t, UbSystems::UbMeshFromPreset(preset, endpoints), policy));
    }
    else if (preset.Get("topology::Builder") == "kary-ncube")
    {
        SetRoutes(UbSystems::KaryNcubeRoutes(t, UbSystems::KaryNcubeFromPreset(preset, endpoints)));
    }
    Build(t);
}

void
UbTopologyHelper::SetDomains()
{
    // Domains: the endpoints joined by class-0 links (a SuperPoD, an NVLink domain). If the
    // class-1 preset (the scale-out network) has its own controller MTU, latencies or bandwidth
    // (its NIC) or its own congestion control, every endpoint uses them toward endpoints outside
    // its domain, provided each domain's endpoints are one CNA interval (as the builders number
    // them).
    auto it = m_classes.find(1);
    if (it == m_classes.end())
    {
        return;
    }
    const UbPreset& scaleOut = it->second.first;
    const bool mtu = scaleOut.Has("UbController::Mtu");
    const bool issue = scaleOut.Has("UbController::InitiatorLatency");
    const bool serve = scaleOut.Has("UbController::TargetLatency");
    const bool rate = scaleOut.Has("UbController::EndpointBandwidth");
    const bool cc = scaleOut.Has("UbTransport::CongestionControl");
    if (!mtu && !issue && !serve && !rate && !cc)
    {
        return;
    }
    const uint32_t n = m_topo.GetNNodes();
    std::vector<uint32_t> comp(n, UINT32_MAX);
    std::vector<std::pair<uint32_t, uint32_t>> range; // per domain: first, last endpoint CNA
    std::vector<uint32_t> count;                      // endpoints per domain
    for (uint32_t s = 0; s < n; ++s)
    {
        if (comp[s] != UINT32_MAX || !m_topo.IsEndpoint(s))
        {
            continue;
        }
        auto d = static_cast<uint32_t>(range.size());
        range.emplace_back(s, s);
        count.push_back(0);
        std::vector<uint32_t> stack{s};
        comp[s] = d;
        while (!stack.empty())
        {
            uint32_t v = stack.back();
            stack.pop_back();
            if (m_topo.IsEndpoint(v))
            {
                range[d].first = std::min(range[d].first, v);
                range[d].second = std::max(range[d].second, v);
                ++count[d];
            }
            for (uint32_t k = 0; k < m_topo.GetDegree(v); ++k)
            {
                const auto& port = m_topo.GetPorts(v)[k];
                if (m_topo.GetLink(port.link).cls == 0 && comp[port.peer] == UINT32_MAX)
                {
                    comp[port.peer] = d;
                    stack.push_back(port.peer);
                }
            }
        }
    }
    if (range.size() < 2)
    {
        return;
    }
    for (uint32_t d = 0; d < range.size(); ++d)
    {
        uint32_t inside = 0;
        for (uint32_t v = range[d].first; v <= range[d].second; ++v)
        {
            inside += m_topo.IsEndpoint(v) ? 1 : 0;
        }
        if (inside != count[d])
        {
            NS_LOG_WARN("domains are not CNA intervals; every endpoint keeps its Mtu");
            return;
        }
    }
    for (uint32_t v = 0; v < n; ++v)
    {
        if (!m_topo.IsEndpoint(v))
        {
            continue;
        }
        Ptr<UbController> c = m_all.Get(v)->GetObject<UbController>();
        if (!c)
        {
            continue; // hybrid: an endpoint left at flow level
        }
        if (mtu)
        {
            c->SetAttribute("RemoteMtu", StringValue(scaleOut.Get("UbController::Mtu")));
        }
        if (issue)
        {
            c->SetAttribute("RemoteInitiatorLatency",
                            StringValue(scaleOut.Get("UbController::InitiatorLatency")));
        }
        if (serve)
        {
            c->SetAttribute("RemoteTargetLatency",
                            StringValue(scaleOut.Get("UbController::TargetLatency")));
        }
        if (rate)
        {
            c->SetAttribute("RemoteEndpointBandwidth",
                            StringValue(scaleOut.Get("UbController::EndpointBandwidth")));
        }
        if (cc)
        {
            c->GetTransport()->SetAttribute(
                "RemoteCongestionControl",
                StringValue(scaleOut.Get("UbTransport::CongestionControl")));
        }
        c->SetAttribute("DomainFirst", UintegerValue(range[comp[v]].first));
        c->SetAttribute("DomainLast", UintegerValue(range[comp[v]].second));
    }
}

void
UbTopologyHelper::SetFlowLevel(bool on)
{
    UB_INPUT_ERROR_IF(m_all.GetN() > 0 || m_flow,
                      "UbTopologyHelper::SetFlowLevel: call it before Build");
    m_flowLevel = on;
}

bool
UbTopologyHelper::IsFlowLevel() const
{
    return m_flowLevel;
}

UbFlowFabric&
UbTopologyHelper::GetFlowFabric()
{
    UB_INPUT_ERROR_IF(!m_flow,
                      "UbTopologyHelper::GetFlowFabric: no flow level; call SetFlowLevel(true) "
                      "before Build");
    return *m_flow;
}

const UbTopology&
UbTopologyHelper::GetTopology() const
{
    return m_flow ? m_flow->GetTopology() : m_topo;
}

const UbRouteSet&
UbTopologyHelper::GetRoutes() const
{
    return m_flow ? m_flow->GetRoutes() : m_routes;
}

Ptr<Node>
UbTopologyHelper::GetNode(uint32_t i) const
{
    UB_INPUT_ERROR_IF(i >= m_all.GetN(),
                      "UbTopologyHelper: no node " << i << " (the fabric has " << m_all.GetN()
                                                   << "; call Build first)");
    return m_all.Get(i);
}

Ptr<Node>
UbTopologyHelper::GetNode(const std::string& name) const
{
    uint32_t i = m_topo.FindNode(name);
    UB_INPUT_ERROR_IF(i == UINT32_MAX || i >= m_all.GetN(),
                      "UbTopologyHelper: no node named '" << name << "' in topology '"
                                                          << m_topo.GetName() << "'");
    return m_all.Get(i);
}

const NodeContainer&
UbTopologyHelper::GetEndpoints() const
{
    return m_endpoints;
}

const NodeContainer&
UbTopologyHelper::GetSwitches() const
{
    return m_switches;
}

const NodeContainer&
UbTopologyHelper::GetAll() const
{
    return m_all;
}

Ptr<UbNetDevice>
UbTopologyHelper::GetDevice(uint32_t link, uint32_t side) const
{
    UB_INPUT_ERROR_IF(2ULL * link + side >= m_devices.size() || side > 1,
                      "UbTopologyHelper: no link " << link << " side " << side);
    return m_devices[2ULL * link + side];
}

const UbPreset*
UbTopologyHelper::GetPreset() const
{
    return m_preset ? &*m_preset : nullptr;
}

UbTopologyRouting::VlPolicy
UbTopologyHelper::GetVlPolicy() const
{
    return m_vlPolicy;
}

bool
UbTopologyHelper::HasComputedRoutes() const
{
    return m_computed;
}

void
UbTopologyHelper::ReplaceRoutes(UbRouteSet routes)
{
    UB_INPUT_ERROR_IF(routes.GetNNodes() != m_all.GetN(),
                      "UbTopologyHelper::ReplaceRoutes: routes for "
                          << routes.GetNNodes() << " nodes, the fabric has " << m_all.GetN());
    UB_INPUT_ERROR_IF(m_hybrid,
                      "UbTopologyHelper::ReplaceRoutes: not at the hybrid level (its flow part "
                      "keeps the routes it was built with); run failures at packet level");
    m_routes = std::move(routes);
    for (uint32_t i = 0; i < m_all.GetN(); ++i)
    {
        if (!m_rankOf.empty() && m_rankOf[i] != m_rank)
        {
            continue; // split over processes: another process's node (its own process sets it)
        }
        m_routes.InstallInto(i, *m_all.Get(i)->GetObject<UbSwitch>()->GetRoutingTable());
    }
}

const UbTopologyRouting::DeadlockReport&
UbTopologyHelper::GetDeadlockReport() const
{
    return m_deadlock;
}

const UbTopologyHelper::Report&
UbTopologyHelper::GetReport() const
{
    return m_report;
}

} // namespace ns3
