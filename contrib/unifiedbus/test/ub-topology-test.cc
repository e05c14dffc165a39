/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Topology files, route computation and the deadlock check. Expected hop counts and pair counts
 * are worked out by hand from the shape of each small topology; the deadlock cases are classic
 * ones (a ring of switches has a cyclic channel dependency graph under shortest-path routing; a
 * 2D full mesh routed over both dimension orders has one too, which a second VL removes).
 */
#include "ub-test-utils.h"

#include "ns3/double.h"
#include "ns3/string.h"
#include "ns3/test.h"
#include "ns3/ub-channel.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-preset.h"
#include "ns3/ub-topology-helper.h"
#include "ns3/ub-topology-routing.h"
#include "ns3/ub-topology.h"

#include <cstdio>
#include <fstream>
#include <sstream>

using namespace ns3;

namespace
{

UbTopology
ParseText(const std::string& text, const std::string& name = "test.topo")
{
    std::istringstream in(text);
    return UbTopology::Parse(in, name);
}

/// leaves x perLeaf endpoints, every leaf linked once to every spine.
const char* g_closText = R"(# a 2-leaf, 2-spine Clos
topology small-clos
nodes e 6 npu
node leaf0 switch
node leaf1 switch
nodes spine 2 switch
link e0 leaf0 lanes=4 rate=112Gbps length=0.5
link e1 leaf0 lanes=4 rate=112Gbps
link e2 leaf0 lanes=4
link e3 leaf1 lanes=4
link e4 leaf1
link e5 leaf1 delay=7ns
link leaf0 spine0 tier=1 count=2
link leaf0 spine1 tier=1
link leaf1 spine0 tier=1
link leaf1 spine1 tier=1 length=20
)";

class UbTopologyFileTestCase : public TestCase
{
  public:
    UbTopologyFileTestCase()
        : TestCase("a topology file gives the nodes, links and attributes it names, and saves back "
                   "to the same text")
    {
    }

  private:
    void DoRun() override
    {
        UbTopology t = ParseText(g_closText);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetName()), "small-clos", "name");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNNodes()), 10U, "6 endpoints + 4 switches");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNEndpoints()), 6U, "endpoints");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNSwitches()), 4U, "switches");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNLinks()),
                              11U,
                              "6 endpoint links + 5 leaf-spine links (count=2)");
        uint32_t leaf0 = t.FindNode("leaf0");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetDegree(leaf0)), 6U, "3 endpoints + 3 uplinks");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetLink(0).lanes), 4U, "lanes");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetLink(0).laneRateBps), 112000000000ULL, "rate");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetLink(0).lengthM), 0.5, "length");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetLink(5).delayPs), 7000, "delay in ps");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetLink(6).tier), 1U, "tier");
        // 3 x 4 x 112 Gb/s on e0..e2 would be per node; e0 alone: 448 Gb/s. e4 takes defaults.
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNodeBandwidthBps(t.FindNode("e0"), 2, 100000000000ULL)),
                              448e9,
                              "e0: 4 x 112 Gb/s");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNodeBandwidthBps(t.FindNode("e4"), 2, 100000000000ULL)),
                              200e9,
                              "e4: preset 2 x 100 Gb/s");
        std::ostringstream saved;
        t.Save(saved);
        UbTopology back = ParseText(saved.str());
        std::ostringstream again;
        back.Save(again);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(again.str()), saved.str(), "save -> load -> save is stable");
    }
};

class UbShortestPathTestCase : public TestCase
{
  public:
    UbShortestPathTestCase()
        : TestCase("all shortest paths on a Clos: ECMP sets, hop counts and a deadlock-free "
                   "channel dependency graph")
    {
    }

  private:
    void DoRun() override
    {
        UbTopology t = ParseText(g_closText);
        UbRouteSet r = UbTopologyRouting::ShortestPaths(t);
        // Same leaf: e -> leaf -> e (2 hops): 2 leaves x 3 x 2 ordered pairs = 12.
        // Other leaf: e -> leaf -> spine -> leaf -> e (4 hops): 2 x 3 x 3 = 18.
        auto h = UbTopologyRouting::HopCounts(t, r);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(h.size()), 2U, "two hop counts");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[2]), 12U, "same-leaf pairs");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[4]), 18U, "cross-leaf pairs");
        // leaf0 toward e3: its three uplinks (two to spine0, one to spine1).
        uint32_t n = 0;
        r.Lookup(t.FindNode("leaf0"), t.FindNode("e3"), n);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), 3U, "three equal-cost uplinks");
        r.Lookup(t.FindNode("leaf0"), t.FindNode("e1"), n);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), 1U, "one port down");
        r.Lookup(t.FindNode("e1"), t.FindNode("e1"), n);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), 0U, "no route to itself");
        // The two leaves' endpoint groups share a search each: few intervals.
        NS_TEST_EXPECT_MSG_LT_OR_EQ(UB_FIG(r.GetIntervals(t.FindNode("spine0")).size()),
                                    2U,
                                    "a spine sees one interval per leaf");
        auto rep = UbTopologyRouting::CheckDeadlock(t, r);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(rep.deadlockFree),
                              true,
                              "up/down routes of a Clos are acyclic");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(rep.vlsUsed), 1U, "one VL");
    }
};

