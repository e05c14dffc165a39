/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_EXPERIMENT_H
#define UB_EXPERIMENT_H

#include "ns3/nstime.h"
#include "ns3/ub-collective.h"
#include "ns3/ub-results.h"
#include "ns3/ub-transport.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ns3
{

class UbTopologyHelper;

/**
 * \ingroup unifiedbus
 * \brief One-call measurements on a system built from a preset, each on a fresh, idle fabric
 * (the simulator is run and destroyed inside): what the experiments and the report are made of.
 */
class UbExperiment
{
  public:
    /// The level a run simulates at: every packet, or fluid flows (doc/flow-level.md).
    enum Level
    {
        PACKET, //!< packet level: ns-3 nodes, devices and controllers
        FLOW,   //!< flow level: UbFlowFabric on the same topology, presets and routes
        HYBRID, //!< packet level for the SuperPoDs under study, flow level for the rest
                //!< (UbTopologyHelper::SetHybrid)
    };

    /**
     * \brief Read a level's name as --level writes it (packet, flow, or hybrid where allowed).
     * \param name the name
     * \param[out] level the level
     * \param hybrid whether the program offers the hybrid level
     * \return false if it is none of them
     */
    static bool LevelFromName(const std::string& name, Level& level, bool hybrid = false);
    /// \param level a level \return its name (packet, flow, hybrid)
    static const char* LevelName(Level level);
    /// \return the help text of the programs' --study option
    static const char* StudyOptionHelp();
    /**
     * \brief Read the programs' --study option: the SuperPoDs the hybrid level runs at packet
     * level, as a list of indices and ranges ("0", "0,3", "0-1").
     * \param program the program's name, for the message
     * \param text the option
     * \param pods SuperPoDs in the system
     * \param[out] study the SuperPoDs, ascending, each once
     * \return false, after a one-line message naming the option and the fix, if the text is
     * not such a list, names a SuperPoD the system does not have, or names all of them
     */
    static bool StudyOption(const std::string& program,
                            const std::string& text,
                            uint32_t pods,
                            std::vector<uint32_t>& study);
    /// \return the help text of the programs' --aggregate option
    static const char* AggregateOptionHelp();
    /**
     * \brief Read the programs' --aggregate option.
     * \param program the program's name, for the message
     * \param text the option (auto, on or off)
     * \param level the run's level (on needs the flow level)
     * \param[out] a the aggregation
     * \return false, after a one-line message naming the option and the fix, if the text is
     * not an aggregation or asks for one the level cannot do
     */
    static bool AggregateOption(const std::string& program,
                                const std::string& text,
                                Level level,
                                UbCollectiveEngine::Aggregation& a);
    /// \param r a collective's result \return how it ran: packet, flow or flow-aggregated
    static std::string HowItRan(const UbCollectiveResult& r);

    /// Outcome of one transfer.
    struct Transfer
    {
        double seconds{0}; //!< issue to completion
        double gbps{0};    //!< bytes / seconds / 1e9 (GB/s)
        std::string src;   //!< source endpoint name
        std::string dst;   //!< destination endpoint name
        uint32_t hops{0};  //!< links on the route (first candidate at each node)
    };

    /**
     * \brief One Write or Read between two endpoints.
     * \param preset system preset
     * \param npus endpoints to build (0: the preset's)
     * \param src source endpoint index
     * \param dst destination endpoint index
     * \param bytes bytes
     * \param read a Read instead of a Write
     * \param results if given, gets a flow row for the transfer (one message: latency = issue
     *        to completion) and a port row for every port that sent something, tagged `scope`
     * \param scope the rows' scope
     * \param build if given, builds the system instead of the preset (a topology file built
     *        with the preset's values, say)
     * \return the transfer
     */
    static Transfer RunTransfer(const std::string& preset,
                                uint32_t npus,
                                uint32_t src,
                                uint32_t dst,
                                uint64_t bytes,
                                bool read = false,
                                UbResults* results = nullptr,
                                const std::string& scope = "",
                                const std::function<void(UbTopologyHelper&)>& build = nullptr);

    /**
     * \brief One collective over the system's first `ranks` endpoints.
     * \param preset system preset
     * \param npus endpoints to build (0: the preset's)
     * \param ranks ranks (0: every endpoint)
     * \param op operation
     * \param algo algorithm
     * \param bytes NCCL size
     * \param chunks pipelining
     * \param results if given, gets a port row (utilization over the collective's time,
     *        credit-stall time) for every port that sent something, tagged `scope`
     * \param scope the rows' scope
     * \param setup if given, called with the built fabric and the engine before the start (to
     *        install reducers for IN_NETWORK, turn on offload, set groups or mesh dimensions)
     * \return the result
     */
    static UbCollectiveResult RunCollective(
        const std::string& preset,
        uint32_t npus,
        uint32_t ranks,
        UbCollectiveOp op,
        UbCollectiveAlgo algo,
        uint64_t bytes,
        uint32_t chunks = 0,
        UbResults* results = nullptr,
        const std::string& scope = "",
        const std::function<void(UbTopologyHelper&, UbCollectiveEngine&)>& setup = nullptr);

    /// One collective on a freshly built system: what to build, what to run, where to record it.
    struct CollectiveRun
    {
        std::string preset;                           //!< system preset (BuildPreset)
        uint32_t npus{0};                             //!< endpoints to build (0: the preset's)
        std::function<void(UbTopologyHelper&)> build; //!< builds the system instead of preset
        uint32_t ranks{0};                            //!< ranks: the first endpoints (0: all)
        /// the ranks' endpoints instead, as indices into the system's endpoints, in rank order
        /// (an expert-parallel group spread over SuperPoDs, say)
        std::vector<uint32_t> rankEndpoints;
        UbCollectiveOp op{UbCollectiveOp::ALL_REDUCE}; //!< operation
        UbCollectiveAlgo algo{UbCollectiveAlgo::RING}; //!< algorithm
        uint64_t bytes{0};                             //!< NCCL size (not for All-to-Allv)
        uint32_t chunks{0};                            //!< pipelining (0: the algorithm's choice)
        uint32_t group{0}; //!< HIERARCHICAL: ranks per group (UbCollectiveEngine::SetGroupSize)
        const std::vector<std::vector<uint64_t>>* matrix{nullptr}; //!< All-to-Allv bytes
        /// called with the built fabric and the engine before the start (reducers, offload,
        /// groups, mesh dimensions)
        std::function<void(UbTopologyHelper&, UbCollectiveEngine&)> setup;
        UbResults* results{nullptr}; //!< if given, gets a port row per port that sent something
                                     //!< and the endpoints' transport counters (packet level)
        std::string scope;           //!< the rows' scope
        Level level{PACKET};         //!< the level to simulate at (build and setup see it on
                                     //!< the helper: UbTopologyHelper::IsFlowLevel, IsHybrid)
        /// hybrid level: endpoints whose SuperPoDs run at packet level (UbTopologyHelper::
        /// SetHybrid; one per SuperPoD is enough)
        std::vector<uint32_t> study;
        /// stop the simulation then (0: when no event is left). A run split over processes
        /// under ns-3's null-message kernel needs one, past the collective's end and the
        /// acknowledgements and credits that follow it: that kernel's null messages never run
        /// out (the granted-time-window kernel ends by itself)
        Time stop{0};
        /// flow level: ring and hierarchical collectives as ring phases (UbCollectiveEngine::
        /// SetAggregation; AUTO: from a million transfers); ON stops a packet-level run. An
        /// AllReduce over every NPU of a SuperCluster that runs so (ring, or hierarchical with
        /// groups that divide a SuperPoD) holds one SuperPoD's fabric for all (OnePodFits)
        UbCollectiveEngine::Aggregation aggregate{UbCollectiveEngine::Aggregation::AUTO};
    };

    /**
     * \brief Whether a run's SuperCluster is held with one SuperPoD's fabric for all
     * (UbTopologyHelper::SetOnePod; doc/flow-level.md, "Identical SuperPoDs held once"): the
     * flow level, an AllReduce over every NPU, ring or hierarchical with groups that divide a
     * SuperPoD, that runs aggregated as UbCollectiveEngine decides it (ON, or AUTO from
     * AUTO_TRANSFERS transfers, counted at one piece per step).
     * \param run the run
     * \param npus the SuperCluster's NPUs
     * \param podNpus a SuperPoD's
     * \return true if it fits
     */
    static bool OnePodFits(const CollectiveRun& run, uint64_t npus, uint32_t podNpus);

    /// What a CollectiveRun gave.
    struct CollectiveOutcome
    {
        UbCollectiveResult result;    //!< the collective
        bool finished{false};         //!< it completed
        uint64_t events{0};           //!< ns-3 events of the simulation
        Time simulated;               //!< simulated time at its end
        UbTransport::Stats transport; //!< the endpoints' transport counters, summed
        uint64_t packetHops{0};       //!< packets sent over all links (every device's count)
        double buildSeconds{0};       //!< wall-clock time of building the system
        double wallSeconds{0};        //!< wall-clock time of Simulator::Run
        uint64_t flows{0};            //!< flow level: fluid flows (transfers) run
        uint64_t memoryBytes{0};      //!< flow level: what the fabric holds at the end
        bool onePod{false};           //!< flow level: one SuperPoD's fabric held for all
        uint64_t packetTransfers{0};  //!< hybrid level: transfers moved at packet level
        uint64_t flowTransfers{0};    //!< hybrid level: transfers moved at flow level
        double peakBackground{0};     //!< hybrid level: the largest background share set
    };

    /**
     * \brief Build the system, run one collective on its first ranks, record its ports, and
     * destroy the simulation: the scaffolding every collective experiment repeats.
     * \param run what to build and run
     * \return the outcome (finished is false if the collective did not complete)
     */
    static CollectiveOutcome Run(const CollectiveRun& run);

    /**
     * \brief What builds a SuperCluster, for CollectiveRun::build: `pods` SuperPoDs of `npus`
     * NPUs each joined by a scale-out network built with the preset `scaleOut` (link class 1),
     * as supercluster-allreduce runs it. Atlas-950-like pods (ascend950-ub2) use 128-port
     * scale-out switches (51.2 Tb/s of 400 GbE); Atlas-960-like pods (ascend960-ub) 256-port
     * ones (102.4 Tb/s, the generation shipping with the Atlas 960: an assumption), which a
     * million NPUs need for three tiers (doc/systems.md).
     * \param pods SuperPoDs
     * \param npus NPUs per SuperPoD (a multiple of 64 for atlas950, of 88 for atlas960, 72
     *        for nvl72)
     * \param scaleOut the scale-out preset (uboe-400g, roce-400g)
     * \param pod the SuperPoD: atlas950, atlas960, or nvl72 (GB200 NVL72 domains with one
     *        400 GbE NIC per GPU: the NVLink baseline)
     * \return the build function
     */
    static std::function<void(UbTopologyHelper&)> SuperClusterBuild(
        uint32_t pods,
        uint32_t npus,
        const std::string& scaleOut,
        const std::string& pod = "atlas950");
    /**
     * \param preset system preset
     * \param npus endpoints to build (0: the preset's)
     * \return how many endpoints the system has (built as a topology only, not simulated)
     */
    static uint32_t CountEndpoints(const std::string& preset, uint32_t npus);

    /// One point of a latency-against-load curve.
    struct LoadConfig
    {
        std::string preset;             //!< system preset
        uint32_t npus{0};               //!< endpoints to build (0: the preset's)
        std::string pattern{"uniform"}; //!< uniform, hotspot, permutation or incast
        double load{0.5};               //!< offered load (see perChannel)
        double hotspot{0.2};            //!< hotspot: fraction of packets to endpoint 0
        uint32_t fanin{16};             //!< incast: senders 1 .. fanin to endpoint 0
        uint32_t packetSize{4096};      //!< bytes per packet
        double durationUs{20};          //!< sending time (the first quarter is warm-up)
        std::string selection{"Spray"}; //!< path selection at every node, or "Preset"
        bool perChannel{false};         //!< load in units of one port's line rate (Dally and
                                        //!< Towles' unit channel), not of all the endpoint's ports
        bool includeSelf{false}; //!< uniform and hotspot: a source may draw itself (textbook)
        bool wireFlits{false};   //!< load counts wire flits (network header, link headers, CRC,
                                 //!< flit padding), not payload bytes, against the line rate
        std::string set;         //!< preset values changed: UbPreset::SetList ("Type::Attr=v,...")
    };

    /// Outcome of one load point.
    struct LoadPoint
    {
        double accepted{0};  //!< delivered / offered over the measurement window (the last
                             //!< three quarters of the sending time)
        double meanUs{0};    //!< mean packet latency, creation to arrival
        double p50Us{0};     //!< median
        double p99Us{0};     //!< 99th percentile
        uint64_t packets{0}; //!< packets delivered
        double meanPs{0};    //!< mean packet latency in picoseconds
        double meanFlits{0}; //!< mean packet latency in flit times of the endpoint's first port
                             //!< (FlitSize x 8 / its rate): the textbook's cycles
    };

    /**
     * \brief Poisson sources on every endpoint (incast: on endpoints 1 .. fanin) at a given load,
     * for durationUs, then three times as long to drain. Uniform and hotspot pick a destination
     * per packet; permutation is a fixed random derangement; incast sends to endpoint 0 and the
     * load is endpoint 0's. Offered load x the endpoint's line rate (payload bytes against the
     * wire rate of all its ports, or of one with perChannel) is each source's rate.
     * \param c configuration
     * \param results if given, gets the flows and the ports that sent something, tagged scope
     * \param scope the rows' scope
     * \return the point
     */
    static LoadPoint RunLoad(const LoadConfig& c,
                             UbResults* results = nullptr,
                             const std::string& scope = "");

    /**
     * \brief Make UbScheduler (a calendar queue that fetches the next events' memory ahead) the
     * event scheduler of this program, unless NS_GLOBAL_VALUE names a SchedulerType; call before
     * CommandLine::Parse so that --SchedulerType still chooses another. The module's programs,
     * its test runner and its Python package call it: with the thousands of events pending in a
     * SuperPoD's collectives it runs them faster than ns-3's MapScheduler (a red-black tree) or
     * PriorityQueueScheduler (a binary heap) (`./ubsim bench collectives`, doc/architecture.md).
     * Every ns-3 scheduler runs events in the same order (time, then insertion), so results do
     * not change.
     */
    static void SetDefaultScheduler();

    /**
     * \brief Split this program's packet-level run over MPI processes (doc/distributed.md) if
     * its command line has --mpi=gtw or --mpi=null (ns-3's granted-time-window or null-message
     * kernel): starts MPI and ns-3's distributed simulator (UbDistributed::Enable). Call first
     * in main, before anything is created; add the option to CommandLine with MpiOptionHelp.
     * Then a SuperCluster's collective (Run) is split by SuperPoD over the processes, rank 0
     * gathers the results and commits them (UbResults::Commit does nothing on the others), and
     * only rank 0 prints on standard output. One simulation per process (ns-3's distributed
     * simulator does not restart).
     * \param program the program's name, for messages
     * \param argc main's argc
     * \param argv main's argv
     * \return false, with a message on standard error, if the option is malformed or this
     *         build has no MPI (the MPI route: ./ubsim setup --mpi, ./ubsim --ns3=mpi)
     */
    static bool EnableMpi(const std::string& program, int* argc, char*** argv);
    /// \return the help text of the --mpi option (EnableMpi)
    static const char* MpiOptionHelp();
    /// \return true if EnableMpi started MPI
    static bool IsMpi();
    /// \return this process's rank (0 without MPI)
    static uint32_t GetRank();
    /// \return the processes (1 without MPI)
    static uint32_t GetRanks();
    /// Stop MPI, if EnableMpi started it (at the end of main).
    static void DisableMpi();

    /**
     * \brief Per-endpoint and total bandwidth of a system, both directions, as vendors quote it.
     * \param preset system preset
     * \param npus endpoints (0: the preset's)
     * \param[out] perEndpointBytes bytes/s per endpoint
     * \param[out] endpoints endpoints
     * \return bytes/s summed over the endpoints
     */
    static double AggregateBandwidth(const std::string& preset,
                                     uint32_t npus,
                                     double& perEndpointBytes,
                                     uint32_t& endpoints);
};

} // namespace ns3

#endif /* UB_EXPERIMENT_H */
