/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Bad configuration stops the run with one message that names the node, the port and the
 * offending value (and says what to do). Each case runs in a child process, because the model
 * stops the process exactly as it would for a user.
 */
#include "ub-test-utils.h"

#include "ns3/command-line.h"
#include "ns3/config.h"
#include "ns3/data-rate.h"
#include "ns3/node-container.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/test.h"
#include "ns3/ub-command-line.h"
#include "ns3/ub-compat.h"
#include "ns3/ub-error.h"
#include "ns3/ub-helper.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-preset.h"
#include "ns3/ub-routing-helper.h"
#include "ns3/ub-routing-table.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-systems.h"
#include "ns3/ub-topology-helper.h"
#include "ns3/uinteger.h"

#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <tuple>
#include <unistd.h>
#include <vector>

using namespace ns3;

namespace
{

/// Two endpoints and a switch: node 0 - node 2 - node 1. `tweak` changes something first.
void
BuildAndRun(const std::function<void(UbHelper&)>& before,
            const std::function<void(NodeContainer&)>& after)
{
    ubtest::ResetSimulation();
    NodeContainer nodes;
    nodes.Create(3);
    UbHelper ub;
    before(ub);
    ub.Install(nodes.Get(0), nodes.Get(2));
    ub.Install(nodes.Get(2), nodes.Get(1));
    UbRoutingHelper::PopulateShortestPaths(nodes);
    after(nodes);
    Simulator::Stop(MicroSeconds(10));
    Simulator::Run();
    ubtest::ResetSimulation();
}

class UbGoodConfigTestCase : public TestCase
{
  public:
    UbGoodConfigTestCase()
        : TestCase("the same network without the mistakes runs to the end")
    {
    }

  private:
    void DoRun() override
    {
        ubtest::ChildResult r = ubtest::RunInChild([]() {
            BuildAndRun([](UbHelper&) {},
                        [](NodeContainer& n) {
                            Ptr<UbSwitch> a = n.Get(0)->GetObject<UbSwitch>();
                            Simulator::Schedule(NanoSeconds(1),
                                                [a]() { a->Send(Create<Packet>(100), 1, 0, 0); });
                        });
        });
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(r.exitedNormally),
                              true,
                              "a good configuration runs; got: " << r.output);
    }
};

/// String options keep their spaces: ns-3 3.37's CommandLine alone would cut "--label=a b" to "a".
class UbWholeStringOptionsTestCase : public TestCase
{
  public:
    UbWholeStringOptionsTestCase()
        : TestCase("string options given on the command line keep their spaces")
    {
    }

  private:
    void DoRun() override
    {
        std::string label = "default label";
        std::string db = "results.db";
        std::string other = "untouched";
        std::vector<std::string> args{"prog",
                                      "--label=first",
                                      "--label=Atlas-950-like SuperPoD",
                                      "--db=/tmp/my results/run 1.db"};
        std::vector<char*> argv;
        for (auto& a : args)
        {
            argv.push_back(a.data());
        }
        int argc = static_cast<int>(argv.size());
        UbCommandLine cmd(__FILE__);
        cmd.AddValue("label", "label", label);
        cmd.AddValue("db", "db", db);
        cmd.AddValue("other", "other", other);
        cmd.Parse(argc, argv.data());
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(label), "Atlas-950-like SuperPoD", "the last --label, whole");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(db), "/tmp/my results/run 1.db", "a path with spaces");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(other), "untouched", "an option not given keeps its value");
    }
};

/// Every option is checked against its variable's type before the run: the values ns-3's
/// CommandLine would wrap around, cut short, or abort on are refused with one sentence.
class UbCommandLineTestCase : public TestCase
{
  public:
    UbCommandLineTestCase()
        : TestCase("options are checked against their types and attributes before the run")
    {
    }

  private:
    /// \return the sentence the check gives for args ("" when they are accepted)
    static std::string Refusal(const std::vector<std::string>& args)
    {
        uint32_t count = 7;
        uint8_t small = 1;
        int32_t offset = 0;
        double load = 0.5;
        bool flag = false;
        std::string name;
        UbCommandLine cmd(__FILE__);
        cmd.AddValue("count", "a count", count);
        cmd.AddValue("small", "a small count", small);
        cmd.AddValue("offset", "a signed offset", offset);
        cmd.AddValue("load", "a load", load);
        cmd.AddValue("flag", "a flag", flag);
        cmd.AddValue("name", "a name", name);
        std::vector<std::string> all{"prog"};
        all.insert(all.end(), args.begin(), args.end());
        try
        {
            cmd.Check(all);
        }
        catch (const UbInputError& e)
        {
            return e.what();
        }
        return "";
    }

