/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-kary-ncube-systems.h"

#include "ub-preset.h"

#include "ns3/abort.h"
#include "ns3/data-rate.h"
#include "ns3/ub-error.h"

#include <algorithm>
#include <sstream>

namespace ns3
{

// k-ary n-cube

namespace
{

void
CheckCube(const UbKaryNcubeSystems::KaryNcube& p)
{
    UB_INPUT_ERROR_IF(
        p.k < 2 || p.n < 1 || (p.torus && p.k < 3),
        "UbSystems: a k-ary n-cube needs k >= 2 (>= 3 for a torus) and n >= 1; got k = "
            << p.k << ", n = " << p.n);
    UB_INPUT_ERROR_IF(
        p.vls < 1 || p.vls > 16 || (p.torus && p.vls < 2),
        "UbSystems: a k-ary n-cube "
            << (p.torus ? "torus needs 2 to 16 VLs (dateline)" : "mesh needs 1 to 16 VLs")
            << "; got UbNetDevice::VlCount = " << +p.vls);
    uint64_t size = 1;
    for (uint32_t i = 0; i < p.n; ++i)
    {
        size *= p.k;
        UB_INPUT_ERROR_IF(size > (1U << 24),
                          "UbSystems: a " << p.k << "-ary " << p.n << "-cube has more than 2^24 "
                                          << "nodes; use fewer");
    }
}

} // namespace

UbKaryNcubeSystems::KaryNcube
UbKaryNcubeSystems::KaryNcubeFromPreset(const UbPreset& preset, uint32_t endpoints)
{
    KaryNcube p;
    p.k = preset.GetCount("topology::Radix");
    p.n = preset.GetCount("topology::Dims");
    p.torus = preset.Has("topology::Torus") && preset.Get("topology::Torus") == "true";
    if (preset.Has("topology::TorusTies"))
    {
        const std::string v = preset.Get("topology::TorusTies");
        if (v == "Up")
        {
            p.ties = TIES_UP;
        }
        else if (v == "Split")
        {
            p.ties = TIES_SPLIT;
        }
        else if (v == "Both")
        {
            p.ties = TIES_BOTH;
        }
        else
        {
            UB_INPUT_ERROR("UbSystems: preset '" << preset.GetName() << "': topology::TorusTies = "
                                                 << v << " is not one of Up, Split, Both");
        }
    }
    p.terminals = preset.Has("topology::Terminals") && preset.Get("topology::Terminals") == "true";
    if (preset.Has("topology::LinkLanes"))
    {
        p.lanes = static_cast<uint16_t>(preset.GetCount("topology::LinkLanes", 255));
    }
    if (preset.Has("topology::LinkLaneRate"))
    {
        p.laneRateBps = DataRate(preset.Get("topology::LinkLaneRate")).GetBitRate();
    }
    if (preset.Has("topology::LinkLength"))
    {
        p.linkM = preset.GetNonNegative("topology::LinkLength", 100000);
    }
    if (preset.Has("UbNetDevice::VlCount"))
    {
        p.vls = static_cast<uint8_t>(preset.GetCount("UbNetDevice::VlCount", 255));
    }
    CheckCube(p);
    uint32_t size = 1;
    for (uint32_t i = 0; i < p.n; ++i)
    {
        size *= p.k;
    }
    UB_INPUT_ERROR_IF(endpoints != 0 && endpoints != size,
                      "UbSystems: preset '" << preset.GetName() << "' is a " << p.k << "-ary "
                                            << p.n << "-cube of " << size << " nodes; ask for "
                                            << size << " endpoints or 0");
    return p;
}

UbTopology
UbKaryNcubeSystems::BuildKaryNcube(const KaryNcube& p)
{
    CheckCube(p);
    uint32_t size = 1;
    for (uint32_t i = 0; i < p.n; ++i)
    {
        size *= p.k;
    }
    UbTopology t;
    t.SetName(std::to_string(p.k) + "-ary " + std::to_string(p.n) + "-" +
              (p.torus ? "torus" : "mesh") + (p.terminals ? " with terminals" : ""));
    auto coords = [&p](uint32_t v) {
        std::string c;
        for (uint32_t i = 0, r = v; i < p.n; ++i, r /= p.k)
        {
            c += (i ? "_" : "") + std::to_string(r % p.k);
        }
        return c;
    };
    for (uint32_t v = 0; v < size; ++v)
    {
        // Terminals do not forward; without them the endpoint is the router.
        t.AddNode("n" + coords(v), UbTopology::NPU, !p.terminals);
    }
    // Router of coordinate index c.
    const uint32_t base = p.terminals ? size : 0;
    if (p.terminals)
    {
        for (uint32_t v = 0; v < size; ++v)
        {
            t.AddNode("r" + coords(v), UbTopology::SWITCH);
        }
        for (uint32_t v = 0; v < size; ++v)
        {
            // Injection and ejection channels: tier 0, as endpoint links are.
            t.AddLink(v, base + v, p.lanes, p.laneRateBps, 0, p.linkM);
        }
    }
    const uint8_t tier = p.terminals ? 1 : 0; // router to router
    uint32_t stride = 1;
    for (uint32_t i = 0; i < p.n; ++i, stride *= p.k)
    {
        for (uint32_t v = 0; v < size; ++v)
        {
            uint32_t x = (v / stride) % p.k;
            if (x + 1 < p.k)
            {
                t.AddLink(base + v, base + v + stride, p.lanes, p.laneRateBps, tier, p.linkM);
            }
            else if (p.torus)
            {
                t.AddLink(base + v,
                          base + v - x * stride,
                          p.lanes,
                          p.laneRateBps,
                          tier,
                          p.linkM); // wrap
            }
        }
    }
    return t;
}

UbRouteSet
UbKaryNcubeSystems::KaryNcubeRoutes(const UbTopology& t, const KaryNcube& p)
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
        UB_INPUT_ERROR("UbKaryNcubeSystems::KaryNcubeRoutes: node "
                       << v << " has no link to " << u
                       << "; build the topology with "
                          "BuildKaryNcube and the same "
                          "parameters");
    };
    uint32_t size = 1;
    for (uint32_t i = 0; i < p.n; ++i)
    {
        size *= k;
    }
    const uint32_t base = p.terminals ? size : 0;
    auto f = [&](uint32_t node, uint32_t d, std::vector<UbRouteCandidate>& out) {
        // Injection and ejection channels and mesh hops cannot close a cycle: any VL will do.
        const uint8_t all = p.vls;
        if (p.terminals && node < size)
        {
            out.push_back(UbRouteCandidate{0, 0, 0, all}); // a terminal's only link: injection
            return;
        }
        const uint32_t v = node - base; // the router's coordinate index
        if (p.terminals && v == d)
        {
            out.push_back(UbRouteCandidate{port(node, d), 0, 0, all}); // ejection
            return;
        }
        const auto half = static_cast<uint8_t>(p.vls / 2);
        uint32_t stride = 1;
        for (uint32_t i = 0; i < p.n; ++i, stride *= k)
        {
            uint32_t xv = (v / stride) % k;
            uint32_t xd = (d / stride) % k;
            if (xv == xd)
            {
                continue;
            }
            // Dateline: the lower half of the VLs while the rest of the way still wraps, the
            // upper half after.
            auto hop = [&](bool up) {
                bool after = up ? xv < xd : xv > xd;
                uint8_t vl = !p.torus ? 0 : after ? half : 0;
                uint8_t span = !p.torus ? all : half;
                uint32_t xn = up ? (xv + 1) % k : (xv + k - 1) % k;
                out.push_back(UbRouteCandidate{port(node, base + v - xv * stride + xn * stride),
                                               vl,
                                               0,
                                               span});
            };
            if (!p.torus)
            {
                hop(xd > xv);
                return;
            }
            const uint32_t upward = (xd + k - xv) % k;
            if (k % 2 != 0 || upward != k / 2)
            {
                hop(upward < k / 2 || (k % 2 != 0 && upward == k / 2));
                return;
            }
            // A tie: k/2 hops either way. Only the node where the packet enters the dimension
            // meets it (one hop on, the way it took is the shorter), so the choice made here
            // holds for the rest of the dimension.
            switch (p.ties)
            {
            case TIES_UP:
                hop(true);
                break;
            case TIES_SPLIT:
                hop(xv % 2 == 0);
                break;
            case TIES_BOTH:
                hop(true);
                hop(false);
                break;
            }
            return;
        }
    };
    return UbTopologyRouting::FromFunction(t, f);
}

} // namespace ns3
