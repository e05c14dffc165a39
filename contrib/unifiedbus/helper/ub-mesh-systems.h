/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_MESH_SYSTEMS_H
#define UB_MESH_SYSTEMS_H

#include "ub-topology-routing.h"
#include "ub-topology.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ns3
{

class UbPreset;

/**
 * \ingroup unifiedbus
 * \brief UB-Mesh (Liao et al., arXiv 2503.20377): full-mesh NPU racks and pods with LRS and HRS
 * switches, and its routes (All-Path-Routing-like policies).
 *
 * doc/systems.md gives the sources of every number and says which parts are inferred.
 */
class UbMeshSystems
{
  public:
    /// UB-Mesh (Liao et al., arXiv 2503.20377): 2D full-mesh racks, 4D full-mesh pods, HRS Clos.
    struct UbMesh
    {
        uint32_t pods{1};            //!< pods (8 for 8,192 NPUs)
        uint32_t rackRows{4};        //!< racks per pod row
        uint32_t rackCols{4};        //!< racks per pod column
        uint32_t boards{8};          //!< NPU boards per rack (Y dimension)
        uint32_t perBoard{8};        //!< NPUs per board (X dimension)
        uint16_t meshLanes{4};       //!< lanes of each in-rack mesh link
        uint16_t interRackLanes{16}; //!< lanes from each NPU to its LRS (x4 ... x32)
        uint16_t rackLinkLanes{128}; //!< lanes between two linked racks, over all LRS pairs
        uint16_t backupLanes{8};     //!< lanes from the backup NPU to each LRS
        bool backup{true};           //!< one backup NPU per rack, on the LRSs
        uint32_t hrsUplinks{4};      //!< uplinks of each LRS to HRS chips (0: no HRS)
        uint16_t hrsLinkLanes{4};    //!< lanes per LRS-HRS link
        uint16_t portLanes{4};       //!< lanes per port: wider links are parallel ports
        uint64_t laneRateBps{112000000000ULL}; //!< lane rate
        double meshLinkM{1};                   //!< in-rack cable length
        double rackLinkM{5};                   //!< rack-to-rack cable length
        double hrsLinkM{30};                   //!< LRS-HRS cable length
    };

    /// Routing policies in the spirit of UB-Mesh's All-Path Routing (flags, combinable).
    enum UbMeshPolicy : uint32_t
    {
        DIRECT = 0, //!< shortest structured paths
        DETOUR = 1, //!< also paths through one intermediate NPU, chosen at the source
        BORROW = 2, //!< also paths through an HRS between racks of one pod
    };

    /// \param p parameters \return the topology (NPUs, backups, LRSs, HRSs, in that order)
    static UbTopology BuildUbMesh(const UbMesh& p);
    /**
     * \brief Structured routes of a UB-Mesh: in a rack, X then Y or Y then X (one intermediate
     * NPU at most); between racks, up to the NPU's LRS, row then column between racks of a pod,
     * through an HRS between pods, down and at most one X hop. The hop into the destination
     * uses VL 1 and every other hop VL 0, which the deadlock check proves enough.
     * \param t the topology from BuildUbMesh(p)
     * \param p the same parameters
     * \param policy DIRECT, or DETOUR and/or BORROW
     * \return the routes
     */
    static UbRouteSet UbMeshRoutes(const UbTopology& t, const UbMesh& p, uint32_t policy = DIRECT);
    /**
     * \brief UB-Mesh parameters from a preset's topology:: keys (Pods, InterRackLanes,
     * RackLinkLanes, MeshLanes, HrsUplinks, Backup, LinkLaneRate, ...).
     * \param preset the preset
     * \param endpoints NPUs to build instead of the preset's (0: the preset's), a multiple of a
     *        pod
     * \return the parameters
     */
    static UbMesh UbMeshFromPreset(const UbPreset& preset, uint32_t endpoints = 0);
    /// \param p parameters \return active NPUs (backups excluded)
    static uint32_t UbMeshNpus(const UbMesh& p);
};

} // namespace ns3

#endif /* UB_MESH_SYSTEMS_H */
