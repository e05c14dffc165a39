/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Results in SQLite: what UbResults commits reads back equal; a file of another schema version
 * is refused with a message naming it; a commit that fails half-way leaves no row of the run
 * (one transaction). Also the latency histogram's percentiles against exact order statistics.
 */
#include "ub-test-utils.h"

#include "ns3/test.h"
#include "ns3/ub-error.h"
#include "ns3/ub-histogram.h"
#include "ns3/ub-results.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace ns3;

namespace
{

int64_t
QueryInt(const std::string& path, const std::string& sql)
{
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
    {
        v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

std::string
QueryText(const std::string& path, const std::string& sql)
{
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    std::string v;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
    {
        const unsigned char* t = sqlite3_column_text(st, 0);
        v = t ? reinterpret_cast<const char*>(t) : "";
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

void
Exec(const std::string& path, const std::string& sql)
{
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
}

/// Commit one run holding one collective row to the file at path.
void
CommitCollective(const std::string& path, const UbResults::CollectiveRow& c)
{
    UbResults r("unit-test", path);
    r.AddCollective(c);
    r.Commit(Seconds(1), 1);
}

/// A collective row of these system, level and aggregated flag.
UbResults::CollectiveRow
Collective(const std::string& system, const std::string& level, bool aggregated)
{
    UbResults::CollectiveRow c;
    c.system = system;
    c.level = level;
    c.aggregated = aggregated;
    return c;
}

class UbResultsRoundTripTestCase : public TestCase
{
  public:
    UbResultsRoundTripTestCase()
        : TestCase("committed rows read back equal")
    {
    }

  private:
    void DoRun() override
    {
        std::string path = CreateTempDirFilename("sub/results.db");
        for (int round = 0; round < 2; ++round)
        {
            UbResults r("unit-test", path);
            r.SetSeed(3, 7 + round);
            r.AddParameter("lanes", 4.0);
            r.AddParameter("mode", "credit");
            r.AddMetric("run", "throughput", 123.5, "Gb/s");
            UbResults::FlowRow f;
            f.flowId = 42;
            f.src = 1;
            f.dst = 2;
            f.packets = 10;
            f.bytes = 40960;
            f.latP99Ns = 1234.5;
            r.AddFlow(f);
            UbResults::PortRow p;
            p.node = 5;
            p.port = 1;
            p.txPackets = 99;
            p.scope = "AllReduce:65536";
            r.AddPort(p);
            int64_t id = r.Commit(MicroSeconds(10), 777);
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(id), round + 1, "run ids count up");
        }
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryInt(path, "PRAGMA user_version")),
                              UbResults::SCHEMA_VERSION,
                              "schema version stored");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryInt(path, "SELECT count(*) FROM runs")), 2, "two runs");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryText(path, "SELECT program FROM runs WHERE run_id=2")),
                              "unit-test",
                              "program");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryInt(path, "SELECT rng_run FROM runs WHERE run_id=2")),
                              8,
                              "run");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryInt(path, "SELECT events FROM runs WHERE run_id=1")),
                              777,
                              "events");
        NS_TEST_EXPECT_MSG_EQ(
            UB_FIG(QueryText(path, "SELECT ns3_version FROM runs WHERE run_id=1").empty()),
            false,
            "ns-3 version recorded");
        NS_TEST_EXPECT_MSG_EQ(
            UB_FIG(QueryText(path, "SELECT value FROM params WHERE run_id=1 AND name='mode'")),
            "credit",
            "text parameter");
        NS_TEST_EXPECT_MSG_EQ(
            UB_FIG(QueryText(path, "SELECT value FROM params WHERE run_id=1 AND name='lanes'")),
            "4",
            "numeric parameter");
        NS_TEST_EXPECT_MSG_EQ(
            UB_FIG(QueryInt(path, "SELECT CAST(value*10 AS INTEGER) FROM metrics WHERE run_id=1")),
            1235,
            "metric value");
        NS_TEST_EXPECT_MSG_EQ(
            UB_FIG(QueryInt(path, "SELECT bytes FROM flows WHERE run_id=2 AND flow_id=42")),
            40960,
            "flow bytes");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryInt(path, "SELECT tx_packets FROM ports WHERE run_id=2")),
                              99,
                              "port");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryText(path, "SELECT scope FROM ports WHERE run_id=2")),
                              "AllReduce:65536",
                              "port scope");

        // A version-2 file (no scope columns) is upgraded in place, its rows kept.
        std::string v2 = CreateTempDirFilename("v2.db");
        {
            UbResults r("unit-test", v2);
            UbResults::PortRow p;
            p.txPackets = 5;
            r.AddPort(p);
            r.Commit(Seconds(1), 1);
        }
        Exec(v2,
             "ALTER TABLE ports DROP COLUMN scope; ALTER TABLE flows DROP COLUMN scope; "
             "PRAGMA user_version = 2;");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryInt(v2, "PRAGMA user_version")),
                              2,
                              "made a version-2 file");
        {
            UbResults r("unit-test", v2);
            UbResults::PortRow p;
            p.txPackets = 6;
            p.scope = "x";
            r.AddPort(p);
            r.Commit(Seconds(1), 1);
        }
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryInt(v2, "PRAGMA user_version")),
                              UbResults::SCHEMA_VERSION,
                              "upgraded");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryText(v2,
                                               "SELECT group_concat(tx_packets || ':' || scope) "
                                               "FROM ports")),
                              "5:,6:x",
                              "old row kept with an empty scope, new row scoped");

        // A version-3 file (collectives without their level) is upgraded: its rows ran at
        // packet level; a new row keeps its own.
        std::string v3 = CreateTempDirFilename("v3.db");
        CommitCollective(v3, Collective("old", "packet", false));
        Exec(v3, "ALTER TABLE collectives DROP COLUMN level; PRAGMA user_version = 3;");
        CommitCollective(v3, Collective("new", "flow", false));
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryInt(v3, "PRAGMA user_version")),
                              UbResults::SCHEMA_VERSION,
                              "version 3 upgraded");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryText(v3,
                                               "SELECT group_concat(system || ':' || level) "
                                               "FROM collectives")),
                              "old:packet,new:flow",
                              "old collective at packet level, new one at its own");

        // A version-4 file (collectives without the aggregated flag) is upgraded: its rows ran
        // transfer by transfer; a new row keeps its own.
        std::string v4 = CreateTempDirFilename("v4.db");
        CommitCollective(v4, Collective("old", "flow", true));
        Exec(v4, "ALTER TABLE collectives DROP COLUMN aggregated; PRAGMA user_version = 4;");
        CommitCollective(v4, Collective("new", "flow", true));
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryInt(v4, "PRAGMA user_version")),
                              UbResults::SCHEMA_VERSION,
                              "version 4 upgraded");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryText(v4,
                                               "SELECT group_concat(system || ':' || aggregated) "
                                               "FROM collectives")),
                              "old:0,new:1",
                              "old collective transfer by transfer, new one as it ran");
    }
};

