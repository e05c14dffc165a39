/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-systems.h"

#include "ub-preset.h"

#include "ns3/abort.h"
#include "ns3/data-rate.h"

#include <algorithm>
#include <sstream>

namespace ns3
{

// ---------------------------------------------------------------------------------------------
// Planar Clos

uint32_t
UbSystems::AddPlanarClos(UbTopology& t, const PlanarClos& p)
{
    const char* ep = UbTopology::KindName(p.kind);
    uint32_t first = t.GetNNodes();
    for (uint32_t e = 0; e < p.endpoints; ++e)
    {
        t.AddNode(p.prefix + ep + std::to_string(e), p.kind);
    }
    AddPlanarClosFabric(t, p, first);
    return first;
}

void
UbSystems::AddPlanarClosFabric(UbTopology& t, const PlanarClos& p, uint32_t first)
{
    NS_ABORT_MSG_IF(p.endpoints == 0 || p.planes == 0 || p.perLeaf == 0,
                    "UbSystems: Clos '" << p.name << "' needs endpoints, planes and perLeaf > 0");
    NS_ABORT_MSG_IF(p.endpoints % p.perLeaf != 0,
                    "UbSystems: Clos '" << p.name << "': " << p.endpoints
                                        << " endpoints do not fill leaves of " << p.perLeaf
                                        << "; use a multiple of " << p.perLeaf);
    NS_ABORT_MSG_IF(!p.linksPerPlane.empty() && p.linksPerPlane.size() != p.planes,
                    "UbSystems: Clos '" << p.name << "': linksPerPlane has "
                                        << p.linksPerPlane.size() << " entries for " << p.planes
                                        << " planes");
    const uint32_t leaves = p.endpoints / p.perLeaf;
    const bool twoTier = leaves > 1;
    uint32_t mult = 0;
    if (twoTier)
    {
        NS_ABORT_MSG_IF(p.spinesPerPlane == 0 || p.perLeaf % p.spinesPerPlane != 0,
                        "UbSystems: Clos '" << p.name << "': " << p.perLeaf
                                            << " uplinks per leaf do not spread evenly over "
                                            << p.spinesPerPlane << " spines; use a divisor of "
                                            << p.perLeaf);
        mult = p.perLeaf / p.spinesPerPlane;
    }
    uint32_t leafBase = t.GetNNodes();
    for (uint32_t pl = 0; pl < p.planes; ++pl)
    {
        for (uint32_t l = 0; l < leaves; ++l)
        {
            t.AddNode(p.prefix + "p" + std::to_string(pl) + (twoTier ? ".leaf" : ".sw") +
                          std::to_string(l),
                      UbTopology::SWITCH);
        }
    }
    uint32_t spineBase = t.GetNNodes();
    if (twoTier)
    {
        for (uint32_t pl = 0; pl < p.planes; ++pl)
        {
            for (uint32_t s = 0; s < p.spinesPerPlane; ++s)
            {
                t.AddNode(p.prefix + "p" + std::to_string(pl) + ".spine" + std::to_string(s),
                          UbTopology::SWITCH);
            }
        }
    }
    for (uint32_t e = 0; e < p.endpoints; ++e)
    {
        for (uint32_t pl = 0; pl < p.planes; ++pl)
        {
            uint32_t m = p.linksPerPlane.empty() ? 1 : p.linksPerPlane[pl];
            for (uint32_t k = 0; k < m; ++k)
            {
                t.AddLink(first + e,
                          leafBase + pl * leaves + e / p.perLeaf,
                          p.lanes,
                          p.laneRateBps,
                          0,
                          p.endpointLinkM);
            }
        }
    }
    if (twoTier)
    {
        for (uint32_t pl = 0; pl < p.planes; ++pl)
        {
            for (uint32_t l = 0; l < leaves; ++l)
            {
                for (uint32_t s = 0; s < p.spinesPerPlane; ++s)
                {
                    for (uint32_t k = 0; k < mult; ++k)
                    {
                        t.AddLink(leafBase + pl * leaves + l,
                                  spineBase + pl * p.spinesPerPlane + s,
                                  p.lanes,
                                  p.laneRateBps,
                                  1,
                                  p.spineLinkM);
                    }
                }
            }
        }
    }
}

uint32_t
UbSystems::AddScaleOut(UbTopology& t, uint32_t first, uint32_t count, const ScaleOut& p)
{
    const uint32_t half = p.radix / 2;
    NS_ABORT_MSG_IF(p.radix < 2 || p.planes == 0,
                    "UbSystems: scale-out needs radix >= 2 and planes >= 1");
    // The last leaf may be partly used (72-GPU NVLink domains do not fill 64-port leaves).
    const uint32_t leaves = (count + half - 1) / half;
    NS_ABORT_MSG_IF(leaves > p.radix && count % half != 0,
                    "UbSystems: scale-out over " << count << " endpoints needs three tiers; use a "
                                                 << "multiple of " << half << " endpoints");
    uint32_t before = t.GetNNodes();
    auto link = [&](uint32_t a, uint32_t b, uint8_t tier, double len) {
        uint32_t l = t.AddLink(a, b, p.lanes, p.laneRateBps, tier, len);
        t.SetLinkClass(l, p.cls, p.cost);
    };
    for (uint32_t q = 0; q < p.planes; ++q)
    {
        std::string pre = "so" + std::to_string(q) + ".";
        uint32_t leafBase = t.GetNNodes();
        for (uint32_t l = 0; l < leaves; ++l)
        {
            t.AddNode(pre + "leaf" + std::to_string(l), UbTopology::SWITCH);
        }
        for (uint32_t e = 0; e < count; ++e)
        {
            link(first + e, leafBase + e / half, 10, p.leafLinkM);
        }
        if (leaves == 1)
        {
            continue;
        }
        if (leaves <= p.radix)
        {
            // Two tiers: S spines, each leaf's half uplinks spread evenly over them.
            uint32_t spines = leaves / 2;
            if (spines == 0 || leaves % 2 != 0 || half % spines != 0)
            {
                spines = half;
            }
            uint32_t m = half / spines;
            uint32_t spineBase = t.GetNNodes();
            for (uint32_t s = 0; s < spines; ++s)
            {
                t.AddNode(pre + "spine" + std::to_string(s), UbTopology::SWITCH);
            }
            for (uint32_t l = 0; l < leaves; ++l)
            {
                for (uint32_t s = 0; s < spines; ++s)
                {
                    for (uint32_t k = 0; k < m; ++k)
                    {
                        link(leafBase + l, spineBase + s, 11, p.upLinkM);
                    }
                }
            }
            continue;
        }
        // Three tiers: groups of `half` leaves with `half` aggregation switches each; aggregation
        // switch j of every group links to the cores of column j.
        NS_ABORT_MSG_IF(leaves % half != 0,
                        "UbSystems: scale-out over " << count << " endpoints needs a multiple of "
                                                     << half * half << " for three tiers");
        uint32_t groups = leaves / half;
        NS_ABORT_MSG_IF(groups > p.radix ||
                            (groups > 1 && (groups % 2 != 0 || half % (groups / 2) != 0)),
                        "UbSystems: scale-out over " << count << " endpoints: " << groups
                                                     << " leaf groups do not fit radix-" << p.radix
                                                     << " cores; use a power-of-two pod count");
        uint32_t cores = groups / 2; // per column
        uint32_t m = half / cores;
        uint32_t aggBase = t.GetNNodes();
        for (uint32_t g = 0; g < groups; ++g)
        {
            for (uint32_t j = 0; j < half; ++j)
            {
                t.AddNode(pre + "agg" + std::to_string(g) + "_" + std::to_string(j),
                          UbTopology::SWITCH);
            }
        }
        uint32_t coreBase = t.GetNNodes();
        for (uint32_t j = 0; j < half; ++j)
        {
            for (uint32_t c = 0; c < cores; ++c)
            {
                t.AddNode(pre + "core" + std::to_string(j) + "_" + std::to_string(c),
                          UbTopology::SWITCH);
            }
        }
        for (uint32_t l = 0; l < leaves; ++l)
        {
            uint32_t g = l / half;
            for (uint32_t j = 0; j < half; ++j)
            {
                link(leafBase + l, aggBase + g * half + j, 11, p.upLinkM);
            }
        }
        for (uint32_t g = 0; g < groups; ++g)
        {
            for (uint32_t j = 0; j < half; ++j)
            {
                for (uint32_t c = 0; c < cores; ++c)
                {
                    for (uint32_t k = 0; k < m; ++k)
                    {
                        link(aggBase + g * half + j, coreBase + j * cores + c, 12, p.upLinkM);
                    }
                }
            }
        }
    }
    return t.GetNNodes() - before;
}

UbSystems::SuperCluster::SuperCluster()
    : pod(Atlas950(1024))
{
}

UbTopology
UbSystems::BuildSuperCluster(const SuperCluster& p)
{
    NS_ABORT_MSG_IF(p.pods == 0, "UbSystems: a SuperCluster needs at least one SuperPoD");
    UbTopology t("supercluster-" + std::to_string(p.pods) + "x" + std::to_string(p.pod.endpoints));
    const char* ep = UbTopology::KindName(p.pod.kind);
    for (uint32_t k = 0; k < p.pods; ++k)
    {
        for (uint32_t e = 0; e < p.pod.endpoints; ++e)
        {
            t.AddNode("pod" + std::to_string(k) + "." + ep + std::to_string(e), p.pod.kind);
        }
    }
    for (uint32_t k = 0; k < p.pods; ++k)
    {
        PlanarClos pod = p.pod;
        pod.prefix = "pod" + std::to_string(k) + ".";
        AddPlanarClosFabric(t, pod, k * p.pod.endpoints);
    }
    AddScaleOut(t, 0, p.pods * p.pod.endpoints, p.scaleOut);
    return t;
}

UbTopology
UbSystems::BuildPlanarClos(const PlanarClos& p)
{
    UbTopology t(p.name);
    AddPlanarClos(t, p);
    return t;
}

UbSystems::PlanarClos
UbSystems::CloudMatrix384(uint32_t nodes)
{
    PlanarClos p;
    p.name = "cloudmatrix384";
    p.endpoints = nodes * 16; // 8 Ascend 910C x 2 dies per node
    p.planes = 7;             // 7 L1 chips per node, one per plane
    p.perLeaf = 16;           // an L1 chip serves the 16 dies of its node
    p.spinesPerPlane = 16;    // 16 L2 chips per plane
    p.lanes = 2;              // 224 Gb/s per link as 2 x 112 Gb/s (lane split assumed)
    p.laneRateBps = 112000000000ULL;
    p.endpointLinkM = 0.5;
    p.spineLinkM = 10;
    return p;
}

UbSystems::PlanarClos
UbSystems::Atlas950(uint32_t npus)
{
    PlanarClos p;
    p.name = "atlas950";
    p.endpoints = npus; // 8,192 Ascend 950DT
    p.planes = 18;      // 72 lanes as 18 x4 ports (950 whitepaper)
    p.perLeaf = 64;     // 64 NPUs per compute cabinet (8,192 / 128 cabinets)
    // Non-blocking: 64 uplinks per leaf over spines of 128 ports (64 at 8,192 NPUs, one link
    // from each leaf to each); smaller pods take fewer spines with parallel links.
    p.spinesPerPlane = (npus >= 128 && 64 % (npus / 128) == 0) ? npus / 128 : 64;
    p.lanes = 4;
    p.laneRateBps = 112000000000ULL;
    p.endpointLinkM = 2;
    p.spineLinkM = 30;
    return p;
}

UbSystems::PlanarClos
UbSystems::Atlas960(uint32_t npus)
{
    PlanarClos p;
    p.name = "atlas960";
    p.endpoints = npus; // 15,488 Ascend 960
    p.planes = 20;      // 34 PB/s / 15,488 = 2.2 TB/s per NPU -> 20 x4 ports (inferred)
    p.perLeaf = 88;     // 15,488 / 176 compute cabinets
    // Non-blocking over 176-port spines (88 at 15,488 NPUs, one link from each leaf to each).
    p.spinesPerPlane = (npus >= 176 && 88 % (npus / 176) == 0) ? npus / 176 : 88;
    p.lanes = 4;
    p.laneRateBps = 112000000000ULL;
    p.endpointLinkM = 2;
    p.spineLinkM = 30;
    return p;
}

UbSystems::PlanarClos
UbSystems::HgxH100()
{
    PlanarClos p;
    p.name = "hgx-h100";
    p.kind = UbTopology::GPU;
    p.endpoints = 8;
    p.planes = 4;                   // 4 NVSwitch chips
    p.linksPerPlane = {5, 4, 4, 5}; // 18 NVLink4 links per GPU
    p.perLeaf = 8;
    p.lanes = 2; // NVLink4: x2 at 100 Gb/s (50 Gbaud PAM4)
    p.laneRateBps = 100000000000ULL;
    p.endpointLinkM = 0.3;
    return p;
}

UbSystems::PlanarClos
UbSystems::Nvl72()
{
    PlanarClos p;
    p.name = "gb200-nvl72";
    p.kind = UbTopology::GPU;
    p.endpoints = 72;
    p.planes = 18;  // 18 NVSwitch chips, one link from each GPU to each
    p.perLeaf = 72; // one chip per plane serves all 72 GPUs
    p.lanes = 2;    // NVLink5: 50 GB/s per direction per link as 2 x 200 Gb/s
    p.laneRateBps = 200000000000ULL;
    p.endpointLinkM = 1;
    return p;
}

UbSystems::PlanarClos
UbSystems::Nvl144()
{
    PlanarClos p = Nvl72();
    p.name = "nvl144";
    p.endpoints = 144; // Vera Rubin NVL144 counts 144 GPU dies (72 packages x 2)
    p.perLeaf = 144;   // inferred: 18 switch chips of 144 ports, one hop between any dies
    return p;
}

UbSystems::PlanarClos
UbSystems::Nvl576()
{
    PlanarClos p = Nvl72();
    p.name = "nvl576";
    p.endpoints = 576;
    p.perLeaf = 36;       // inferred: 72-port leaf chips, 36 GPUs down and 36 uplinks
    p.spinesPerPlane = 9; // 4 links from every leaf to each of 9 spine chips (64 ports)
    p.spineLinkM = 20;
    return p;
}

UbSystems::PlanarClos
UbSystems::FromPreset(const UbPreset& preset, PlanarClos p)
{
    auto num = [&](const char* key, uint32_t& out) {
        std::string k = std::string("topology::") + key;
        if (preset.Has(k))
        {
            out = static_cast<uint32_t>(preset.GetDouble(k));
        }
    };
    num("Endpoints", p.endpoints);
    num("Planes", p.planes);
    num("PerLeaf", p.perLeaf);
    num("SpinesPerPlane", p.spinesPerPlane);
    uint32_t lanes = p.lanes;
    num("LinkLanes", lanes);
    p.lanes = static_cast<uint16_t>(lanes);
    if (preset.Has("topology::LinkLaneRate"))
    {
        p.laneRateBps = DataRate(preset.Get("topology::LinkLaneRate")).GetBitRate();
    }
    if (preset.Has("topology::EndpointLinkLength"))
    {
        p.endpointLinkM = preset.GetDouble("topology::EndpointLinkLength");
    }
    if (preset.Has("topology::SpineLinkLength"))
    {
        p.spineLinkM = preset.GetDouble("topology::SpineLinkLength");
    }
    if (preset.Has("topology::LinksPerPlane"))
    {
        p.linksPerPlane.clear();
        std::istringstream in(preset.Get("topology::LinksPerPlane"));
        for (std::string tok; std::getline(in, tok, ',');)
        {
            p.linksPerPlane.push_back(static_cast<uint16_t>(std::stoul(tok)));
        }
    }
    return p;
}

UbTopology
UbSystems::FromPreset(const UbPreset& preset, uint32_t endpoints)
{
    NS_ABORT_MSG_IF(!preset.Has("topology::Builder"),
                    "UbSystems: preset '"
                        << preset.GetName()
                        << "' names no topology::Builder; add 'topology::Builder "
                           "= planar-clos' (or cloudmatrix, ub-mesh) with a source");
    std::string b = preset.Get("topology::Builder");
    if (b == "planar-clos")
    {
        PlanarClos p = FromPreset(preset, PlanarClos{});
        p.name = preset.GetName();
        if (preset.Has("topology::EndpointKind"))
        {
            std::string k = preset.Get("topology::EndpointKind");
            NS_ABORT_MSG_IF(k != "npu" && k != "gpu",
                            "UbSystems: preset '" << preset.GetName() << "': EndpointKind '" << k
                                                  << "' is not npu or gpu");
            p.kind = (k == "gpu") ? UbTopology::GPU : UbTopology::NPU;
        }
        if (endpoints)
        {
            p.endpoints = endpoints;
            if (p.endpoints <= p.perLeaf)
            {
                p.perLeaf = p.endpoints;
            }
        }
        return BuildPlanarClos(p);
    }
    if (b == "cloudmatrix")
    {
        auto dies = static_cast<uint32_t>(preset.GetDouble("topology::DiesPerNode"));
        uint32_t nodes = endpoints ? endpoints / dies : 48;
        NS_ABORT_MSG_IF(endpoints && (endpoints % dies != 0 || nodes == 0),
                        "UbSystems: a CloudMatrix has " << dies
                                                        << " dies per node; ask for a "
                                                           "multiple of "
                                                        << dies << " endpoints");
        PlanarClos p = CloudMatrix384(nodes);
        p.name = preset.GetName();
        p.endpoints = nodes * dies;
        p.perLeaf = dies;
        p.planes = static_cast<uint32_t>(preset.GetDouble("topology::L1PerNode"));
        p.spinesPerPlane = static_cast<uint32_t>(preset.GetDouble("topology::L2PerPlane"));
        p.lanes = 0;
        p.laneRateBps = 0;
        p.endpointLinkM = preset.GetDouble("topology::DieToL1CableLength");
        p.spineLinkM = preset.GetDouble("topology::L1ToL2CableLength");
        return BuildPlanarClos(p);
    }
    if (b == "ub-mesh")
    {
        UbTopology t = BuildUbMesh(UbMeshFromPreset(preset, endpoints));
        t.SetName(preset.GetName());
        return t;
    }
    if (b == "kary-ncube")
    {
        UbTopology t = BuildKaryNcube(KaryNcubeFromPreset(preset, endpoints));
        t.SetName(preset.GetName());
        return t;
    }
    NS_ABORT_MSG("UbSystems: preset '" << preset.GetName() << "' has topology::Builder = '" << b
                                       << "'; use planar-clos, cloudmatrix, ub-mesh or "
                                          "kary-ncube");
}

UbSystems::UbMesh
UbSystems::UbMeshFromPreset(const UbPreset& preset, uint32_t endpoints)
{
    UbMesh p;
    auto u32 = [&](const char* key, uint32_t& out) {
        std::string k = std::string("topology::") + key;
        if (preset.Has(k))
        {
            out = static_cast<uint32_t>(preset.GetDouble(k));
        }
    };
    auto u16 = [&](const char* key, uint16_t& out) {
        uint32_t v = out;
        u32(key, v);
        out = static_cast<uint16_t>(v);
    };
    u32("Pods", p.pods);
    u32("RackRows", p.rackRows);
    u32("RackCols", p.rackCols);
    u32("Boards", p.boards);
    u32("PerBoard", p.perBoard);
    u16("MeshLanes", p.meshLanes);
    u16("InterRackLanes", p.interRackLanes);
    u16("RackLinkLanes", p.rackLinkLanes);
    u16("BackupLanes", p.backupLanes);
    u32("HrsUplinks", p.hrsUplinks);
    u16("HrsLinkLanes", p.hrsLinkLanes);
    if (preset.Has("topology::Backup"))
    {
        p.backup = preset.Get("topology::Backup") == "true";
    }
    if (preset.Has("topology::LinkLaneRate"))
    {
        p.laneRateBps = DataRate(preset.Get("topology::LinkLaneRate")).GetBitRate();
    }
    if (endpoints)
    {
        uint32_t perPod = UbMeshNpus(p) / p.pods;
        NS_ABORT_MSG_IF(endpoints % perPod != 0,
                        "UbSystems: a UB-Mesh grows by pods of "
                            << perPod << " NPUs; ask for a multiple of " << perPod);
        p.pods = endpoints / perPod;
    }
    return p;
}

// ---------------------------------------------------------------------------------------------
// k-ary n-cube

namespace
{

void
CheckCube(const UbSystems::KaryNcube& p)
{
    NS_ABORT_MSG_IF(p.k < 2 || p.n < 1 || (p.torus && p.k < 3),
                    "UbSystems: a k-ary n-cube needs k >= 2 (>= 3 for a torus) and n >= 1; got k = "
                        << p.k << ", n = " << p.n);
    uint64_t size = 1;
    for (uint32_t i = 0; i < p.n; ++i)
    {
        size *= p.k;
        NS_ABORT_MSG_IF(size > (1U << 24),
                        "UbSystems: a " << p.k << "-ary " << p.n << "-cube has more than 2^24 "
                                        << "nodes; use fewer");
    }
}

} // namespace

UbSystems::KaryNcube
UbSystems::KaryNcubeFromPreset(const UbPreset& preset, uint32_t endpoints)
{
    KaryNcube p;
    p.k = static_cast<uint32_t>(preset.GetDouble("topology::Radix"));
    p.n = static_cast<uint32_t>(preset.GetDouble("topology::Dims"));
    p.torus = preset.Has("topology::Torus") && preset.Get("topology::Torus") == "true";
    if (preset.Has("topology::LinkLanes"))
    {
        p.lanes = static_cast<uint16_t>(preset.GetDouble("topology::LinkLanes"));
    }
    if (preset.Has("topology::LinkLaneRate"))
    {
        p.laneRateBps = DataRate(preset.Get("topology::LinkLaneRate")).GetBitRate();
    }
    if (preset.Has("topology::LinkLength"))
    {
        p.linkM = preset.GetDouble("topology::LinkLength");
    }
    CheckCube(p);
    uint32_t size = 1;
    for (uint32_t i = 0; i < p.n; ++i)
    {
        size *= p.k;
    }
    NS_ABORT_MSG_IF(endpoints != 0 && endpoints != size,
                    "UbSystems: preset '" << preset.GetName() << "' is a " << p.k << "-ary " << p.n
                                          << "-cube of " << size << " nodes; ask for " << size
                                          << " endpoints or 0");
    return p;
}

UbTopology
UbSystems::BuildKaryNcube(const KaryNcube& p)
{
    CheckCube(p);
    uint32_t size = 1;
    for (uint32_t i = 0; i < p.n; ++i)
    {
        size *= p.k;
    }
    UbTopology t;
    t.SetName(std::to_string(p.k) + "-ary " + std::to_string(p.n) + "-" +
              (p.torus ? "torus" : "mesh"));
    for (uint32_t v = 0; v < size; ++v)
    {
        std::string name = "n";
        for (uint32_t i = 0, r = v; i < p.n; ++i, r /= p.k)
        {
            name += (i ? "_" : "") + std::to_string(r % p.k);
        }
        t.AddNode(name, UbTopology::NPU, true);
    }
    uint32_t stride = 1;
    for (uint32_t i = 0; i < p.n; ++i, stride *= p.k)
    {
        for (uint32_t v = 0; v < size; ++v)
        {
            uint32_t x = (v / stride) % p.k;
            if (x + 1 < p.k)
            {
                t.AddLink(v, v + stride, p.lanes, p.laneRateBps, 0, p.linkM);
            }
            else if (p.torus)
            {
                t.AddLink(v, v - x * stride, p.lanes, p.laneRateBps, 0, p.linkM); // wrap
            }
        }
    }
    return t;
}

UbRouteSet
UbSystems::KaryNcubeRoutes(const UbTopology& t, const KaryNcube& p)
{
    CheckCube(p);
    const uint32_t k = p.k;
    auto port = [&t](uint32_t v, uint32_t u) {
        for (uint32_t q = 0; q < t.GetDegree(v); ++q)
        {
            if (t.GetPorts(v)[q].peer == u)
            {
                return static_cast<uint16_t>(q);
            }
        }
        NS_FATAL_ERROR("UbSystems::KaryNcubeRoutes: node " << v << " has no link to " << u
                                                           << "; build the topology with "
                                                              "BuildKaryNcube and the same "
                                                              "parameters");
    };
    auto f = [&](uint32_t v, uint32_t d, std::vector<UbRouteCandidate>& out) {
        uint32_t stride = 1;
        for (uint32_t i = 0; i < p.n; ++i, stride *= k)
        {
            uint32_t xv = (v / stride) % k;
            uint32_t xd = (d / stride) % k;
            if (xv == xd)
            {
                continue;
            }
            bool up;
            uint8_t vl = 0;
            if (!p.torus)
            {
                up = xd > xv;
            }
            else
            {
                up = (xd + k - xv) % k <= k / 2;
                // Dateline: VL 0 while the rest of the way still wraps, VL 1 after.
                vl = up ? (xv < xd ? 1 : 0) : (xv > xd ? 1 : 0);
            }
            uint32_t xn = up ? (xv + 1) % k : (xv + k - 1) % k;
            uint32_t u = v - xv * stride + xn * stride;
            out.push_back(UbRouteCandidate{port(v, u), vl, 0});
            return;
        }
    };
    return UbTopologyRouting::FromFunction(t, f);
}

// ---------------------------------------------------------------------------------------------
// UB-Mesh

uint32_t
UbSystems::UbMeshNpus(const UbMesh& p)
{
    return p.pods * p.rackRows * p.rackCols * p.boards * p.perBoard;
}

namespace
{

/// Index arithmetic of a UB-Mesh topology built by BuildUbMesh.
struct MeshIndex
{
    uint32_t racksPerPod;
    uint32_t racks;
    uint32_t perRack;
    uint32_t npus;
    uint32_t backupBase;
    uint32_t lrsBase;
    uint32_t hrsBase;
    uint32_t lrsPerRack;

