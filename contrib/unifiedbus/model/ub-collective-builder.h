/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_COLLECTIVE_BUILDER_H
#define UB_COLLECTIVE_BUILDER_H

#include "ub-collective-types.h"
#include "ub-transfer-graph.h"

#include <cstdint>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief What a collective is to build: the operation, its size and the shape of its ranks.
 */
struct UbCollectivePlan
{
    UbCollectiveOp op{UbCollectiveOp::ALL_REDUCE}; //!< operation
    UbCollectiveAlgo algo{UbCollectiveAlgo::RING}; //!< algorithm
    uint64_t bytes{0};                             //!< NCCL size (not used by All-to-Allv)
    uint32_t ranks{0};                             //!< ranks
    uint32_t chunks{1};         //!< pieces per step (pipelining; 0: the builder's AutoChunks)
    uint32_t root{0};           //!< Broadcast root
    uint32_t group{0};          //!< HIERARCHICAL: ranks per group
    std::vector<uint32_t> dims; //!< MULTI_*: full-mesh shape (empty: 1-D)
    std::vector<double> reducerShares; //!< IN_NETWORK: share of each reducer (ranks + j)
    uint32_t reducerWindow{0};         //!< IN_NETWORK: pieces each reducer reduces at once (0:
                                       //!< UbInNetworkBuilder::DefaultWindow)
    uint64_t sprayBytes{0}; //!< a rank's payload of one packet on each path its transfers are
                            //!< spread over (Mtu x TpChannels with PerPacket multipath, else
                            //!< Mtu; 0: unknown): a transfer's per-piece overhead in bytes
    const std::vector<std::vector<uint64_t>>* matrix{nullptr}; //!< ALL_TO_ALLV: bytes[i][j]
};

/**
 * \ingroup unifiedbus
 * \brief One phase of a collective made of rings (UbCollectiveBuilder::Phases): rings of ranks
 * that all step at once, each member sending `steps` times `stepBytes` to the next, as
 * UbCollectiveBuilder::Ring does. Phases run one after another.
 */
struct UbRingPhase
{
    std::vector<std::vector<uint32_t>> rings; //!< each ring's ranks, in ring order
    uint32_t steps{0};                        //!< steps
    uint64_t stepBytes{0};                    //!< bytes per member per step
};

/**
 * \ingroup unifiedbus
 * \brief Builds the transfer graph of one collective algorithm. There is one builder per
 * algorithm (below); UbCollectiveBuilder::Build picks it and checks that it suits the plan.
 *
 * Builders only describe: no simulation state, no objects changed. The graph is the same
 * whatever runs it.
 */
class UbCollectiveBuilder
{
  public:
    virtual ~UbCollectiveBuilder() = default;

    /// \param op an operation \return true if this algorithm implements it
    virtual bool Supports(UbCollectiveOp op) const = 0;

    /**
     * \brief Add the collective's transfers to g.
     * \param plan what to build (checked: the algorithm supports the operation)
     * \param g the graph
     */
    virtual void Build(const UbCollectivePlan& plan, UbTransferGraph& g) const = 0;

    /**
     * \brief The pieces each step is cut into when the engine chooses (UbCollectiveEngine::
     * SetChunks(0), the default). This base version keeps the engine's earlier default of 1;
     * algorithms whose pipelining has been measured override it.
     * \param plan the plan (its chunks field is ignored)
     * \return pieces per step (>= 1)
     */
    virtual uint32_t AutoChunks(const UbCollectivePlan& plan) const;

    /**
     * \brief Set g up to be generated as it runs (UbTransferGraph::SetGenerator), if this
     * algorithm can: the same transfers in the same order as Build, a batch at a time. This base
     * version cannot.
     * \param plan what to build (checked, pieces chosen)
     * \param g an empty graph
     * \return false if g was left alone (Build it whole instead)
     */
    virtual bool Generate(const UbCollectivePlan& plan, UbTransferGraph& g) const;

