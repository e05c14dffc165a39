/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-results.h"

#include "ub-experiment.h"

#include "ns3/abort.h"
#include "ns3/node.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/ub-collective.h"
#include "ns3/ub-compat.h"
#include "ns3/ub-controller-helper.h"
#include "ns3/ub-error.h"
#include "ns3/ub-invariants.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-packet-sink.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-watchdog.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sqlite3.h>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unistd.h>
#include <vector>

namespace ns3
{

namespace
{
const char* const SCHEMA = R"SQL(
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
  run_id         INTEGER PRIMARY KEY AUTOINCREMENT,
  program        TEXT NOT NULL,
  started_utc    TEXT NOT NULL,
  ns3_version    TEXT NOT NULL,
  module_version TEXT NOT NULL,
  rng_seed       INTEGER NOT NULL,
  rng_run        INTEGER NOT NULL,
  sim_time_s     REAL NOT NULL,
  wall_time_s    REAL NOT NULL,
  events         INTEGER NOT NULL,
  status         TEXT NOT NULL DEFAULT 'ok',
  checks         TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS params (
  run_id INTEGER NOT NULL REFERENCES runs(run_id),
  name   TEXT NOT NULL,
  value  TEXT NOT NULL,
  PRIMARY KEY (run_id, name)
);
CREATE TABLE IF NOT EXISTS metrics (
  run_id INTEGER NOT NULL REFERENCES runs(run_id),
  scope  TEXT NOT NULL,
  name   TEXT NOT NULL,
  value  REAL NOT NULL,
  unit   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS flows (
  run_id          INTEGER NOT NULL REFERENCES runs(run_id),
  flow_id         INTEGER NOT NULL,
  src             INTEGER NOT NULL,
  dst             INTEGER NOT NULL,
  sl              INTEGER NOT NULL,
  packets         INTEGER NOT NULL,
  bytes           INTEGER NOT NULL,
  first_tx_s      REAL NOT NULL,
  first_rx_s      REAL NOT NULL,
  last_rx_s       REAL NOT NULL,
  throughput_gbps REAL NOT NULL,
  lat_mean_ns     REAL NOT NULL,
  lat_p50_ns      REAL NOT NULL,
  lat_p99_ns      REAL NOT NULL,
  lat_max_ns      REAL NOT NULL,
  scope           TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS collectives (
  run_id      INTEGER NOT NULL REFERENCES runs(run_id),
  system      TEXT NOT NULL,
  op          TEXT NOT NULL,
  algo        TEXT NOT NULL,
  ranks       INTEGER NOT NULL,
  bytes       INTEGER NOT NULL,
  chunks      INTEGER NOT NULL,
  time_us     REAL NOT NULL,
  algbw_gbps  REAL NOT NULL,
  busbw_gbps  REAL NOT NULL,
  transfers   INTEGER NOT NULL,
  wire_bytes  INTEGER NOT NULL,
  level       TEXT NOT NULL DEFAULT 'packet',
  aggregated  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS ports (
  run_id         INTEGER NOT NULL REFERENCES runs(run_id),
  node           INTEGER NOT NULL,
  port           INTEGER NOT NULL,
  peer_node      INTEGER NOT NULL,
  tx_packets     INTEGER NOT NULL,
  tx_bytes       INTEGER NOT NULL,
  busy_s         REAL NOT NULL,
  utilization    REAL NOT NULL,
  credit_stall_s REAL NOT NULL,
  credit_frames  INTEGER NOT NULL,
  drops          INTEGER NOT NULL,
  scope          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS metrics_run ON metrics(run_id);
CREATE INDEX IF NOT EXISTS flows_run ON flows(run_id);
CREATE INDEX IF NOT EXISTS ports_run ON ports(run_id);
)SQL";

/// A failure to write the results file: Commit saves the rows to a side file instead.
class WriteError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/// Seconds since a lock wait began, and when the next note is due.
struct LockWait
{
    std::string path;                            //!< the file waited for
    std::chrono::steady_clock::time_point since; //!< first busy answer
    double nextNoteS{2};                         //!< seconds into the wait of the next note
};

/// SQLite's busy handler: wait for another process's lock as long as it takes, saying so.
int
WaitForLock(void* arg, int count)
{
    auto* w = static_cast<LockWait*>(arg);
    const auto now = std::chrono::steady_clock::now();
    if (count == 0)
    {
        w->since = now;
        w->nextNoteS = 2;
    }
    const double waited = std::chrono::duration<double>(now - w->since).count();
    if (waited >= w->nextNoteS)
    {
        std::cerr << "UbResults: waiting for " << w->path << ": another process holds its lock ("
                  << static_cast<int>(waited)
                  << " s so far); this run's rows are kept until it can write them" << std::endl;
        w->nextNoteS += 30;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(count < 100 ? 5 : 50));
    return 1;
}

/// Owns a database handle; throws WriteError with a sentence naming the file on any error.
class Db
{
  public:
    /// \param path the file \param create create it when absent
    explicit Db(const std::string& path, bool create = true)
        : m_path(path)
    {
        m_wait.path = path;
        int rc = sqlite3_open_v2(path.c_str(),
                                 &m_db,
                                 SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0),
                                 nullptr);
        if (rc != SQLITE_OK)
        {
            std::string msg = m_db ? sqlite3_errmsg(m_db) : "out of memory";
            sqlite3_close(m_db);
            m_db = nullptr;
            throw WriteError("cannot open it: " + msg);
        }
        sqlite3_busy_handler(m_db, WaitForLock, &m_wait);
    }

    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    ~Db()
    {
        if (m_db)
        {
            if (m_inTransaction)
            {
                sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
            }
            sqlite3_close_v2(m_db);
        }
    }

    /// \return true when the connection cannot write (a read-only file or folder)
    bool ReadOnly()
    {
        return sqlite3_db_readonly(m_db, "main") == 1;
    }

    /// \return the names of the tables in the file
    std::vector<std::string> Tables()
    {
        sqlite3_stmt* st = Prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                   "name NOT LIKE 'sqlite_%' ORDER BY name");
        std::vector<std::string> names;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        {
            names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
        {
            Fail(sqlite3_errmsg(m_db));
        }
        return names;
    }

    /**
     * \brief Whether this module may write into the file: its schema, an older one, or none.
     * \return "" when it may, else the sentence saying why not
     */
    std::string Refusal()
    {
        const int version = UserVersion();
        if (version > UbResults::SCHEMA_VERSION)
        {
            return "it has schema version " + std::to_string(version) + ", newer than the " +
                   std::to_string(UbResults::SCHEMA_VERSION) +
                   " this build writes; use a new file (see doc/results-schema.md)";
        }
        if (version < 0)
        {
            return "its schema version " + std::to_string(version) +
                   " is not one of ns3-unifiedbus's; use another file";
        }
        if (version == 0)
        {
            std::string foreign;
            for (const auto& t : Tables())
            {
                if (t != "sweep_runs")
                {
                    foreign += (foreign.empty() ? "" : ", ") + t;
                }
            }
            if (!foreign.empty())
            {
                return "it holds tables ns3-unifiedbus did not write (" + foreign +
                       "); use another file";
            }
        }
        return "";
    }

    void Exec(const char* sql)
    {
        char* err = nullptr;
        if (sqlite3_exec(m_db, sql, nullptr, nullptr, &err) != SQLITE_OK)
        {
            std::string msg = err ? err : "unknown error";
            sqlite3_free(err);
            Fail(msg);
        }
    }

    sqlite3_stmt* Prepare(const char* sql)
    {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(m_db, sql, -1, &st, nullptr) != SQLITE_OK)
        {
            Fail(sqlite3_errmsg(m_db));
        }
        return st;
    }

    void Step(sqlite3_stmt* st)
    {
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        {
            Fail(sqlite3_errmsg(m_db));
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }

    int UserVersion()
    {
        sqlite3_stmt* st = Prepare("PRAGMA user_version");
        int v = 0;
        const int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
        {
            v = sqlite3_column_int(st, 0);
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW)
        {
            Fail(sqlite3_errmsg(m_db));
        }
        return v;
    }

    bool HasTable(const char* name)
    {
        sqlite3_stmt* st =
            Prepare("SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?");
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        int n = 0;
        if (sqlite3_step(st) == SQLITE_ROW)
        {
            n = sqlite3_column_int(st, 0);
        }
        sqlite3_finalize(st);
        return n > 0;
    }

    bool HasColumn(const char* table, const char* column)
    {
        sqlite3_stmt* st = Prepare((std::string("PRAGMA table_info(") + table + ")").c_str());
        bool found = false;
        while (sqlite3_step(st) == SQLITE_ROW)
        {
            const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
            found = found || (name && std::string(name) == column);
        }
        sqlite3_finalize(st);
        return found;
    }

    int64_t LastId()
    {
        return sqlite3_last_insert_rowid(m_db);
    }

    void Begin()
    {
        Exec("BEGIN IMMEDIATE");
        m_inTransaction = true;
    }

    void Commit()
    {
        Exec("COMMIT");
        m_inTransaction = false;
    }

    [[noreturn]] void Fail(const std::string& msg)
    {
        if (m_inTransaction)
        {
            sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
            m_inTransaction = false;
        }
        throw WriteError(msg);
    }

  private:
    std::string m_path;
    sqlite3* m_db{nullptr};
    bool m_inTransaction{false};
    LockWait m_wait;
};

std::string
UtcNow()
{
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}
} // namespace

UbResults::UbResults(std::string program, std::string path)
    : m_program(std::move(program)),
      m_path(std::move(path)),
      m_seed(RngSeedManager::GetSeed()),
      m_run(RngSeedManager::GetRun()),
      m_startedUtc(UtcNow()),
      m_wallStart(std::chrono::steady_clock::now())
{
}

void
UbResults::SetSeed(uint64_t seed, uint64_t run)
{
    m_seed = seed;
    m_run = run;
}

void
UbResults::AddParameter(const std::string& name, const std::string& value)
{
    for (auto& p : m_params)
    {
        if (p.first == name)
        {
            p.second = value;
            return;
        }
    }
    m_params.emplace_back(name, value);
}

void
UbResults::AddParameter(const std::string& name, double value)
{
    std::ostringstream os;
    os << std::setprecision(17) << value;
    AddParameter(name, os.str());
}

std::string
UbResults::CommandLineText(int argc, char* argv[])
{
    std::string text;
    for (int i = 1; i < argc; ++i)
    {
        std::string a = argv[i];
        if (a.rfind("--db=", 0) == 0 || a.rfind("--RngSeed=", 0) == 0 ||
            a.rfind("--RngRun=", 0) == 0)
        {
            continue;
        }
        if (a.find(' ') != std::string::npos)
        {
            const auto eq = a.find('=');
            a = eq == std::string::npos ? "'" + a + "'"
                                        : a.substr(0, eq + 1) + "'" + a.substr(eq + 1) + "'";
        }
        text += (text.empty() ? "" : " ") + a;
    }
    return text;
}

void
UbResults::AddCommandLine(int argc, char* argv[])
{
    AddParameter("args", CommandLineText(argc, argv));
}

void
UbResults::AddMetric(const std::string& scope,
                     const std::string& name,
                     double value,
                     const std::string& unit)
{
    m_metrics.push_back(Metric{scope, name, value, unit});
}

void
UbResults::AddCollective(const CollectiveRow& row)
{
    m_collectives.push_back(row);
}

void
UbResults::AddCollective(const std::string& system,
                         const UbCollectiveResult& r,
                         const std::string& algoSuffix)
{
    CollectiveRow row;
    row.system = system;
    row.op = UbCollectiveOpName(r.op);
    row.algo = UbCollectiveAlgoName(r.algo) + algoSuffix;
    row.ranks = r.ranks;
    row.bytes = r.bytes;
    row.chunks = r.chunks;
    row.timeUs = r.Seconds() * 1e6;
    row.algbwGBps = r.AlgBw();
    row.busbwGBps = r.BusBw();
    row.transfers = r.transfers;
    row.wireBytes = r.wireBytes;
    row.level = r.level;
    row.aggregated = r.aggregated;
    m_collectives.push_back(row);
}

void
UbResults::AddFlow(const FlowRow& row)
{
    m_flows.push_back(row);
}

void
UbResults::AddPort(const PortRow& row)
{
    m_ports.push_back(row);
}

void
UbResults::AddFlows(const UbPacketSink& sink, const std::string& scope)
{
    for (const auto& [id, f] : sink.GetFlows())
    {
        FlowRow r;
        r.scope = scope;
        r.flowId = id;
        r.src = f.src;
        r.dst = f.dst;
        r.sl = f.sl;
        r.packets = f.packets;
        r.bytes = f.bytes;
        r.firstTxS = f.firstTx.GetSeconds();
        r.firstRxS = f.firstRx.GetSeconds();
        r.lastRxS = f.lastRx.GetSeconds();
        double span = (f.lastRx - f.firstTx).GetSeconds();
        r.throughputGbps = span > 0 ? static_cast<double>(f.bytes) * 8.0 / span / 1e9 : 0.0;
        r.latMeanNs = f.latency.GetMean() / 1e3;
        r.latP50Ns = static_cast<double>(f.latency.GetPercentile(0.5)) / 1e3;
        r.latP99Ns = static_cast<double>(f.latency.GetPercentile(0.99)) / 1e3;
        r.latMaxNs = static_cast<double>(f.latency.GetMax()) / 1e3;
        m_flows.push_back(r);
    }
}

void
UbResults::TruncateRows(std::size_t ports, std::size_t flows)
{
    m_ports.resize(std::min(ports, m_ports.size()));
    m_flows.resize(std::min(flows, m_flows.size()));
}

void
UbResults::AddTransport(const NodeContainer& nodes, const std::string& scope)
{
    AddTransport(UbControllerHelper::SumTransportStats(nodes), scope);
}

void
UbResults::AddTransport(const UbTransport::Stats& t, const std::string& scope)
{
    AddMetric(scope, "data_sent", static_cast<double>(t.dataSent), "packets");
    AddMetric(scope, "retransmitted", static_cast<double>(t.retransmitted), "packets");
    AddMetric(scope, "timeouts", static_cast<double>(t.timeouts), "expiries");
    AddMetric(scope, "spurious_retransmissions", static_cast<double>(t.duplicates), "packets");
    AddMetric(scope, "caqm_marks", static_cast<double>(t.congestionMarks), "acks");
    AddMetric(scope, "cnps", static_cast<double>(t.cnpsReceived), "packets");
}

void
UbResults::AddPorts(const NodeContainer& nodes,
                    Time simTime,
                    const std::string& scope,
                    bool activeOnly)
{
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        Ptr<UbSwitch> sw = (*it)->GetObject<UbSwitch>();
        if (!sw)
        {
            continue;
        }
        for (uint32_t p = 0; p < sw->GetNPorts(); ++p)
        {
            Ptr<UbNetDevice> d = sw->GetPort(p);
            if (activeOnly && d->GetTxPackets() == 0)
            {
                continue;
            }
            PortRow r;
            r.scope = scope;
            r.node = (*it)->GetId();
            r.port = p;
            Ptr<UbNetDevice> peer = d->GetPeer();
            r.peerNode = peer ? static_cast<int64_t>(peer->GetNode()->GetId()) : -1;
            r.txPackets = d->GetTxPackets();
            r.txBytes = d->GetTxWireBytes();
            r.busyS = d->GetBusyTime().GetSeconds();
            r.utilization = simTime.IsStrictlyPositive() ? r.busyS / simTime.GetSeconds() : 0.0;
            for (uint8_t v = 0; v < d->GetVlCount(); ++v)
            {
                r.creditStallS += d->GetCreditStallTime(v).GetSeconds();
            }
            r.creditFrames = d->GetCreditFramesSent();
            r.drops = d->GetDropCount();
            m_ports.push_back(r);
        }
    }
}

const std::string&
UbResults::GetPath() const
{
    return m_path;
}

const std::vector<UbResults::FlowRow>&
UbResults::GetFlows() const
{
    return m_flows;
}

void
UbResults::Check(const std::string& path)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    UB_INPUT_ERROR_IF(path.empty(),
                      "UbResults: the results file name is empty; give one, e.g. "
                      "--db=results/ubsim.db");
    UB_INPUT_ERROR_IF(fs::is_directory(path, ec),
                      "UbResults: results file " << path << " is a folder; give a file in it, e.g. "
                                                 << (fs::path(path) / "ubsim.db").string());
    if (!fs::exists(path, ec))
    {
        const fs::path dir = fs::path(path).parent_path();
        if (!dir.empty())
        {
            fs::create_directories(dir, ec);
            UB_INPUT_ERROR_IF(ec || !fs::is_directory(dir),
                              "UbResults: cannot create folder "
                                  << dir.string() << " for results "
                                  << "file " << path << ": "
                                  << (ec ? ec.message() : "a file has its name")
                                  << "; give another --db");
        }
        const std::string d = dir.empty() ? "." : dir.string();
        UB_INPUT_ERROR_IF(access(d.c_str(), W_OK | X_OK) != 0,
                          "UbResults: cannot create results file " << path << ": folder " << d
                                                                   << " is not writable; give "
                                                                      "another --db");
        return;
    }
    try
    {
        Db db(path, false);
        const std::string refusal = db.Refusal();
        UB_INPUT_ERROR_IF(!refusal.empty(), "UbResults: results file " << path << ": " << refusal);
        UB_INPUT_ERROR_IF(db.ReadOnly(),
                          "UbResults: results file " << path
                                                     << " is read-only; make it writable or give "
                                                        "another --db");
    }
    catch (const WriteError& e)
    {
        UB_INPUT_ERROR("UbResults: results file " << path << " is not a SQLite file this module "
                                                  << "can write (" << e.what()
                                                  << "); give another --db");
    }
}

std::string
UbResults::SidePath(const std::string& path)
{
    namespace fs = std::filesystem;
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    const fs::path p(path);
    const std::string name = (p.stem().empty() ? std::string("ubsim") : p.stem().string()) +
                             ".unsaved-" + stamp + "-" + std::to_string(getpid()) + ".db";
    fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec) || access(dir.c_str(), W_OK | X_OK) != 0)
    {
        const char* tmp = std::getenv("TMPDIR");
        dir = tmp && *tmp ? tmp : "/tmp";
    }
    return (dir / name).string();
}