class UbLinkCostTestCase : public TestCase
{
  public:
    UbLinkCostTestCase()
        : TestCase("link costs steer shortest paths: the cheaper of two paths, ECMP among equal "
                   "ones, and a costly direct link loses to a cheaper detour")
    {
    }

  private:
    void DoRun() override
    {
        // a - s1 - b costs 1 + 5; a - s2 - b costs 1 + 1; a - s3 - b costs 2 + 0... (cost >= 1):
        // a - s3 costs 1, s3 - b costs 1 too: s2 and s3 tie.
        UbTopology t = ParseText("nodes e 2 npu\nnodes s 4 switch\n"
                                 "link e0 s1\nlink s1 e1 cost=5\n"
                                 "link e0 s2\nlink s2 e1\n"
                                 "link e0 s3\nlink s3 e1\n"
                                 "link s1 s2 cost=2\n");
        UbRouteSet r = UbTopologyRouting::ShortestPaths(t);
        uint32_t n = 0;
        const UbRouteCandidate* c = r.Lookup(t.FindNode("e0"), t.FindNode("e1"), n);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), 2U, "e0 -> e1: via s2 and s3 (cost 2), not s1 (cost 6)");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c[0].port), 1U, "port 1 is the link to s2");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c[1].port), 2U, "port 2 is the link to s3");
        // s1 reaches e1 directly for 5, or through s2 for 2 + 1 = 3: the detour wins.
        c = r.Lookup(t.FindNode("s1"), t.FindNode("e1"), n);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), 1U, "one way");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetPorts(t.FindNode("s1"))[c[0].port].peer),
                              t.FindNode("s2"),
                              "s1 -> e1 goes through s2");
        auto h = UbTopologyRouting::HopCounts(t, r);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[2]), 2U, "both directions take 2 links");
        // The same file without costs: s1 is as good as s2 and s3.
        UbTopology u = ParseText("nodes e 2 npu\nnodes s 4 switch\nlink e0 s1\nlink s1 e1\n"
                                 "link e0 s2\nlink s2 e1\nlink e0 s3\nlink s3 e1\n");
        UbRouteSet ru = UbTopologyRouting::ShortestPaths(u);
        ru.Lookup(u.FindNode("e0"), u.FindNode("e1"), n);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), 3U, "three equal paths");
    }
};

/// n switches in a ring, one endpoint on each.
UbTopology
Ring(uint32_t n)
{
    UbTopology t("ring");
    for (uint32_t i = 0; i < n; ++i)
    {
        t.AddNode("e" + std::to_string(i), UbTopology::NPU);
    }
    for (uint32_t i = 0; i < n; ++i)
    {
        t.AddNode("s" + std::to_string(i), UbTopology::SWITCH);
        t.AddLink(i, n + i);
    }
    for (uint32_t i = 0; i < n; ++i)
    {
        t.AddLink(n + i, n + (i + 1) % n);
    }
    return t;
}

/// k x k NPUs that forward, each linked to every NPU of its row and of its column.
UbTopology
FullMesh2D(uint32_t k)
{
    UbTopology t("fm2d");
    for (uint32_t i = 0; i < k * k; ++i)
    {
        t.AddNode("n" + std::to_string(i / k) + "_" + std::to_string(i % k), UbTopology::NPU, true);
    }
    for (uint32_t a = 0; a < k * k; ++a)
    {
        for (uint32_t b = a + 1; b < k * k; ++b)
        {
            if (a / k == b / k || a % k == b % k)
            {
                t.AddLink(a, b);
            }
        }
    }
    return t;
}

