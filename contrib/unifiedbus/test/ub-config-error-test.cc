/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Bad configuration stops the run with one message that names the node, the port and the
 * offending value (and says what to do). Each case runs in a child process, because the model
 * stops the process exactly as it would for a user.
 */
#include "ub-test-utils.h"

#include "ns3/command-line.h"
#include "ns3/data-rate.h"
#include "ns3/node-container.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/test.h"
#include "ns3/ub-compat.h"
#include "ns3/ub-helper.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-preset.h"
#include "ns3/ub-routing-helper.h"
#include "ns3/ub-routing-table.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-systems.h"
#include "ns3/uinteger.h"

#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
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
        CommandLine cmd;
        cmd.AddValue("label", "label", label);
        cmd.AddValue("db", "db", db);
        cmd.AddValue("other", "other", other);
        cmd.Parse(argc, argv.data());
        UbWholeStringOptions(argc,
                             argv.data(),
                             {{"label", &label}, {"db", &db}, {"other", &other}});
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(label), "Atlas-950-like SuperPoD", "the last --label, whole");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(db), "/tmp/my results/run 1.db", "a path with spaces");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(other), "untouched", "an option not given keeps its value");
    }
};

class UbConfigErrorTestSuite : public TestSuite
{
  public:
    UbConfigErrorTestSuite()
        : TestSuite("unifiedbus-config-errors", TestSuite::Type::UNIT)
    {
        AddTestCase(new UbGoodConfigTestCase, ubtest::Quick());
        AddTestCase(new UbWholeStringOptionsTestCase, ubtest::Quick());
        AddTestCase(
            new ubtest::ExpectStopTestCase(
                "zero lanes",
                []() {
                    BuildAndRun(
                        [](UbHelper& ub) { ub.SetDeviceAttribute("Lanes", UintegerValue(0)); },
                        [](NodeContainer&) {});
                },
                {"UbNetDevice node 0 port 0", "Lanes=0", "1, 2, 4 or 8"}),
            ubtest::Quick());
        AddTestCase(new ubtest::ExpectStopTestCase(
                        "VL buffer smaller than one maximum packet",
                        []() {
                            BuildAndRun(
                                [](UbHelper& ub) {
                                    ub.SetDeviceAttribute("VlBufferCells", UintegerValue(10));
                                },
                                [](NodeContainer&) {});
                        },
                        // Mtu 4156 B = 210 flits = 27 cells of 8 flits
                        {"UbNetDevice node 0 port 0", "VlBufferCells=10", "at least 27"}),
                    ubtest::Quick());
        AddTestCase(
            new ubtest::ExpectStopTestCase(
                "a route uses a VL beyond the configured count",
                []() {
                    BuildAndRun(
                        [](UbHelper&) {},
                        [](NodeContainer& n) {
                            n.Get(2)->GetObject<UbSwitch>()->GetRoutingTable()->AddRoute(1, 1, 3);
                        });
                },
                {"UbNetDevice node 2 port 1", "VL 3", "VlCount=2"}),
            ubtest::Quick());
        AddTestCase(
            new ubtest::ExpectStopTestCase(
                "a route uses a port the node does not have",
                []() {
                    BuildAndRun(
                        [](UbHelper&) {},
                        [](NodeContainer& n) {
                            n.Get(2)->GetObject<UbSwitch>()->GetRoutingTable()->AddRoute(1, 7, 0);
                        });
                },
                {"route to destination 1 uses port 7", "ports"}),
            ubtest::Quick());
        AddTestCase(
            new ubtest::ExpectStopTestCase(
                "an SL mapped to a VL beyond the configured count",
                []() {
                    BuildAndRun(
                        [](UbHelper& ub) { ub.SetDeviceAttribute("SlToVl", StringValue("0,5")); },
                        [](NodeContainer&) {});
                },
                {"UbNetDevice node 0 port 0", "SL 1 to VL 5", "VlCount=2"}),
            ubtest::Quick());
        AddTestCase(new ubtest::ExpectStopTestCase(
                        "a torus tie rule that does not exist",
                        []() {
                            // A file of this process's own: runners started together (the
                            // two builds of test/same-results.sh) must not share it.
                            const std::string path =
                                "/tmp/ub-config-error-ties-" + std::to_string(getpid()) + ".preset";
                            std::ofstream(path)
                                << "name = bad-ties\n"
                                   "topology::Builder = kary-ncube ; [A] a test value\n"
                                   "topology::Radix = 4 ; [A] a test value\n"
                                   "topology::Dims = 2 ; [A] a test value\n"
                                   "topology::Torus = true ; [A] a test value\n"
                                   "topology::TorusTies = Sideways ; [A] a test value\n";
                            UbPreset preset = UbPreset::Load(path);
                            std::remove(path.c_str());
                            UbSystems::KaryNcubeFromPreset(preset);
                        },
                        {"bad-ties", "topology::TorusTies = Sideways", "Up, Split, Both"}),
                    ubtest::Quick());
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
                        {"UbSwitch node 0", "no route to destination CNA 999", "UbRoutingHelper"}),
                    ubtest::Quick());
        AddTestCase(new ubtest::ExpectStopTestCase(
                        "a VL count that differs between the two ends of a link",
                        []() {
                            BuildAndRun(
                                [](UbHelper&) {},
                                [](NodeContainer& n) {
                                    n.Get(1)->GetObject<UbSwitch>()->GetPort(0)->SetAttribute(
                                        "VlCount",
                                        UintegerValue(4));
                                });
                        },
                        {"port 0", "VlCount=", "both ends of a link"}),
                    ubtest::Quick());
        AddTestCase(new ubtest::ExpectStopTestCase(
                        "a packet that overflows a VL buffer in credit mode",
                        []() {
                            BuildAndRun(
                                [](UbHelper&) {},
                                [](NodeContainer& n) {
                                    Ptr<UbNetDevice> d =
                                        n.Get(1)->GetObject<UbSwitch>()->GetPort(0);
                                    Simulator::Schedule(NanoSeconds(1), [d]() {
                                        UbPacketInfo info;
                                        info.dst = 1;
                                        info.vl = 1;
                                        info.reservedCells = d->GetVlBufferCells() + 1;
                                        d->Receive(Create<Packet>(100), info, Simulator::Now());
                                    });
                                });
                        },
                        {"UB lossless violation", "UbNetDevice node 1 port 0 VL 1"}),
                    ubtest::Quick());
    }
};

UbConfigErrorTestSuite g_ubConfigErrorTestSuite;

} // namespace