    void DoRun() override
    {
        // Accepted: the ends of each range, booleans, attributes and globals given right.
        for (const auto& ok : std::vector<std::vector<std::string>>{
                 {"--count=0", "--count=4294967295", "--small=255", "--offset=-2147483648"},
                 {"--load=1e-3", "--flag", "--flag=false", "--flag=1", "--name=a b"},
                 {"--ns3::UbNetDevice::Lanes=4", "--ns3::UbChannel::Delay=5ns", "--RngRun=3"},
                 {"--ns3::UbNetDevice::LaneRate=112Gbps", "--PrintHelp"}})
        {
            NS_TEST_EXPECT_MSG_EQ(Refusal(ok), "", "accepted: " << ok.front());
        }
        // Refused, each with a sentence naming the option and what it takes. (ns-3 alone
        // reads -5 as 4294967291, 2^32 as some other count, and aborts on "abc" for an
        // attribute's whole number or "5parsecs" for a Time.)
        const std::vector<std::pair<std::string, std::string>> bad{
            {"--count=-5", "--count=-5 is not a whole number from 0 to 4294967295"},
            {"--count=4294967296", "--count=4294967296 is not a whole number from 0 to"},
            {"--count=12abc", "--count=12abc is not a whole number"},
            {"--count", "--count needs a value: --count=..."},
            {"--count=", "--count= needs a value: --count=..."},
            {"--small=256", "--small=256 is not a whole number from 0 to 255"},
            {"--offset=2147483648", "--offset=2147483648 is not a whole number from -2147483648"},
            {"--load=1e400", "--load=1e400 is not a finite number"},
            {"--load=nan", "--load=nan is not a finite number"},
            {"--flag=maybe", "--flag=maybe is not true, false, 1 or 0"},
            {"--nosuch=1", "unknown option --nosuch=1; --help lists"},
            {"stray", "unexpected argument 'stray'"},
            {"--ns3::UbNetDevice::Lanes=abc",
             "--ns3::UbNetDevice::Lanes=abc is not a valid value of ns3::UbNetDevice::Lanes"},
            {"--ns3::UbNetDevice::Lanes=-1", "is not a valid value of ns3::UbNetDevice::Lanes"},
            {"--ns3::UbChannel::Delay=5parsecs", "is not a valid value of ns3::UbChannel::Delay"},
            {"--ns3::UbNetDevice::Bogus=1", "ns3::UbNetDevice has no attribute 'Bogus'"},
            {"--ns3::NoSuchType::X=1", "unknown option --ns3::NoSuchType::X=1"},
            {"--RngRun=-1", "--RngRun=-1 is not a valid value of the global RngRun"},
        };
        for (const auto& [arg, sentence] : bad)
        {
            const std::string got = Refusal({arg});
            NS_TEST_EXPECT_MSG_NE(got.find(sentence), std::string::npos, arg << " gave: " << got);
        }
        // The last of several bad options is not reached: the first one is named.
        NS_TEST_EXPECT_MSG_NE(Refusal({"--count=1", "--small=999", "--load=x"}).find("--small"),
                              std::string::npos,
                              "the first bad option");
    }
};

/// A default the user sets (--ns3::UbNetDevice::VlCount=4) wins over a preset's value, and a
/// bad one is refused when the network is built, before anything runs.
class UbUserDefaultTestCase : public TestCase
{
  public:
    UbUserDefaultTestCase()
        : TestCase("a default set by the user wins over the preset's value")
    {
    }

  private:
    void DoRun() override
    {
        ubtest::ResetSimulation();
        Config::SetDefault("ns3::UbNetDevice::VlCount", UintegerValue(4));
        Config::SetDefault("ns3::UbNetDevice::Lanes", UintegerValue(2));
        UbTopologyHelper sys;
        sys.BuildPreset("ascend950-ub2", 64);
        Ptr<UbNetDevice> dev = sys.GetDevice(0, 0);
        UintegerValue vls;
        UintegerValue lanes;
        dev->GetAttribute("VlCount", vls);
        dev->GetAttribute("Lanes", lanes);
        // The preset says VlCount = 2 and 4 lanes per port (unifiedbus-facts.md, Atlas 950).
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(vls.Get()), 4, "the user's VlCount, not the preset's 2");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(lanes.Get()), 2, "the user's lanes, not the topology's 4");
        NS_TEST_EXPECT_MSG_EQ(sys.GetTopology().GetLink(0).lanes,
                              2,
                              "the topology counts the lanes built (its aggregates use them)");
        ubtest::ResetSimulation();
    }
};

