/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Stress (issue 16): the model's invariants under load, on the four system shapes the module
 * compares: a Clos SuperPoD (ascend950-ub2), UB-Mesh (ubmesh-ub2), CloudMatrix384 (cm384-ub1)
 * and NVL72 (nvlink5-gb200), each built by its preset's builder at a small size.
 *
 * Traffic, all RTP Writes issued by the endpoints' controllers:
 * - incast n -> 1 for n = 2, 4, ..., 64;
 * - All-to-All at saturation (every endpoint to every other at once);
 * - random pairs, sizes and start times, with an inter-switch link failing mid-run (failover
 *   after detection), for several seeds.
 *
 * After every run: the end-of-run invariants pass (credits, lossless, packets, exactly once);
 * every transaction completed, and executed exactly once at its target; no lossless violation
 * (counted, not aborted); no receiver took data faster than its links' line rate; the same seed
 * gives the same rows (every completion's time, ids and sizes) bit for bit, another seed does
 * not. Collectives (ring AllReduce, All-to-All) report busbw no higher than an NPU's link rate.
 *
 * Results file under load: 8 processes commit runs to one SQLite file at once, 3 of them killed
 * with SIGKILL at random moments; every run a writer reported committed is there whole, and no
 * run is there in part.
 *
 * UB_STRESS=long adds the long variants (incast to 128, All-to-All of 256 KiB, 8 seeds).
 */
#include "ub-test-utils.h"

#include "ns3/config.h"
#include "ns3/enum.h"
#include "ns3/random-variable-stream.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/test.h"
#include "ns3/ub-collective-types.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-experiment.h"
#include "ns3/ub-fault-helper.h"
#include "ns3/ub-invariants.h"
#include "ns3/ub-mesh-systems.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-preset.h"
#include "ns3/ub-results.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-topology-helper.h"
#include "ns3/ub-transport.h"
#include "ns3/ub-watchdog.h"

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sqlite3.h>
#include <sstream>
#include <sys/wait.h>
#include <tuple>
#include <unistd.h>

using namespace ns3;

namespace
{

/// The long variants run when UB_STRESS=long.
bool
Long()
{
    const char* v = std::getenv("UB_STRESS");
    return v != nullptr && std::string(v) == "long";
}

/// A system shape: its preset and the endpoints to build (UB-Mesh: one rack, built here).
struct Shape
{
    std::string name;
    std::string preset;
    uint32_t npus;
};

const std::vector<Shape>&
Shapes()
{
    static const std::vector<Shape> s{{"Clos", "ascend950-ub2", 128},
                                      {"UB-Mesh", "ubmesh-ub2", 65},
                                      {"CM384", "cm384-ub1", 128},
                                      {"NVL72", "nvlink5-gb200", 72}};
    return s;
}

/// Build a shape: its preset's builder, but UB-Mesh as one rack of its preset (a pod is 1,024).
void
Build(UbTopologyHelper& sys, const Shape& shape)
{
    if (shape.name != "UB-Mesh")
    {
        sys.BuildPreset(shape.preset, shape.npus == 72 ? 0 : shape.npus);
        return;
    }
    const UbPreset preset = UbPreset::Load(shape.preset);
    UbMeshSystems::UbMesh m = UbMeshSystems::UbMeshFromPreset(preset, 1024);
    m.rackRows = 1;
    m.rackCols = 1;
    UbTopology t = UbMeshSystems::BuildUbMesh(m);
    // Computed routes (so that a failed link fails over), final hops on VL 1 (the 2D full
    // mesh's 2-hop routes close cycles on one VL).
    sys.SetPreset(preset);
    sys.SetVlPolicyOption("final-hop-vl1");
    sys.Build(std::move(t));
}

/// One Write to issue.
struct Op
{
    uint32_t src; //!< endpoint index
    uint32_t dst; //!< endpoint index
    uint64_t bytes;
    Time at;
};

/// What a run did.
struct Outcome
{
    uint64_t issued{0};
    uint64_t ok{0};
    uint64_t failed{0};
    uint64_t executed{0};
    uint64_t duplicates{0};
    uint64_t lossless{0};
    uint64_t failovers{0};
    bool rtp{true};         //!< the endpoints' transport is RTP (else CTP or UTP)
    std::string rows;       //!< every completion, in order (time, src, dst, bytes)
    std::string invariants; //!< UbInvariants::Check's summary
    bool invariantsOk{false};
    uint32_t stuck{0};
    double worstShareOfLine{0}; //!< the highest receiver goodput over its line rate
};

/// Build the shape, issue the Writes, run, check. failLinkAt > 0: a random inter-switch link
/// (drawn with the run's stream) fails then.
Outcome
RunTraffic(const Shape& shape,
           const std::vector<Op>& ops,
           uint32_t seed,
           Time failLinkAt = Seconds(0))
{
    ubtest::ResetSimulation();
    ubtest::CountLosslessViolations();
    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(seed);
    UbTopologyHelper sys;
    Build(sys, shape);
    const NodeContainer& eps = sys.GetEndpoints();
    Outcome o;
    std::unique_ptr<UbFaultHelper> faults;
    if (failLinkAt.IsStrictlyPositive())
    {
        const UbTopology& t = sys.GetTopology();
        std::vector<uint32_t> inner;
        for (uint32_t l = 0; l < t.GetNLinks(); ++l)
        {
            if (!t.IsEndpoint(t.GetLink(l).a) && !t.IsEndpoint(t.GetLink(l).b))
            {
                inner.push_back(l);
            }
        }
        if (inner.empty())
        {
            // NVL72: the GPUs' links are all there is (each GPU has one to every NVSwitch)
            for (uint32_t l = 0; l < t.GetNLinks(); ++l)
            {
                inner.push_back(l);
            }
        }
        {
            Ptr<UniformRandomVariable> u = CreateObject<UniformRandomVariable>();
            u->SetStream(77);
            faults = std::make_unique<UbFaultHelper>(sys);
            faults->ScheduleLinkDown(
                inner[u->GetInteger(0, static_cast<uint32_t>(inner.size()) - 1)],
                failLinkAt);
        }
    }
    std::vector<uint64_t> received(eps.GetN(), 0);
    std::vector<int64_t> firstIssue(eps.GetN(), INT64_MAX);
    std::vector<int64_t> lastDone(eps.GetN(), 0);
    std::ostringstream rows;
    Outcome* out = &o;
    for (const Op& op : ops)
    {
        Ptr<UbController> c = eps.Get(op.src)->GetObject<UbController>();
        const uint32_t dst = eps.Get(op.dst)->GetObject<UbController>()->GetCna();
        const uint32_t d = op.dst;
        firstIssue[d] = std::min(firstIssue[d], op.at.GetPicoSeconds());
        ++o.issued;
        Simulator::Schedule(op.at, [=, &received, &lastDone, &rows]() {
            c->Write(dst,
                     op.bytes,
                     UbOrder::NO,
                     UbCompletionCallback(
                         [=, &received, &lastDone, &rows](const UbTransactionRecord& r) {
                             r.ok ? ++out->ok : ++out->failed;
                             received[d] += r.ok ? op.bytes : 0;
                             lastDone[d] = std::max(lastDone[d], r.completed.GetPicoSeconds());
                             rows << r.completed.GetPicoSeconds() << ' ' << r.src << ' ' << r.dst
                                  << ' ' << r.bytes << '\n';
                         }));
        });
    }
    Simulator::Run();
    o.rows = rows.str();
    for (uint32_t i = 0; i < eps.GetN(); ++i)
    {
        Ptr<UbController> c = eps.Get(i)->GetObject<UbController>();
        o.executed += c->GetExecuted();
        o.duplicates += c->GetDuplicateRequests();
        if (received[i] == 0)
        {
            continue;
        }
        // The receiver's line rate: its links, per direction.
        double line = 0;
        Ptr<UbSwitch> sw = eps.Get(i)->GetObject<UbSwitch>();
        for (uint32_t p = 0; p < sw->GetNPorts(); ++p)
        {
            line += static_cast<double>(sw->GetPort(p)->GetRateBps());
        }
        const double seconds = (lastDone[i] - firstIssue[i]) * 1e-12;
        o.worstShareOfLine = std::max(o.worstShareOfLine, received[i] * 8.0 / seconds / line);
    }
    o.rtp = eps.Get(0)->GetObject<UbTransport>()->GetMode() == UbTransport::RTP;
    o.lossless = ubtest::LosslessViolations();
    o.failovers = faults ? faults->GetFailovers() : 0;
    UbInvariantReport r = UbInvariants::Check();
    o.invariants = r.Summary();
    o.invariantsOk = r.Ok() && r.checks > 0;
    UbWatchdog::FindDeadlock(&o.stuck);
    ubtest::ResetSimulation(); // the end-of-run check runs here too
    return o;
}

/// Incast: endpoints 1..n Write `bytes` to endpoint 0 at once.
std::vector<Op>
Incast(uint32_t n, uint64_t bytes)
{
    std::vector<Op> ops;
    for (uint32_t s = 1; s <= n; ++s)
    {
        ops.push_back(Op{s, 0, bytes, MicroSeconds(1)});
    }
    return ops;
}

/// All-to-All: each of the first n endpoints Writes `bytes` to every other, at once.
std::vector<Op>
AllToAll(uint32_t n, uint64_t bytes)
{
    std::vector<Op> ops;
    for (uint32_t s = 0; s < n; ++s)
    {
        for (uint32_t d = 0; d < n; ++d)
        {
            if (s != d)
            {
                ops.push_back(Op{s, d, bytes, MicroSeconds(1)});
            }
        }
    }
    return ops;
}

/// Random pairs among n endpoints, 1 B .. 256 KiB, starting within 20 us, from the seed's stream.
std::vector<Op>
Random(uint32_t n, uint32_t count, uint32_t seed)
{
    Ptr<UniformRandomVariable> u = CreateObject<UniformRandomVariable>();
    u->SetStream(1000 + seed);
    std::vector<Op> ops;
    for (uint32_t k = 0; k < count; ++k)
    {
        uint32_t s = u->GetInteger(0, n - 1);
        uint32_t d = (s + u->GetInteger(1, n - 1)) % n;
        ops.push_back(
            Op{s, d, u->GetInteger(1, 256 * 1024), NanoSeconds(u->GetInteger(1000, 20000))});
    }
    return ops;
}

uint32_t
Npus(const Shape& s)
{
    return s.npus;
}

/// A stress case: the checks every run must pass.
class UbStressCase : public TestCase
{
  public:
    explicit UbStressCase(std::string name)
        : TestCase(std::move(name))
    {
    }

  protected:
    /// \param what the run \param o what it did
    void Expect(const std::string& what, const Outcome& o)
    {
        // RTP: every Write completes and executes exactly once. CTP and UTP (NVLink's preset
        // relies on the link layer) may lose what a failed link held: every Write then
        // completes or is declared lost, and none executes twice.
        NS_TEST_EXPECT_MSG_EQ(
            (o.rtp ? o.ok == o.issued && o.failed == 0 : o.ok + o.failed == o.issued),
            true,
            what << ": " << o.ok << " of " << o.issued << " Writes completed, " << o.failed
                 << " failed" << (o.rtp ? " (RTP)" : ""));
        NS_TEST_EXPECT_MSG_EQ(
            ((o.rtp ? o.executed == o.issued : o.executed >= o.ok && o.executed <= o.issued) &&
             o.duplicates == 0),
            true,
            what << ": " << o.executed << " executed for " << o.issued << " issued and " << o.ok
                 << " completed, " << o.duplicates << " duplicate requests");
        NS_TEST_EXPECT_MSG_EQ(o.lossless, 0u, what << ": lossless violations");
        NS_TEST_EXPECT_MSG_EQ(o.invariantsOk, true, what << ": invariants " << o.invariants);
        NS_TEST_EXPECT_MSG_EQ(o.stuck, 0u, what << ": channels deadlocked");
        NS_TEST_EXPECT_MSG_LT_OR_EQ(o.worstShareOfLine,
                                    1.0,
                                    what << ": a receiver above its line rate");
    }
};

class UbStressIncastTestCase : public UbStressCase
{
  public:
    explicit UbStressIncastTestCase(Shape s)
        : UbStressCase("incast 2 to 64 -> 1 on " + s.name),
          m_shape(std::move(s))
    {
    }

  private:
    void DoRun() override
    {
        const uint32_t most = std::min<uint32_t>(Long() ? 128 : 64, Npus(m_shape) - 1);
        for (uint32_t n = 2; n <= most; n *= 2)
        {
            Outcome o = RunTraffic(m_shape, Incast(n, 64 * 1024), 1);
            Expect(m_shape.name + " incast " + std::to_string(n), o);
        }
    }

    Shape m_shape;
};

class UbStressAllToAllTestCase : public UbStressCase
{
  public:
    explicit UbStressAllToAllTestCase(Shape s)
        : UbStressCase("All-to-All at saturation on " + s.name),
          m_shape(std::move(s))
    {
    }

  private:
    void DoRun() override
    {
        const uint32_t n = std::min<uint32_t>(32, Npus(m_shape));
        Outcome o = RunTraffic(m_shape, AllToAll(n, Long() ? 256 * 1024 : 32 * 1024), 1);
        Expect(m_shape.name + " All-to-All of " + std::to_string(n), o);
    }

    Shape m_shape;
};

class UbStressRandomTestCase : public UbStressCase
{
  public:
    explicit UbStressRandomTestCase(Shape s)
        : UbStressCase("random traffic with a link failure on " + s.name + ", several seeds"),
          m_shape(std::move(s))
    {
    }

  private:
    void DoRun() override
    {
        const uint32_t n = Npus(m_shape);
        const uint32_t seeds = Long() ? 8 : 2;
        std::string first;
        for (uint32_t seed = 1; seed <= seeds; ++seed)
        {
            const std::vector<Op> ops = Random(n, 200, seed);
            Outcome o = RunTraffic(m_shape, ops, seed, MicroSeconds(10));
            Expect(m_shape.name + " random seed " + std::to_string(seed), o);
            NS_TEST_EXPECT_MSG_EQ(o.failovers, 1u, m_shape.name << ": the link failed over");
            if (seed == 1)
            {
                first = o.rows;
                // The same seed: the same rows, bit for bit.
                Outcome again = RunTraffic(m_shape, ops, seed, MicroSeconds(10));
                NS_TEST_EXPECT_MSG_EQ((again.rows == o.rows), true, "same seed, same rows");
            }
            else
            {
                NS_TEST_EXPECT_MSG_EQ((o.rows != first), true, "another seed, other rows");
            }
        }
    }

    Shape m_shape;
};

class UbStressBusBwTestCase : public TestCase
{
  public:
    UbStressBusBwTestCase()
        : TestCase("collective busbw never above an NPU's link rate")
    {
    }

  private:
    void DoRun() override
    {
        for (const Shape& s : Shapes())
        {
            for (UbCollectiveOp op : {UbCollectiveOp::ALL_REDUCE, UbCollectiveOp::ALL_TO_ALL})
            {
                ubtest::ResetSimulation();
                UbExperiment::CollectiveRun run;
                run.build = [&s](UbTopologyHelper& sys) { Build(sys, s); };
                run.ranks = 16;
                run.op = op;
                run.algo = op == UbCollectiveOp::ALL_REDUCE ? UbCollectiveAlgo::RING
                                                            : UbCollectiveAlgo::DIRECT;
                run.bytes = 4 << 20;
                double line = 0;
                run.setup = [&line](UbTopologyHelper& sys, UbCollectiveEngine&) {
                    Ptr<UbSwitch> sw = sys.GetEndpoints().Get(0)->GetObject<UbSwitch>();
                    for (uint32_t p = 0; p < sw->GetNPorts(); ++p)
                    {
                        line += static_cast<double>(sw->GetPort(p)->GetRateBps());
                    }
                };
                UbExperiment::CollectiveOutcome out = UbExperiment::Run(run);
                NS_TEST_ASSERT_MSG_EQ(out.finished, true, s.name << " collective finished");
                NS_TEST_EXPECT_MSG_GT(line, 0.0, "line rate read");
                NS_TEST_EXPECT_MSG_LT_OR_EQ(out.result.BusBw() * 8e9,
                                            line,
                                            s.name << " " << UbCollectiveOpName(op) << ": busbw "
                                                   << out.result.BusBw() << " GB/s above the link");
            }
        }
        ubtest::ResetSimulation();
    }
};

/// 8 processes commit runs to one file; 3 are killed at random moments.
class UbStressWritersTestCase : public TestCase
{
    /// Writers 1, 4 and 6 are killed; the others commit ROUNDS runs and exit.
    static bool IsVictim(int w)
    {
        return w == 1 || w == 4 || w == 6;
    }

  public:
    UbStressWritersTestCase()
        : TestCase("8 writers on one results file, 3 killed with SIGKILL: no committed row "
                   "lost, no partial row")
    {
    }

  private:
    void DoRun() override
    {
        const std::string dir = CreateTempDirFilename("stress-writers");
        std::filesystem::create_directories(dir);
        const std::string db = dir + "/w.db";
        constexpr int WRITERS = 8;
        constexpr int ROUNDS = 40;
        constexpr int PARAMS = 20;
        int pipes[WRITERS][2];
        pid_t pids[WRITERS];
        for (int w = 0; w < WRITERS; ++w)
        {
            NS_TEST_ASSERT_MSG_EQ(pipe(pipes[w]), 0, "pipe");
            pids[w] = fork();
            if (pids[w] == 0)
            {
                close(pipes[w][0]);
                // A victim commits until it is killed, so the kill always lands mid-stream
                // however fast the machine's disk is.
                for (int k = 0; IsVictim(w) || k < ROUNDS; ++k)
                {
                    UbResults r("stress-writer", db);
                    for (int p = 0; p < PARAMS; ++p)
                    {
                        r.AddParameter("p" + std::to_string(p), std::to_string(w * 1000 + k));
                    }
                    r.AddMetric("m", "k", k, "");
                    int64_t id = r.Commit(Seconds(0), 0);
                    if (write(pipes[w][1], &id, sizeof(id)) != sizeof(id))
                    {
                        _exit(3);
                    }
                }
                _exit(0);
            }
            close(pipes[w][1]);
        }
        // Kill each victim once it has reported some commits (3, 10, 25), after a pause of 0 to
        // 900 us: it is then most likely inside its next commit.
        std::set<int64_t> committed;
        for (auto [w, seen, us] :
             std::vector<std::tuple<int, int, int>>{{1, 3, 0}, {4, 10, 300}, {6, 25, 900}})
        {
            // (EXPECT, not ASSERT: a victim is killed even when it failed, never left running.)
            for (int n = 0; n < seen; ++n)
            {
                int64_t id = 0;
                const ssize_t got = read(pipes[w][0], &id, sizeof(id));
                NS_TEST_EXPECT_MSG_EQ(got,
                                      static_cast<ssize_t>(sizeof(id)),
                                      "victim " << w << " reported commit " << n);
                if (got != static_cast<ssize_t>(sizeof(id)))
                {
                    break;
                }
                committed.insert(id);
            }
            usleep(us);
            kill(pids[w], SIGKILL);
        }
        int finished = 0;
        int killed = 0;
        for (int w = 0; w < WRITERS; ++w)
        {
            int64_t id = 0;
            while (read(pipes[w][0], &id, sizeof(id)) == sizeof(id))
            {
                committed.insert(id);
            }
            close(pipes[w][0]);
            int status = 0;
            waitpid(pids[w], &status, 0);
            finished += WIFEXITED(status) && WEXITSTATUS(status) == 0;
            killed += WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
        }
        NS_TEST_EXPECT_MSG_EQ(killed, 3, "the 3 victims were killed (they never finish)");
        NS_TEST_EXPECT_MSG_GT_OR_EQ(finished, WRITERS - 3, "the writers not killed finished");
        NS_TEST_EXPECT_MSG_GT_OR_EQ(committed.size(),
                                    static_cast<std::size_t>((WRITERS - 3) * ROUNDS),
                                    "their runs were committed");
        sqlite3* h = nullptr;
        NS_TEST_ASSERT_MSG_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK, "open");
        std::map<int64_t, int> params;
        sqlite3_stmt* st = nullptr;
        sqlite3_prepare_v2(h,
                           "SELECT r.run_id, (SELECT count(*) FROM params p WHERE p.run_id = "
                           "r.run_id) FROM runs r",
                           -1,
                           &st,
                           nullptr);
        while (sqlite3_step(st) == SQLITE_ROW)
        {
            params[sqlite3_column_int64(st, 0)] = sqlite3_column_int(st, 1);
        }
        sqlite3_finalize(st);
        sqlite3_close(h);
        for (int64_t id : committed)
        {
            NS_TEST_EXPECT_MSG_EQ(params.count(id), 1u, "committed run " << id << " is there");
        }
        for (auto [id, n] : params)
        {
            NS_TEST_EXPECT_MSG_EQ(n, PARAMS, "run " << id << " is whole");
        }
        NS_TEST_EXPECT_MSG_GT_OR_EQ(params.size(), committed.size(), "rows");
    }
};

class UbStressTestSuite : public TestSuite
{
  public:
    UbStressTestSuite()
        : TestSuite("unifiedbus-stress", TestSuite::Type::UNIT)
    {
        for (const Shape& s : Shapes())
        {
            AddTestCase(new UbStressIncastTestCase(s));
            AddTestCase(new UbStressAllToAllTestCase(s));
            AddTestCase(new UbStressRandomTestCase(s));
        }
        AddTestCase(new UbStressBusBwTestCase);
        AddTestCase(new UbStressWritersTestCase);
    }
};

UbStressTestSuite g_ubStressTestSuite;

} // namespace
