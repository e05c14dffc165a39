/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * ub-bench: speed and memory figures (printed, not asserted).
 *
 * The same offered load (--packets packets of --size bytes at --rate) crosses
 *   (a) UB: two UbNetDevices joined by one link, and a 3-hop path through two UbSwitches;
 *   (b) ns-3: a bare PointToPointNetDevice pair (packets handed to the device, received by a
 *       protocol handler, no IP stack), a PointToPointNetDevice pair with UDP over IPv4, and a
 *       3-hop path through two IPv4 routers over point-to-point links,
 * in one process. For each it prints packet-hops per wall-clock second and ns-3 events per
 * packet-hop; then UB / ns-3 ratios; then the bytes an idle UB switch node costs with 64 and 512
 * ports (measured with mallinfo2 around the construction, each link's memory split half/half
 * between its two ends).
 *
 *   ./ubsim bench [--packets=200000] [--size=1000] [--rate=100Gbps] [--credits=1]
 *   ./ubsim bench collectives [--preset=nvlink5-gb200] [--ranks=72] [--bytes=16777216]
 *       packet-hops per second of a ring AllReduce beside the 3-hop path's, in one run
 *   ./ubsim bench --against=<git ref> [args]   the same, built at <ref> and here, 3 runs each
 */
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/unifiedbus-module.h"

#include <chrono>
#include <iomanip>
#include <iostream>
#include <malloc.h>

using namespace ns3;

namespace
{

struct Figures
{
    std::string name;
    uint64_t packetHops{0};
    uint64_t events{0};
    double wallS{0};

    double HopsPerSecond() const
    {
        return wallS > 0 ? static_cast<double>(packetHops) / wallS : 0;
    }

    double EventsPerHop() const
    {
        return packetHops ? static_cast<double>(events) / static_cast<double>(packetHops) : 0;
    }
};

struct Load
{
    uint32_t packets{200000};
    uint32_t size{1000};
    DataRate rate{"100Gbps"};
    bool credits{true};
};

double
RunTimed()
{
    auto t0 = std::chrono::steady_clock::now();
    Simulator::Run();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// UB: a line of hops+1 nodes; the first sends to the last.
Figures
RunUb(const Load& load, uint32_t hops)
{
    NodeContainer nodes;
    nodes.Create(hops + 1);
    UbHelper ub;
    ub.SetDeviceAttribute("FlowControl", StringValue(load.credits ? "Credit" : "None"));
    for (uint32_t i = 0; i < hops; ++i)
    {
        ub.Install(nodes.Get(i), nodes.Get(i + 1));
    }
    UbRoutingHelper::PopulateShortestPaths(nodes);
    UbTrafficHelper traffic;
    traffic.SetSourceAttribute("PacketSize", UintegerValue(load.size));
    traffic.SetSourceAttribute("MaxPackets", UintegerValue(load.packets));
    traffic.SetSourceAttribute("Rate", DataRateValue(load.rate));
    traffic.InstallSource(nodes.Get(0), nodes.Get(hops)).Start(MicroSeconds(1));
    Figures f;
    f.name =
        "UB " + std::to_string(hops) + (hops == 1 ? " hop (device pair)" : " hops (2 switches)");
    f.wallS = RunTimed();
    f.events = Simulator::GetEventCount();
    f.packetHops = nodes.Get(hops)->GetObject<UbSwitch>()->GetDeliveredPackets() * hops;
    Simulator::Destroy();
    return f;
}

/// Sends `left` packets on a device, one every `interval` (one event per packet, as a source).
void
SendRaw(Ptr<NetDevice> dev, Address dst, uint32_t size, Time interval, uint32_t left)
{
    dev->Send(Create<Packet>(size), dst, 0x0800);
    if (left > 1)
    {
        Simulator::Schedule(interval, &SendRaw, dev, dst, size, interval, left - 1);
    }
}

/// ns-3: two PointToPointNetDevices, no IP stack: the sender hands packets to its device, the
/// receiver's protocol handler counts them.
Figures
RunP2pRaw(const Load& load)
{
    NodeContainer nodes;
    nodes.Create(2);
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue("420Gbps"));
    p2p.SetChannelAttribute("Delay", StringValue("10ns"));
    NetDeviceContainer d = p2p.Install(nodes);
    for (uint32_t i = 0; i < 2; ++i)
    {
        d.Get(i)->SetAddress(Mac48Address::Allocate());
    }
    uint64_t received = 0;
    nodes.Get(1)->RegisterProtocolHandler([&received](Ptr<NetDevice>,
                                                      Ptr<const Packet>,
                                                      uint16_t,
                                                      const Address&,
                                                      const Address&,
                                                      NetDevice::PacketType) { ++received; },
                                          0x0800,
                                          d.Get(1));
    Simulator::Schedule(MicroSeconds(1),
                        &SendRaw,
                        d.Get(0),
                        d.Get(1)->GetAddress(),
                        load.size,
                        load.rate.CalculateBytesTxTime(load.size),
                        load.packets);
    Figures f;
    f.name = "ns-3 1 hop (p2p pair, bare devices)";
    f.wallS = RunTimed();
    f.events = Simulator::GetEventCount();
    f.packetHops = received;
    Simulator::Destroy();
    return f;
}

/// ns-3: UDP over IPv4 over point-to-point, a line of hops+1 nodes (the middle ones route).
Figures
RunNs3(const Load& load, uint32_t hops)
{
    NodeContainer nodes;
    nodes.Create(hops + 1);
    InternetStackHelper internet;
    internet.Install(nodes);
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue("420Gbps"));
    p2p.SetChannelAttribute("Delay", StringValue("10ns"));
    Ipv4AddressHelper addr;
    Ipv4InterfaceContainer last;
    for (uint32_t i = 0; i < hops; ++i)
    {
        NetDeviceContainer d = p2p.Install(nodes.Get(i), nodes.Get(i + 1));
        std::ostringstream net;
        net << "10.0." << i << ".0";
        addr.SetBase(net.str().c_str(), "255.255.255.0");
        last = addr.Assign(d);
    }
    Ipv4GlobalRoutingHelper::PopulateRoutingTables();
    UdpServerHelper server(9);
    server.Install(nodes.Get(hops)).Start(Seconds(0));
    UdpClientHelper client(last.GetAddress(1), 9);
    client.SetAttribute("MaxPackets", UintegerValue(load.packets));
    client.SetAttribute("PacketSize", UintegerValue(load.size));
    client.SetAttribute("Interval", TimeValue(load.rate.CalculateBytesTxTime(load.size)));
    ApplicationContainer c = client.Install(nodes.Get(0));
    c.Start(MicroSeconds(1));
    Figures f;
    f.name = "ns-3 " + std::to_string(hops) +
             (hops == 1 ? " hop (p2p pair, UDP/IPv4)" : " hops (2 IPv4 routers)");
    f.wallS = RunTimed();
    f.events = Simulator::GetEventCount();
    uint64_t received = 0;
    for (uint32_t i = 0; i < nodes.Get(hops)->GetNApplications(); ++i)
    {
        Ptr<UdpServer> s = DynamicCast<UdpServer>(nodes.Get(hops)->GetApplication(i));
        if (s)
        {
            received += s->GetReceived();
        }
    }
    f.packetHops = received * hops;
    Simulator::Destroy();
    return f;
}

