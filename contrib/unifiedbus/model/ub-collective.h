/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_COLLECTIVE_H
#define UB_COLLECTIVE_H

#include "ub-collective-builder.h"
#include "ub-collective-runner.h"
#include "ub-collective-types.h"
#include "ub-controller.h"

#include "ns3/callback.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief Runs collectives as dependency graphs of transfers over the transaction layer: the
 * algorithm's UbCollectiveBuilder makes the graph (UbTransferGraph) from the engine's settings,
 * and a UbCollectiveRunner runs it with what the run needs from the fabric (issue latency,
 * minimal routes) as its configuration; no controller or switch is changed.
 *
 * A collective is a set of Writes between ranks (WriteWithNotify, strongly ordered per pair so
 * that each pair's transfers arrive in the order they were issued); a transfer may start only
 * when the transfers it depends on have arrived at its source rank (the data it forwards or
 * reduces). Transfers with no dependencies start together; the collective ends when the last one
 * has arrived. A rank's reductions take no time (its compute is not modelled); a reducing
 * switch's take its engine's time (SetReducers), and SetIssueCost charges a rank per message.
 *
 * \code
 *   UbCollectiveEngine coll(ranks);       // the UbControllers of the ranks
 *   coll.SetChunks(4);                    // pipeline each step in 4 pieces
 *   coll.Start(UbCollectiveOp::ALL_REDUCE, UbCollectiveAlgo::RING, 64 << 20,
 *              MakeCallback(&Report));    // UbCollectiveResult when done
 * \endcode
 *
 * The engine takes over the ranks' notify callbacks while it exists.
 */
class UbCollectiveEngine
{
  public:
    /// Called once when a collective completes.
    typedef Callback<void, const UbCollectiveResult&> DoneCallback;

    /// \param ranks the ranks' controllers, in rank order (at least 2)
    explicit UbCollectiveEngine(std::vector<Ptr<UbController>> ranks);
    /**
     * \brief An engine over ranks some of which another process runs (a run split over
     * processes; SetLocal): their controllers are null, their CNAs given. The values taken from
     * the controllers (MTU and spray width) come from the first rank here.
     * \param ranks the ranks' controllers, in rank order (null: run elsewhere)
     * \param cnas per rank, its CNA
     */
    UbCollectiveEngine(std::vector<Ptr<UbController>> ranks, std::vector<uint32_t> cnas);
    /**
     * \brief An engine whose transfers move by another carrier (the flow level's): the values
     * the controllers would give come from the fabric's description instead.
     * \param carrier what moves the transfers; its first `ranks` participants are the ranks
     * \param ranks ranks (at least 2)
     * \param sprayBytes what one packet on every path of a rank's channel group carries
     *        (UbController::Mtu x UbTransport's spray width)
     * \param inNetworkBps each rank's UbController::InNetworkRate in bytes/s
     */
    UbCollectiveEngine(std::unique_ptr<UbTransferCarrier> carrier,
                       uint32_t ranks,
                       uint64_t sprayBytes,
                       std::vector<double> inNetworkBps);
    ~UbCollectiveEngine();

    /**
     * \brief Pipelining: the pieces each step's data is cut into. With 0, the default, each
     * algorithm chooses from the size and the ranks (UbCollectiveBuilder::AutoChunks: ring as
     * NCCL sizes its channels; the others 1 until measured); results record the count used.
     * \param chunks pieces per step (0: the algorithm's choice)
     */
    void SetChunks(uint32_t chunks);
    /// \param root the Broadcast root rank
    void SetRoot(uint32_t root);

    /**
     * \brief Whether graphs are generated as they run where the algorithm can (ring,
     * hierarchical and in-network AllReduce: UbCollectiveBuilder::BuildGenerated), so that the
     * run's memory stays that of the pieces near those in flight whatever the size. On by
     * default; off builds each graph whole before it runs (the same transfers in the same order:
     * the same results, for checks).
     * \param on generate as they run
     */
    void SetGenerated(bool on);

    /**
     * \brief Collective offload (UB endpoints; Ascend's collective communication unit): a
     * hardware engine, not the NPU's cores, issues each step's transfers, so a transfer leaves
     * `issueLatency` after its dependencies arrived instead of the controller's
     * InitiatorLatency (the run issues its transfers with this latency; the controllers keep
     * theirs). Off by default; results record whether it was on.
     * \param on use the offload
     * \param issueLatency issue latency of the offload engine (an assumption: Huawei publishes
     *        none; 50 ns by default)
     */
    void SetOffload(bool on, Time issueLatency = NanoSeconds(50));
    /**
     * \brief What issuing one transfer costs a rank: software that posts one message per
     * destination from a few cores (MoE dispatch; UbCollectiveRunConfig::issueCost). A rank's
     * transfers then leave one after another, each `cost` after the one before. 0 by default.
     * \param cost per transfer
     */
    void SetIssueCost(Time cost);

    /**
     * \brief Groups for HIERARCHICAL AllReduce: ranks [0, g), [g, 2g), ... are one domain each
     * (a SuperPoD, an NVLink domain); the phase across groups joins the i-th rank of every group.
     * \param g ranks per group (must divide the number of ranks)
     */
    void SetGroupSize(uint32_t g);

    /**
     * \brief The full-mesh shape of the ranks, for MULTI_RING and MULTI_PATH: rank r has
     * coordinates x0 = r mod X0, x1 = (r / X0) mod X1, ...; ranks that differ in one coordinate
     * only are assumed to be joined directly (UB-Mesh: X0 = NPUs of a board, X1 = boards of a
     * rack, then rack columns and rows). Without it the ranks are one dimension of N.
     * \param dims sizes, product = number of ranks, each >= 1
     */
    void SetMeshDims(std::vector<uint32_t> dims);

    /**
     * \brief Whether MULTI_RING and MULTI_PATH keep their packets on minimal routes (the run's
     * packets, and the acknowledgements and responses they cause, carry UB_PKT_MINIMAL, so no
     * switch gives them a source-only detour): these algorithms put each transfer on a direct
     * link themselves, and a detour (UB-Mesh's DETOUR policy) would spend a second link of a
     * fabric they already load evenly. On by default; other algorithms leave the routes alone.
     * \param on minimal routes for MULTI_RING and MULTI_PATH
     */
    void SetMinimalRoutes(bool on);

    /**
     * \brief Progress of long collectives on stderr: at most once every `seconds` of wall-clock
     * time, a line with the share of transfers that have arrived, the simulated time and the
     * wall-clock time so far (a collective that finishes sooner prints nothing). Off by
     * default; the experiment programs turn it on.
     * \param seconds wall-clock seconds between lines (0: off)
     */
    void SetProgress(double seconds);

    /// Whether ring and hierarchical collectives run as ring phases (SetAggregation).
    enum class Aggregation : uint8_t
    {
        OFF,  //!< transfer by transfer (the default)
        ON,   //!< as ring phases; other algorithms stop the run with a message
        AUTO, //!< aggregated from AUTO_TRANSFERS transfers (All-to-All: AUTO_ALL_TO_ALL)
    };
    /// AUTO aggregates collectives of at least this many transfers (about a second of wall
    /// clock transfer by transfer; a 72-rank ring of 16 MiB has 327,000)
    static constexpr uint64_t AUTO_TRANSFERS = 1000000;
    /// AUTO aggregates a direct All-to-All(v) from this many transfers: its transfers all move
    /// at once, so each start and end settles thousands of others and the cost grows as their
    /// square (a 72-rank MoE dispatch of 5,112 takes 25 s transfer by transfer, and the
    /// aggregated one agrees within 1 %; doc/flow-level.md)
    static constexpr uint64_t AUTO_ALL_TO_ALL = 4096;

    /**
     * \brief Run ring and hierarchical collectives as ring phases, not transfer by transfer:
     * the aggregated flow level (UbCollectiveBuilder::Phases, UbFlowFabric::RingPhase), which
     * takes about as long for a million ranks as for eight. Only a flow-level engine can: with
     * ON a packet-level engine stops the run; with AUTO it runs transfer by transfer. The
     * result says how it ran (UbCollectiveResult::aggregated).
     * \param a OFF, ON or AUTO
     */
    void SetAggregation(Aggregation a);
    /**
     * \brief Read an aggregation's name as --aggregate writes it.
     * \param name off, on or auto
     * \param[out] a the aggregation
     * \return false if the name is none of them
     */
    static bool AggregationFromName(const std::string& name, Aggregation& a);

    /**
     * \brief Stride rings of one full-mesh dimension of size x (the fallback of RingOrders): ring s
     * visits 0, s, 2s, ... mod x for every stride s < x coprime with x (each a Hamiltonian cycle,
     * no two on the same directed link: x - 1 rings for prime x, 4 for 8). Exposed for tests.
     * \param x dimension size (>= 2)
     * \return the strides
     */
    static std::vector<uint32_t> RingStrides(uint32_t x);

    /**
     * \brief The rings MULTI_RING runs in one full-mesh dimension of size x: x - 1 arc-disjoint
     * directed Hamiltonian cycles (every link of the dimension, both ways) where they exist
     * (every x but 4 and 6; found by a deterministic search and cached), else the rings of
     * RingStrides(x). Exposed for tests.
     * \param x dimension size (>= 2)
     * \return each ring as the order of its members (coordinates 0 .. x-1)
     */
    static std::vector<std::vector<uint32_t>> RingOrders(uint32_t x);

    /**
     * \brief The switches that reduce for IN_NETWORK AllReduce (NVLS-like: NVLink SHARP).
     *
     * Each reducer is a UbController on a switch node that every rank reaches directly
     * (UbCollectiveHelper::InstallSwitchReducers sets them up); reducer j takes share j of the
     * buffer. As NVLS runs: each rank heads 1/N of every share; for each piece it heads, every
     * rank's copy goes to the reducer (multimem.ld_reduce), the reducer's engine reduces it and
     * returns the sum to the head, the head writes it to the reducer (multimem.st) and the
     * reducer multicasts it to every rank (each down link once per rank, as a real multicast).
     * A rank thus sends and receives S (1 + 1/N) bytes instead of ring's 2(N-1)/N S.
     * \param reducers controllers on switch nodes
     * \param shares relative share of each (for example its links per GPU), same length
     * \param reductionBps each switch's reduction engine, reduced output bytes per second (0:
     *        no limit; UbSwitch::ReductionRate)
     * \param concurrent pieces each switch reduces at once (0: UbInNetworkBuilder::DefaultWindow;
     *        UbSwitch::ConcurrentReductions)
     */
    void SetReducers(std::vector<Ptr<UbController>> reducers,
                     std::vector<double> shares,
                     double reductionBps = 0,
                     uint32_t concurrent = 0);

    /**
     * \brief Start a collective now (one at a time per engine).
     * \param op operation
     * \param algo algorithm (must suit the operation: see UbCollectiveAlgo)
     * \param bytes NCCL size (see UbCollectiveResult)
     * \param done called when it completes
     */
    void Start(UbCollectiveOp op, UbCollectiveAlgo algo, uint64_t bytes, DoneCallback done);

    /**
     * \brief Start an All-to-Allv now: rank i sends bytes[i][j] to rank j (0: nothing; the
     * diagonal stays local), all at once, each split into the engine's chunks.
     * \param bytes N x N matrix
     * \param done called when it completes
     * \param algo DIRECT, or MULTI_PATH (forwarded dimension by dimension; SetMeshDims)
     */
    void StartAllToAllv(const std::vector<std::vector<uint64_t>>& bytes,
                        DoneCallback done,
                        UbCollectiveAlgo algo = UbCollectiveAlgo::DIRECT);

    /**
     * \brief Split the collectives over processes (ns-3's MPI; doc/distributed.md): this
     * process runs the ranks marked (UbCollectiveRunner::SetLocal). Its collectives then do not
     * call their done callback; after the simulation GetPart gives this process's part.
     * \param local per rank, whether it is here (empty: all)
     */
    void SetLocal(std::vector<bool> local);
    /**
     * \brief This process's part of the last collective split over processes
     * (UbCollectiveRunner::GetPart).
     * \param[out] arrived transfers that arrived here
     * \return the part
     */
    UbCollectiveResult GetPart(uint64_t& arrived) const;

    /// \return true while a collective runs
    bool IsRunning() const;
    /// \return number of ranks
    uint32_t GetNRanks() const;

  private:
    UbCollectivePlan Plan(UbCollectiveOp op, UbCollectiveAlgo algo, uint64_t bytes) const;
    UbCollectiveRunConfig RunConfig(UbCollectiveAlgo algo) const;
    void Launch(const UbCollectivePlan& plan, DoneCallback done);

    UbCollectiveRunner m_runner;                 //!< runs the graphs over the ranks (and reducers)
    uint32_t m_nRanks{0};                        //!< ranks (the runner's first participants)
    uint32_t m_chunks{0};                        //!< pieces per step (0: the algorithm's choice)
    uint32_t m_root{0};                          //!< Broadcast root
    uint32_t m_group{0};                         //!< HIERARCHICAL: ranks per group
    std::vector<uint32_t> m_dims;                //!< MULTI_RING / MULTI_PATH: full-mesh shape
    bool m_minimal{true};                        //!< MULTI_*: the run's packets on minimal routes
    bool m_generated{true};                      //!< graphs generated as they run where they can be
    Aggregation m_aggregation{Aggregation::OFF}; //!< SetAggregation
    double m_progressS{0};              //!< wall-clock seconds between progress lines (0: off)
    bool m_offload{false};              //!< collective offload on
    Time m_offloadLatency;              //!< its issue latency
    Time m_issueCost;                   //!< per transfer a rank issues
    std::vector<double> m_shares;       //!< IN_NETWORK: share of each reducer
    double m_reductionBps{0};           //!< IN_NETWORK: each reducer's engine (0: no limit)
    std::vector<double> m_inNetworkBps; //!< IN_NETWORK: each rank's InNetworkRate, bytes/s
    uint32_t m_concurrent{0};           //!< IN_NETWORK: pieces each reducer reduces at once
    uint64_t m_sprayBytes{0};           //!< UbCollectivePlan::sprayBytes of rank 0
};

} // namespace ns3

#endif /* UB_COLLECTIVE_H */