    /**
     * \brief The collective as ring phases, for the aggregated flow level (UbFlowFabric::
     * RingPhase): the same rings, steps and bytes as Build's graph, whose transfers of a phase
     * start once the member's transfers of the phase before have arrived. This base version has
     * none.
     * \param plan what to build (checked, pieces chosen)
     * \param[out] phases the phases
     * \return false if the algorithm is not made of rings (then phases is left empty)
     */
    virtual bool Phases(const UbCollectivePlan& plan, std::vector<UbRingPhase>& phases) const;

    /// \param algo an algorithm \return its builder
    static const UbCollectiveBuilder& For(UbCollectiveAlgo algo);

    /**
     * \brief As Build(plan), but generated as it runs where the algorithm can (ring,
     * hierarchical and in-network AllReduce), so that its memory does not grow with the message
     * size; else whole.
     * \param plan what to build
     * \return the graph
     */
    static UbTransferGraph BuildGenerated(const UbCollectivePlan& plan);

    /**
     * \brief The graph of a plan; stops with a message naming what is wrong if the algorithm
     * does not implement the operation or the plan lacks what it needs.
     * \param plan what to build
     * \return the graph
     */
    static UbTransferGraph Build(const UbCollectivePlan& plan);

    /**
     * \brief A pipelined ring over `members`, `steps` steps of `stepBytes` cut into
     * plan.chunks pieces: member p sends to member p+1 what it got from p-1 in the step before.
     * \param g the graph
     * \param chunks pieces per step
     * \param members ranks in ring order
     * \param stepBytes bytes per member per step
     * \param steps steps
     * \param after per member, transfers that must arrive before its first step (may be empty)
     * \return per member, the last transfer that arrives at it
     */
    static std::vector<uint32_t> Ring(UbTransferGraph& g,
                                      uint32_t chunks,
                                      const std::vector<uint32_t>& members,
                                      uint64_t stepBytes,
                                      uint32_t steps,
                                      const std::vector<std::vector<uint32_t>>& after);
};

/// Ring AllReduce (reduce-scatter then all-gather around the ranks), AllGather, ReduceScatter.
class UbRingBuilder : public UbCollectiveBuilder
{
  public:
    bool Supports(UbCollectiveOp op) const override;
    void Build(const UbCollectivePlan& plan, UbTransferGraph& g) const override;

    /**
     * \brief As NCCL sizes its rings: one piece per channel, at most 32 channels (NCCL's
     * maximum; its logs on H100 show 24 to 32 ring channels) and one channel per 32 KiB of the
     * buffer (NCCL's Simple protocol drops channels while a channel would get less than 64 B per
     * thread of its 512 threads), with pieces of at least 4 KiB (an assumption that keeps the
     * event count down: smaller pieces changed busbw by under 1 % on the measured sweep).
     * \param plan the plan
     * \return min(bytes / 32 KiB, stepBytes / 4 KiB, 32), at least 1
     */
    uint32_t AutoChunks(const UbCollectivePlan& plan) const override;

    /**
     * \brief One stream per piece, a batch per step: the same transfers, indices and results as
     * Build, while a run holds about two steps of every piece.
     * \param plan the plan
     * \param g an empty graph
     * \return true
     */
    bool Generate(const UbCollectivePlan& plan, UbTransferGraph& g) const override;
    /// \param plan the plan \param[out] phases one ring over all ranks \return true
    bool Phases(const UbCollectivePlan& plan, std::vector<UbRingPhase>& phases) const override;
};

/// Recursive halving then doubling AllReduce (power-of-two ranks).
class UbHalvingDoublingBuilder : public UbCollectiveBuilder
{
  public:
    bool Supports(UbCollectiveOp op) const override;
    void Build(const UbCollectivePlan& plan, UbTransferGraph& g) const override;
    /// \param plan the plan \return as UbRingBuilder::AutoChunks (NCCL's channel sizing)
    uint32_t AutoChunks(const UbCollectivePlan& plan) const override;
};

