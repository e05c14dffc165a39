/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * ub-credit-loop: throughput of one UB link against the size of the receiver's VL buffer,
 * simulated next to the analytic credit-loop bound (validation-targets.md section 1):
 *
 *   goodput = min(W / S, N W / loop),   N = floor(B / c),
 *   loop = S + 2 (PhyLatency + d) + L_B + ser(CreditFrameBytes)
 *
 * W wire bytes of one packet, c its credit cells, B the VL buffer in cells, S = ser(W),
 * d the propagation delay, L_B the receiver's pipeline latency.
 *
 * The defaults reproduce the worked example (400 Gb/s, d = 100 ns, 4096-B packets on the wire):
 *   ./ubsim run ub-credit-loop
 * With UB framing and cells:
 *   ./ubsim run ub-credit-loop --ub=1 --delay=50ns
 */
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/unifiedbus-module.h"

#include <iomanip>
#include <iostream>

using namespace ns3;

namespace
{

int
RunMain(int argc, char* argv[])
{
    uint32_t lanes = 4;
    DataRate laneRate("100Gbps");
    Time delay = NanoSeconds(100);
    uint32_t packet = 4096;
    bool ubFraming = false;
    uint32_t packets = 2000;
    std::string db = "results/ubsim.db";
    UbExperiment::SetDefaultScheduler(); // before Parse: --SchedulerType still wins
    UbCommandLine cmd(__FILE__);
    cmd.AddValue("lanes", "lanes of the link (1, 2, 4 or 8)", lanes);
    cmd.AddValue("laneRate", "rate per lane", laneRate);
    cmd.AddValue("delay", "one-way propagation delay", delay);
    cmd.AddValue("packet", "network packet size in bytes (header included)", packet);
    cmd.AddValue("ub",
                 "UB framing, 20-B flits, 160-B cells, 40-B credit frames and 20 ns PHY (else the "
                 "worked example: 16-B flits, no overhead, 256-B cells, 16-B credit frames)",
                 ubFraming);
    cmd.AddValue("packets", "packets sent per buffer size", packets);
    cmd.AddValue("db", "SQLite results file", db);
    cmd.Parse(argc, argv);
    UbResults::Check(db); // a bad --db stops the program now, not after the run
    if (packet <= UbNetworkHeader::SIZE || packet > 10142)
    {
        std::cerr << "ub-credit-loop: --packet=" << packet << " must be in 13..10142\n";
        return 2;
    }

    UbResults results("ub-credit-loop", db);
    results.AddCommandLine(argc, argv);
    results.AddParameter("lanes", lanes);
    results.AddParameter("lane_rate_bps", static_cast<double>(laneRate.GetBitRate()));
    results.AddParameter("delay_ns", delay.GetNanoSeconds());
    results.AddParameter("packet", packet);
    results.AddParameter("ub_framing", ubFraming ? 1.0 : 0.0);
    uint64_t events = 0;
    Time simTotal;

    std::cout << "ub-credit-loop: " << +lanes << " x " << laneRate.GetBitRate() / 1e9
              << " Gb/s, d = " << delay.GetNanoSeconds() << " ns, " << packet << "-B packets, "
              << (ubFraming ? "UB framing" : "16-B flits, no framing overhead") << "\n";
    std::cout << std::setw(10) << "B cells" << std::setw(10) << "B KiB" << std::setw(8) << "N"
              << std::setw(14) << "loop ns" << std::setw(14) << "bound Gb/s" << std::setw(14)
              << "sim Gb/s" << std::setw(10) << "error %"
              << "\n";
    for (uint32_t n : {1u, 2u, 3u, 4u, 6u, 8u, 16u})
    {
        NodeContainer nodes;
        nodes.Create(2);
        UbHelper ub;
        ub.SetDeviceAttribute("Lanes", UintegerValue(lanes));
        ub.SetDeviceAttribute("LaneRate", DataRateValue(laneRate));
        ub.SetDeviceAttribute("EncodingEfficiency", DoubleValue(ubFraming ? 0.9375 : 1.0));
        ub.SetDeviceAttribute("PhyLatency", TimeValue(ubFraming ? NanoSeconds(20) : Time(0)));
        ub.SetDeviceAttribute("FlitSize", UintegerValue(ubFraming ? 20 : 16));
        ub.SetDeviceAttribute("Framing", StringValue(ubFraming ? "UbCrc" : "Fixed"));
        ub.SetDeviceAttribute("FlitsPerCell", UintegerValue(ubFraming ? 8 : 16));
        ub.SetDeviceAttribute("CreditFrameBytes", UintegerValue(ubFraming ? 40 : 16));
        ub.SetDeviceAttribute("Mtu", UintegerValue(packet));
        ub.SetChannelAttribute("Delay", TimeValue(delay));
        ub.SetSwitchAttribute("PipelineLatency", TimeValue(Time(0)));
        ub.SetSwitchAttribute("InjectionBufferBytes", UintegerValue(1 << 20));
        // Size the buffer after the device knows its framing.
        Ptr<UbNetDevice> probe = CreateObject<UbNetDevice>();
        probe->SetAttribute("FlitSize", UintegerValue(ubFraming ? 20 : 16));
        probe->SetAttribute("Framing", StringValue(ubFraming ? "UbCrc" : "Fixed"));
        probe->SetAttribute("FlitsPerCell", UintegerValue(ubFraming ? 8 : 16));
        uint32_t cells = probe->GetCells(packet);
        uint32_t bufferCells = n * cells + cells - 1;
        ub.SetDeviceAttribute("VlBufferCells", UintegerValue(bufferCells));
        NetDeviceContainer devs = ub.Install(nodes.Get(0), nodes.Get(1));
        UbRoutingHelper::PopulateShortestPaths(nodes);
        UbTrafficHelper traffic;
        traffic.SetSourceAttribute("PacketSize", UintegerValue(packet - UbNetworkHeader::SIZE));
        traffic.SetSourceAttribute("MaxPackets", UintegerValue(packets));
        traffic.InstallSource(nodes.Get(0), nodes.Get(1)).Start(MicroSeconds(1));
        std::vector<int64_t> t;
        nodes.Get(1)->GetObject<UbSwitch>()->AddReceiveCallback(
            UbSwitch::ReceiveCallback([&t](Ptr<Packet>, const UbPacketInfo&) {
                t.push_back(Simulator::Now().GetPicoSeconds());
            }));
        Simulator::Run();
        Ptr<UbNetDevice> tx = DynamicCast<UbNetDevice>(devs.Get(0));
        uint64_t wire = tx->GetWireBytes(packet);
        int64_t S = tx->GetSerializationTime(wire).GetPicoSeconds();
        int64_t loop = S + 2 * (tx->GetPhyLatency() + delay).GetPicoSeconds() +
                       tx->GetSerializationTime(ubFraming ? 40 : 16).GetPicoSeconds();
        double bound = std::min(static_cast<double>(wire) * 8 / (S * 1e-12),
                                static_cast<double>(n) * wire * 8 / (loop * 1e-12));
        uint32_t k = (static_cast<uint32_t>(t.size()) - 1) / n * n;
        double sim = static_cast<double>(k) * wire * 8 / ((t[k] - t[0]) * 1e-12);
        std::cout << std::setw(10) << bufferCells << std::setw(10) << std::fixed
                  << std::setprecision(1) << bufferCells * tx->GetCellBytes() / 1024.0
                  << std::setw(8) << n << std::setw(14) << std::setprecision(2) << loop / 1e3
                  << std::setw(14) << bound / 1e9 << std::setw(14) << sim / 1e9 << std::setw(10)
                  << std::setprecision(3) << 100 * (sim - bound) / bound << "\n";
        std::string scope = "buffer:" + std::to_string(bufferCells);
        results.AddMetric(scope, "bound", bound / 1e9, "Gb/s");
        results.AddMetric(scope, "simulated", sim / 1e9, "Gb/s");
        events += Simulator::GetEventCount();
        simTotal += Simulator::Now();
        Simulator::Destroy();
    }
    int64_t run = results.Commit(simTotal, events);
    std::cout << "results: run " << run << " in " << db << "\n";
    return 0;
}

} // namespace

int
main(int argc, char* argv[])
{
    return UbMain("ub-credit-loop", [&] { return RunMain(argc, argv); });
}
