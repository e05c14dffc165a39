/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_SUPERCLUSTER_SYSTEMS_H
#define UB_SUPERCLUSTER_SYSTEMS_H

#include "ub-clos-systems.h"
#include "ub-topology-routing.h"
#include "ub-topology.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief SuperClusters: SuperPoDs (planar Clos) joined by a scale-out network (UBoE or RoCE, a
 * leaf-spine(-core) Clos of Ethernet switches).
 *
 * doc/systems.md gives the sources of every number and says which parts are inferred.
 */
class UbSuperClusterSystems
{
  public:
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
        uint32_t pods{4};              //!< SuperPoDs
        UbClosSystems::PlanarClos pod; //!< one SuperPoD (default Atlas950(1024))
        ScaleOut scaleOut;             //!< the network between them
        /// Hold SuperPoD 0's UB fabric for all (the flow level's identical pods; doc/flow-level.md,
        /// "Identical SuperPoDs held once"): only pod 0 gets its UB switches and links; every
        /// NPU keeps its scale-out ports. A fabric for aggregated ring phases only: a transfer
        /// inside another pod has no path.
        bool onePod{false};
        SuperCluster(); //!< defaults
    };

    /**
     * \brief Build a SuperCluster: every NPU first (pod by pod), then each pod's UB switches
     * (pod 0's only with onePod), then the scale-out switches.
     * \param p parameters
     * \return the topology
     */
    static UbTopology BuildSuperCluster(const SuperCluster& p);

    /**
     * \brief Split a SuperCluster over processes by SuperPoD (ns-3's distributed simulator;
     * doc/distributed.md): pod k, its NPUs and its UB switches, on rank k x ranks / pods, so
     * every UB link stays inside a process and only scale-out links cross; a scale-out leaf on
     * the rank of its first NPU; the switches above the leaves dealt round robin.
     * \param t the topology BuildSuperCluster(p) made
     * \param p its parameters
     * \param ranks processes (1 to p.pods)
     * \return per node, its rank
     */
    static std::vector<uint32_t> Partition(const UbTopology& t,
                                           const SuperCluster& p,
                                           uint32_t ranks);

    /**
     * \brief A SuperCluster's shortest-path routes, computed from its structure in time linear
     * in its size: equal, node by node and destination by destination, to
     * UbTopologyRouting::ShortestPaths(t, vl), which searches once per leaf group over the whole
     * system (quadratic).
     *  - Inside a SuperPoD: the routes of one SuperPoD built alone (ShortestPaths over it),
     *    shared by every pod with its node numbers shifted. A pod's switches have no route to
     *    other pods (their paths would cross NPUs, which do not forward); its NPUs reach them
     *    through all their scale-out ports.
     *  - The scale-out network: up/down routes of a folded Clos. A switch sends a destination
     *    below it down, to the children above it, and any other up, over all its uplinks.
     * It holds only while no path out of a pod and back is as short as one inside it (twice the
     * scale-out link cost above the pod's diameter), every link is up, and every switch's
     * uplinks lead to switches with the same endpoints below; otherwise it returns
     * ShortestPaths(t, vl) itself. With p.onePod the routes are those of the whole system for
     * pod 0 and the scale-out network, and the other pods' NPUs have routes to other pods only
     * (their own pod's fabric is not there); the conditions above must hold then (else abort).
     * \param t the topology BuildSuperCluster(p) made
     * \param p its parameters
     * \param vl VL policy (as ShortestPaths')
     * \param[out] fromStructure if not null: true if the structure gave the routes, false if
     *        ShortestPaths did
     * \return the routes
     */
    static UbRouteSet Routes(const UbTopology& t,
                             const SuperCluster& p,
                             UbTopologyRouting::VlPolicy vl = UbTopologyRouting::VL_FROM_SL,
                             bool* fromStructure = nullptr);
};

} // namespace ns3

#endif /* UB_SUPERCLUSTER_SYSTEMS_H */