/// \return the side file a commit's message names ("saved in <file> (")
std::string
SideFileOf(const std::string& message)
{
    const std::string key = "saved in ";
    const std::size_t a = message.find(key);
    if (a == std::string::npos)
    {
        return "";
    }
    const std::size_t b = message.find(' ', a + key.size());
    return message.substr(a + key.size(), b - a - key.size());
}

class UbResultsRefusalTestCase : public TestCase
{
  public:
    UbResultsRefusalTestCase()
        : TestCase("a file it cannot write: nothing half-written, the rows saved beside it")
    {
    }

  private:
    void DoRun() override
    {
        std::string path = CreateTempDirFilename("v99.db");
        Exec(path, "CREATE TABLE runs(x INTEGER); PRAGMA user_version = 99;");
        ubtest::ChildResult c = ubtest::RunInChild([path]() {
            UbResults r("unit-test", path);
            r.AddParameter("x", 1.0);
            r.Commit(Seconds(1), 1);
        });
        NS_TEST_EXPECT_MSG_EQ(
            UB_FIG(ubtest::IsCleanInputError(c, {path, "schema version 99", "new file"})),
            true,
            "message names the file and the fix: " << c.output);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryInt(path, "SELECT count(*) FROM runs")),
                              0,
                              "nothing written");
        // The finished run's rows are not lost: they are in the side file the message names.
        std::string side = SideFileOf(c.output);
        NS_TEST_EXPECT_MSG_NE(side, "", "the message names a side file: " << c.output);
        NS_TEST_EXPECT_MSG_EQ(side.rfind(UbResults::SidePath(path).substr(0, path.size() - 3), 0),
                              0,
                              "the side file is beside the results file: " << side);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryText(side, "SELECT value FROM params WHERE name='x'")),
                              "1",
                              "the side file holds the run's rows");
        std::remove(side.c_str());

        // A file whose flows table lacks columns: the runs row is inserted first, then the flows
        // insert fails, and the whole run must be rolled back there (and saved aside).
        std::string broken = CreateTempDirFilename("broken.db");
        {
            UbResults ok("unit-test", broken);
            ok.Commit(Seconds(1), 1);
        }
        Exec(broken, "DROP TABLE flows; CREATE TABLE flows(run_id INTEGER);");
        c = ubtest::RunInChild([broken]() {
            UbResults r("unit-test", broken);
            r.AddParameter("x", 1.0);
            UbResults::FlowRow f;
            r.AddFlow(f);
            r.Commit(Seconds(1), 1);
        });
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(ubtest::IsCleanInputError(c, {broken, "saved in"})),
                              true,
                              "message: " << c.output);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryInt(broken, "SELECT count(*) FROM runs")),
                              1,
                              "only the first run");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryInt(broken, "SELECT count(*) FROM params")),
                              0,
                              "no partial rows");
        side = SideFileOf(c.output);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(QueryInt(side, "SELECT count(*) FROM flows")),
                              1,
                              "the side file holds the run's flow");
        std::remove(side.c_str());
    }
};