class UbDeadlockCheckTestCase : public TestCase
{
  public:
    UbDeadlockCheckTestCase()
        : TestCase("the deadlock checker finds the cycle of a ring and of a 2D full mesh on one "
                   "VL, and none in the full mesh with a second VL for final hops")
    {
    }

  private:
    void DoRun() override
    {
        // Ring of 5: every shortest route of 2 ring hops chains two clockwise (or two
        // counter-clockwise) channels, so the 5 clockwise channels form a cycle.
        UbTopology ring = Ring(5);
        auto rep = UbTopologyRouting::CheckDeadlock(ring, UbTopologyRouting::ShortestPaths(ring));
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(rep.deadlockFree), false, "a ring has a cyclic CDG");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(rep.cycle.size()), 5U, "the cycle runs round the ring");
        NS_TEST_EXPECT_MSG_GT_OR_EQ(UB_FIG(rep.dependencies), 10U, "both directions of the ring");
        for (const auto& c : rep.cycle)
        {
            NS_TEST_EXPECT_MSG_EQ(UB_FIG((c.rfind("s", 0) == 0)),
                                  true,
                                  "ring channels only: " << c);
        }
        // A ring of 3 has no 2-hop switch routes: no cycle.
        UbTopology ring3 = Ring(3);
        NS_TEST_EXPECT_MSG_EQ(
            UB_FIG(UbTopologyRouting::CheckDeadlock(ring3, UbTopologyRouting::ShortestPaths(ring3))
                       .deadlockFree),
            true,
            "ring of 3");

        // 4 x 4 full mesh: non-neighbours have 2 shortest paths (row first, column first).
        UbTopology fm = FullMesh2D(4);
        UbRouteSet one = UbTopologyRouting::ShortestPaths(fm);
        auto h = UbTopologyRouting::HopCounts(fm, one);
        // Per node: 3 + 3 one-hop neighbours, 9 two-hop; 16 nodes.
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[1]), 16U * 6U, "one-hop pairs");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[2]), 16U * 9U, "two-hop pairs");
        uint32_t n = 0;
        one.Lookup(fm.FindNode("n0_0"), fm.FindNode("n1_1"), n);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), 2U, "row-first and column-first");
        auto r1 = UbTopologyRouting::CheckDeadlock(fm, one);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r1.deadlockFree), false, "both dimension orders on one VL");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(r1.cycle.size()), 1U, "a cycle of several channels");
        UbRouteSet two = UbTopologyRouting::ShortestPaths(fm, UbTopologyRouting::FINAL_HOP_VL1);
        auto r2 = UbTopologyRouting::CheckDeadlock(fm, two);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r2.deadlockFree),
                              true,
                              "final hops on VL 1 break every cycle");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r2.vlsUsed), 2U, "two VLs");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(two.GetNVlsUsed()), 2U, "routes name VL 0 and 1");
    }
};

/**
 * \ingroup unifiedbus-tests
 * \brief The deadlock check scoped to the traffic of a run, on a ring of 5 switches with an
 * endpoint each. Neighbour pairs, both ways: each route e_i -> s_i -> s_(i+1) -> e_(i+1) holds 2
 * dependencies, 10 directed pairs give 20, and none chains two ring channels: no cycle. Pairs 2
 * ring hops apart, one way: each route chains s_i->s_(i+1) to s_(i+1)->s_(i+2), and the 5 of
 * them close the ring.
 */
class UbScopedDeadlockCheckTestCase : public TestCase
{
  public:
    UbScopedDeadlockCheckTestCase()
        : TestCase("the deadlock check scoped to the pairs in use: a ring carries neighbour "
                   "traffic, not traffic two hops away")
    {
    }

  private:
    void DoRun() override
    {
        UbTopology ring = Ring(5);
        UbRouteSet r = UbTopologyRouting::ShortestPaths(ring);
        std::vector<std::pair<uint32_t, uint32_t>> near;
        std::vector<std::pair<uint32_t, uint32_t>> far;
        for (uint32_t i = 0; i < 5; ++i)
        {
            near.emplace_back(i, (i + 1) % 5);
            near.emplace_back((i + 1) % 5, i);
            far.emplace_back(i, (i + 2) % 5);
        }
        auto a = UbTopologyRouting::CheckDeadlock(ring, r, near);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(a.deadlockFree), true, "neighbours");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(a.dependencies), 20U, "2 per directed pair");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(a.vlsUsed), 1U, "one VL");
        auto b = UbTopologyRouting::CheckDeadlock(ring, r, far);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(b.deadlockFree), false, "two hops away");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(b.cycle.size()), 5U, "round the ring");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(b.dependencies), 15U, "3 per pair");

        // The helper goes on with the neighbour scope (endpoint indices 0..4 are e0..e4).
        ubtest::ResetSimulation();
        {
            UbTopologyHelper sys;
            sys.SetPreset(UbPreset::Load("ascend950-ub2"));
            sys.SetDeadlockScope(near);
            sys.Build(ring);
            NS_TEST_EXPECT_MSG_EQ(sys.GetDeadlockReport().deadlockFree, true, "built");
        }
        ubtest::ResetSimulation();
    }
};

