/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_RESULTS_H
#define UB_RESULTS_H

#include "ns3/node-container.h"
#include "ns3/nstime.h"
#include "ns3/ub-transport.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace ns3
{

class UbPacketSink;
struct UbCollectiveResult;

/**
 * \ingroup unifiedbus
 * \brief Collects one run's parameters and metrics and writes them to SQLite in one transaction.
 *
 * Nothing touches the database until Commit(), which opens it and, in one exclusive
 * transaction, creates the schema if needed (refusing a file of another schema or with tables
 * of its own), inserts one row into `runs` and its rows into `params`, `metrics`, `flows`,
 * `ports` and `collectives`, and commits. An interrupted run leaves no partial rows. Commit waits
 * for another process's lock as long as it takes (a note every 30 s). If the file cannot be
 * written, the rows go to a side file beside it (or in the temporary folder) and Commit throws
 * UbInputError naming both. Programs call Check(path) before the run, so that a bad --db stops
 * them before the simulation, not after. The schema is documented in doc/results-schema.md; its
 * version is SCHEMA_VERSION and is stored as the database's user_version.
 */
class UbResults
{
  public:
    /// Schema version written by this build.
    static constexpr int SCHEMA_VERSION = 6;

    /// One row of the flows table.
    struct FlowRow
    {
        uint32_t flowId{0};       //!< flow id
        uint32_t src{0};          //!< source CNA
        uint32_t dst{0};          //!< destination CNA
        uint32_t sl{0};           //!< service level
        uint64_t packets{0};      //!< packets received
        uint64_t bytes{0};        //!< bytes received above the network header
        double firstTxS{0};       //!< first send (s)
        double firstRxS{0};       //!< first arrival (s)
        double lastRxS{0};        //!< last arrival (s)
        double throughputGbps{0}; //!< bytes x 8 / (last arrival - first send)
        double latMeanNs{0};      //!< mean latency (ns)
        double latP50Ns{0};       //!< median latency (ns)
        double latP99Ns{0};       //!< 99th percentile latency (ns)
        double latMaxNs{0};       //!< largest latency (ns)
        std::string scope;        //!< which simulation of the run (a load, a size), or empty
    };

    /// One row of the ports table.
    struct PortRow
    {
        uint32_t node{0};         //!< node id
        uint32_t port{0};         //!< port index
        int64_t peerNode{-1};     //!< node id at the other end
        uint64_t txPackets{0};    //!< packets sent
        uint64_t txBytes{0};      //!< bytes sent on the wire
        double busyS{0};          //!< time spent sending
        double utilization{0};    //!< busy / simulated time
        double creditStallS{0};   //!< sum over VLs of credit-stall time
        uint64_t creditFrames{0}; //!< credit frames sent
        uint64_t drops{0};        //!< packets dropped at this port's receive buffer
        std::string scope;        //!< which simulation of the run (a load, a size), or empty
    };

    /// One row of the collectives table (NCCL's conventions, UbCollectiveResult).
    struct CollectiveRow
    {
        std::string system;          //!< preset or topology name
        std::string op;              //!< AllReduce, AllGather, ...
        std::string algo;            //!< ring, halving-doubling, ...
        uint32_t ranks{0};           //!< ranks
        uint64_t bytes{0};           //!< NCCL size
        uint32_t chunks{1};          //!< pieces per step
        double timeUs{0};            //!< first issue to last arrival (us)
        double algbwGBps{0};         //!< bytes / time (GB/s)
        double busbwGBps{0};         //!< algbw x bus factor (GB/s)
        uint64_t transfers{0};       //!< transfers in the graph
        uint64_t wireBytes{0};       //!< data bytes moved
        std::string level{"packet"}; //!< the level it ran at: packet or flow
        bool aggregated{false};      //!< flow level, run as ring phases (not transfer by transfer)
    };

    /**
     * \param program name of the experiment (e.g. "ub-fabric-demo")
     * \param path database file; its folder is created if missing
     */
    explicit UbResults(std::string program, std::string path = "results/ubsim.db");

    /// \param seed RngSeed \param run RngRun (default: ns-3's RngSeedManager when the
    /// UbResults is made, so --RngSeed and --RngRun on the command line are recorded)
    void SetSeed(uint64_t seed, uint64_t run);
    /// \param name parameter name \param value its value as text
    void AddParameter(const std::string& name, const std::string& value);
    /// \param name parameter name \param value its value
    void AddParameter(const std::string& name, double value);
    /**
     * Records the options the program was given as the parameter "args", so that runs that
     * differ in an option the program does not record itself (an attribute set with
     * --ns3::UbTransport::Window=..., a size range) can still be told apart.
     * \param argc the program's argc
     * \param argv the program's argv
     */
    void AddCommandLine(int argc, char* argv[]);
    /**
     * \param argc the program's argc
     * \param argv the program's argv
     * \return argv[1..] joined by spaces (a value with a space in single quotes), less --db
     * (where the run is written) and --RngSeed/--RngRun (recorded in the runs table)
     */
    static std::string CommandLineText(int argc, char* argv[]);
    /**
     * \param scope what the metric is about (e.g. "run", "node:3", "flow:7")
     * \param name metric name
     * \param value value
     * \param unit unit (e.g. "ns", "Gb/s", "packets")
     */
    void AddMetric(const std::string& scope,
                   const std::string& name,
                   double value,
                   const std::string& unit);
    /// \param row a flow
    void AddFlow(const FlowRow& row);
    /// \param row a port
    void AddPort(const PortRow& row);

    /// \return the port rows added so far (written at Commit)
    const std::vector<PortRow>& GetPorts() const
    {
        return m_ports;
    }

    /**
     * \brief Keep the first `ports` port rows and `flows` flow rows, drop the rest (a run split
     * over processes gathers its rows into rank 0's results: UbDistributed::GatherRows).
     * \param ports port rows to keep
     * \param flows flow rows to keep
     */
    void TruncateRows(std::size_t ports, std::size_t flows);
    /// \param row a collectives-table row (UbCollectiveResult in NCCL conventions)
    void AddCollective(const CollectiveRow& row);
    /**
     * \brief Add the row of a finished collective.
     * \param system preset or topology it ran on
     * \param r the result
     * \param algoSuffix appended to the algorithm's name (e.g. "+offload")
     */
    void AddCollective(const std::string& system,
                       const UbCollectiveResult& r,
                       const std::string& algoSuffix = "");
    /**
     * \brief Add one flow row per flow of a sink.
     * \param sink the sink
     * \param scope which simulation of the run the rows belong to (for example "load:0.5")
     */
    void AddFlows(const UbPacketSink& sink, const std::string& scope = "");
    /**
     * \brief Add one port row per UB port of the nodes.
     * \param nodes nodes with a UbSwitch
     * \param simTime the time utilization is measured against (the run, or a collective's
     *        duration)
     * \param scope which simulation of the run the rows belong to (for example
     *        "ascend950-ub2:AllReduce:16777216")
     * \param activeOnly only ports that sent something (large fabrics, small collectives)
     */
    void AddPorts(const NodeContainer& nodes,
                  Time simTime,
                  const std::string& scope = "",
                  bool activeOnly = false);
    /**
     * \brief Add the transport counters of the endpoints, summed, as metrics of the scope:
     * data_sent, retransmitted, timeouts and spurious_retransmissions (DATA packets that
     * arrived twice: resent although the first copy got through), in packets.
     * \param nodes nodes, those with a UbController count
     * \param scope which simulation of the run the rows belong to
     */
    void AddTransport(const NodeContainer& nodes, const std::string& scope = "");
    /**
     * \brief Add transport counters already summed (over the processes of a split run) as
     * metrics of the scope, as AddTransport(nodes, scope) does.
     * \param t the counters
     * \param scope which simulation of the run the rows belong to
     */
    void AddTransport(const UbTransport::Stats& t, const std::string& scope = "");

    /**
     * \brief Mark the run as failed: its work did not complete (a collective that never
     * finished, say). Commit still writes its rows, with status "failed: why", then throws.
     * \param why one sentence
     */
    void MarkFailed(const std::string& why);

    /**
     * \brief MarkFailed(why), then Commit: the rows so far are written, marked failed, and
     * UbRunError is thrown (UbMain: exit status 3). For a program whose work did not complete.
     * \param why one sentence \param simTime simulated time \param events events executed
     */
    [[noreturn]] void CommitFailed(const std::string& why,
                                   Time simTime = Seconds(0),
                                   uint64_t events = 0);

    /**
     * \brief Write everything in one transaction (to a side file if the file cannot be written).
     *
     * First the end-of-run checks run (UbInvariants::End); runs.checks records their summary.
     * runs.status is "ok", or "failed: reason" when an invariant failed, the watchdog stopped
     * the run, the network ended deadlocked, or MarkFailed was called. A failed run's rows are
     * written all the same, and then Commit throws UbRunError (UbMain: exit status 3).
     * \param simTime simulated time of the run
     * \param events ns-3 events executed
     * \return the run_id of the new row (0, writing nothing, on MPI ranks other than 0: rank 0
     *         gathered the rows of a split run; UbExperiment::EnableMpi)
     */
    int64_t Commit(Time simTime, uint64_t events);

    /// \return the database path
    const std::string& GetPath() const;

    /**
     * \brief Check, before a run, that Commit can write its rows to a file.
     *
     * The file must be a results file of this schema (or an older one Commit upgrades), an
     * empty SQLite file, or absent in a folder that exists or can be created. A folder, a file
     * that is not SQLite, one of a newer schema, one holding tables this module did not write
     * and a read-only file are refused. Creates the folder if missing; writes nothing else.
     * \param path the results file
     * \throws UbInputError naming the path and what to do
     */
    static void Check(const std::string& path);

    /**
     * \param path the results file Commit could not write
     * \return the side file Commit writes instead: beside it, or in the temporary folder when
     *         its folder is not writable
     */
    static std::string SidePath(const std::string& path);

    /// \return the flows added so far
    const std::vector<FlowRow>& GetFlows() const;

  private:
    /**
     * \brief Write the rows to one file, in one transaction.
     * \param path the file
     * \param simTime simulated time \param events events \param wall wall-clock seconds
     * \return the run_id
     */
    int64_t Write(const std::string& path, Time simTime, uint64_t events, double wall);

    struct Metric
    {
        std::string scope;
        std::string name;
        double value;
        std::string unit;
    };

    std::string m_program;
    std::string m_path;
    std::string m_failure;      //!< MarkFailed
    std::string m_status{"ok"}; //!< runs.status, worked out by Commit
    std::string m_checks;       //!< runs.checks, worked out by Commit
    uint64_t m_seed{0};
    uint64_t m_run{0};
    std::string m_startedUtc;
    std::chrono::steady_clock::time_point m_wallStart;
    std::vector<std::pair<std::string, std::string>> m_params;
    std::vector<Metric> m_metrics;
    std::vector<FlowRow> m_flows;
    std::vector<PortRow> m_ports;
    std::vector<CollectiveRow> m_collectives;
};

} // namespace ns3

#endif /* UB_RESULTS_H */