/// UbResults::Check refuses before the run every --db that Commit could not write.
class UbResultsCheckTestCase : public TestCase
{
  public:
    UbResultsCheckTestCase()
        : TestCase("a bad results file is refused before the run, with one sentence")
    {
    }

  private:
    static std::string Refusal(const std::string& path)
    {
        try
        {
            UbResults::Check(path);
        }
        catch (const UbInputError& e)
        {
            return e.what();
        }
        return "";
    }

    void DoRun() override
    {
        const std::string dir = CreateTempDirFilename("check");
        const std::string fresh = dir + "/new/folder/run.db";
        NS_TEST_EXPECT_MSG_EQ(Refusal(fresh), "", "an absent file in a folder it can create");
        NS_TEST_EXPECT_MSG_EQ(QueryInt(fresh, "SELECT 1"), 1, "(probe)");
        std::remove(fresh.c_str());
        const std::string ours = dir + "/ours.db";
        CommitCollective(ours, Collective("x", "packet", false));
        NS_TEST_EXPECT_MSG_EQ(Refusal(ours), "", "a results file of this schema");
        const std::string old = dir + "/v4.db";
        Exec(old, "CREATE TABLE runs(x INTEGER); PRAGMA user_version = 4;");
        NS_TEST_EXPECT_MSG_EQ(Refusal(old), "", "an older schema, which Commit upgrades");
        const std::string foreign = dir + "/foreign.db";
        Exec(foreign, "CREATE TABLE customers(name TEXT); CREATE TABLE orders(id INTEGER);");
        const std::string newer = dir + "/v9.db";
        Exec(newer, "CREATE TABLE runs(x INTEGER); PRAGMA user_version = 9;");
        const std::string text = dir + "/notes.db";
        std::ofstream(text) << "not a database, but notes\n";
        const std::string readOnly = dir + "/ro.db";
        CommitCollective(readOnly, Collective("x", "packet", false));
        chmod(readOnly.c_str(), 0444);
        const bool root = geteuid() == 0; // root writes read-only files anyway
        for (const auto& [path, sentence] : std::vector<std::pair<std::string, std::string>>{
                 {dir, "is a folder; give a file in it"},
                 {foreign, "holds tables ns3-unifiedbus did not write (customers, orders)"},
                 {newer,
                  "schema version 9, newer than the " + std::to_string(UbResults::SCHEMA_VERSION) +
                      " this build writes"},
                 {text, "is not a SQLite file this module can write"},
                 {text + "/x.db", "cannot create folder"},
                 {"", "the results file name is empty"}})
        {
            const std::string got = Refusal(path);
            NS_TEST_EXPECT_MSG_NE(got.find(sentence), std::string::npos, path << ": " << got);
        }
        if (!root)
        {
            NS_TEST_EXPECT_MSG_NE(Refusal(readOnly).find("is read-only"),
                                  std::string::npos,
                                  Refusal(readOnly));
        }
        // Nothing was added to the files it refused.
        NS_TEST_EXPECT_MSG_EQ(QueryInt(foreign, "SELECT count(*) FROM sqlite_master"),
                              2,
                              "the foreign file keeps its two tables only");
    }
};