/**
 * \ingroup unifiedbus-tests
 * \brief The torus's routes use 2 VLs: built with strict-priority links it warns (strict
 * priority starves the lower VL's transit traffic), with the default DWRR it does not.
 */
class UbStarvationWarningTestCase : public TestCase
{
  public:
    UbStarvationWarningTestCase()
        : TestCase("routes on 2 VLs over strict-priority links warn; over DWRR they do not")
    {
    }

  private:
    static ubtest::ChildResult Build(bool strict)
    {
        return ubtest::RunInChild([strict]() {
            UbTopologyHelper sys;
            if (strict)
            {
                sys.GetUbHelper().SetDeviceAttribute("VlArbitration",
                                                     StringValue("StrictPriority"));
            }
            sys.BuildPreset("kary-torus8x8", 0);
        });
    }

    void DoRun() override
    {
        auto strict = Build(true);
        NS_TEST_EXPECT_MSG_EQ(strict.exitedNormally, true, "strict priority builds");
        NS_TEST_EXPECT_MSG_EQ(
            ubtest::ContainsAll(
                strict.output,
                {"warning: topology", "use 2 VLs", "strict priority", "VlArbitration=Dwrr"}),
            true,
            strict.output);
        auto dwrr = Build(false);
        NS_TEST_EXPECT_MSG_EQ(dwrr.exitedNormally, true, "DWRR builds");
        NS_TEST_EXPECT_MSG_EQ(dwrr.output.find("warning"), std::string::npos, dwrr.output);
    }
};

/// FullMesh2D(k) in the file format, with an optional vlpolicy line.
std::string
FullMesh2DText(uint32_t k, const std::string& vlPolicyLine)
{
    std::ostringstream os;
    FullMesh2D(k).Save(os);
    std::string text = os.str();
    const auto nl = text.find('\n');
    return text.substr(0, nl + 1) + vlPolicyLine + text.substr(nl + 1);
}

/// Build a topology text with the preset (a name or a file) and return the deadlock report.
UbTopologyRouting::DeadlockReport
BuildText(const std::string& text, const std::string& preset)
{
    ubtest::ResetSimulation();
    UbTopologyRouting::DeadlockReport rep;
    {
        UbTopologyHelper sys;
        sys.SetPreset(UbPreset::Load(preset));
        sys.Build(ParseText(text, "fm.topo"));
        rep = sys.GetDeadlockReport();
        NS_ABORT_MSG_IF(sys.GetVlPolicy() != UbTopologyRouting::FINAL_HOP_VL1,
                        "BuildText: the build did not take final-hop-vl1");
    }
    ubtest::ResetSimulation();
    return rep;
}

/**
 * \ingroup unifiedbus-tests
 * \brief The VL policy where users look for it: a topology file's vlpolicy line (kept by Save)
 * and a preset's topology::VlPolicy both let the 4 x 4 full mesh build, its routes on 2 VLs and
 * cycle-free; the file's line wins over the preset's key.
 */
class UbVlPolicyOptionTestCase : public TestCase
{
  public:
    UbVlPolicyOptionTestCase()
        : TestCase("the VL policy from a topology file's vlpolicy line or a preset's "
                   "topology::VlPolicy")
    {
    }

