/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_CLOS_SYSTEMS_H
#define UB_CLOS_SYSTEMS_H

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
 * \brief Planar Clos systems: UB SuperPoDs (CloudMatrix384, Atlas-950- and Atlas-960-like) and
 * NVLink domains (HGX H100, GB200 NVL72, NVL144-like, NVL576-like), all one family of builder:
 * endpoints with one or more links into each of several parallel planes of one- or two-tier switch
 * fabrics.
 *
 * doc/systems.md gives the sources of every number and says which parts are inferred.
 */
class UbClosSystems
{
  public:
    /**
     * \brief A multi-plane Clos: every endpoint has one port (or linksPerPlane[p] ports) into
     * each plane p; a plane is one tier of leaf chips (`perLeaf` endpoints each) or, when there is
     * more than one leaf, two tiers: each leaf also has `perLeaf` uplinks spread evenly over
     * `spinesPerPlane` spine chips (non-blocking). Endpoints come first (leaf group by leaf
     * group), then the leaves plane by plane, then the spines.
     */
    struct PlanarClos
    {
        std::string name{"clos"};               //!< topology name
        std::string prefix;                     //!< node-name prefix ("pod3." in a SuperCluster)
        UbTopology::Kind kind{UbTopology::NPU}; //!< endpoint kind
        uint32_t endpoints{8192};               //!< endpoints
        uint32_t planes{18};                    //!< planes (ports per endpoint when one link each)
        std::vector<uint16_t> linksPerPlane;    //!< links per endpoint into each plane (default 1)
        uint32_t perLeaf{64};                   //!< endpoints under one leaf chip of a plane
        uint32_t spinesPerPlane{64};            //!< spine chips per plane (unused with one leaf)
        uint16_t lanes{4};                      //!< lanes per link
        uint64_t laneRateBps{112000000000ULL};  //!< lane rate
        double endpointLinkM{2};                //!< endpoint-leaf cable length
        double spineLinkM{30};                  //!< leaf-spine cable length
    };

    /// \param p parameters \return the topology
    static UbTopology BuildPlanarClos(const PlanarClos& p);
    /**
     * \brief Add the switches and links of a planar Clos whose endpoints already exist.
     * \param t the topology
     * \param p parameters (p.endpoints endpoints from firstEndpoint on)
     * \param firstEndpoint index of its first endpoint
     */
    static void AddPlanarClosFabric(UbTopology& t, const PlanarClos& p, uint32_t firstEndpoint);
    /**
     * \brief Append a planar Clos to a topology (for SuperClusters).
     * \param t the topology
     * \param p parameters
     * \return index of its first endpoint (its endpoints are consecutive)
     */
    static uint32_t AddPlanarClos(UbTopology& t, const PlanarClos& p);

    /// CloudMatrix384's UB plane: 48 nodes x 16 dies, 7 planes of 48 L1 + 16 L2 chips.
    static PlanarClos CloudMatrix384(uint32_t nodes = 48);
    /// Atlas-950-like SuperPoD: 8,192 NPUs, 18 x4 ports at 112 Gb/s, 128 racks, 2-tier Clos.
    static PlanarClos Atlas950(uint32_t npus = 8192);
    /// Atlas-960-like SuperPoD: 15,488 NPUs, 20 x4 ports at 112 Gb/s (inferred), 176 racks.
    static PlanarClos Atlas960(uint32_t npus = 15488);
    /// HGX/DGX H100: 8 GPUs, 4 NVSwitch chips, 18 NVLink4 links split 5/4/4/5.
    static PlanarClos HgxH100();
    /// GB200 NVL72: 72 GPUs, 18 NVSwitch chips, one NVLink5 link from every GPU to every chip.
    static PlanarClos Nvl72();
    /// NVL144-like NVLink6 domain: 144 GPU dies, 18 switch chips of 144 ports (inferred).
    static PlanarClos Nvl144();
    /// NVL576-like two-tier NVLink domain: 576 GPUs, 18 planes of 16 leaf + 9 spine chips.
    static PlanarClos Nvl576();

    /**
     * \brief Read a PlanarClos's numbers from a preset's topology:: keys (Endpoints, Planes,
     * PerLeaf, SpinesPerPlane, LinkLanes, LinkLaneRate, EndpointLinkLength, SpineLinkLength,
     * LinksPerPlane); keys it lacks keep the values of `base`.
     * \param preset the preset
     * \param base defaults
     * \return the parameters
     */
    static PlanarClos FromPreset(const UbPreset& preset, PlanarClos base);
};

} // namespace ns3

#endif /* UB_CLOS_SYSTEMS_H */