class UbConfigErrorTestSuite : public TestSuite
{
  public:
    UbConfigErrorTestSuite()
        : TestSuite("unifiedbus-config-errors", TestSuite::Type::UNIT)
    {
        AddTestCase(new UbGoodConfigTestCase);
        AddTestCase(new UbWholeStringOptionsTestCase);
        AddTestCase(new UbCommandLineTestCase);
        AddTestCase(new UbUserDefaultTestCase);
        for (const auto& [attribute, value, sentence] :
             std::vector<std::tuple<std::string, uint32_t, std::string>>{
                 {"VlCount", 200, "VlCount=200 is invalid; use 1 to 16"},
                 {"Lanes", 3, "Lanes=3 (set as a default) is invalid; UB ports have 1, 2, 4 or 8"},
                 {"Mtu", 60000, "Mtu=60000 exceeds the largest packet"}})
        {
            AddTestCase(new ubtest::ExpectStopTestCase(
                "a bad " + attribute + " set as a default is refused at Build",
                [attribute = attribute, value = value]() {
                    Config::SetDefault("ns3::UbNetDevice::" + attribute, UintegerValue(value));
                    UbTopologyHelper sys;
                    sys.BuildPreset("ascend950-ub2", 64);
                    // Never reached: Build refuses it before anything runs.
                    std::cout << "built with a bad " << attribute << "\n";
                },
                {sentence}));
        }
        AddTestCase(new ubtest::ExpectStopTestCase(
            "zero lanes",
            []() {
                BuildAndRun([](UbHelper& ub) { ub.SetDeviceAttribute("Lanes", UintegerValue(0)); },
                            [](NodeContainer&) {});
            },
            {"UbNetDevice node 0 port 0", "Lanes=0", "1, 2, 4 or 8"}));
        AddTestCase(new ubtest::ExpectStopTestCase(
            "VL buffer smaller than one maximum packet",
            []() {
                BuildAndRun(
                    [](UbHelper& ub) { ub.SetDeviceAttribute("VlBufferCells", UintegerValue(10)); },
                    [](NodeContainer&) {});
            },
            // Mtu 4156 B = 210 flits = 27 cells of 8 flits
            {"UbNetDevice node 0 port 0", "VlBufferCells=10", "at least 27"}));
        // The receiving end buffers less than the sender's largest packet (issue 16: the run
        // ended with "received 0 B, drops 0" and status 0). 1,024 B = 52 flits = 7 cells there;
        // the sender's Mtu of 4,156 B needs 27.
        AddTestCase(new ubtest::ExpectStopTestCase(
            "the other end buffers less than one packet",
            []() {
                BuildAndRun([](UbHelper&) {},
                            [](NodeContainer& n) {
                                Ptr<UbNetDevice> rx = n.Get(2)->GetObject<UbSwitch>()->GetPort(0);
                                rx->SetAttribute("Mtu", UintegerValue(1024));
                                rx->SetAttribute("VlBufferCells", UintegerValue(7));
                            });
            },
            {"UbNetDevice node 0 port 0",
             "Mtu=4156 B makes packets of 27 cells",
             "UbNetDevice node 2, the other end of the link buffers 7 cells per VL",
             "wait for credits for ever"}));
        AddTestCase(new ubtest::ExpectStopTestCase(
            "a route uses a VL beyond the configured count",
            []() {
                BuildAndRun(
                    [](UbHelper&) {},
                    [](NodeContainer& n) {
                        n.Get(2)->GetObject<UbSwitch>()->GetRoutingTable()->AddRoute(1, 1, 3);
                    });
            },
            {"UbNetDevice node 2 port 1", "VL 3", "VlCount=2"}));
        AddTestCase(new ubtest::ExpectStopTestCase(
            "a route uses a port the node does not have",
            []() {
                BuildAndRun(
                    [](UbHelper&) {},
                    [](NodeContainer& n) {
                        n.Get(2)->GetObject<UbSwitch>()->GetRoutingTable()->AddRoute(1, 7, 0);
                    });
            },
            {"route to destination 1 uses port 7", "ports"}));
        AddTestCase(new ubtest::ExpectStopTestCase(
            "an SL mapped to a VL beyond the configured count",
            []() {
                BuildAndRun(
                    [](UbHelper& ub) { ub.SetDeviceAttribute("SlToVl", StringValue("0,5")); },
                    [](NodeContainer&) {});
            },
            {"UbNetDevice node 0 port 0", "SL 1 to VL 5", "VlCount=2"}));
        AddTestCase(new ubtest::ExpectStopTestCase(
            "a negative count in a preset names its line",
            []() {
                // ascend950-ub2 with topology::Endpoints = -8 (it ended in bad_alloc
                // after taking gigabytes).
                std::ifstream in(UbPreset::Load("ascend950-ub2").GetPath());
                const std::string path =
                    "/tmp/ub-config-error-neg-" + std::to_string(getpid()) + ".preset";
                std::ofstream out(path);
                int lineNo = 0;
                int at = 0;
                for (std::string line; std::getline(in, line);)
                {
                    ++lineNo;
                    if (line.rfind("topology::Endpoints =", 0) == 0)
                    {
                        line = "topology::Endpoints = -8 ; [A] a test value";
                        at = lineNo;
                    }
                    out << line << "\n";
                }
                out.close();
                std::cout << "Endpoints on line " << at << "\n";
                UbTopologyHelper sys;
                sys.BuildPreset(UbPreset::Load(path), 0);
            },
            {".preset line ",
             "topology::Endpoints = -8 is not a whole number from 0 to 16777216"}));
        AddTestCase(new ubtest::ExpectStopTestCase(
            "a torus tie rule that does not exist",
            []() {
                // A file of this process's own: runners started together (the
                // two builds of test/same-results.sh) must not share it.
                const std::string path =
                    "/tmp/ub-config-error-ties-" + std::to_string(getpid()) + ".preset";
                std::ofstream(path) << "name = bad-ties\n"
                                       "topology::Builder = kary-ncube ; [A] a test value\n"
                                       "topology::Radix = 4 ; [A] a test value\n"
                                       "topology::Dims = 2 ; [A] a test value\n"
                                       "topology::Torus = true ; [A] a test value\n"
                                       "topology::TorusTies = Sideways ; [A] a test value\n";
                UbPreset preset = UbPreset::Load(path);
                std::remove(path.c_str());
                UbSystems::KaryNcubeFromPreset(preset);
            },
            {"bad-ties", "topology::TorusTies = Sideways", "Up, Split, Both"}));
        AddTestCase(new ubtest::ExpectStopTestCase(
            "a packet to an unknown destination",
            []() {
                BuildAndRun([](UbHelper&) {},
                            [](NodeContainer& n) {
                                Ptr<UbSwitch> a = n.Get(0)->GetObject<UbSwitch>();
                                Simulator::Schedule(NanoSeconds(1), [a]() {
                                    a->Send(Create<Packet>(100), 999, 0, 0);
                                });
                            });
            },
            {"UbSwitch node 0", "no route to destination CNA 999", "UbRoutingHelper"}));
        AddTestCase(new ubtest::ExpectStopTestCase(
            "a VL count that differs between the two ends of a link",
            []() {
                BuildAndRun([](UbHelper&) {},
                            [](NodeContainer& n) {
                                n.Get(1)->GetObject<UbSwitch>()->GetPort(0)->SetAttribute(
                                    "VlCount",
                                    UintegerValue(4));
                            });
            },
            {"port 0", "VlCount=", "both ends of a link"}));
        AddTestCase(new ubtest::ExpectStopTestCase(
            "a packet that overflows a VL buffer in credit mode",
            []() {
                BuildAndRun([](UbHelper&) {},
                            [](NodeContainer& n) {
                                Ptr<UbNetDevice> d = n.Get(1)->GetObject<UbSwitch>()->GetPort(0);
                                Simulator::Schedule(NanoSeconds(1), [d]() {
                                    UbPacketInfo info;
                                    info.dst = 1;
                                    info.vl = 1;
                                    info.reservedCells = d->GetVlBufferCells() + 1;
                                    d->Receive(Create<Packet>(100), info, Simulator::Now());
                                });
                            });
            },
            {"UB lossless violation", "UbNetDevice node 1 port 0 VL 1"},
            ubtest::ExpectStopTestCase::ABORT));
    }
};

UbConfigErrorTestSuite g_ubConfigErrorTestSuite;

} // namespace