  private:
    void DoRun() override
    {
        UbTopology t = ParseText(FullMesh2DText(4, "vlpolicy final-hop-vl1\n"));
        NS_TEST_EXPECT_MSG_EQ(t.GetVlPolicy(), "final-hop-vl1", "read");
        std::ostringstream saved;
        t.Save(saved);
        NS_TEST_EXPECT_MSG_EQ(ParseText(saved.str()).GetVlPolicy(), "final-hop-vl1", "saved");
        NS_TEST_EXPECT_MSG_EQ(
            ParseText(FullMesh2DText(4, "vlpolicy FINAL_HOP_VL1\n")).GetVlPolicy(),
            "final-hop-vl1",
            "the enum's spelling");

        auto fromFile = BuildText(FullMesh2DText(4, "vlpolicy final-hop-vl1\n"), "ascend950-ub2");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(fromFile.deadlockFree), true, "file: no cycle");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(fromFile.vlsUsed), 2U, "file: 2 VLs");

        // A preset that names the policy (the file names none).
        // In the runner's own temporary folder: runners started together must not share it.
        const std::string path = CreateTempDirFilename("ub-vlpolicy-test.preset");
        {
            std::ofstream f(path);
            f << "name = vlpolicy-test\ndescription = t\nsources = t\n"
              << "topology::VlPolicy = FinalHopVl1 ; [A] the 2D full mesh needs it\n";
        }
        auto fromPreset = BuildText(FullMesh2DText(4, ""), path);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(fromPreset.deadlockFree), true, "preset: no cycle");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(fromPreset.vlsUsed), 2U, "preset: 2 VLs");
        std::remove(path.c_str());
    }
};

/**
 * \ingroup unifiedbus-tests
 * \brief What fills a topology file's omitted fields: lanes and lane rate from the preset's
 * UbNetDevice values, cable lengths from its topology::EndpointLinkLength (links with an
 * endpoint) and SpineLinkLength (switch to switch); a length in the file wins.
 */
class UbTopologyFileDefaultsTestCase : public TestCase
{
  public:
    UbTopologyFileDefaultsTestCase()
        : TestCase("a topology file's omitted lanes, rates and lengths come from the preset")
    {
    }

  private:
    void DoRun() override
    {
        ubtest::ResetSimulation();
        std::istringstream in("topology t\n"
                              "nodes npu 2 npu\n"
                              "nodes sw 2 switch\n"
                              "link npu0 sw0\n"
                              "link npu1 sw1 length=7\n"
                              "link sw0 sw1 lanes=2\n");
        UbTopologyHelper sys;
        sys.SetPreset(UbPreset::Load("ascend950-ub2")); // 4 x 112 Gb/s; 2 m and 30 m cables
        sys.Build(UbTopology::Parse(in, "test"));
        auto length = [&sys](uint32_t link) {
            DoubleValue v;
            sys.GetDevice(link, 0)->GetChannel()->GetObject<UbChannel>()->GetAttribute("Length", v);
            return v.Get();
        };
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(length(0)), 2.0, "endpoint link: EndpointLinkLength");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(length(1)), 7.0, "the file's length wins");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(length(2)), 30.0, "switch link: SpineLinkLength");
        const UbTopology& t = sys.GetTopology();
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetLink(0).lanes), 4, "lanes from the preset");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetLink(0).laneRateBps), 112000000000ULL, "lane rate");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetLink(2).lanes), 2, "the file's lanes win");
        ubtest::ResetSimulation();
    }
};

