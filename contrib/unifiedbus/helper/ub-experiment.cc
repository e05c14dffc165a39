/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-experiment.h"

#include "ub-preset.h"
#include "ub-systems.h"
#include "ub-topology-helper.h"

#include "ns3/abort.h"
#include "ns3/simulator.h"
#include "ns3/ub-controller.h"
#include "ns3/uinteger.h"

namespace ns3
{

UbExperiment::Transfer
UbExperiment::RunTransfer(const std::string& preset,
                          uint32_t npus,
                          uint32_t src,
                          uint32_t dst,
                          uint64_t bytes,
                          bool read,
                          UbResults* results,
                          const std::string& scope)
{
    Transfer out;
    {
        UbTopologyHelper sys;
        sys.SetCheckDeadlock(false); // proven by the builders' tests and by ub-system
        sys.BuildPreset(preset, npus);
        const auto& t = sys.GetTopology();
        auto eps = t.GetEndpoints();
        NS_ABORT_MSG_IF(src >= eps.size() || dst >= eps.size() || src == dst,
                        "UbExperiment: endpoints " << src << " and " << dst << " of " << eps.size()
                                                   << " in " << preset);
        out.src = t.GetNode(eps[src]).name;
        out.dst = t.GetNode(eps[dst]).name;
        uint32_t v = eps[src]; // walk the route (first candidates) to count its links
        while (v != eps[dst])
        {
            uint32_t n = 0;
            const UbRouteCandidate* c = sys.GetRoutes().Lookup(v, eps[dst], n);
            NS_ABORT_MSG_IF(n == 0, "UbExperiment: no route");
            v = t.GetPorts(v)[c[0].port].peer;
            ++out.hops;
        }
        Ptr<UbController> a = sys.GetEndpoints().Get(src)->GetObject<UbController>();
        uint32_t d = sys.GetEndpoints().Get(dst)->GetObject<UbController>()->GetCna();
        UbResults::FlowRow flow;
        Simulator::Schedule(MicroSeconds(1), [&]() {
            auto cb = UbCompletionCallback([&](const UbTransactionRecord& r) {
                out.seconds = r.ok ? (r.completed - r.issued).GetSeconds() : -1;
                out.gbps = r.ok ? bytes / out.seconds / 1e9 : 0;
                flow.firstTxS = r.issued.GetSeconds();
                flow.firstRxS = r.completed.GetSeconds();
                flow.lastRxS = r.completed.GetSeconds();
            });
            read ? a->Read(d, bytes, UbOrder::NO, cb) : a->Write(d, bytes, UbOrder::NO, cb);
        });
        Simulator::Run();
        if (results && out.seconds > 0)
        {
            UintegerValue mtu;
            a->GetAttribute("Mtu", mtu);
            flow.flowId = src;
            flow.src = a->GetCna();
            flow.dst = d;
            flow.packets = (bytes + mtu.Get() - 1) / mtu.Get();
            flow.bytes = bytes;
            flow.throughputGbps = bytes * 8.0 / out.seconds / 1e9;
            flow.latMeanNs = flow.latP50Ns = flow.latP99Ns = flow.latMaxNs = out.seconds * 1e9;
            flow.scope = scope;
            results->AddFlow(flow);
            results->AddPorts(sys.GetAll(), Seconds(out.seconds), scope, true);
        }
    }
    Simulator::Destroy();
    NS_ABORT_MSG_IF(out.seconds <= 0,
                    "UbExperiment: the transfer on " << preset << " did not complete");
    return out;
}

UbCollectiveResult
UbExperiment::RunCollective(const std::string& preset,
                            uint32_t npus,
                            uint32_t ranks,
                            UbCollectiveOp op,
                            UbCollectiveAlgo algo,
                            uint64_t bytes,
                            uint32_t chunks,
                            UbResults* results,
                            const std::string& scope)
{
    UbCollectiveResult res;
    {
        UbTopologyHelper sys;
        sys.SetCheckDeadlock(false);
        sys.BuildPreset(preset, npus);
        uint32_t n = ranks ? ranks : sys.GetEndpoints().GetN();
        NS_ABORT_MSG_IF(n < 2 || n > sys.GetEndpoints().GetN(),
                        "UbExperiment: " << n << " ranks on " << preset << " with "
                                         << sys.GetEndpoints().GetN() << " endpoints");
        std::vector<Ptr<UbController>> r;
        for (uint32_t i = 0; i < n; ++i)
        {
            r.push_back(sys.GetEndpoints().Get(i)->GetObject<UbController>());
        }
        UbCollectiveEngine coll(r);
        coll.SetProgress(10); // a line every 10 s of wall clock on long collectives
        coll.SetChunks(chunks);
        Simulator::Schedule(MicroSeconds(1), [&]() {
            coll.Start(
                op,
                algo,
                bytes,
                UbCollectiveEngine::DoneCallback([&res](const UbCollectiveResult& x) { res = x; }));
        });
        Simulator::Run();
        if (results && res.end > res.start)
        {
            results->AddPorts(sys.GetAll(), res.end - res.start, scope, true);
        }
    }
    Simulator::Destroy();
    NS_ABORT_MSG_IF(res.end <= res.start,
                    "UbExperiment: " << UbCollectiveOpName(op) << " on " << preset
                                     << " did not finish");
    return res;
}

double
UbExperiment::AggregateBandwidth(const std::string& preset,
                                 uint32_t npus,
                                 double& perEndpointBytes,
                                 uint32_t& endpoints)
{
    UbTopology t = UbSystems::FromPreset(UbPreset::Load(preset), npus);
    endpoints = t.GetNEndpoints();
    double total = UbSystems::EndpointBandwidthBps(t) / 8;
    perEndpointBytes = endpoints ? total / endpoints : 0;
    return total;
}

} // namespace ns3
