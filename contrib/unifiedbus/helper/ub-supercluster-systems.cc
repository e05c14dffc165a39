/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-supercluster-systems.h"

#include "ub-preset.h"

#include "ns3/abort.h"
#include "ns3/data-rate.h"
#include "ns3/ub-error.h"

#include <algorithm>
#include <sstream>

namespace ns3
{

uint32_t
UbSuperClusterSystems::AddScaleOut(UbTopology& t, uint32_t first, uint32_t count, const ScaleOut& p)
{
    const uint32_t half = p.radix / 2;
    UB_INPUT_ERROR_IF(p.radix < 2 || p.planes == 0,
                      "UbSystems: scale-out needs radix >= 2 and planes >= 1");
    // The last leaf may be partly used (72-GPU NVLink domains do not fill 64-port leaves).
    const uint32_t leaves = (count + half - 1) / half;
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
        // switch j of every group links to the cores of column j. When the groups fill the
        // cores' ports evenly, a column has groups / 2 cores, each with `radix` ports;
        // otherwise (a partly filled last group, an odd count) it has `half` cores with one
        // link from each aggregation switch, each core using `groups` of its ports.
        const uint32_t groups = (leaves + half - 1) / half;
        UB_INPUT_ERROR_IF(groups > p.radix,
                          "UbSystems: scale-out over "
                              << count << " endpoints: " << groups
                              << " leaf groups do not fit radix-" << p.radix << " cores (at most "
                              << p.radix * half * half << " endpoints); use larger switches");
        const bool even =
            leaves % half == 0 && groups > 1 && groups % 2 == 0 && half % (groups / 2) == 0;
        const uint32_t cores = even ? groups / 2 : half; // per column
        const uint32_t m = half / cores;
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

UbSuperClusterSystems::SuperCluster::SuperCluster()
    : pod(UbClosSystems::Atlas950(1024))
{
}

UbTopology
UbSuperClusterSystems::BuildSuperCluster(const SuperCluster& p)
{
    UB_INPUT_ERROR_IF(p.pods == 0, "UbSystems: a SuperCluster needs at least one SuperPoD");
    UbTopology t("supercluster-" + std::to_string(p.pods) + "x" + std::to_string(p.pod.endpoints));
    const char* ep = UbTopology::KindName(p.pod.kind);
    for (uint32_t k = 0; k < p.pods; ++k)
    {
        for (uint32_t e = 0; e < p.pod.endpoints; ++e)
        {
            t.AddNode("pod" + std::to_string(k) + "." + ep + std::to_string(e), p.pod.kind);
        }
    }
    for (uint32_t k = 0; k < (p.onePod ? 1 : p.pods); ++k)
    {
        UbClosSystems::PlanarClos pod = p.pod;
        pod.prefix = "pod" + std::to_string(k) + ".";
        UbClosSystems::AddPlanarClosFabric(t, pod, k * p.pod.endpoints);
    }
    AddScaleOut(t, 0, p.pods * p.pod.endpoints, p.scaleOut);
    return t;
}

std::vector<uint32_t>
UbSuperClusterSystems::Partition(const UbTopology& t, const SuperCluster& p, uint32_t ranks)
{
    UB_INPUT_ERROR_IF(ranks == 0 || ranks > p.pods,
                      "UbSystems: a SuperCluster of "
                          << p.pods << " SuperPoDs is split by SuperPoD "
                          << "over 1 to " << p.pods << " processes, not " << ranks);
    UB_INPUT_ERROR_IF(p.onePod,
                      "UbSystems: a SuperCluster holding one SuperPoD for all (flow "
                      "level) is not split over processes");
    const uint32_t n = t.GetNNodes();
    const uint32_t npus = p.pods * p.pod.endpoints;
    auto rankOfPod = [&](uint64_t k) { return static_cast<uint32_t>(k * ranks / p.pods); };
    std::vector<uint32_t> rank(n, 0);
    uint32_t dealt = 0;
    for (uint32_t i = 0; i < n; ++i)
    {
        const std::string& name = t.GetNode(i).name;
        if (i < npus)
        {
            rank[i] = rankOfPod(i / p.pod.endpoints);
        }
        else if (name.rfind("pod", 0) == 0)
        {
            rank[i] = rankOfPod(std::stoul(name.substr(3, name.find('.') - 3)));
        }
        else
        {
            // Scale-out: a leaf goes with its first NPU, the switches above are dealt out.
            uint32_t npu = UINT32_MAX;
            for (uint32_t k = 0; k < t.GetDegree(i); ++k)
            {
                const uint32_t other = t.GetPorts(i)[k].peer;
                npu = other < npus ? std::min(npu, other) : npu;
            }
            rank[i] = npu != UINT32_MAX ? rank[npu] : dealt++ % ranks;
        }
    }
    return rank;
}

} // namespace ns3
