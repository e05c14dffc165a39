/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_COLLECTIVE_RUNNER_H
#define UB_COLLECTIVE_RUNNER_H

#include "ub-collective-builder.h"
#include "ub-collective-types.h"
#include "ub-transaction.h"
#include "ub-transfer-graph.h"

#include "ns3/callback.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace ns3
{

class UbController;

/**
 * \ingroup unifiedbus
 * \brief What one run of a collective needs from the fabric, given to the run (never written
 * into the controllers or switches).
 */
struct UbCollectiveRunConfig
{
    Time issueLatency{PicoSeconds(-1)}; //!< issue latency of every transfer (negative: each
                                        //!< rank's InitiatorLatency; the offload engine's)
    bool minimalRoutes{false}; //!< the run's packets take minimal routes only (UB_PKT_MINIMAL)
    double progressSeconds{0}; //!< wall-clock seconds between progress lines (0: none)
    /// per participant, the rate of its engine in bytes/s (a reducing switch's reduction
    /// engine): a transfer with work waits for the engine, which processes one transfer's work
    /// at a time, in the order they became ready (missing or 0: no engine, work takes no time)
    std::vector<double> engineBps;
    /// what issuing one transfer costs a rank (software posting a message, one destination
    /// after another): a rank's transfers leave one after another, each this long after the
    /// one before or after it became ready (0: no cost)
    Time issueCost{0};
};

/**
 * \ingroup unifiedbus
 * \brief How a runner's transfers move from their source to their destination: at packet level
 * through the participants' transaction layers (UbControllerCarrier), at flow level through a
 * fluid network (UbFlowFabric's carrier). The runner decides when a transfer starts; the carrier
 * moves it and tells the runner when it has arrived.
 */
class UbTransferCarrier
{
  public:
    /// Called by the carrier when transfer t has arrived at its destination.
    typedef std::function<void(UbTransferId)> ArrivedCallback;

    virtual ~UbTransferCarrier() = default;
    /// \return participants (ranks, then reducers)
    virtual uint32_t GetNParticipants() const = 0;
    /// \return the level its transfers move at ("packet" or "flow"), for the results
    virtual const char* GetLevel() const = 0;
    /**
     * \brief A run begins: forget what the last one left, and report arrivals to `arrived`.
     * \param arrived the runner's arrival callback
     */
    virtual void Begin(ArrivedCallback arrived) = 0;
    /**
     * \brief Start moving transfer t now.
     * \param t its index in the graph
     * \param x the transfer
     * \param options how its source issues it (issue latency, packet flags); set for ranks only
     */
    virtual void Issue(UbTransferId t,
                       const UbTransferGraph::Transfer& x,
                       const UbIssueOptions& options) = 0;
    /**
     * \brief Move a collective's ring phases at the aggregated level, without their transfers
     * one by one, if this carrier can (the flow level's: UbFlowFabric::RingPhase).
     * \param phases the phases, over the ranks (participant indices)
     * \param chunks pieces per step
     * \param config the run's configuration (issue latency, minimal routes)
     * \param[out] duration first issue to last arrival
     * \return false if this carrier cannot (this base version)
     */
    virtual bool Aggregate(const std::vector<UbRingPhase>& phases,
                           uint32_t chunks,
                           const UbCollectiveRunConfig& config,
                           Time& duration);
    /**
     * \brief Move a direct All-to-All(v) at the aggregated level, without its transfers one by
     * one, if this carrier can (the flow level's: UbFlowFabric::AllToAllPhase).
     * \param matrix bytes from rank s to rank d (null: `uniform` for every pair)
     * \param uniform bytes per pair when matrix is null
     * \param chunks pieces per pair
     * \param config the run's configuration (issue cost and latency, minimal routes)
     * \param[out] rankDone per rank, its last arrival from the start
     * \return false if this carrier cannot (this base version)
     */
    virtual bool AggregateAllToAll(const std::vector<std::vector<uint64_t>>* matrix,
                                   uint64_t uniform,
                                   uint32_t chunks,
                                   const UbCollectiveRunConfig& config,
                                   std::vector<Time>& rankDone);
};

/**
 * \ingroup unifiedbus
 * \brief The packet-level carrier: each transfer is a WriteWithNotify from its source's
 * UbController to its destination's, strongly ordered per pair, that names the transfer in its
 * target address (TRANSFER_ADDRESS plus its index): the destination knows which transfer
 * arrived from the packets alone, with nothing shared with the source (what a run split over
 * processes needs). It takes over the participants' notify callbacks while it exists.
 */
class UbControllerCarrier : public UbTransferCarrier
{
  public:
    /**
     * \param ranks the ranks' controllers, in rank order; null for a rank another process runs
     *        (a run split over processes), whose CNA `cnas` gives
     * \param cnas per rank, its CNA (empty: the controllers'; needed for null ones)
     */
    explicit UbControllerCarrier(std::vector<Ptr<UbController>> ranks,
                                 std::vector<uint32_t> cnas = {});
    ~UbControllerCarrier() override;
    UbControllerCarrier(const UbControllerCarrier&) = delete;
    UbControllerCarrier& operator=(const UbControllerCarrier&) = delete;
    /**
     * \brief Add a participant after the ranks (a reducing switch's controller).
     * \param c its controller
     * \return its index
     */
    uint32_t AddParticipant(const Ptr<UbController>& c);
    uint32_t GetNParticipants() const override;
    const char* GetLevel() const override;
    void Begin(ArrivedCallback arrived) override;
    void Issue(UbTransferId t,
               const UbTransferGraph::Transfer& x,
               const UbIssueOptions& options) override;

    /// The target addresses of a collective's writes: this plus the transfer's index (2^48 of
    /// them), in a range no other user of the controllers is expected to write to.
    static constexpr uint64_t TRANSFER_ADDRESS = 0x7C01ull << 48;

  private:
    uint32_t Add(const Ptr<UbController>& c, uint32_t cna);
    void OnNotify(uint32_t srcCna, UbOp op, uint64_t length, uint64_t address);

    std::vector<Ptr<UbController>> m_parts; //!< ranks, then reducers (null: elsewhere)
    std::vector<uint32_t> m_cnas;           //!< per participant, its CNA
    std::map<uint32_t, uint32_t> m_indexOfCna;
    ArrivedCallback m_arrived;
};

/**
 * \ingroup unifiedbus
 * \brief Runs a UbTransferGraph over a carrier (UbTransferCarrier): packet level over the
 * participants' transaction layers, or flow level.
 *
 * A transfer is issued when the transfers it depends on have arrived at its source, and, if it
 * has work (UbTransferGraph::Transfer::work) and its source an engine (UbCollectiveRunConfig::
 * engineBps), once the engine has processed that work after the work of transfers that became
 * ready before it. The run ends when the last transfer has arrived. Without engines reductions
 * take no time.
 */
class UbCollectiveRunner
{
  public:
    /// Called once when a run completes.
    typedef Callback<void, const UbCollectiveResult&> DoneCallback;

    /**
     * \param ranks the ranks' controllers, in rank order (a UbControllerCarrier over them)
     * \param cnas per rank, its CNA (UbControllerCarrier: for ranks run elsewhere)
     */
    explicit UbCollectiveRunner(std::vector<Ptr<UbController>> ranks,
                                std::vector<uint32_t> cnas = {});
    /**
     * \param carrier what moves the transfers
     * \param ranks the ranks (the carrier's first participants)
     */
    UbCollectiveRunner(std::unique_ptr<UbTransferCarrier> carrier, uint32_t ranks);
    ~UbCollectiveRunner();
    UbCollectiveRunner(const UbCollectiveRunner&) = delete;
    UbCollectiveRunner& operator=(const UbCollectiveRunner&) = delete;

    /**
     * \brief Add a participant after the ranks (a reducing switch's controller); packet-level
     * runners only.
     * \param c its controller
     * \return its index in the graphs this runner runs
     */
    uint32_t AddParticipant(const Ptr<UbController>& c);
    /**
     * \brief Run a graph now (one run at a time).
     * \param graph the transfers
     * \param result what the run is (op, algo, ranks, bytes, chunks, offload): the runner fills
     *        in the times, transfers and bytes
     * \param config what the run needs from the fabric
     * \param done called when the last transfer has arrived
     */
    void Run(UbTransferGraph graph,
             const UbCollectiveResult& result,
             const UbCollectiveRunConfig& config,
             DoneCallback done);
    /**
     * \brief Run a collective's ring phases at the aggregated level now (UbTransferCarrier::
     * Aggregate): its result comes when they would have ended, with the transfers and bytes they
     * stand for, every rank done at the end, and UbCollectiveResult::aggregated set.
     * \param phases the phases
     * \param result what the run is (op, algo, ranks, bytes, chunks)
     * \param config what the run needs from the fabric
     * \param done called when they have ended
     * \return false, running nothing, if the carrier cannot aggregate
     */
    bool RunAggregated(const std::vector<UbRingPhase>& phases,
                       const UbCollectiveResult& result,
                       const UbCollectiveRunConfig& config,
                       DoneCallback done);
    /**
     * \brief Run a direct All-to-All(v) at the aggregated level now (UbTransferCarrier::
     * AggregateAllToAll): each rank done at its last arrival, the result when the last rank
     * is, with the transfers and bytes it stands for and UbCollectiveResult::aggregated set.
     * \param matrix bytes from rank s to rank d (null: `uniform` for every pair)
     * \param uniform bytes per pair when matrix is null
     * \param result what the run is (op, algo, ranks, bytes, chunks)
     * \param config what the run needs from the fabric
     * \param done called when it has ended
     * \return false, running nothing, if the carrier cannot aggregate
     */
    bool RunAggregatedAllToAll(const std::vector<std::vector<uint64_t>>* matrix,
                               uint64_t uniform,
                               const UbCollectiveResult& result,
                               const UbCollectiveRunConfig& config,
                               DoneCallback done);
    /**
     * \brief Split the runs over processes (ns-3's MPI; doc/distributed.md): this process runs
     * the participants marked here. It issues only the transfers whose source is here and sees
     * only the arrivals at participants here; a transfer elsewhere that would be released by
     * what a participant here sees (or the reverse) stops the run with a message. The run then
     * never completes on its own: after the simulation, GetPart gives what this process saw,
     * and the processes' parts combine into the result (UbExperiment does).
     * \param local per participant (ranks, then reducers), whether it is here (empty: all)
     */
    void SetLocal(std::vector<bool> local);
    /**
     * \brief What this process saw of the last run split over processes (SetLocal): the result
     * with start, op, transfers and bytes as in one process, rankDone and rankBytesIn filled in
     * for the ranks here only (0 for the others), and end the last arrival here (start if none).
     * \param[out] arrived transfers that arrived here
     * \return the part
     */
    UbCollectiveResult GetPart(uint64_t& arrived) const;

    /// \return true while a run is in progress
    bool IsRunning() const
    {
        return m_running;
    }

    /// \return participants (ranks and reducers)
    uint32_t GetNParticipants() const
    {
        return m_carrier->GetNParticipants();
    }

  private:
    /// an aggregated run begins: its configuration and result, counts to be filled in
    void BeginAggregated(const UbCollectiveResult& result,
                         const UbCollectiveRunConfig& config,
                         DoneCallback done);
    /// Stop with a message if transfer t names a participant that is not there or, generated
    /// after the start, has no dependency (the generator's contract, UbTransferGraph).
    void Check(UbTransferId t, const UbTransferGraph::Transfer& x, bool atStart) const;
    /// Generate stream's batches until it holds `batch + lookback` (or place `place`, for a run
    /// split over processes: a transfer arriving here from elsewhere), checking the new ones.
    void Generate(uint32_t stream, uint32_t batch, uint64_t place);
    /// A run split over processes: mark transfers [from, end) of a stream that neither start nor
    /// arrive here as done with, and drop the stream's done prefix.
    void Forget(uint32_t stream, uint64_t from, uint64_t end);
    void Ready(UbTransferId t);
    void Issue(UbTransferId t);
    void Arrived(UbTransferId t);
    void Finish();

    std::unique_ptr<UbTransferCarrier> m_carrier;
    UbControllerCarrier* m_controllers{nullptr}; //!< the carrier, if it is the packet level's
    uint32_t m_nRanks{0};
    UbTransferGraph m_graph;
    uint64_t m_held{0};                  //!< transfers the graph holds (generated, not dropped)
    std::vector<int64_t> m_engineFreePs; //!< per participant: when its engine is free (ps)
    UbCollectiveRunConfig m_config;
    UbCollectiveResult m_result;
    DoneCallback m_done;
    uint64_t m_arrived{0};
    Time m_lastArrival;        //!< when the last transfer arrived (here)
    std::vector<bool> m_local; //!< SetLocal (empty: every participant here)
    double m_wallStart{0};     //!< wall clock when the run started (s)
    double m_wallLast{0};      //!< wall clock of the last progress line (s)
    bool m_running{false};
};

} // namespace ns3

#endif /* UB_COLLECTIVE_RUNNER_H */