/// Writers that create a new file at once, and a reader holding a lock, lose no run.
class UbResultsConcurrencyTestCase : public TestCase
{
  public:
    UbResultsConcurrencyTestCase()
        : TestCase("8 writers creating one file at once, and one held up by a reader, lose no run")
    {
    }

  private:
    /// Fork n writers that each commit `runs` runs of `params` parameters to path, together.
    static void Writers(const std::string& path, int n, int runs, int params)
    {
        std::vector<pid_t> kids;
        for (int w = 0; w < n; ++w)
        {
            pid_t pid = fork();
            if (pid == 0)
            {
                int status = 0;
                try
                {
                    for (int r = 0; r < runs; ++r)
                    {
                        UbResults res("writer-" + std::to_string(w), path);
                        for (int k = 0; k < params; ++k)
                        {
                            res.AddParameter("p" + std::to_string(k), k);
                        }
                        res.Commit(Seconds(1), 1);
                    }
                }
                catch (const UbInputError& e)
                {
                    std::fprintf(stderr, "writer %d: %s\n", w, e.what());
                    status = 2;
                }
                _exit(status);
            }
            kids.push_back(pid);
        }
        for (pid_t k : kids)
        {
            waitpid(k, nullptr, 0);
        }
    }

    void DoRun() override
    {
        // Each round starts from no file, so that the writers race to create the schema.
        for (int round = 0; round < 5; ++round)
        {
            const std::string path = CreateTempDirFilename("race-" + std::to_string(round) + ".db");
            Writers(path, 8, 3, 10);
            NS_TEST_EXPECT_MSG_EQ(QueryInt(path, "SELECT count(*) FROM runs"),
                                  24,
                                  "round " << round << ": every run of every writer");
            NS_TEST_EXPECT_MSG_EQ(QueryInt(path, "SELECT count(*) FROM params"),
                                  240,
                                  "round " << round << ": every parameter");
            NS_TEST_EXPECT_MSG_EQ(QueryInt(path, "PRAGMA user_version"),
                                  UbResults::SCHEMA_VERSION,
                                  "the schema version, once");
        }
        // A reader holds the file for 2.5 s: the writer waits, says so, and then writes.
        const std::string path = CreateTempDirFilename("held.db");
        CommitCollective(path, Collective("x", "packet", false));
        int ready[2];
        NS_TEST_ASSERT_MSG_EQ(pipe(ready), 0, "pipe");
        pid_t reader = fork();
        if (reader == 0)
        {
            sqlite3* db = nullptr;
            sqlite3_open(path.c_str(), &db);
            sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr);
            (void)!write(ready[1], "x", 1);
            usleep(2500000);
            sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
            sqlite3_close(db);
            _exit(0);
        }
        char x;
        (void)!read(ready[0], &x, 1);
        ubtest::ChildResult c = ubtest::RunInChild([path]() {
            UbResults r("held-up", path);
            r.Commit(Seconds(1), 1);
        });
        waitpid(reader, nullptr, 0);
        NS_TEST_EXPECT_MSG_EQ(c.exitedNormally, true, "the writer waited: " << c.output);
        NS_TEST_EXPECT_MSG_NE(c.output.find("another process holds its lock"),
                              std::string::npos,
                              "and said so: " << c.output);
        NS_TEST_EXPECT_MSG_EQ(QueryInt(path, "SELECT count(*) FROM runs WHERE program='held-up'"),
                              1,
                              "its run is in the file");
    }
};

