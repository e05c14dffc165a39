/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_SYSTEMS_H
#define UB_SYSTEMS_H

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
 * \brief Builders of the systems the module studies: UB SuperPoDs (CloudMatrix384, Atlas-950-
 * and Atlas-960-like Clos, UB-Mesh), NVLink domains (HGX H100, GB200 NVL72, NVL144-like,
 * NVL576-like) and SuperClusters. Each returns a UbTopology; UbTopologyHelper builds it.
 *
 * doc/systems.md gives the sources of every number and says which parts are inferred.
 */
class UbSystems
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
     * \brief A scale-out network: `planes` NIC ports per endpoint, each plane a folded Clos of
     * `radix`-port switches (half the ports down, half up): one switch, two tiers (leaf, spine) or
     * three (leaf, aggregation, core), whichever the endpoint count needs. Its links get class
     * `cls` (the preset that builds them: uboe-400g or roce-400g) and routing cost `cost`, so that
     * routes stay on the SuperPoD's own UB fabric wherever it reaches.
     */
    struct ScaleOut
    {
        uint32_t planes{2};                    //!< NIC ports per endpoint (2 x 400 GbE)
        uint32_t radix{128};                   //!< switch ports (51.2 Tb/s of 400G ports)
        uint16_t lanes{4};                     //!< lanes per link
        uint64_t laneRateBps{100000000000ULL}; //!< lane rate
        double leafLinkM{3};                   //!< endpoint-leaf cable length
        double upLinkM{100};                   //!< leaf-spine and spine-core cable length
        uint8_t cls{1};                        //!< link class
        uint16_t cost{10};                     //!< routing cost per link
    };

    /**
     * \brief Add a scale-out network over endpoints [first, first + count).
     * \param t the topology
     * \param first first endpoint
     * \param count endpoints (a multiple of radix / 2 when three tiers are needed)
     * \param p parameters
     * \return switches added
     */
    static uint32_t AddScaleOut(UbTopology& t, uint32_t first, uint32_t count, const ScaleOut& p);

    /// A SuperCluster: `pods` SuperPoDs joined by a scale-out network.
    struct SuperCluster
    {
        uint32_t pods{4};  //!< SuperPoDs
        PlanarClos pod;    //!< one SuperPoD (default Atlas950(1024))
        ScaleOut scaleOut; //!< the network between them
        SuperCluster();    //!< defaults
    };

    /**
     * \brief Build a SuperCluster: every NPU first (pod by pod), then each pod's UB switches,
     * then the scale-out switches.
     * \param p parameters
     * \return the topology
     */
    static UbTopology BuildSuperCluster(const SuperCluster& p);

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

    /**
     * \brief A k-ary n-cube: k^n forwarding endpoints in an n-dimensional mesh, or a torus
     * with wrap-around links (the textbook networks of Dally and Towles, validation target 7).
     */
    struct KaryNcube
    {
        uint32_t k{8};           //!< nodes per dimension (a torus needs k >= 3)
        uint32_t n{2};           //!< dimensions
        bool torus{false};       //!< wrap-around links
        uint16_t lanes{0};       //!< lanes per link (0: the preset's)
        uint64_t laneRateBps{0}; //!< lane rate (0: the preset's)
        double linkM{1};         //!< cable length
    };

    /// \param p parameters \return the topology; node x0 + k x1 + k^2 x2 ... has coordinates x
    static UbTopology BuildKaryNcube(const KaryNcube& p);
    /**
     * \brief Dimension-order routes of a k-ary n-cube: dimension 0 first, the shorter way round
     * (ties: upward). A mesh needs one VL. A torus uses the dateline scheme on 2 VLs: a hop
     * whose remaining path in its dimension still crosses the wrap-around link goes on VL 0,
     * any other on VL 1, which the deadlock check proves cycle-free.
     * \param t the topology from BuildKaryNcube(p)
     * \param p the same parameters
     * \return the routes
     */
    static UbRouteSet KaryNcubeRoutes(const UbTopology& t, const KaryNcube& p);
    /**
     * \brief k-ary n-cube parameters from a preset's topology:: keys (Radix, Dims, Torus,
     * LinkLanes, LinkLaneRate, LinkLength).
     * \param preset the preset
     * \param endpoints 0 or k^n (the cube has one size)
     * \return the parameters
     */
    static KaryNcube KaryNcubeFromPreset(const UbPreset& preset, uint32_t endpoints = 0);

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
