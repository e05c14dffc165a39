/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * A first scratch program: four NPUs on one UB switch, one sends 1 MiB to another.
 * Every .cc in scratch/ is built as a program; run this one with
 *
 *   ./ubsim run ub-first [--lanes=4] [--size=4096]
 */
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/unifiedbus-module.h"

#include <iostream>

using namespace ns3;

int
main(int argc, char* argv[])
{
    // UbMain: a mistake in the input (--lanes=3, --size=-1) ends with one line naming it and exit
    // status 2, as in the module's own programs.
    return UbMain("ub-first", [&]() {
        uint32_t lanes = 4;
        uint32_t size = 4096;
        UbExperiment::SetDefaultScheduler(); // before Parse: --SchedulerType still wins
        UbCommandLine cmd(__FILE__);         // ns-3's CommandLine, options checked first
        cmd.AddValue("lanes", "lanes per UB port (1, 2, 4 or 8)", lanes);
        cmd.AddValue("size", "bytes per packet above the network header (1 to 1 MiB)", size);
        cmd.Parse(argc, argv);
        UB_INPUT_ERROR_IF(size == 0 || size > (1 << 20),
                          "--size=" << size << " is not 1 to 1048576 bytes");

        NodeContainer npus;
        npus.Create(4);
        NodeContainer sw;
        sw.Create(1);
        UbHelper ub;
        ub.SetDeviceAttribute("Lanes", UintegerValue(lanes));
        for (uint32_t i = 0; i < npus.GetN(); ++i)
        {
            ub.Install(npus.Get(i), sw.Get(0));
        }
        UbRoutingHelper::PopulateShortestPaths();

        UbTrafficHelper traffic;
        traffic.SetSourceAttribute("PacketSize", UintegerValue(size));
        traffic.SetSourceAttribute("MaxPackets", UintegerValue((1 << 20) / size));
        traffic.InstallSource(npus.Get(0), npus.Get(3)).Start(MicroSeconds(1));
        Ptr<UbPacketSink> sink =
            DynamicCast<UbPacketSink>(traffic.InstallSinks(npus.Get(3)).Get(0));

        Simulator::Run();
        const UbHistogram& lat = sink->GetLatency();
        std::cout << "received " << sink->GetReceivedBytes() << " B; latency min "
                  << lat.GetMin() / 1e3 << " ns, median " << lat.GetPercentile(0.5) / 1e3
                  << " ns, max " << lat.GetMax() / 1e3 << " ns; finished at "
                  << Simulator::Now().As(Time::US) << "\n";
        Simulator::Destroy();
        return 0;
    });
}