/// Double binary tree AllReduce: two shifted heap-order trees, each reducing up and
/// broadcasting down half of the data, piece by piece.
class UbDoubleTreeBuilder : public UbCollectiveBuilder
{
  public:
    bool Supports(UbCollectiveOp op) const override;
    void Build(const UbCollectivePlan& plan, UbTransferGraph& g) const override;
    /**
     * \brief Pieces per tree: ring's count (NCCL's channel sizing), or one per 64 KiB of the
     * buffer if that is more (at most 1,024). A tree's pieces travel its depth up and down with
     * 8 slots per connection, so it needs more of them than a ring. With
     * UbCollectivePlan::sprayBytes o known, at most sqrt(4 L S / o) for a tree of L levels:
     * each piece costs about a packet on every path it is spread over. Within 5 % of the best
     * fixed count on nvlink4-h100, ascend950-ub2 and ubmesh-ub2 at 1, 4 and 16 MiB
     * (doc/collectives.md).
     * \param plan the plan
     * \return the pieces
     */
    uint32_t AutoChunks(const UbCollectivePlan& plan) const override;
};

/// Hierarchical AllReduce: ring reduce-scatter in each group, ring AllReduce across groups,
/// ring all-gather in each group.
class UbHierarchicalBuilder : public UbCollectiveBuilder
{
  public:
    bool Supports(UbCollectiveOp op) const override;
    void Build(const UbCollectivePlan& plan, UbTransferGraph& g) const override;
    /// \param plan the plan \return as UbRingBuilder::AutoChunks (NCCL's channel sizing)
    uint32_t AutoChunks(const UbCollectivePlan& plan) const override;
    /**
     * \brief One stream, a batch per step of a phase (every ring of the phase, rank after rank,
     * piece after piece): the same transfers, indices and results as Build, while a run holds
     * about two steps. In a run split over processes, each holds the transfers it issues or
     * receives, a step at a time, instead of the whole graph of every rank.
     * \param plan the plan
     * \param g an empty graph
     * \return true
     */
    bool Generate(const UbCollectivePlan& plan, UbTransferGraph& g) const override;
    /**
     * \param plan the plan
     * \param[out] phases the reduce-scatter rings of the groups, the AllReduce rings across
     *        them, the all-gather rings of the groups
     * \return true
     */
    bool Phases(const UbCollectivePlan& plan, std::vector<UbRingPhase>& phases) const override;
};

/// In-network AllReduce as NVLS runs it: each rank, head of 1/N of the buffer, reduces its
/// pieces through the switches (multimem.ld_reduce) and stores the sums to the switches, which
/// multicast them (multimem.st).
class UbInNetworkBuilder : public UbCollectiveBuilder
{
  public:
    bool Supports(UbCollectiveOp op) const override;
    void Build(const UbCollectivePlan& plan, UbTransferGraph& g) const override;

    /**
     * \brief Pieces of about 8 KiB: each head's share of the busiest switch cut so that no
     * piece exceeds 8 KiB. With DefaultWindow ld_reduce in flight per switch the pieces in
     * flight must cover the round trip at the link's rate, and smaller
     * pieces only add round trips; on nvlink4-h100 8 KiB is within 5 % of the best fixed count
     * from 1 MiB to 16 MiB (doc/collectives.md). NCCL's own NVLS chunk is 16 to 128 KiB
     * (src/transport/nvls.cc, src/enqueue.cc), cut across the heads.
     * \param plan the plan
     * \return ceil(largest share of a head at one switch / 8 KiB), at least 1
     */
    uint32_t AutoChunks(const UbCollectivePlan& plan) const override;

    /**
     * \brief One stream per reducing switch and a batch per piece of a head (piece k of head h
     * is batch k N + h of its switch), so a batch depends only on the window's batches before
     * it: each switch's stream holds about window + 1 batches at once, whatever the size.
     * \param plan the plan
     * \param g an empty graph
     * \return true
     */
    bool Generate(const UbCollectivePlan& plan, UbTransferGraph& g) const override;