    explicit MeshIndex(const UbSystems::UbMesh& p)
    {
        racksPerPod = p.rackRows * p.rackCols;
        racks = p.pods * racksPerPod;
        perRack = p.boards * p.perBoard;
        npus = racks * perRack;
        backupBase = npus;
        lrsBase = backupBase + (p.backup ? racks : 0);
        lrsPerRack = p.perBoard; // LRS i serves the NPUs at board position i
        hrsBase = lrsBase + racks * lrsPerRack;
    }

    uint32_t Npu(uint32_t rack, uint32_t b, uint32_t i, const UbSystems::UbMesh& p) const
    {
        return rack * perRack + b * p.perBoard + i;
    }

    uint32_t Lrs(uint32_t rack, uint32_t i) const
    {
        return lrsBase + rack * lrsPerRack + i;
    }
};

} // namespace

UbTopology
UbSystems::BuildUbMesh(const UbMesh& p)
{
    NS_ABORT_MSG_IF(p.pods == 0 || p.rackRows == 0 || p.rackCols == 0 || p.boards < 2 ||
                        p.perBoard < 2,
                    "UbSystems: UB-Mesh needs pods, rack rows and columns >= 1 and boards and "
                    "NPUs per board >= 2");
    NS_ABORT_MSG_IF(p.interRackLanes < 1 || p.interRackLanes > 255,
                    "UbSystems: UB-Mesh interRackLanes=" << p.interRackLanes
                                                         << " is out of range; use x4 ... x32");
    NS_ABORT_MSG_IF(p.rackLinkLanes % p.perBoard != 0,
                    "UbSystems: UB-Mesh rackLinkLanes=" << p.rackLinkLanes
                                                        << " must split evenly over the "
                                                        << p.perBoard << " LRSs of a rack");
    MeshIndex ix(p);
    UbTopology t("ub-mesh-" + std::to_string(UbMeshNpus(p)));
    // UB ports have 1, 2, 4 or 8 lanes: a wider link is several parallel ports of portLanes.
    auto addLink =
        [&t, &p](uint32_t a, uint32_t b, uint16_t lanes, uint64_t rate, uint8_t tier, double len) {
            uint16_t per = std::min(lanes, p.portLanes);
            NS_ABORT_MSG_IF(lanes % per != 0,
                            "UbSystems: UB-Mesh link of " << lanes << " lanes does not split into x"
                                                          << per << " ports");
            for (uint16_t k = 0; k < lanes / per; ++k)
            {
                t.AddLink(a, b, per, rate, tier, len);
            }
        };
    auto rackName = [&](uint32_t r) {
        uint32_t pod = r / ix.racksPerPod;
        uint32_t inPod = r % ix.racksPerPod;
        return "pod" + std::to_string(pod) + ".r" + std::to_string(inPod / p.rackCols) + "c" +
               std::to_string(inPod % p.rackCols);
    };
    for (uint32_t r = 0; r < ix.racks; ++r)
    {
        for (uint32_t b = 0; b < p.boards; ++b)
        {
            for (uint32_t i = 0; i < p.perBoard; ++i)
            {
                t.AddNode(rackName(r) + ".npu" + std::to_string(b) + "_" + std::to_string(i),
                          UbTopology::NPU,
                          true);
            }
        }
    }
    if (p.backup)
    {
        for (uint32_t r = 0; r < ix.racks; ++r)
        {
            t.AddNode(rackName(r) + ".backup", UbTopology::NPU, false);
        }
    }
    for (uint32_t r = 0; r < ix.racks; ++r)
    {
        for (uint32_t i = 0; i < ix.lrsPerRack; ++i)
        {
            t.AddNode(rackName(r) + ".lrs" + std::to_string(i), UbTopology::SWITCH);
        }
    }
    if (p.hrsUplinks > 0)
    {
        for (uint32_t i = 0; i < ix.lrsPerRack; ++i)
        {
            for (uint32_t u = 0; u < p.hrsUplinks; ++u)
            {
                t.AddNode("hrs" + std::to_string(i) + "_" + std::to_string(u), UbTopology::SWITCH);
            }
        }
    }
    // Tier 0: the 2D full mesh of each rack (X within a board, Y across boards).
    for (uint32_t r = 0; r < ix.racks; ++r)
    {
        for (uint32_t b = 0; b < p.boards; ++b)
        {
            for (uint32_t i = 0; i < p.perBoard; ++i)
            {
                for (uint32_t j = i + 1; j < p.perBoard; ++j)
                {
                    addLink(ix.Npu(r, b, i, p),
                            ix.Npu(r, b, j, p),
                            p.meshLanes,
                            p.laneRateBps,
                            0,
                            p.meshLinkM);
                }
                for (uint32_t b2 = b + 1; b2 < p.boards; ++b2)
                {
                    addLink(ix.Npu(r, b, i, p),
                            ix.Npu(r, b2, i, p),
                            p.meshLanes,
                            p.laneRateBps,
                            0,
                            p.meshLinkM);
                }
            }
        }
    }
    // Tier 1: NPU (and backup) to the rack's LRSs.
    for (uint32_t r = 0; r < ix.racks; ++r)
    {
        for (uint32_t b = 0; b < p.boards; ++b)
        {
            for (uint32_t i = 0; i < p.perBoard; ++i)
            {
                addLink(ix.Npu(r, b, i, p),
                        ix.Lrs(r, i),
                        p.interRackLanes,
                        p.laneRateBps,
                        1,
                        p.meshLinkM);
            }
        }
        if (p.backup)
        {
            for (uint32_t i = 0; i < ix.lrsPerRack; ++i)
            {
                addLink(ix.backupBase + r,
                        ix.Lrs(r, i),
                        p.backupLanes,
                        p.laneRateBps,
                        1,
                        p.meshLinkM);
            }
        }
    }
    // Tier 2: racks of a pod in a 2D full mesh (same row or same column), LRS i to LRS i.
    const auto perLrs = static_cast<uint16_t>(p.rackLinkLanes / p.perBoard);
    for (uint32_t pod = 0; pod < p.pods; ++pod)
    {
        for (uint32_t a = 0; a < ix.racksPerPod; ++a)
        {
            for (uint32_t b = a + 1; b < ix.racksPerPod; ++b)
            {
                bool sameRow = a / p.rackCols == b / p.rackCols;
                bool sameCol = a % p.rackCols == b % p.rackCols;
                if (!sameRow && !sameCol)
                {
                    continue;
                }
                for (uint32_t i = 0; i < ix.lrsPerRack; ++i)
                {
                    addLink(ix.Lrs(pod * ix.racksPerPod + a, i),
                            ix.Lrs(pod * ix.racksPerPod + b, i),
                            perLrs,
                            p.laneRateBps,
                            2,
                            p.rackLinkM);
                }
            }
        }
    }
    // Tier 3: HRS plane i links LRS i of every rack.
    for (uint32_t i = 0; i < ix.lrsPerRack && p.hrsUplinks > 0; ++i)
    {
        for (uint32_t u = 0; u < p.hrsUplinks; ++u)
        {
            for (uint32_t r = 0; r < ix.racks; ++r)
            {
                addLink(ix.Lrs(r, i),
                        ix.hrsBase + i * p.hrsUplinks + u,
                        p.hrsLinkLanes,
                        p.laneRateBps,
                        3,
                        p.hrsLinkM);
            }
        }
    }
    return t;
}

UbRouteSet
UbSystems::UbMeshRoutes(const UbTopology& t, const UbMesh& p, uint32_t policy)
{
    MeshIndex ix(p);
    NS_ABORT_MSG_IF(t.GetNNodes() != ix.hrsBase + (p.hrsUplinks ? ix.lrsPerRack * p.hrsUplinks : 0),
                    "UbSystems::UbMeshRoutes: the topology was not built from these parameters");
    NS_ABORT_MSG_IF((policy & BORROW) && p.hrsUplinks == 0,
                    "UbSystems::UbMeshRoutes: BORROW needs HRS chips; set hrsUplinks > 0");
    NS_ABORT_MSG_IF(p.pods > 1 && p.hrsUplinks == 0,
                    "UbSystems: UB-Mesh pods are joined by HRS chips; set hrsUplinks > 0");
    // Sorted (peer, port) of every node, to find the port toward a neighbour.
    std::vector<std::vector<std::pair<uint32_t, uint16_t>>> nb(t.GetNNodes());
    for (uint32_t v = 0; v < t.GetNNodes(); ++v)
    {
        const auto* ports = t.GetPorts(v);
        for (uint32_t k = 0; k < t.GetDegree(v); ++k)
        {
            nb[v].emplace_back(ports[k].peer, static_cast<uint16_t>(k));
        }
        std::sort(nb[v].begin(), nb[v].end());
    }
    auto add = [&nb](std::vector<UbRouteCandidate>& out,
                     uint32_t v,
                     uint32_t u,
                     uint8_t vl,
                     uint8_t flags = 0) {
        auto it = std::lower_bound(nb[v].begin(), nb[v].end(), std::make_pair(u, uint16_t(0)));
        NS_ABORT_MSG_IF(it == nb[v].end() || it->first != u,
                        "UbSystems::UbMeshRoutes: node " << v << " has no link to " << u);
        for (; it != nb[v].end() && it->first == u; ++it)
        {
            out.push_back(UbRouteCandidate{it->second, vl, flags});
        }
    };
    const uint8_t SO = UbRouteCandidate::SOURCE_ONLY;
    auto hrs = [&](std::vector<UbRouteCandidate>& out, uint32_t v, uint32_t i) {
        for (uint32_t u = 0; u < p.hrsUplinks; ++u)
        {
            add(out, v, ix.hrsBase + i * p.hrsUplinks + u, 0);
        }
    };

    auto f = [&](uint32_t v, uint32_t d, std::vector<UbRouteCandidate>& out) {
        bool dBackup = d >= ix.npus;
        uint32_t rd = dBackup ? d - ix.backupBase : d / ix.perRack;
        uint32_t bd = dBackup ? 0 : (d % ix.perRack) / p.perBoard;
        uint32_t id = dBackup ? 0 : d % p.perBoard;
        if (v < ix.npus)
        {
            uint32_t rv = v / ix.perRack;
            uint32_t bv = (v % ix.perRack) / p.perBoard;
            uint32_t iv = v % p.perBoard;
            if (rv != rd || dBackup)
            {
                add(out, v, ix.Lrs(rv, iv), 0);
                if ((policy & DETOUR) && !dBackup)
                {
                    // Spread over the rack's other LRS planes through one board neighbour.
                    for (uint32_t j = 0; j < p.perBoard; ++j)
                    {
                        if (j != iv)
                        {
                            add(out, v, ix.Npu(rv, bv, j, p), 0, SO);
                        }
                    }
                }
            }
            else if (bv == bd)
            {
                add(out, v, d, 1);
                if (policy & DETOUR)
                {
                    for (uint32_t j = 0; j < p.perBoard; ++j)
                    {
                        if (j != iv && j != id)
                        {
                            add(out, v, ix.Npu(rv, bv, j, p), 0, SO);
                        }
                    }
                }
            }
            else if (iv == id)
            {
                add(out, v, d, 1);
                if (policy & DETOUR)
                {
                    for (uint32_t b = 0; b < p.boards; ++b)
                    {
                        if (b != bv && b != bd)
                        {
                            add(out, v, ix.Npu(rv, b, iv, p), 0, SO);
                        }
                    }
                }
            }
            else
            {
                add(out, v, ix.Npu(rv, bv, id, p), 0); // X first
                add(out, v, ix.Npu(rv, bd, iv, p), 0); // Y first
            }
            return;
        }
        if (v < ix.lrsBase)
        {
            // A backup NPU (source only).
            uint32_t rv = v - ix.backupBase;
            if (rv == rd && !dBackup)
            {
                add(out, v, ix.Lrs(rv, id), 0);
            }
            else
            {
                for (uint32_t i = 0; i < ix.lrsPerRack; ++i)
                {
                    add(out, v, ix.Lrs(rv, i), 0);
                }
            }
            return;
        }
        if (v < ix.hrsBase)
        {
            uint32_t rl = (v - ix.lrsBase) / ix.lrsPerRack;
            uint32_t il = (v - ix.lrsBase) % ix.lrsPerRack;
            if (rl == rd)
            {
                if (dBackup || id == il)
                {
                    add(out, v, d, 1);
                }
                else
                {
                    add(out, v, ix.Npu(rl, bd, il, p), 0);
                }
                return;
            }
            uint32_t podL = rl / ix.racksPerPod;
            uint32_t podD = rd / ix.racksPerPod;
            if (podL != podD)
            {
                hrs(out, v, il);
                return;
            }
            uint32_t a = rl % ix.racksPerPod;
            uint32_t b = rd % ix.racksPerPod;
            uint32_t ra = a / p.rackCols;
            uint32_t cb = b % p.rackCols;
            if (ra == b / p.rackCols || a % p.rackCols == cb)
            {
                add(out, v, ix.Lrs(rd, il), 0);
            }
            else
            {
                // Row first: to the rack in this row and the destination's column.
                add(out, v, ix.Lrs(podL * ix.racksPerPod + ra * p.rackCols + cb, il), 0);
            }
            if (policy & BORROW)
            {
                hrs(out, v, il);
            }
            return;
        }
        // An HRS: down to the destination rack's LRS of this plane.
        uint32_t ih = (v - ix.hrsBase) / p.hrsUplinks;
        add(out, v, ix.Lrs(rd, ih), 0);
    };
    return UbTopologyRouting::FromFunction(t, f);
}

double
UbSystems::EndpointBandwidthBps(const UbTopology& t, uint8_t tierMax)
{
    double sum = 0;
    for (uint32_t l = 0; l < t.GetNLinks(); ++l)
    {
        const auto& k = t.GetLink(l);
        if (k.tier > tierMax)
        {
            continue;
        }
        double bw = static_cast<double>(k.lanes) * static_cast<double>(k.laneRateBps);
        // Both directions of the link, counted at each endpoint it touches.
        sum += (t.IsEndpoint(k.a) ? 2 * bw : 0) + (t.IsEndpoint(k.b) ? 2 * bw : 0);
    }
    return sum;
}

} // namespace ns3
