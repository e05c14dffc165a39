/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_COLLECTIVE_HELPER_H
#define UB_COLLECTIVE_HELPER_H

#include "ub-topology-helper.h"

#include "ns3/nstime.h"
#include "ns3/ub-collective.h"

#include <cstdint>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief Sets up collective options that need more than endpoints.
 */
class UbCollectiveHelper
{
  public:
    /// The reducing switches of a fabric and their shares.
    struct Reducers
    {
        std::vector<Ptr<UbController>> controllers; //!< one per reducing switch
        std::vector<double> shares;                 //!< links from an endpoint to each
        double reductionBps{0};   //!< the switches' reduction engine, bytes/s (UbSwitch::
                                  //!< ReductionRate; 0: no limit)
        uint32_t concurrent{0};   //!< pieces each switch reduces at once (UbSwitch::
                                  //!< ConcurrentReductions; 0: one per rank)
    };

    /**
     * \brief Make every switch that all endpoints reach directly a reducer for in-network
     * AllReduce (NVLS-like; for NVSwitch domains: HGX, NVL72, NVL144): give it a UbController
     * (the preset's transport settings, no bandwidth cap of its own, `latency` for the reduction
     * as both initiator and target latency) and give every endpoint a route to it over its direct
     * links. Share j is the number of links from an endpoint to switch j (5/4/4/5 on HGX H100).
     * Stops the run if no switch reaches every endpoint (two-tier fabrics).
     * \param sys the built fabric
     * \param latency reduction latency of the switch (default 100 ns, an assumption: NVIDIA does
     *        not publish NVLink SHARP latencies)
     * \return the reducers, for UbCollectiveEngine::SetReducers
     */
    static Reducers InstallSwitchReducers(UbTopologyHelper& sys, Time latency = NanoSeconds(100));

    /**
     * \brief The full-mesh shape of a system's first `ranks` endpoints, for
     * UbCollectiveEngine::SetMeshDims (MULTI_RING, MULTI_PATH). A UB-Mesh preset gives NPUs per
     * board, boards, rack columns, rack rows, pods (the order of its endpoints), cut to `ranks`:
     * 64 ranks are {8, 8}, 128 are {8, 8, 2} (two racks of a row). Any other system is one
     * dimension of `ranks`.
     * \param sys a fabric built from a preset
     * \param ranks ranks (its first endpoints)
     * \return the dimensions; stops the run if `ranks` is not a whole prefix of the mesh (for
     *         example 96 ranks of a UB-Mesh: 64 plus half a rack)
     */
    static std::vector<uint32_t> MeshDims(const UbTopologyHelper& sys, uint32_t ranks);

    /// An MoE layer's expert parallelism (one expert group per rank).
    struct Moe
    {
        uint32_t ranks{8};           //!< expert-parallel group size (8 ... 256)
        uint32_t tokensPerRank{128}; //!< tokens each rank holds
        uint32_t hidden{7168};       //!< hidden size (elements per token)
        uint32_t bytesPerElem{2};    //!< bytes per element (2: BF16, 1: FP8)
        uint32_t topK{8};            //!< experts each token goes to
        uint32_t expertsPerRank{1};  //!< experts hosted by each rank
        uint64_t seed{1};            //!< seed of the token-to-expert routing
    };

    /**
     * \brief The dispatch matrix of an MoE layer: each token of each rank picks topK distinct
     * experts uniformly at random (a balanced router; seeded, so the same seed gives the same
     * matrix), and rank i sends hidden x bytesPerElem bytes to rank j per token that picked an
     * expert of j (a token that picked several experts of one rank is sent there once, as
     * DeepEP does). Tokens staying on their own rank are not sent. Combine is the transpose.
     * \param m the layer
     * \return bytes[i][j]
     */
    static std::vector<std::vector<uint64_t>> MoeDispatch(const Moe& m);
    /// \param d a dispatch matrix \return its transpose (the combine)
    static std::vector<std::vector<uint64_t>> Transpose(
        const std::vector<std::vector<uint64_t>>& d);
};

} // namespace ns3

#endif /* UB_COLLECTIVE_HELPER_H */
