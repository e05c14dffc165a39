/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * UB links between MPI processes (the MPI route: ./ubsim setup --mpi; doc/distributed.md).
 *
 * Six senders, two switches and a receiver, spread over the ranks (sender i on rank i mod N,
 * switch A on rank 0, switch B on rank 1 mod N, the receiver on the last rank); three senders
 * behind each switch, the switches joined by one link, the receiver behind switch B. Credit-based
 * flow control with tight buffers and two VLs, every sender starting at the same time: credit
 * stalls and returns across the ranks. Each rank writes what its nodes saw to
 * --out=PREFIX.<rank>: the receiver's arrivals (time, flow) and every port's counters. Sorted
 * together, the files of a run on any number of ranks are those of the run on one rank, bit for
 * bit (test/mpi-test.sh). This case checks the links between processes (serialized messages,
 * their times, the lookahead, both ns-3 kernels): run in ns-3's usual order of same-time events
 * it gave the same results on 2 ranks too. The order's own check is in-process
 * (unifiedbus-link-messages), on a case whose results do hang on it.
 *
 *   mpirun -np 2 build-mpi/bin/ub-mpi-links --out=/tmp/links
 */
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/ub-channel.h"
#include "ns3/ub-distributed.h"
#include "ns3/ub-flow-tag.h"
#include "ns3/ub-helper.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-routing-helper.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-traffic-helper.h"

#include <fstream>
#include <vector>

using namespace ns3;

int
main(int argc, char* argv[])
{
    Time::SetResolution(Time::PS);
    std::string kernel = "gtw";
    for (int i = 1; i < argc; ++i)
    {
        const std::string a = argv[i];
        if (a.rfind("--kernel=", 0) == 0)
        {
            kernel = a.substr(9);
        }
    }
    UbDistributed::Enable(&argc, &argv, kernel);
    const uint32_t rank = UbDistributed::GetRank();
    const uint32_t ranks = UbDistributed::GetSize();

    std::string out = "ub-mpi-links";
    uint32_t packets = 64;
    CommandLine cmd(__FILE__);
    cmd.AddValue("kernel", "gtw (granted time window) or null (null messages)", kernel);
    cmd.AddValue("out", "each rank writes PREFIX.<rank>", out);
    cmd.AddValue("packets", "packets per sender", packets);
    cmd.Parse(argc, argv);
    NS_ABORT_MSG_IF(packets == 0 || packets > 100000,
                    "ub-mpi-links: --packets=" << packets << " is out of range (1 to 100,000)");

    // Nodes in the same order on every rank, each with the rank that runs it.
    std::vector<Ptr<Node>> senders;
    NodeContainer all;
    for (uint32_t i = 0; i < 6; ++i)
    {
        senders.push_back(CreateObject<Node>(i % ranks));
        all.Add(senders.back());
    }
    Ptr<Node> swA = CreateObject<Node>(0);
    Ptr<Node> swB = CreateObject<Node>(1 % ranks);
    Ptr<Node> rx = CreateObject<Node>(ranks - 1);
    all.Add(swA);
    all.Add(swB);
    all.Add(rx);

    UbHelper ub;
    ub.SetChannelAttribute("Length", DoubleValue(10.0));
    ub.SetDeviceAttribute("SlToVl", StringValue("0,1"));
    ub.SetDeviceAttribute("VlArbitration", StringValue("Dwrr"));
    ub.SetDeviceAttribute("VlWeights", StringValue("1,2"));
    ub.SetDeviceAttribute("VlBufferCells", UintegerValue(60));
    ub.SetDeviceAttribute("SharedBufferCells", UintegerValue(40));
    ub.SetDeviceAttribute("CreditReturnGrain", UintegerValue(8));
    ub.SetDeviceAttribute("CreditReturnTimeout", TimeValue(NanoSeconds(30)));
    uint32_t link = 0;
    auto join = [&ub, &link](Ptr<Node> a, Ptr<Node> b) {
        NetDeviceContainer d = ub.Install(a, b);
        DynamicCast<UbChannel>(d.Get(0)->GetChannel())->SetLinkId(link++);
    };
    for (uint32_t i = 0; i < 6; ++i)
    {
        join(senders[i], i < 3 ? swA : swB);
    }
    join(swA, swB);
    join(swB, rx);
    UbRoutingHelper::PopulateShortestPaths(all);
    const uint32_t cut = UbDistributed::InstallLinks(all);

    UbTrafficHelper traffic;
    traffic.SetSourceAttribute("PacketSize", UintegerValue(4096));
    traffic.SetSourceAttribute("MaxPackets", UintegerValue(packets));
    for (uint32_t i = 0; i < 6; ++i)
    {
        if (senders[i]->GetSystemId() == rank)
        {
            traffic.SetSourceAttribute("ServiceLevel", UintegerValue(i % 2));
            traffic.InstallSource(senders[i], rx).Start(NanoSeconds(100));
        }
    }
    std::vector<std::pair<int64_t, uint32_t>> arrivals;
    if (rx->GetSystemId() == rank)
    {
        rx->GetObject<UbSwitch>()->AddReceiveCallback(
            UbSwitch::ReceiveCallback([&arrivals](Ptr<Packet> p, const UbPacketInfo&) {
                UbFlowTag tag;
                p->PeekPacketTag(tag);
                arrivals.emplace_back(Simulator::Now().GetPicoSeconds(), tag.GetFlowId());
            }));
    }
    Simulator::Stop(MilliSeconds(1));
    Simulator::Run();

    std::ofstream f(out + "." + std::to_string(rank));
    NS_ABORT_MSG_IF(!f, "ub-mpi-links: cannot write " << out << "." << rank);
    for (const auto& [ps, flow] : arrivals)
    {
        f << "arrival " << ps << " flow " << flow << "\n";
    }
    for (uint32_t i = 0; i < all.GetN(); ++i)
    {
        Ptr<Node> n = all.Get(i);
        if (n->GetSystemId() != rank)
        {
            continue;
        }
        for (uint32_t k = 0; k < n->GetNDevices(); ++k)
        {
            Ptr<UbNetDevice> d = DynamicCast<UbNetDevice>(n->GetDevice(k));
            if (d)
            {
                f << "port " << n->GetId() << ":" << k << " tx " << d->GetTxPackets() << " wire "
                  << d->GetTxWireBytes() << " busy " << d->GetBusyTime().GetPicoSeconds()
                  << " credit-frames " << d->GetCreditFramesSent() << " rx " << d->GetRxPackets()
                  << "\n";
            }
        }
    }
    std::cerr << "[ub-mpi-links] rank " << rank << " of " << ranks << ": " << cut
              << " links to other ranks, " << arrivals.size() << " arrivals here, "
              << Simulator::GetEventCount() << " events\n";
    Simulator::Destroy();
    UbDistributed::Disable();
    return 0;
}
