/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_COLLECTIVE_TYPES_H
#define UB_COLLECTIVE_TYPES_H

#include "ns3/nstime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ns3
{

/// Collective operations.
enum class UbCollectiveOp : uint8_t
{
    ALL_REDUCE,
    ALL_GATHER,
    REDUCE_SCATTER,
    ALL_TO_ALL,
    BROADCAST,
    ALL_TO_ALLV, //!< All-to-All with a bytes matrix (MoE dispatch and combine)
};

/// Algorithms.
enum class UbCollectiveAlgo : uint8_t
{
    RING,             //!< ring (AllReduce = ReduceScatter + AllGather around the ring)
    HALVING_DOUBLING, //!< recursive halving then doubling (power-of-two ranks)
    DIRECT,           //!< every rank to every other at once (All-to-All)
    CHAIN,            //!< pipelined chain from the root (Broadcast)
    IN_NETWORK,       //!< switches reduce and multicast (NVLS-like AllReduce; SetReducers)
    DOUBLE_TREE,      //!< AllReduce: two complementary binary trees, each reducing up and
                      //!< broadcasting down half the data, pipelined (NCCL's double binary tree)
    HIERARCHICAL,     //!< AllReduce: ring reduce-scatter in each group, ring AllReduce across
                      //!< groups, ring all-gather in each group (SetGroupSize)
    MULTI_RING,       //!< AllReduce over a full mesh (SetMeshDims): reduce-scatter then
                      //!< all-gather dimension by dimension, each dimension on its
                      //!< link-disjoint rings at once (RingOrders), the dimension order
                      //!< rotated per share of the data so that every dimension's links work
                      //!< all the time
    MULTI_PATH,       //!< All-to-All(v) over a full mesh (SetMeshDims): dimension by dimension,
                      //!< forwarding through the ranks in between, the data split over every
                      //!< dimension order (the two paths of a 2D full mesh)
};

/// \param op an operation \return its name ("AllReduce", ...)
const char* UbCollectiveOpName(UbCollectiveOp op);
/// \param a an algorithm \return its name ("ring", ...)
const char* UbCollectiveAlgoName(UbCollectiveAlgo a);
/**
 * \brief An algorithm from its command-line name: ring, hd, tree, direct, chain, innetwork,
 * hierarchical, multiring or multipath (or the full names UbCollectiveAlgoName gives).
 * \param name the name
 * \param[out] algo the algorithm
 * \return false if the name is none of them
 */
bool UbCollectiveAlgoFromName(const std::string& name, UbCollectiveAlgo& algo);

/**
 * \ingroup unifiedbus
 * \brief One finished collective, in NCCL's conventions (nccl-tests PERFORMANCE.md).
 *
 * algbw = bytes / time; busbw = algbw x 2(N-1)/N for AllReduce, x (N-1)/N for AllGather,
 * ReduceScatter and All-to-All, x 1 for Broadcast. `bytes` is NCCL's size: the buffer of one rank
 * (AllReduce, Broadcast, All-to-All send buffer), the gathered output (AllGather) or the input
 * (ReduceScatter).
 */
struct UbCollectiveResult
{
    UbCollectiveOp op{UbCollectiveOp::ALL_REDUCE}; //!< operation
    UbCollectiveAlgo algo{UbCollectiveAlgo::RING}; //!< algorithm
    uint32_t ranks{0};                             //!< ranks
    uint64_t bytes{0};                             //!< NCCL size
    uint32_t chunks{1};                            //!< pieces per step (pipelining)
    Time start;                                    //!< first transfer issued
    Time end;                                      //!< last data arrived
    uint64_t transfers{0};                         //!< transfers in the graph
    uint64_t wireBytes{0};                         //!< data bytes moved over all transfers
    std::vector<Time> rankDone;                    //!< when the last data for each rank arrived
    std::vector<uint64_t> rankBytesIn;             //!< data bytes each rank received (for
                                                   //!< MULTI_PATH: addressed to it, not
                                                   //!< forwarded through it)
    bool offload{false};                           //!< ran with collective offload (CCU-like)
    uint64_t peakTransfers{0};   //!< most transfers of the graph held at once (its memory: the
                                 //!< whole graph unless it was generated as it ran)
    std::string level{"packet"}; //!< the level it ran at: packet or flow (its carrier's)
    bool aggregated{false};      //!< ran as ring phases, not transfer by transfer (flow level only:
                                 //!< UbCollectiveEngine::SetAggregated)

    /// \return end - start in seconds
    double Seconds() const;
    /// \return bytes / time, in GB/s (10^9 B/s)
    double AlgBw() const;
    /// \return algbw x the operation's bus factor, in GB/s
    double BusBw() const;
    /// \return the bus factor of op for `ranks` ranks
    double BusFactor() const;
};

} // namespace ns3

#endif /* UB_COLLECTIVE_TYPES_H */
