/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Output VL arbitration under saturation. Two greedy senders, one on SL 0 (VL 0) and one on
 * SL 1 (VL 1), share a switch output. Over a window in which both are backlogged:
 *   strict priority: VL 1 (higher) takes the whole output; VL 0 gets nothing (starves);
 *   DWRR with weights w0, w1: VL v gets w_v / (w0 + w1) of the output's wire bytes (framed
 *   packets, UB CRC framing), within 2 %.
 * The shares do not depend on how credits come back (Crd_Ack blocks or data headers,
 * UbNetDevice::CreditReturn): the receiver's buffer covers the credit loop, so the output never
 * waits for credits, and with no data going back its returns take Crd_Ack blocks on the idle
 * reverse wire either way.
 */
#include "ub-test-utils.h"

#include "ns3/data-rate.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/node-container.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/test.h"
#include "ns3/ub-helper.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-routing-helper.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-traffic-helper.h"
#include "ns3/uinteger.h"

using namespace ns3;

namespace
{

/// Wire bytes delivered per SL between 20 us and 120 us of two greedy senders.
std::pair<uint64_t, uint64_t>
RunTwoVls(UbNetDevice::VlArbitration arb,
          const std::string& weights,
          uint32_t size0,
          uint32_t size1)
{
    ubtest::ResetSimulation();
    NodeContainer nodes;
    nodes.Create(4); // 0, 1 senders; 2 switch; 3 receiver
    UbHelper ub;
    ub.SetDeviceAttribute("Lanes", UintegerValue(4));
    ub.SetDeviceAttribute("LaneRate", DataRateValue(DataRate("100Gbps")));
    ub.SetDeviceAttribute("EncodingEfficiency", DoubleValue(1.0));
    ub.SetDeviceAttribute("VlCount", UintegerValue(2));
    ub.SetDeviceAttribute("VlArbitration", EnumValue(arb));
    ub.SetDeviceAttribute("VlWeights", StringValue(weights));
    ub.Install(nodes.Get(0), nodes.Get(2));
    ub.Install(nodes.Get(1), nodes.Get(2));
    ub.Install(nodes.Get(2), nodes.Get(3));
    UbRoutingHelper::PopulateShortestPaths(nodes);
    UbTrafficHelper traffic;
    traffic.SetSourceAttribute("PacketSize", UintegerValue(size0));
    traffic.SetSourceAttribute("ServiceLevel", UintegerValue(0));
    traffic.InstallSource(nodes.Get(0), nodes.Get(3)).Start(MicroSeconds(1));
    traffic.SetSourceAttribute("PacketSize", UintegerValue(size1));
    traffic.SetSourceAttribute("ServiceLevel", UintegerValue(1));
    traffic.InstallSource(nodes.Get(1), nodes.Get(3)).Start(MicroSeconds(1));
    uint64_t bytes[2] = {0, 0};
    nodes.Get(3)->GetObject<UbSwitch>()->AddReceiveCallback(
        UbSwitch::ReceiveCallback([&bytes](Ptr<Packet> p, const UbPacketInfo& info) {
            Time now = Simulator::Now();
            if (now >= MicroSeconds(20) && now < MicroSeconds(120))
            {
                bytes[info.sl] += 20 * ubtest::UbCrcFlits(p->GetSize());
            }
        }));
    Simulator::Stop(MicroSeconds(120));
    Simulator::Run();
    ubtest::ResetSimulation();
    return {bytes[0], bytes[1]};
}

class UbStrictPriorityTestCase : public TestCase
{
  public:
    UbStrictPriorityTestCase()
        : TestCase("strict priority starves the low VL under saturation")
    {
    }

  private:
    void DoRun() override
    {
        auto [low, high] = RunTwoVls(UbNetDevice::STRICT_PRIORITY, "", 4096, 4096);
        NS_TEST_EXPECT_MSG_GT(UB_FIG(high), 0u, "the high VL is served");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(low),
                              0u,
                              "the low VL gets nothing while the high VL is backlogged");
        // 100 us at 400 Gb/s is 5 MB; the high VL must have had about all of it.
        NS_TEST_EXPECT_MSG_GT(UB_FIG(high), 4800000u, "the high VL gets the whole output");
    }
};

class UbDwrrTestCase : public TestCase
{
  public:
    UbDwrrTestCase(std::string weights, double share1, uint32_t size0, uint32_t size1)
        : TestCase("DWRR weights " + weights + " with packets of " + std::to_string(size0) +
                   " and " + std::to_string(size1) + " B"),
          m_weights(weights),
          m_share1(share1),
          m_size0(size0),
          m_size1(size1)
    {
    }

  private:
    void DoRun() override
    {
        auto [b0, b1] = RunTwoVls(UbNetDevice::DWRR, m_weights, m_size0, m_size1);
        double share1 = static_cast<double>(b1) / static_cast<double>(b0 + b1);
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(share1),
                                  m_share1,
                                  m_share1 * 0.02,
                                  "VL 1 share of the output");
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(1.0 - share1),
                                  1.0 - m_share1,
                                  (1.0 - m_share1) * 0.02,
                                  "VL 0 share of the output");
    }

    std::string m_weights;
    double m_share1;
    uint32_t m_size0;
    uint32_t m_size1;
};

class UbArbitrationTestSuite : public TestSuite
{
  public:
    UbArbitrationTestSuite()
        : TestSuite("unifiedbus-arbitration", TestSuite::Type::UNIT)
    {
        AddTestCase(new UbStrictPriorityTestCase);
        AddTestCase(new UbDwrrTestCase("1,3", 0.75, 4096, 4096));
        AddTestCase(new UbDwrrTestCase("1,1", 0.5, 4096, 1024));
        AddTestCase(new UbDwrrTestCase("2,1", 1.0 / 3.0, 1000, 3000));
    }
};

UbArbitrationTestSuite g_ubArbitrationTestSuite;

} // namespace