    /**
     * Pieces each reducing switch holds at once by default (UbSwitch::ConcurrentReductions = 0),
     * whatever the rank count: 16 pieces of up to 8 KiB (128 KiB) cover the loop of one
     * ld_reduce (the GPU's issue latency, the trips to the switch and back, the reduction), about
     * 1.4 us at the 76 GB/s of an H100 switch chip's engine or the 50 GB/s of a GB200 GPU's link
     * to one chip; more only queues pieces on the ranks' links, where the head's multimem.st
     * waits behind them. An assumption, measured in doc/collectives.md: on nvlink4-h100 it
     * reaches within 4 % of NVLS measured with 5 to 8 GPUs (nccl #1455), and on nvlink5-gb200
     * with 72 ranks it is the best of 8, 16 and 24 at 4 and 16 MiB.
     */
    static constexpr uint32_t DefaultWindow = 16;
};

/// AllReduce over a full mesh: reduce-scatter then all-gather dimension by dimension, each
/// dimension on its link-disjoint rings at once, the dimension order rotated per share.
class UbMultiRingBuilder : public UbCollectiveBuilder
{
  public:
    bool Supports(UbCollectiveOp op) const override;
    void Build(const UbCollectivePlan& plan, UbTransferGraph& g) const override;

    /**
     * \brief Ring's count (NCCL's channel sizing) shared among the x - 1 rings of the largest
     * dimension, at least 1: the rings already cut the data, so each needs fewer pieces. On
     * nvlink4-h100 (one dimension of 8) this is within 5 % of the best of 1 to 8 pieces at 1, 4
     * and 16 MiB (doc/collectives.md).
     * \param plan the plan
     * \return the pieces
     */
    uint32_t AutoChunks(const UbCollectivePlan& plan) const override;

    /**
     * \brief Stride rings of one full-mesh dimension of size x: ring s visits 0, s, 2s, ... mod x
     * for every stride s < x coprime with x.
     * \param x dimension size (>= 2)
     * \return the strides
     */
    static std::vector<uint32_t> RingStrides(uint32_t x);

    /**
     * \brief x - 1 arc-disjoint directed Hamiltonian cycles of a full-mesh dimension of size x
     * where they exist (every x but 4 and 6; a deterministic search, cached), else the rings of
     * RingStrides(x).
     * \param x dimension size (>= 2)
     * \return each ring as the order of its members
     */
    static std::vector<std::vector<uint32_t>> RingOrders(uint32_t x);
};

/// All-to-All(v): every rank sends to every other at once (starting with its right neighbour).
class UbDirectBuilder : public UbCollectiveBuilder
{
  public:
    bool Supports(UbCollectiveOp op) const override;
    void Build(const UbCollectivePlan& plan, UbTransferGraph& g) const override;
};

/// All-to-All(v) over a full mesh: dimension by dimension through the ranks in between, the
/// data split over every dimension order.
class UbMultiPathBuilder : public UbCollectiveBuilder
{
  public:
    bool Supports(UbCollectiveOp op) const override;
    void Build(const UbCollectivePlan& plan, UbTransferGraph& g) const override;
};

/// Broadcast down a pipelined chain from the root.
class UbChainBuilder : public UbCollectiveBuilder
{
  public:
    bool Supports(UbCollectiveOp op) const override;
    void Build(const UbCollectivePlan& plan, UbTransferGraph& g) const override;
    /**
     * \brief Pieces of 512 KiB, as NCCL's Simple protocol moves a broadcast: its 4-MiB channel
     * buffer (NCCL_BUFFSIZE) in 8 steps (NCCL_STEPS); at most 1,024 pieces (an assumption that
     * bounds the events). Without pieces a chain moves the whole buffer hop after hop: an 8-GiB
     * broadcast over 72 GB200s at flow level has a busbw of 10 GB/s that way, 671 with these.
     * \param plan the plan
     * \return min(bytes / 512 KiB, 1024), at least 1
     */
    uint32_t AutoChunks(const UbCollectivePlan& plan) const override;
};

} // namespace ns3

#endif /* UB_COLLECTIVE_BUILDER_H */
