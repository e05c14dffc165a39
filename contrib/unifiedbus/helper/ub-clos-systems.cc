/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-clos-systems.h"

#include "ub-preset.h"

#include "ns3/abort.h"
#include "ns3/data-rate.h"
#include "ns3/ub-error.h"
#include "ns3/ub-list.h"

#include <algorithm>
#include <sstream>

namespace ns3
{

uint32_t
UbClosSystems::AddPlanarClos(UbTopology& t, const PlanarClos& p)
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
UbClosSystems::AddPlanarClosFabric(UbTopology& t, const PlanarClos& p, uint32_t first)
{
    UB_INPUT_ERROR_IF(p.endpoints == 0 || p.planes == 0 || p.perLeaf == 0,
                      "UbSystems: Clos '" << p.name << "' needs endpoints, planes and perLeaf > 0");
    UB_INPUT_ERROR_IF(p.endpoints % p.perLeaf != 0,
                      "UbSystems: Clos '" << p.name << "': " << p.endpoints
                                          << " endpoints do not fill leaves of " << p.perLeaf
                                          << "; use a multiple of " << p.perLeaf);
    UB_INPUT_ERROR_IF(!p.linksPerPlane.empty() && p.linksPerPlane.size() != p.planes,
                      "UbSystems: Clos '" << p.name << "': linksPerPlane has "
                                          << p.linksPerPlane.size() << " entries for " << p.planes
                                          << " planes");
    const uint32_t leaves = p.endpoints / p.perLeaf;
    const bool twoTier = leaves > 1;
    uint32_t mult = 0;
    if (twoTier)
    {
        UB_INPUT_ERROR_IF(p.spinesPerPlane == 0 || p.perLeaf % p.spinesPerPlane != 0,
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

UbTopology
UbClosSystems::BuildPlanarClos(const PlanarClos& p)
{
    UbTopology t(p.name);
    AddPlanarClos(t, p);
    return t;
}

UbClosSystems::PlanarClos
UbClosSystems::CloudMatrix384(uint32_t nodes)
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

UbClosSystems::PlanarClos
UbClosSystems::Atlas950(uint32_t npus)
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

UbClosSystems::PlanarClos
UbClosSystems::Atlas960(uint32_t npus)
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

UbClosSystems::PlanarClos
UbClosSystems::HgxH100()
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

UbClosSystems::PlanarClos
UbClosSystems::Nvl72()
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

UbClosSystems::PlanarClos
UbClosSystems::Nvl144()
{
    PlanarClos p = Nvl72();
    p.name = "nvl144";
    p.endpoints = 144; // Vera Rubin NVL144 counts 144 GPU dies (72 packages x 2)
    p.perLeaf = 144;   // inferred: 18 switch chips of 144 ports, one hop between any dies
    return p;
}

UbClosSystems::PlanarClos
UbClosSystems::Nvl576()
{
    PlanarClos p = Nvl72();
    p.name = "nvl576";
    p.endpoints = 576;
    p.perLeaf = 36;       // inferred: 72-port leaf chips, 36 GPUs down and 36 uplinks
    p.spinesPerPlane = 9; // 4 links from every leaf to each of 9 spine chips (64 ports)
    p.spineLinkM = 20;
    return p;
}

UbClosSystems::PlanarClos
UbClosSystems::FromPreset(const UbPreset& preset, PlanarClos p)
{
    auto num = [&](const char* key, uint32_t& out) {
        std::string k = std::string("topology::") + key;
        if (preset.Has(k))
        {
            out = preset.GetCount(k);
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
        p.endpointLinkM = preset.GetNonNegative("topology::EndpointLinkLength", 100000);
    }
    if (preset.Has("topology::SpineLinkLength"))
    {
        p.spineLinkM = preset.GetNonNegative("topology::SpineLinkLength", 100000);
    }
    if (preset.Has("topology::LinksPerPlane"))
    {
        std::vector<uint64_t> links;
        UB_INPUT_ERROR_IF(!UbParseUnsignedList(preset.Get("topology::LinksPerPlane"), links, 255),
                          "UbSystems: topology::LinksPerPlane = '"
                              << preset.Get("topology::LinksPerPlane")
                              << "' is not a list of link counts (0..255) such as 5,4,4,5");
        p.linksPerPlane.assign(links.begin(), links.end());
    }
    return p;
}

} // namespace ns3