class UbHistogramTestCase : public TestCase
{
  public:
    UbHistogramTestCase()
        : TestCase("latency histogram percentiles within 1.6 % of exact order statistics")
    {
    }

  private:
    void DoRun() override
    {
        std::mt19937_64 gen(12345);
        std::lognormal_distribution<double> dist(14.0, 1.0); // around 1.2 us in ps
        std::vector<int64_t> samples;
        UbHistogram h;
        for (int i = 0; i < 20000; ++i)
        {
            auto v = static_cast<int64_t>(dist(gen));
            samples.push_back(v);
            h.Add(v);
        }
        std::sort(samples.begin(), samples.end());
        for (double q : {0.01, 0.5, 0.9, 0.99, 0.999})
        {
            auto rank = static_cast<std::size_t>(std::ceil(q * samples.size()));
            int64_t exact = samples[rank - 1];
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(static_cast<double>(h.GetPercentile(q))),
                                      static_cast<double>(exact),
                                      exact / 64.0,
                                      "quantile " << q);
        }
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(h.GetMin()), samples.front(), "exact minimum");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(h.GetMax()), samples.back(), "exact maximum");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(h.GetCount()), samples.size(), "count");
        UbHistogram small;
        for (int64_t v : {5, 1, 3})
        {
            small.Add(v);
        }
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(small.GetPercentile(0.5)), 3, "small values are exact");
    }
};

class UbCommandLineTextTestCase : public TestCase
{
  public:
    UbCommandLineTextTestCase()
        : TestCase("the recorded command line drops --db, --RngSeed and --RngRun and quotes "
                   "values with spaces")
    {
    }

  private:
    void DoRun() override
    {
        std::vector<std::string> args{"prog",
                                      "--db=results/x.db",
                                      "--maxBytes=1048576",
                                      "--RngRun=7",
                                      "--label=two words",
                                      "--RngSeed=3",
                                      "--ns3::UbTransport::Window=8"};
        std::vector<char*> argv;
        for (auto& a : args)
        {
            argv.push_back(a.data());
        }
        NS_TEST_EXPECT_MSG_EQ(
            UbResults::CommandLineText(static_cast<int>(argv.size()), argv.data()),
            std::string("--maxBytes=1048576 --label='two words' --ns3::UbTransport::Window=8"),
            "options kept in order");
        NS_TEST_EXPECT_MSG_EQ(UbResults::CommandLineText(1, argv.data()),
                              std::string(),
                              "no options: empty");
    }
};

class UbResultsTestSuite : public TestSuite
{
  public:
    UbResultsTestSuite()
        : TestSuite("unifiedbus-results", TestSuite::Type::UNIT)
    {
        AddTestCase(new UbResultsRoundTripTestCase);
        AddTestCase(new UbResultsRefusalTestCase);
        AddTestCase(new UbResultsCheckTestCase);
        AddTestCase(new UbResultsConcurrencyTestCase);
        AddTestCase(new UbHistogramTestCase);
        AddTestCase(new UbCommandLineTextTestCase);
    }
};

UbResultsTestSuite g_ubResultsTestSuite;

} // namespace
