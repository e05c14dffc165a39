/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_SYSTEMS_H
#define UB_SYSTEMS_H

#include "ub-clos-systems.h"
#include "ub-kary-ncube-systems.h"
#include "ub-mesh-systems.h"
#include "ub-supercluster-systems.h"
#include "ub-topology.h"

#include <cstdint>

namespace ns3
{

class UbPreset;

/**
 * \ingroup unifiedbus
 * \brief The systems the module studies, one family of builder per class: planar Clos systems
 * and NVLink domains (UbClosSystems), UB-Mesh (UbMeshSystems), k-ary n-cubes
 * (UbKaryNcubeSystems) and SuperClusters (UbSuperClusterSystems). Each returns a UbTopology;
 * UbTopologyHelper builds it. UbSystems names them all (UbSystems::Nvl72(),
 * UbSystems::BuildUbMesh(...)) and builds the system a preset describes.
 */
class UbSystems : public UbClosSystems,
                  public UbMeshSystems,
                  public UbKaryNcubeSystems,
                  public UbSuperClusterSystems
{
  public:
    using UbClosSystems::FromPreset;

    /**
     * \brief The topology a preset describes: its topology::Builder (planar-clos, cloudmatrix or
     * ub-mesh) with the preset's topology:: numbers.
     * \param preset the preset
     * \param endpoints endpoints to build instead of the preset's (0: the preset's); for
     *        cloudmatrix a multiple of the dies per node, for ub-mesh a multiple of 1,024
     * \return the topology
     */
    static UbTopology FromPreset(const UbPreset& preset, uint32_t endpoints = 0);

    /**
     * \brief Sum over endpoints of lanes x lane rate of their links, both directions, in bit/s
     * (the way vendors quote aggregate interconnect bandwidth).
     * \param t the topology
     * \param tierMax count only links of tier <= tierMax that touch an endpoint
     * \return bit/s
     */
    static double EndpointBandwidthBps(const UbTopology& t, uint8_t tierMax = 255);
};

} // namespace ns3

#endif /* UB_SYSTEMS_H */