class UbTopologyTestSuite : public TestSuite
{
  public:
    UbTopologyTestSuite()
        : TestSuite("unifiedbus-topology", TestSuite::Type::UNIT)
    {
        AddTestCase(new UbTopologyFileTestCase);
        AddTestCase(new UbShortestPathTestCase);
        AddTestCase(new UbLinkCostTestCase);
        AddTestCase(new UbDeadlockCheckTestCase);
        AddTestCase(new UbTopologyFileDefaultsTestCase);
        AddTestCase(new UbVlPolicyOptionTestCase);
        AddTestCase(new UbScopedDeadlockCheckTestCase);
        AddTestCase(new UbStarvationWarningTestCase);
        AddTestCase(new ubtest::ExpectStopTestCase(
            "a ring carrying traffic two hops away stops, naming the run's pairs",
            []() {
                UbTopologyHelper sys;
                sys.SetPreset(UbPreset::Load("ascend950-ub2"));
                sys.SetDeadlockScope({{0, 2}, {1, 3}, {2, 4}, {3, 0}, {4, 1}});
                sys.Build(Ring(5));
            },
            {"this run's 5 endpoint pairs can deadlock", "s0->s1 vl0"}));
        AddTestCase(new ubtest::ExpectStopTestCase(
            "plain endpoints on a ring: the message names 'forward'",
            []() {
                UbTopologyRouting::ShortestPaths(
                    ParseText("nodes e 4 npu\nlink e0 e1\nlink e1 e2\nlink e2 e3\nlink e3 e0\n",
                              "ring.topo"));
            },
            {"only through endpoints that do not forward", "npu forward'"}));
        AddTestCase(new ubtest::ExpectStopTestCase(
            "a cyclic full mesh names the three places of the VL policy",
            []() {
                UbTopologyHelper sys;
                sys.SetPreset(UbPreset::Load("ascend950-ub2"));
                sys.Build(ParseText(FullMesh2DText(4, "")));
            },
            {"can deadlock",
             "vlpolicy final-hop-vl1",
             "topology::VlPolicy",
             "--vlPolicy=final-hop-vl1"}));
        AddTestCase(new ubtest::ExpectStopTestCase(
            "an unknown VL policy names the line",
            []() { ParseText("node a npu\nvlpolicy up-down\n", "bad.topo"); },
            {"bad.topo", "line 2", "from-sl or final-hop-vl1"}));
        AddTestCase(
            new ubtest::ExpectStopTestCase("a VL policy with a builder's own routes is refused",
                                           []() {
                                               UbTopologyHelper sys;
                                               sys.SetVlPolicy(UbTopologyRouting::FINAL_HOP_VL1);
                                               sys.BuildPreset("kary-mesh8x8", 0);
                                           },
                                           {"builder's routes", "shortest-path"}));
        using ubtest::ExpectStopTestCase;
        auto bad = [](const char* text) { return [text]() { ParseText(text, "bad.topo"); }; };
        AddTestCase(new ExpectStopTestCase("unknown node in a link names the line",
                                           bad("node a npu\nnode s switch\n\nlink a t\n"),
                                           {"bad.topo", "line 4", "unknown node 't'", "node t"}));
        AddTestCase(new ExpectStopTestCase("bad lane count names the line",
                                           bad("node a npu\nnode s switch\nlink a s lanes=0\n"),
                                           {"line 3", "lanes='0'", "1, 2, 4 or 8"}));
        // Values no port can have are refused at their line, not when traffic reaches them.
        AddTestCase(new ExpectStopTestCase("a lane count no UB port has names the line",
                                           bad("node a npu\nnode s switch\nlink a s lanes=3\n"),
                                           {"line 3", "lanes='3'", "1, 2, 4 or 8", "count="}));
        AddTestCase(
            new ExpectStopTestCase("an absurd lane rate names the line",
                                   bad("node a npu\nnode s switch\nlink a s rate=1e30Gbps\n"),
                                   {"line 3", "rate='1e30Gbps'", "1Mbps to 10Tbps"}));
        AddTestCase(
            new ExpectStopTestCase("a delay beyond 1 s is refused, not dropped",
                                   bad("node a npu\nnode s switch\nlink a s delay=1e300s\n"),
                                   {"line 3", "delay='1e300s'", "0 to 1s"}));
        AddTestCase(new ExpectStopTestCase("a cable of a million km names the line",
                                           bad("node a npu\nnode s switch\nlink a s length=1e9\n"),
                                           {"line 3", "length='1e9'", "0 to 100000"}));
        AddTestCase(new ExpectStopTestCase("bad rate names the line",
                                           bad("node a npu\nnode s switch\nlink a s rate=fast\n"),
                                           {"line 3", "rate='fast'", "112Gbps"}));
        AddTestCase(new ExpectStopTestCase("unknown kind names the line",
                                           bad("# x\nnode a router\n"),
                                           {"line 2", "kind 'router'", "switch"}));
        AddTestCase(new ExpectStopTestCase("duplicate node names the line",
                                           bad("node a npu\nnodes a 1 npu\nnode a0 npu\n"),
                                           {"line 3", "'a0' is declared twice"}));
        AddTestCase(new ExpectStopTestCase("unknown statement names the line",
                                           bad("node a npu\nlinks a b\n"),
                                           {"line 2", "unknown statement 'links'"}));
        AddTestCase(new ExpectStopTestCase("a missing file names the path",
                                           []() { UbTopology::Load("/nonexistent/x.topo"); },
                                           {"/nonexistent/x.topo", "cannot be read"}));
        AddTestCase(new ExpectStopTestCase("a disconnected topology names both endpoints",
                                           []() {
                                               UbTopology t = ParseText(
                                                   "nodes e 4 npu\nnodes s 2 switch\nlink e0 s0\n"
                                                   "link e1 s0\nlink e2 s1\nlink e3 s1\n",
                                                   "split.topo");
                                               UbTopologyRouting::ShortestPaths(t);
                                           },
                                           {"split.topo", "cannot reach", "disconnected", "'e"}));
    }
};

UbTopologyTestSuite g_ubTopologyTestSuite;

} // namespace