int64_t
UbResults::Commit(Time simTime, uint64_t events)
{
    if (UbExperiment::GetRank() != 0)
    {
        return 0; // a run split over MPI processes: rank 0 gathered the rows and commits them
    }
    double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_wallStart).count();
    // The end-of-run checks, and whether the run did what it was asked: a failed run's rows are
    // kept, marked, and the program then stops with status 3 (UbRunError).
    const UbInvariantTotals inv = UbInvariants::TakeTotals();
    m_checks = inv.Summary();
    if (inv.skipped > 0)
    {
        std::cout.flush();
        std::cerr << m_program << ": note: the end-of-run invariant checks were skipped "
                  << "(UbCheckInvariants=false); the results row says so" << std::endl;
    }
    if (inv.violations > 0)
    {
        m_status = "failed: invariants violated (" + inv.first + ")";
    }
    else if (inv.watchdogStops > 0)
    {
        m_status = "failed: the watchdog stopped the run (nothing delivered for its span)";
    }
    else if (inv.deadlocks > 0)
    {
        m_status = "failed: deadlock (" + std::to_string(inv.stuckChannels) + " channels stuck)";
    }
    else if (!m_failure.empty())
    {
        m_status = "failed: " + m_failure;
    }
    else
    {
        m_status = "ok";
    }
    std::string why;
    try
    {
        int64_t id = Write(m_path, simTime, events, wall);
        if (m_status != "ok")
        {
            throw UbRunError("the run " + m_status + "; its rows are in " + m_path + " as run " +
                             std::to_string(id) + ", marked failed");
        }
        return id;
    }
    catch (const WriteError& e)
    {
        why = e.what();
    }
    // Never drop a finished simulation's rows: keep them in a file of their own.
    const std::string side = SidePath(m_path);
    try
    {
        Write(side, simTime, events, wall);
    }
    catch (const WriteError& e)
    {
        UB_INPUT_ERROR("UbResults: writing " << m_path << " failed (" << why
                                             << "), and so did the side file " << side << " ("
                                             << e.what() << "); this run's rows are lost");
    }
    UB_INPUT_ERROR("UbResults: writing " << m_path << " failed (" << why << "); this run's rows "
                                         << "are saved in " << side
                                         << " (./ubsim report reads it; sqlite3 can copy them)"
                                         << (m_status == "ok" ? "" : ", marked as ")
                                         << (m_status == "ok" ? "" : m_status));
}