uint64_t
HeapBytes()
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/// Bytes of one idle UB switch node with `ports` ports, after initialization.
uint64_t
IdleSwitchBytes(uint32_t ports, uint64_t* estimate)
{
    NodeContainer peers;
    peers.Create(ports);
    UbHelper ub;
    ub.InstallSwitches(peers);
    // What one link costs (two devices, a channel, port bookkeeping on both sides).
    NodeContainer pairs;
    pairs.Create(2 * ports);
    ub.InstallSwitches(pairs);
    uint64_t before = HeapBytes();
    for (uint32_t i = 0; i < ports; ++i)
    {
        ub.Install(pairs.Get(2 * i), pairs.Get(2 * i + 1));
    }
    for (uint32_t i = 0; i < pairs.GetN(); ++i)
    {
        pairs.Get(i)->Initialize();
    }
    uint64_t perLinkHalf = (HeapBytes() - before) / ports / 2;
    // The switch node itself, then its ports.
    before = HeapBytes();
    Ptr<Node> sw = CreateObject<Node>();
    ub.InstallSwitch(sw);
    uint64_t nodeBytes = HeapBytes() - before;
    for (uint32_t i = 0; i < ports; ++i)
    {
        ub.Install(sw, peers.Get(i));
    }
    sw->Initialize();
    for (uint32_t i = 0; i < peers.GetN(); ++i)
    {
        peers.Get(i)->Initialize();
    }
    *estimate = sw->GetObject<UbSwitch>()->GetIdleMemoryBytes();
    for (uint32_t i = 0; i < ports; ++i)
    {
        *estimate += sw->GetObject<UbSwitch>()->GetPort(i)->GetIdleMemoryBytes();
    }
    Simulator::Destroy();
    return nodeBytes + ports * perLinkHalf;
}

void
PrintHeader()
{
    std::cout << std::left << std::setw(38) << "scenario" << std::right << std::setw(14)
              << "pkt-hops/s" << std::setw(12) << "events/hop" << std::setw(10) << "wall s"
              << std::setw(12) << "pkt-hops"
              << "\n";
}

void
Print(const Figures& f)
{
    std::cout << std::left << std::setw(38) << f.name << std::right << std::fixed
              << std::setprecision(0) << std::setw(14) << f.HopsPerSecond() << std::setprecision(2)
              << std::setw(12) << f.EventsPerHop() << std::setprecision(3) << std::setw(10)
              << f.wallS << std::setw(12) << f.packetHops << "\n";
}

