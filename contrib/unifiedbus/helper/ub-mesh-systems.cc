/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-mesh-systems.h"

#include "ub-preset.h"

#include "ns3/abort.h"
#include "ns3/data-rate.h"
#include "ns3/ub-error.h"

#include <algorithm>
#include <sstream>

namespace ns3
{

UbMeshSystems::UbMesh
UbMeshSystems::UbMeshFromPreset(const UbPreset& preset, uint32_t endpoints)
{
    UbMesh p;
    auto u32 = [&](const char* key, uint32_t& out) {
        std::string k = std::string("topology::") + key;
        if (preset.Has(k))
        {
            out = preset.GetCount(k);
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
        UB_INPUT_ERROR_IF(endpoints % perPod != 0,
                          "UbSystems: a UB-Mesh grows by pods of "
                              << perPod << " NPUs; ask for a multiple of " << perPod);
        p.pods = endpoints / perPod;
    }
    return p;
}

uint32_t
UbMeshSystems::UbMeshNpus(const UbMesh& p)
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

    explicit MeshIndex(const UbMeshSystems::UbMesh& p)
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

    uint32_t Npu(uint32_t rack, uint32_t b, uint32_t i, const UbMeshSystems::UbMesh& p) const
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
UbMeshSystems::BuildUbMesh(const UbMesh& p)
{
    UB_INPUT_ERROR_IF(p.pods == 0 || p.rackRows == 0 || p.rackCols == 0 || p.boards < 2 ||
                          p.perBoard < 2,
                      "UbSystems: UB-Mesh needs pods, rack rows and columns >= 1 and boards and "
                      "NPUs per board >= 2");
    UB_INPUT_ERROR_IF(p.interRackLanes < 1 || p.interRackLanes > 255,
                      "UbSystems: UB-Mesh interRackLanes=" << p.interRackLanes
                                                           << " is out of range; use x4 ... x32");
    UB_INPUT_ERROR_IF(p.rackLinkLanes % p.perBoard != 0,
                      "UbSystems: UB-Mesh rackLinkLanes=" << p.rackLinkLanes
                                                          << " must split evenly over the "
                                                          << p.perBoard << " LRSs of a rack");
    MeshIndex ix(p);
    UbTopology t("ub-mesh-" + std::to_string(UbMeshNpus(p)));
    // UB ports have 1, 2, 4 or 8 lanes: a wider link is several parallel ports of portLanes.
    auto addLink =
        [&t, &p](uint32_t a, uint32_t b, uint16_t lanes, uint64_t rate, uint8_t tier, double len) {
            uint16_t per = std::min(lanes, p.portLanes);
            UB_INPUT_ERROR_IF(lanes % per != 0,
                              "UbSystems: UB-Mesh link of "
                                  << lanes << " lanes does not split into x" << per << " ports");
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
UbMeshSystems::UbMeshRoutes(const UbTopology& t, const UbMesh& p, uint32_t policy)
{
    MeshIndex ix(p);
    UB_INPUT_ERROR_IF(
        t.GetNNodes() != ix.hrsBase + (p.hrsUplinks ? ix.lrsPerRack * p.hrsUplinks : 0),
        "UbMeshSystems::UbMeshRoutes: the topology was not built from these parameters");
    UB_INPUT_ERROR_IF((policy & BORROW) && p.hrsUplinks == 0,
                      "UbMeshSystems::UbMeshRoutes: BORROW needs HRS chips; set hrsUplinks > 0");
    UB_INPUT_ERROR_IF(p.pods > 1 && p.hrsUplinks == 0,
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
        UB_INPUT_ERROR_IF(it == nb[v].end() || it->first != u,
                          "UbMeshSystems::UbMeshRoutes: node " << v << " has no link to " << u);
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

} // namespace ns3
