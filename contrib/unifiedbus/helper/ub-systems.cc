/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-systems.h"

#include "ub-preset.h"

#include "ns3/abort.h"
#include "ns3/data-rate.h"
#include "ns3/ub-error.h"

#include <algorithm>
#include <sstream>

namespace ns3
{

UbTopology
UbSystems::FromPreset(const UbPreset& preset, uint32_t endpoints)
{
    UB_INPUT_ERROR_IF(!preset.Has("topology::Builder"),
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
            UB_INPUT_ERROR_IF(k != "npu" && k != "gpu",
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
        auto dies = preset.GetCount("topology::DiesPerNode");
        uint32_t nodes = endpoints ? endpoints / dies : 48;
        UB_INPUT_ERROR_IF(endpoints && (endpoints % dies != 0 || nodes == 0),
                          "UbSystems: a CloudMatrix has " << dies
                                                          << " dies per node; ask for a "
                                                             "multiple of "
                                                          << dies << " endpoints");
        PlanarClos p = CloudMatrix384(nodes);
        p.name = preset.GetName();
        p.endpoints = nodes * dies;
        p.perLeaf = dies;
        p.planes = preset.GetCount("topology::L1PerNode");
        p.spinesPerPlane = preset.GetCount("topology::L2PerPlane");
        p.lanes = 0;
        p.laneRateBps = 0;
        p.endpointLinkM = preset.GetNonNegative("topology::DieToL1CableLength", 100000);
        p.spineLinkM = preset.GetNonNegative("topology::L1ToL2CableLength", 100000);
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
    UB_INPUT_ERROR("UbSystems: preset '" << preset.GetName() << "' has topology::Builder = '" << b
                                         << "'; use planar-clos, cloudmatrix, ub-mesh or "
                                            "kary-ncube");
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