/// `./ubsim bench collectives`: a collective's packet-hops per second beside the 3-hop path's.
int
BenchCollective(const Load& load,
                const std::string& preset,
                uint32_t ranks,
                uint64_t bytes,
                const std::string& algoName)
{
    UbCollectiveAlgo algo;
    if (!UbCollectiveAlgoFromName(algoName, algo))
    {
        std::cerr << "ub-bench: --algo=" << algoName << " is not an algorithm; use ring\n";
        return 2;
    }
    std::cout << "ub-bench collectives: AllReduce " << algoName << " of " << bytes << " B over "
              << ranks << " ranks of " << preset << " beside the 3-hop path (" << load.packets
              << " packets of " << load.size << " B), ns-3 " << UbNs3Version() << "\n\n";
    PrintHeader();
    Figures path = RunUb(load, 3);
    Print(path);
    UbExperiment::CollectiveRun run;
    run.preset = preset;
    run.ranks = ranks;
    run.op = UbCollectiveOp::ALL_REDUCE;
    run.algo = algo;
    run.bytes = bytes;
    auto out = UbExperiment::Run(run);
    if (!out.finished)
    {
        std::cerr << "ub-bench: the collective did not finish\n";
        return 1;
    }
    Figures c;
    c.name = "AllReduce " + algoName + ", " + std::to_string(ranks) + " ranks";
    c.packetHops = out.packetHops;
    c.events = out.events;
    c.wallS = out.wallSeconds;
    Print(c);
    std::cout << std::setprecision(2) << "\ncollective / 3-hop path: "
              << c.HopsPerSecond() / path.HopsPerSecond() << " (target >= 0.67); collective "
              << out.result.Seconds() * 1e6 << " us simulated, busbw " << out.result.BusBw()
              << " GB/s\n";
    return 0;
}

} // namespace

int
main(int argc, char* argv[])
{
    Load load;
    bool collectives = false;
    std::string preset = "nvlink5-gb200";
    uint32_t ranks = 72;
    uint64_t bytes = 16ULL << 20;
    std::string algo = "ring";
    UbExperiment::SetDefaultScheduler(); // before Parse: --SchedulerType still wins
    CommandLine cmd(__FILE__);
    cmd.AddValue("collectives",
                 "bench a collective (--preset, --ranks, --bytes, --algo) beside the 3-hop path",
                 collectives);
    cmd.AddValue("preset", "collectives: system preset", preset);
    cmd.AddValue("ranks", "collectives: ranks", ranks);
    cmd.AddValue("bytes", "collectives: AllReduce size", bytes);
    cmd.AddValue("algo", "collectives: AllReduce algorithm", algo);
    cmd.AddValue("packets", "packets sent in each scenario", load.packets);
    cmd.AddValue("size",
                 "bytes per packet (UB: above the network header; ns-3: UDP payload)",
                 load.size);
    cmd.AddValue("rate", "offered load of the single sender", load.rate);
    cmd.AddValue("credits", "UB credit-based flow control on (1) or off (0)", load.credits);
    cmd.Parse(argc, argv);
    Time::SetResolution(Time::PS); // both simulators run at the resolution UB needs
    if (collectives)
    {
        return BenchCollective(load, preset, ranks, bytes, algo);
    }

    std::cout << "ub-bench: " << load.packets << " packets of " << load.size << " B at "
              << load.rate.GetBitRate() / 1e9 << " Gb/s offered, UB credits "
              << (load.credits ? "on" : "off") << ", ns-3 " << UbNs3Version() << "\n\n";
    PrintHeader();
    Figures ub1 = RunUb(load, 1);
    Print(ub1);
    Figures ub3 = RunUb(load, 3);
    Print(ub3);
    Figures raw = RunP2pRaw(load);
    Print(raw);
    Figures n1 = RunNs3(load, 1);
    Print(n1);
    Figures n3 = RunNs3(load, 3);
    Print(n3);
    std::cout << std::setprecision(2)
              << "\nratio UB / ns-3, device pair: " << ub1.HopsPerSecond() / n1.HopsPerSecond()
              << "x; 3-hop path: " << ub3.HopsPerSecond() / n3.HopsPerSecond()
              << "x (target >= 2)\n"
              << "ratio UB / bare ns-3 p2p devices, device pair: "
              << ub1.HopsPerSecond() / raw.HopsPerSecond() << "x\n"
              << "UB events per packet-hop: pair " << ub1.EventsPerHop() << ", 3-hop path "
              << ub3.EventsPerHop() << " (budget <= 3)\n\n";
    for (uint32_t ports : {64u, 512u})
    {
        uint64_t estimate = 0;
        uint64_t bytes = IdleSwitchBytes(ports, &estimate);
        std::cout << "idle UB switch node, " << ports << " ports: " << bytes << " B measured ("
                  << bytes / ports << " B per port), " << estimate
                  << " B by the model's own estimate\n";
    }
    return 0;
}
