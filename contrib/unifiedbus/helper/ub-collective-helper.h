/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_COLLECTIVE_HELPER_H
#define UB_COLLECTIVE_HELPER_H

#include "ub-topology-helper.h"

#include "ns3/nstime.h"
#include "ns3/ub-collective.h"

#include <cstdint>
#include <string>
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
        double reductionBps{0}; //!< the switches' reduction engine, bytes/s (UbSwitch::
                                //!< ReductionRate; 0: no limit)
        uint32_t concurrent{0}; //!< pieces each switch reduces at once (UbSwitch::
                                //!< ConcurrentReductions; 0: the default window)
    };

    /**
     * \brief Make every switch that all endpoints reach directly a reducer for in-network
     * AllReduce (NVLS-like; for NVSwitch domains: HGX, NVL72, NVL144): give it a UbController
     * (the preset's transport settings, no bandwidth cap of its own, no limit on transactions in
     * flight, `latency` for the reduction as both initiator and target latency) and give every
     * endpoint a route to it over its direct links. Share j is the number of links from an
     * endpoint to switch j (5/4/4/5 on HGX H100).
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
        uint32_t tokenBytes{0};      //!< bytes sent per token (0: hidden x bytesPerElem;
                                     //!< MoeTokenBytes gives quantized formats)
    };

    /**
     * \brief Bytes one token takes on the wire in a format: "bf16" 2 x hidden; "fp8" hidden
     * + one FP32 scale per 128 elements + a 16-B header (DeepEP's low-latency dispatch message,
     * csrc/kernels/internode_ll.cu: 7,408 B at hidden 7,168); "int8" hidden + one FP32 scale
     * per token (Ascend CANN MoeDistributeDispatch, per-token dynamic quantization).
     * \param format bf16, fp8 or int8
     * \param hidden elements per token
     * \return bytes per token, 0 if the format is none of them
     */
    static uint32_t MoeTokenBytes(const std::string& format, uint32_t hidden);

    /**
     * \brief What an MoE layer's dispatch or combine costs at the endpoints besides the network
     * (the terms of UbCollectiveHelper::MoeTimes). The defaults are assumptions [A]: no public
     * source gives these per-step costs (DeepEP and the CloudMatrix384 paper publish totals
     * only); set them, or use Off() for the network alone.
     */
    struct MoeCosts
    {
        Time routePerToken{NanoSeconds(10)}; //!< [A] top-k routing and send-buffer layout, per
                                             //!< token (a GPU kernel over the batch)
        double quantBps{500e9}; //!< [A] quantization before dispatch, bytes of BF16 input per
                                //!< second (memory-bound: about 20 of an H100's 132 SMs, as
                                //!< DeepEP uses, share of its 3.35 TB/s); 0: none
        Time issuePerMessage{NanoSeconds(100)}; //!< [A] posting one message to one destination,
                                                //!< one after another (UbCollectiveEngine::
                                                //!< SetIssueCost)
        Time barrier{MicroSeconds(2)};          //!< [A] the synchronization that ends the phase

        /// \return every term zero: the network alone
        static MoeCosts Off();
    };

    /// One MoE phase of one EP group, broken down (microseconds, GB/s).
    struct MoeTimes
    {
        double routeUs{0};      //!< tokens x routePerToken
        double quantUs{0};      //!< dispatch: tokens x hidden x 2 B / quantBps; combine: 0
        double netMeanUs{0};    //!< network (with the issue cost), mean over ranks
        double netMaxUs{0};     //!< network (with the issue cost), the slowest rank
        double barrierUs{0};    //!< the closing synchronization
        double totalUs{0};      //!< route + quant + slowest network + barrier: the phase
        double meanRankGBps{0}; //!< bytes a rank received over its network time, mean
    };

    /**
     * \brief The phase time from a finished All-to-Allv and the endpoint costs: routing and
     * layout and quantization before the first message, the network (each rank's last
     * arrival, with the issue cost already in the run), and the barrier after the slowest.
     * \param m the layer
     * \param c the costs
     * \param dispatch dispatch (quantization counts) or combine
     * \param r the All-to-Allv's result
     * \return the breakdown
     */
    static MoeTimes MoePhaseTimes(const Moe& m,
                                  const MoeCosts& c,
                                  bool dispatch,
                                  const UbCollectiveResult& r);

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