void
UbResults::MarkFailed(const std::string& why)
{
    m_failure = why;
}

void
UbResults::CommitFailed(const std::string& why, Time simTime, uint64_t events)
{
    MarkFailed(why);
    Commit(simTime, events);
    throw UbRunError(why); // (an MPI rank other than 0 writes nothing)
}

int64_t
UbResults::Write(const std::string& path, Time simTime, uint64_t events, double wall)
{
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    if (!dir.empty())
    {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec)
        {
            throw WriteError("cannot create folder " + dir.string() + ": " + ec.message());
        }
    }
    Db db(path);
    // One exclusive transaction from the first read: writers that create the file at once see
    // each other's schema, never half of it.
    db.Begin();
    const std::string refusal = db.Refusal();
    if (!refusal.empty())
    {
        db.Fail(refusal);
    }
    const int version = db.UserVersion();
    db.Exec(SCHEMA);
    for (const char* table : {"flows", "ports"})
    {
        if (!db.HasColumn(table, "scope")) // versions 1 and 2: add the scope column
        {
            db.Exec(
                (std::string("ALTER TABLE ") + table + " ADD COLUMN scope TEXT NOT NULL DEFAULT ''")
                    .c_str());
        }
    }
    if (!db.HasColumn("collectives", "level")) // versions 2 and 3: add the level column
    {
        db.Exec("ALTER TABLE collectives ADD COLUMN level TEXT NOT NULL DEFAULT 'packet'");
    }
    if (!db.HasColumn("collectives", "aggregated")) // versions 2 to 4: add the aggregated column
    {
        db.Exec("ALTER TABLE collectives ADD COLUMN aggregated INTEGER NOT NULL DEFAULT 0");
    }
    if (!db.HasColumn("runs", "status")) // versions 1 to 5: add the status and checks columns
    {
        db.Exec("ALTER TABLE runs ADD COLUMN status TEXT NOT NULL DEFAULT 'ok'");
        db.Exec("ALTER TABLE runs ADD COLUMN checks TEXT NOT NULL DEFAULT ''");
    }
    if (version != SCHEMA_VERSION)
    {
        // New file, or a version-1 to -5 file: version 2 added the collectives table, version 3
        // the scope column of flows and ports, version 4 the level of collectives, version 5
        // whether a flow-level collective ran aggregated, version 6 the status and checks of
        // a run.
        db.Exec(("PRAGMA user_version = " + std::to_string(SCHEMA_VERSION)).c_str());
        db.Exec(("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', '" +
                 std::to_string(SCHEMA_VERSION) + "')")
                    .c_str());
    }

    sqlite3_stmt* st = db.Prepare(
        "INSERT INTO runs(program, started_utc, ns3_version, module_version, rng_seed, rng_run, "
        "sim_time_s, wall_time_s, events, status, checks) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    sqlite3_bind_text(st, 1, m_program.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, m_startedUtc.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, UbNs3Version().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, UbModuleVersion(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, static_cast<sqlite3_int64>(m_seed));
    sqlite3_bind_int64(st, 6, static_cast<sqlite3_int64>(m_run));
    sqlite3_bind_double(st, 7, simTime.GetSeconds());
    sqlite3_bind_double(st, 8, wall);
    sqlite3_bind_int64(st, 9, static_cast<sqlite3_int64>(events));
    sqlite3_bind_text(st, 10, m_status.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 11, m_checks.c_str(), -1, SQLITE_TRANSIENT);
    db.Step(st);
    sqlite3_finalize(st);
    int64_t runId = db.LastId();

    st = db.Prepare("INSERT INTO params(run_id, name, value) VALUES (?,?,?)");
    for (const auto& [name, value] : m_params)
    {
        sqlite3_bind_int64(st, 1, runId);
        sqlite3_bind_text(st, 2, name.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, value.c_str(), -1, SQLITE_TRANSIENT);
        db.Step(st);
    }
    sqlite3_finalize(st);

    st = db.Prepare("INSERT INTO metrics(run_id, scope, name, value, unit) VALUES (?,?,?,?,?)");
    for (const auto& m : m_metrics)
    {
        sqlite3_bind_int64(st, 1, runId);
        sqlite3_bind_text(st, 2, m.scope.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, m.name.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(st, 4, m.value);
        sqlite3_bind_text(st, 5, m.unit.c_str(), -1, SQLITE_TRANSIENT);
        db.Step(st);
    }
    sqlite3_finalize(st);

    st = db.Prepare("INSERT INTO flows(run_id, flow_id, src, dst, sl, packets, bytes, first_tx_s, "
                    "first_rx_s, last_rx_s, throughput_gbps, lat_mean_ns, lat_p50_ns, lat_p99_ns, "
                    "lat_max_ns, scope) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    for (const auto& f : m_flows)
    {
        sqlite3_bind_int64(st, 1, runId);
        sqlite3_bind_int64(st, 2, f.flowId);
        sqlite3_bind_int64(st, 3, f.src);
        sqlite3_bind_int64(st, 4, f.dst);
        sqlite3_bind_int64(st, 5, f.sl);
        sqlite3_bind_int64(st, 6, static_cast<sqlite3_int64>(f.packets));
        sqlite3_bind_int64(st, 7, static_cast<sqlite3_int64>(f.bytes));
        sqlite3_bind_double(st, 8, f.firstTxS);
        sqlite3_bind_double(st, 9, f.firstRxS);
        sqlite3_bind_double(st, 10, f.lastRxS);
        sqlite3_bind_double(st, 11, f.throughputGbps);
        sqlite3_bind_double(st, 12, f.latMeanNs);
        sqlite3_bind_double(st, 13, f.latP50Ns);
        sqlite3_bind_double(st, 14, f.latP99Ns);
        sqlite3_bind_double(st, 15, f.latMaxNs);
        sqlite3_bind_text(st, 16, f.scope.c_str(), -1, SQLITE_TRANSIENT);
        db.Step(st);
    }
    sqlite3_finalize(st);

    st = db.Prepare("INSERT INTO collectives(run_id, system, op, algo, ranks, bytes, chunks, "
                    "time_us, algbw_gbps, busbw_gbps, transfers, wire_bytes, level, aggregated) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    for (const auto& c : m_collectives)
    {
        sqlite3_bind_int64(st, 1, runId);
        sqlite3_bind_text(st, 2, c.system.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, c.op.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, c.algo.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, c.ranks);
        sqlite3_bind_int64(st, 6, static_cast<sqlite3_int64>(c.bytes));
        sqlite3_bind_int64(st, 7, c.chunks);
        sqlite3_bind_double(st, 8, c.timeUs);
        sqlite3_bind_double(st, 9, c.algbwGBps);
        sqlite3_bind_double(st, 10, c.busbwGBps);
        sqlite3_bind_int64(st, 11, static_cast<sqlite3_int64>(c.transfers));
        sqlite3_bind_int64(st, 12, static_cast<sqlite3_int64>(c.wireBytes));
        sqlite3_bind_text(st, 13, c.level.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 14, c.aggregated ? 1 : 0);
        db.Step(st);
    }
    sqlite3_finalize(st);

    st = db.Prepare("INSERT INTO ports(run_id, node, port, peer_node, tx_packets, tx_bytes, "
                    "busy_s, utilization, credit_stall_s, credit_frames, drops, scope) VALUES "
                    "(?,?,?,?,?,?,?,?,?,?,?,?)");
    for (const auto& p : m_ports)
    {
        sqlite3_bind_int64(st, 1, runId);
        sqlite3_bind_int64(st, 2, p.node);
        sqlite3_bind_int64(st, 3, p.port);
        sqlite3_bind_int64(st, 4, p.peerNode);
        sqlite3_bind_int64(st, 5, static_cast<sqlite3_int64>(p.txPackets));
        sqlite3_bind_int64(st, 6, static_cast<sqlite3_int64>(p.txBytes));
        sqlite3_bind_double(st, 7, p.busyS);
        sqlite3_bind_double(st, 8, p.utilization);
        sqlite3_bind_double(st, 9, p.creditStallS);
        sqlite3_bind_int64(st, 10, static_cast<sqlite3_int64>(p.creditFrames));
        sqlite3_bind_int64(st, 11, static_cast<sqlite3_int64>(p.drops));
        sqlite3_bind_text(st, 12, p.scope.c_str(), -1, SQLITE_TRANSIENT);
        db.Step(st);
    }
    sqlite3_finalize(st);
    db.Commit();
    return runId;
}

} // namespace ns3
