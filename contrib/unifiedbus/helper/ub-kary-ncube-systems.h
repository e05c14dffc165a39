/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_KARY_NCUBE_SYSTEMS_H
#define UB_KARY_NCUBE_SYSTEMS_H

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
 * \brief Textbook k-ary n-cubes (mesh and torus) with dimension-order routes, dateline VLs on a
 * torus (Dally and Towles, chapters 3 and 14).
 *
 * doc/systems.md gives the sources of every number and says which parts are inferred.
 */
class UbKaryNcubeSystems
{
  public:
    /**
     * \brief A k-ary n-cube: k^n forwarding endpoints in an n-dimensional mesh, or a torus
     * with wrap-around links (the textbook networks of Dally and Towles, validation target 7).
     */
    /// Where a torus packet goes when both ways round a ring are equally short (k even, the
    /// destination k/2 hops away in that dimension).
    enum TorusTies
    {
        TIES_UP,    //!< always up (+1): one direction of every ring carries all the ties
        TIES_SPLIT, //!< up from an even coordinate, down from an odd one: ties split evenly
        TIES_BOTH,  //!< both ways offered; the node's path selection picks (per packet: Spray)
    };

    /// A k-ary n-cube (mesh or torus): its size, shape and link parameters.
    struct KaryNcube
    {
        uint32_t k{8};              //!< nodes per dimension (a torus needs k >= 3)
        TorusTies ties{TIES_SPLIT}; //!< torus tie-breaking (default: split, see TorusTies)
        uint32_t n{2};              //!< dimensions
        bool torus{false};          //!< wrap-around links
        uint16_t lanes{0};          //!< lanes per link (0: the preset's)
        uint64_t laneRateBps{0};    //!< lane rate (0: the preset's)
        double linkM{1};            //!< cable length
        /// Textbook terminals: every router is a switch and its terminal an endpoint of its
        /// own on an injection and ejection link (Dally and Towles section 2.1), instead of a
        /// forwarding endpoint that is both. Endpoints 0 .. k^n - 1 are the terminals (endpoint
        /// i at router i), switches k^n .. 2 k^n - 1 the routers.
        bool terminals{false};
        /// VLs per link the routes allocate (the links' VlCount). A mesh puts every hop in
        /// one class of all of them; a torus splits them into a class before the dateline and
        /// one after (VlCount / 2 each, so at least 2). The switch picks any VL of the class
        /// whose buffer has room (UbSwitch::AllocateVl).
        uint8_t vls{2};
    };

    /// \param p parameters \return the topology; node x0 + k x1 + k^2 x2 ... has coordinates x
    static UbTopology BuildKaryNcube(const KaryNcube& p);
    /**
     * \brief Dimension-order routes of a k-ary n-cube: dimension 0 first, the shorter way round
     * (ties as p.ties says: by default split by the parity of the coordinate where the packet
     * enters the dimension, so that under uniform traffic both directions of a ring carry the
     * same load; always "up" loads one direction with about 1.27 times the mean, Dally and
     * Towles section 3.3). VLs are allocated per hop from a class, as a router's virtual-channel
     * allocator does: a mesh needs no VL to be deadlock-free, so every hop may take any of
     * p.vls VLs; a torus uses the dateline scheme: a hop whose remaining path in its dimension
     * still crosses the wrap-around link takes a VL of the lower half, any other one of the
     * upper half, which the deadlock check proves cycle-free.
     * \param t the topology from BuildKaryNcube(p)
     * \param p the same parameters
     * \return the routes
     */
    static UbRouteSet KaryNcubeRoutes(const UbTopology& t, const KaryNcube& p);
    /**
     * \brief k-ary n-cube parameters from a preset's topology:: keys (Radix, Dims, Torus,
     * TorusTies = Up, Split or Both, Terminals = true or false, LinkLanes, LinkLaneRate,
     * LinkLength) and its UbNetDevice::VlCount (the VLs the routes allocate; default 2).
     * \param preset the preset
     * \param endpoints 0 or k^n (the cube has one size)
     * \return the parameters
     */
    static KaryNcube KaryNcubeFromPreset(const UbPreset& preset, uint32_t endpoints = 0);
};

} // namespace ns3

#endif /* UB_KARY_NCUBE_SYSTEMS_H */
