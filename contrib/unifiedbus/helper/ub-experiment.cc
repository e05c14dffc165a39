/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-experiment.h"

#include "ub-preset.h"
#include "ub-systems.h"
#include "ub-topology-helper.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/global-value.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/ub-collective-builder.h"
#include "ns3/ub-controller-helper.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-error.h"
#include "ns3/ub-histogram.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-packet-sink.h"
#include "ns3/ub-packet-source.h"
#include "ns3/ub-routing-table.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-traffic-helper.h"
#include "ns3/uinteger.h"

#ifdef UB_MPI
#include "ub-distributed.h"
#endif

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <sstream>
#include <type_traits>

namespace ns3
{

namespace
{
// What a run split over MPI processes needs from the MPI route (UbDistributed); without it, a
// single process.
#ifdef UB_MPI
bool
MpiOn()
{
    return UbDistributed::IsEnabled();
}

uint32_t
MpiInstallLinks(const NodeContainer& nodes, const UbTopology& t)
{
    // Every node is built whole in its own process: a link's end there is its topology port.
    return UbDistributed::InstallLinks(nodes, [&t](uint32_t link, uint32_t node) {
        for (uint32_t k = 0; k < t.GetDegree(node); ++k)
        {
            if (t.GetPorts(node)[k].link == link)
            {
                return k;
            }
        }
        UB_INPUT_ERROR("UbExperiment: link " << link << " does not end at node " << node);
    });
}

void
MpiSum(std::vector<uint64_t>& v)
{
    UbDistributed::Sum(v);
}

void
MpiMax(std::vector<int64_t>& v)
{
    UbDistributed::Max(v);
}

void
MpiGatherRows(UbResults& r, std::size_t ports, std::size_t flows)
{
    UbDistributed::GatherRows(r, ports, flows);
}

std::string
MpiKernel()
{
    return UbDistributed::GetKernel();
}
#else
std::string
MpiKernel()
{
    return "";
}

bool
MpiOn()
{
    return false;
}

uint32_t
MpiInstallLinks(const NodeContainer&, const UbTopology&)
{
    return 0;
}

void
MpiSum(std::vector<uint64_t>&)
{
}

void
MpiMax(std::vector<int64_t>&)
{
}

void
MpiGatherRows(UbResults&, std::size_t, std::size_t)
{
}
#endif

/// The transport counters as numbers to sum over processes, and back.
constexpr std::size_t TRANSPORT_COUNTERS = sizeof(UbTransport::Stats) / sizeof(uint64_t);
static_assert(sizeof(UbTransport::Stats) == TRANSPORT_COUNTERS * sizeof(uint64_t),
              "UbTransport::Stats holds 64-bit counters only");
static_assert(std::is_trivially_copyable_v<UbTransport::Stats>,
              "UbTransport::Stats is copied to and from an array of counters");

uint32_t g_mpiSimulations = 0; //!< simulations this MPI process ran (one allowed)
} // namespace

bool
UbExperiment::EnableMpi(const std::string& program, int* argc, char*** argv)
{
    std::string kernel;
    for (int i = 1; i < *argc; ++i)
    {
        if (std::strncmp((*argv)[i], "--mpi=", 6) == 0)
        {
            kernel = (*argv)[i] + 6;
        }
    }
    if (kernel.empty())
    {
        return true;
    }
    if (kernel != "gtw" && kernel != "null")
    {
        std::cerr << program << ": --mpi=" << kernel
                  << " is not gtw (granted time window) or null (null messages)\n";
        return false;
    }
#ifdef UB_MPI
    UbDistributed::Enable(argc, argv, kernel);
    if (UbDistributed::GetRank() != 0)
    {
        std::cout.setstate(std::ios_base::badbit); // rank 0 prints the results
    }
    return true;
#else
    std::cerr << program
              << ": --mpi needs the MPI route's build of ns-3 and this module: run ./ubsim setup "
                 "--mpi once, then ./ubsim --ns3=mpi ... (doc/distributed.md)\n";
    return false;
#endif
}

const char*
UbExperiment::MpiOptionHelp()
{
    return "split the packet-level run over MPI processes (mpirun -np N; the MPI route, "
           "doc/distributed.md) with ns-3's gtw (granted time window) or null (null message) "
           "kernel; empty: one process";
}

bool
UbExperiment::IsMpi()
{
    return MpiOn();
}

uint32_t
UbExperiment::GetRank()
{
#ifdef UB_MPI
    return UbDistributed::GetRank();
#else
    return 0;
#endif
}

uint32_t
UbExperiment::GetRanks()
{
#ifdef UB_MPI
    return UbDistributed::GetSize();
#else
    return 1;
#endif
}

void
UbExperiment::DisableMpi()
{
#ifdef UB_MPI
    if (UbDistributed::IsEnabled())
    {
        UbDistributed::Disable();
    }
#endif
}

UbExperiment::Transfer
UbExperiment::RunTransfer(const std::string& preset,
                          uint32_t npus,
                          uint32_t src,
                          uint32_t dst,
                          uint64_t bytes,
                          bool read,
                          UbResults* results,
                          const std::string& scope,
                          const std::function<void(UbTopologyHelper&)>& build)
{
    Transfer out;
    {
        UbTopologyHelper sys;
        sys.SetCheckDeadlock(false); // proven by the builders' tests and by ub-system
        if (build)
        {
            build(sys);
        }
        else
        {
            sys.BuildPreset(preset, npus);
        }
        const auto& t = sys.GetTopology();
        auto eps = t.GetEndpoints();
        UB_INPUT_ERROR_IF(src >= eps.size() || dst >= eps.size() || src == dst,
                          "UbExperiment: endpoints " << src << " and " << dst << " of "
                                                     << eps.size() << " in " << preset);
        out.src = t.GetNode(eps[src]).name;
        out.dst = t.GetNode(eps[dst]).name;
        uint32_t v = eps[src]; // walk the route (first candidates) to count its links
        while (v != eps[dst])
        {
            uint32_t n = 0;
            const UbRouteCandidate* c = sys.GetRoutes().Lookup(v, eps[dst], n);
            UB_INPUT_ERROR_IF(n == 0, "UbExperiment: no route");
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
    Simulator::Destroy(); // the end-of-run checks: a deadlock is reported and counted
    if (out.seconds <= 0)
    {
        const std::string why = "the transfer on " + preset + " did not complete";
        if (results)
        {
            results->CommitFailed(why);
        }
        throw UbRunError("UbExperiment: " + why);
    }
    return out;
}

bool
UbExperiment::OnePodFits(const CollectiveRun& run, uint64_t npus, uint32_t podNpus)
{
    using Aggregation = UbCollectiveEngine::Aggregation;
    const bool hier = run.algo == UbCollectiveAlgo::HIERARCHICAL;
    if (run.level != FLOW || run.aggregate == Aggregation::OFF ||
        run.op != UbCollectiveOp::ALL_REDUCE || !run.rankEndpoints.empty() ||
        (run.ranks != 0 && run.ranks != npus) || npus > UINT32_MAX || podNpus == 0 ||
        (run.algo != UbCollectiveAlgo::RING && !hier) ||
        (hier && (run.group == 0 || podNpus % run.group != 0)))
    {
        return false;
    }
    if (run.aggregate == Aggregation::ON)
    {
        return true;
    }
    // AUTO: the engine's count, at one piece per step (it cuts at least as many).
    UbCollectivePlan plan;
    plan.op = run.op;
    plan.algo = run.algo;
    plan.bytes = run.bytes;
    plan.ranks = static_cast<uint32_t>(npus);
    plan.group = run.group;
    plan.chunks = 1;
    std::vector<UbRingPhase> phases;
    if (!UbCollectiveBuilder::For(run.algo).Phases(plan, phases))
    {
        return false;
    }
    uint64_t transfers = 0;
    for (const auto& ph : phases)
    {
        for (const auto& ring : ph.rings)
        {
            transfers += ring.size() > 1 ? ring.size() * ph.steps : 0;
        }
    }
    return transfers >= UbCollectiveEngine::AUTO_TRANSFERS;
}

UbExperiment::CollectiveOutcome
UbExperiment::Run(const CollectiveRun& run)
{
    CollectiveOutcome out;
    // Split over MPI processes (EnableMpi): this process runs its part of the network.
    const uint32_t ranks = GetRanks();
    const uint32_t me = GetRank();
    if (MpiOn())
    {
        UB_INPUT_ERROR_IF(g_mpiSimulations++ > 0,
                          "UbExperiment: one simulation per MPI process (ns-3's distributed "
                          "simulator does not restart); give one size, algorithm and preset, and "
                          "run the others in other mpirun calls");
        UB_INPUT_ERROR_IF(run.level != PACKET,
                          "UbExperiment: a run split over MPI processes is at packet level "
                          "(--level=packet)");
        UB_INPUT_ERROR_IF(MpiKernel() == "null" && !run.stop.IsStrictlyPositive(),
                          "UbExperiment: under ns-3's null-message kernel a run needs a stop time "
                          "past the collective's end (--stopUs); the gtw kernel ends by itself");
    }
    {
        UbTopologyHelper sys;
        sys.SetCheckDeadlock(false); // the same routes pass it in ub-system and the tests
        sys.SetRanks(ranks, me);
        sys.SetFlowLevel(run.level == FLOW);
        sys.SetOnePod(
            [&run](uint64_t npus, uint32_t podNpus) { return OnePodFits(run, npus, podNpus); });
        if (run.level == HYBRID)
        {
            UB_INPUT_ERROR_IF(run.study.empty(),
                              "UbExperiment: the hybrid level needs the SuperPoDs under study "
                              "(--study)");
            // Only the ranks take part outside the studied SuperPoDs (all endpoints if the
            // ranks are every endpoint).
            std::vector<uint32_t> taking = run.rankEndpoints;
            for (uint32_t i = 0; taking.empty() && i < run.ranks; ++i)
            {
                taking.push_back(i);
            }
            sys.SetHybrid(run.study, taking);
        }
        const auto build0 = std::chrono::steady_clock::now();
        if (run.build)
        {
            run.build(sys);
        }
        else
        {
            sys.BuildPreset(run.preset, run.npus);
        }
        out.buildSeconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - build0).count();
        if (ranks > 1)
        {
            std::vector<uint64_t> cut{MpiInstallLinks(sys.GetAll(), sys.GetTopology())};
            MpiSum(cut); // each link between two processes counted at both
            if (me == 0)
            {
                std::cerr << "[mpi] " << sys.GetTopology().GetName() << " split over " << ranks
                          << " processes by SuperPoD: " << cut[0] / 2 << " links between them"
                          << std::endl;
            }
        }
        // The nodes this process runs (all of them in one process), and its endpoints.
        NodeContainer here;
        NodeContainer hereEndpoints;
        for (uint32_t i = 0; i < sys.GetAll().GetN(); ++i)
        {
            if (sys.GetAll().Get(i)->GetSystemId() == me)
            {
                here.Add(sys.GetAll().Get(i));
            }
        }
        for (uint32_t i = 0; i < sys.GetEndpoints().GetN(); ++i)
        {
            if (sys.GetEndpoints().Get(i)->GetSystemId() == me)
            {
                hereEndpoints.Add(sys.GetEndpoints().Get(i));
            }
        }
        const std::vector<uint32_t> endpoints = sys.GetTopology().GetEndpoints();
        uint32_t n = run.ranks ? run.ranks : static_cast<uint32_t>(endpoints.size());
        std::vector<uint32_t> chosen = run.rankEndpoints; // endpoint indices, in rank order
        if (chosen.empty())
        {
            UB_INPUT_ERROR_IF(n < 2 || n > endpoints.size(),
                              "UbExperiment: " << n << " ranks on " << run.preset << " with "
                                               << endpoints.size() << " endpoints");
            for (uint32_t i = 0; i < n; ++i)
            {
                chosen.push_back(i);
            }
        }
        n = static_cast<uint32_t>(chosen.size());
        for (uint32_t i : chosen)
        {
            UB_INPUT_ERROR_IF(i >= endpoints.size(),
                              "UbExperiment: rank endpoint " << i << " of a system with "
                                                             << endpoints.size() << " endpoints");
        }
        std::unique_ptr<UbCollectiveEngine> engine;
        if (run.level == FLOW)
        {
            std::vector<uint32_t> nodes;
            for (uint32_t i : chosen)
            {
                nodes.push_back(endpoints[i]);
            }
            engine = sys.GetFlowFabric().MakeEngine(nodes);
        }
        else if (run.level == HYBRID)
        {
            engine = sys.MakeHybridEngine(chosen);
        }
        else
        {
            std::vector<Ptr<UbController>> r;
            std::vector<uint32_t> cnas; // split over processes: the ranks run elsewhere too
            for (uint32_t i : chosen)
            {
                r.push_back(sys.GetEndpoints().Get(i)->GetObject<UbController>());
                cnas.push_back(endpoints[i]); // an endpoint's CNA is its node's index
            }
            engine = ranks > 1 ? std::make_unique<UbCollectiveEngine>(r, cnas)
                               : std::make_unique<UbCollectiveEngine>(r);
        }
        UbCollectiveEngine& coll = *engine;
        UB_INPUT_ERROR_IF(run.level != FLOW && run.aggregate == UbCollectiveEngine::Aggregation::ON,
                          "UbExperiment: collectives run aggregated at flow level only; use "
                          "--level=flow or --aggregate=auto");
        coll.SetAggregation(run.level == FLOW ? run.aggregate
                                              : UbCollectiveEngine::Aggregation::OFF);
        coll.SetProgress(10); // a line every 10 s of wall clock on long collectives
        coll.SetChunks(run.chunks);
        if (run.group)
        {
            coll.SetGroupSize(run.group);
        }
        if (ranks > 1)
        {
            std::vector<bool> local;
            for (uint32_t i : chosen)
            {
                local.push_back(sys.GetAll().Get(endpoints[i])->GetSystemId() == me);
            }
            coll.SetLocal(std::move(local));
        }
        if (run.setup)
        {
            run.setup(sys, coll);
        }
        UbCollectiveResult& res = out.result;
        auto done =
            UbCollectiveEngine::DoneCallback([&res](const UbCollectiveResult& x) { res = x; });
        Simulator::Schedule(MicroSeconds(1), [&]() {
            if (run.op == UbCollectiveOp::ALL_TO_ALLV)
            {
                UB_INPUT_ERROR_IF(!run.matrix, "UbExperiment: an All-to-Allv needs its matrix");
                coll.StartAllToAllv(*run.matrix, done, run.algo);
            }
            else
            {
                coll.Start(run.op, run.algo, run.bytes, done);
            }
        });
        if (run.stop.IsStrictlyPositive())
        {
            Simulator::Stop(run.stop);
        }
        auto wall0 = std::chrono::steady_clock::now();
        Simulator::Run();
        out.wallSeconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
        for (uint32_t i = 0; i < here.GetN(); ++i)
        {
            Ptr<Node> node = here.Get(i);
            for (uint32_t d = 0; d < node->GetNDevices(); ++d)
            {
                if (auto dev = DynamicCast<UbNetDevice>(node->GetDevice(d)))
                {
                    out.packetHops += dev->GetTxPackets();
                }
            }
        }
        out.transport = UbControllerHelper::SumTransportStats(hereEndpoints);
        out.events = Simulator::GetEventCount();
        if (ranks > 1)
        {
            // The processes' parts: the last arrival anywhere ends the collective; each rank's
            // finish and bytes come from its own process; counters add up.
            uint64_t arrived = 0;
            UbCollectiveResult part = coll.GetPart(arrived);
            std::vector<int64_t> times{part.end.GetPicoSeconds()};
            for (const Time& t : part.rankDone)
            {
                times.push_back(t.GetPicoSeconds());
            }
            MpiMax(times);
            std::vector<uint64_t> sums(TRANSPORT_COUNTERS);
            std::memcpy(sums.data(), &out.transport, sizeof(out.transport));
            sums.push_back(arrived);
            sums.push_back(out.packetHops);
            sums.push_back(out.events);
            sums.insert(sums.end(), part.rankBytesIn.begin(), part.rankBytesIn.end());
            MpiSum(sums);
            // Stats is trivially copyable (asserted above); its member initializers make it a
            // non-trivial type, which g++'s -Wclass-memaccess warns of without the void*.
            std::memcpy(static_cast<void*>(&out.transport), sums.data(), sizeof(out.transport));
            arrived = sums[TRANSPORT_COUNTERS];
            out.packetHops = sums[TRANSPORT_COUNTERS + 1];
            out.events = sums[TRANSPORT_COUNTERS + 2];
            part.end = PicoSeconds(times[0]);
            for (std::size_t r = 0; r < part.rankDone.size(); ++r)
            {
                part.rankDone[r] = PicoSeconds(times[1 + r]);
                part.rankBytesIn[r] = sums[TRANSPORT_COUNTERS + 3 + r];
            }
            if (arrived == part.transfers)
            {
                res = part;
            }
            // What each process took: peak memory, the simulation's wall-clock time, its events.
            std::vector<uint64_t> each(3 * ranks, 0);
            each[me] = UbTopologyHelper::PeakRssBytes();
            each[ranks + me] = static_cast<uint64_t>(out.wallSeconds * 1e6);
            each[2 * ranks + me] = Simulator::GetEventCount();
            MpiSum(each);
            if (me == 0)
            {
                std::cerr << "[mpi] peak memory per process (MiB):";
                for (uint32_t r = 0; r < ranks; ++r)
                {
                    std::cerr << " " << each[r] / (1 << 20);
                }
                std::cerr << std::endl;
            }
            for (uint32_t r = 0; run.results && r < ranks; ++r)
            {
                const std::string rank = std::to_string(r);
                run.results->AddMetric(run.scope,
                                       "peak_rss_bytes_rank" + rank,
                                       static_cast<double>(each[r]),
                                       "B");
                run.results->AddMetric(run.scope,
                                       "run_seconds_rank" + rank,
                                       static_cast<double>(each[ranks + r]) / 1e6,
                                       "s");
                run.results->AddMetric(run.scope,
                                       "events_rank" + rank,
                                       static_cast<double>(each[2 * ranks + r]),
                                       "events");
            }
        }
        out.finished = res.end > res.start;
        if (run.level == FLOW)
        {
            out.flows = sys.GetFlowFabric().GetNetwork().GetStats().flowsStarted;
            out.memoryBytes = sys.GetFlowFabric().GetMemoryBytes();
            out.onePod = sys.GetFlowFabric().GetOnePod() > 0;
            if (run.results && out.finished)
            {
                sys.GetFlowFabric().AddPorts(*run.results, res.end - res.start, run.scope);
            }
        }
        if (run.level == HYBRID)
        {
            const auto& h = sys.GetHybridStats();
            out.flows = sys.GetFlowFabric().GetNetwork().GetStats().flowsStarted;
            out.memoryBytes = sys.GetFlowFabric().GetMemoryBytes();
            out.packetTransfers = h.packetTransfers;
            out.flowTransfers = h.flowTransfers;
            out.peakBackground = h.peakBackground;
            if (run.results && out.finished)
            {
                // The links the packet level built give their own rows below.
                auto built = [&sys](uint32_t l) { return bool(sys.GetDevice(l, 0)); };
                sys.GetFlowFabric().AddPorts(*run.results, res.end - res.start, run.scope, built);
            }
        }
        if (run.results && out.finished)
        {
            const std::size_t ports = run.results->GetPorts().size();
            const std::size_t flows = run.results->GetFlows().size();
            run.results->AddPorts(here, res.end - res.start, run.scope, true);
            MpiGatherRows(*run.results, ports, flows);
            run.results->AddTransport(out.transport, run.scope);
        }
        out.simulated = Simulator::Now();
    }
    Simulator::Destroy();
    return out;
}

const char*
UbExperiment::AggregateOptionHelp()
{
    return "flow level: run ring and hierarchical collectives as ring phases and direct "
           "All-to-All(v) as link loads (on), transfer by transfer (off), or aggregated from a "
           "million transfers on (auto; doc/flow-level.md, Aggregated rings and All-to-All)";
}

bool
UbExperiment::AggregateOption(const std::string& program,
                              const std::string& text,
                              Level level,
                              UbCollectiveEngine::Aggregation& a)
{
    if (!UbCollectiveEngine::AggregationFromName(text, a))
    {
        std::cerr << program << ": --aggregate=" << text << " is not auto, on or off\n";
        return false;
    }
    if (a == UbCollectiveEngine::Aggregation::ON && level != FLOW)
    {
        std::cerr << program << ": --aggregate=on runs at flow level only; add --level=flow\n";
        return false;
    }
    return true;
}

std::string
UbExperiment::HowItRan(const UbCollectiveResult& r)
{
    return r.aggregated ? r.level + "-aggregated" : r.level;
}

bool
UbExperiment::LevelFromName(const std::string& name, Level& level, bool hybrid)
{
    if (hybrid && name == "hybrid")
    {
        level = HYBRID;
        return true;
    }
    if (name == "packet")
    {
        level = PACKET;
        return true;
    }
    if (name == "flow")
    {
        level = FLOW;
        return true;
    }
    return false;
}

const char*
UbExperiment::LevelName(Level level)
{
    return level == FLOW ? "flow" : level == HYBRID ? "hybrid" : "packet";
}

const char*
UbExperiment::StudyOptionHelp()
{
    return "hybrid level: the SuperPoDs run at packet level (0, 0,3 or 0-1)";
}

bool
UbExperiment::StudyOption(const std::string& program,
                          const std::string& text,
                          uint32_t pods,
                          std::vector<uint32_t>& study)
{
    study.clear();
    std::vector<uint8_t> in(pods, 0);
    std::string item;
    std::istringstream is(text);
    bool ok = !text.empty();
    while (ok && std::getline(is, item, ','))
    {
        const std::size_t dash = item.find('-');
        const std::string a = item.substr(0, dash);
        const std::string b = dash == std::string::npos ? a : item.substr(dash + 1);
        auto number = [](const std::string& x, uint32_t& v) {
            if (x.empty() || x.size() > 9 || x.find_first_not_of("0123456789") != std::string::npos)
            {
                return false;
            }
            v = static_cast<uint32_t>(std::stoul(x));
            return true;
        };
        uint32_t lo = 0;
        uint32_t hi = 0;
        ok = number(a, lo) && number(b, hi) && lo <= hi;
        if (ok && hi >= pods)
        {
            std::cerr << program << ": --study=" << text << " names SuperPoD " << hi
                      << ", but there are " << pods << " (0 .. " << pods - 1 << ")\n";
            return false;
        }
        for (uint32_t p = lo; ok && p <= hi; ++p)
        {
            in[p] = 1;
        }
    }
    if (!ok)
    {
        std::cerr << program << ": --study=" << text
                  << " is not a list of SuperPoDs such as 0, 0,3 or 0-1\n";
        return false;
    }
    for (uint32_t p = 0; p < pods; ++p)
    {
        if (in[p])
        {
            study.push_back(p);
        }
    }
    if (study.size() == pods)
    {
        std::cerr << program << ": --study=" << text
                  << " names every SuperPoD; that is the packet level (--level=packet)\n";
        return false;
    }
    return true;
}

void
UbExperiment::SetDefaultScheduler()
{
    const char* env = std::getenv("NS_GLOBAL_VALUE");
    if (env && std::string(env).find("SchedulerType") != std::string::npos)
    {
        return;
    }
    GlobalValue::Bind("SchedulerType", StringValue("ns3::UbScheduler"));
}

std::function<void(UbTopologyHelper&)>
UbExperiment::SuperClusterBuild(uint32_t pods,
                                uint32_t npus,
                                const std::string& scaleOut,
                                const std::string& pod)
{
    UB_INPUT_ERROR_IF(pod != "atlas950" && pod != "atlas960" && pod != "nvl72",
                      "UbExperiment: SuperPoD '" << pod << "' is not atlas950, atlas960 or nvl72");
    UB_INPUT_ERROR_IF(pod == "nvl72" && npus != 72,
                      "UbExperiment: an NVL72 domain has 72 GPUs, not " << npus);
    return [pods, npus, scaleOut, pod](UbTopologyHelper& sys) {
        UbSystems::SuperCluster sc;
        sc.pods = pods;
        if (pod == "atlas960")
        {
            sc.pod = UbSystems::Atlas960(npus);
            sc.scaleOut.radix = 256; // [A] 102.4 Tb/s of 400 GbE ports (doc/systems.md)
            sys.SetPreset(UbPreset::Load("ascend960-ub"));
        }
        else if (pod == "nvl72")
        {
            // GB200 NVL72 domains, one 400 GbE NIC per GPU (a ConnectX-7 per Blackwell GPU, as
            // NVIDIA's GB200 NVL72 reference design pairs them); 256-port scale-out switches past
            // 524,288 GPUs, as for the Atlas 960.
            sc.pod = UbSystems::Nvl72();
            sc.scaleOut.planes = 1;
            sc.scaleOut.radix = static_cast<uint64_t>(pods) * npus > 524288 ? 256 : 128;
            sys.SetPreset(UbPreset::Load("nvlink5-gb200"));
        }
        else
        {
            sc.pod = UbSystems::Atlas950(npus);
            sys.SetPreset(UbPreset::Load("ascend950-ub2"));
        }
        sys.SetClassPreset(1, UbPreset::Load(scaleOut));
        sys.BuildSuperCluster(sc);
    };
}

uint32_t
UbExperiment::CountEndpoints(const std::string& preset, uint32_t npus)
{
    return static_cast<uint32_t>(
        UbSystems::FromPreset(UbPreset::Load(preset), npus).GetEndpoints().size());
}

UbCollectiveResult
UbExperiment::RunCollective(
    const std::string& preset,
    uint32_t npus,
    uint32_t ranks,
    UbCollectiveOp op,
    UbCollectiveAlgo algo,
    uint64_t bytes,
    uint32_t chunks,
    UbResults* results,
    const std::string& scope,
    const std::function<void(UbTopologyHelper&, UbCollectiveEngine&)>& setup)
{
    CollectiveRun run;
    run.preset = preset;
    run.npus = npus;
    run.ranks = ranks;
    run.op = op;
    run.algo = algo;
    run.bytes = bytes;
    run.chunks = chunks;
    run.results = results;
    run.scope = scope;
    run.setup = setup;
    CollectiveOutcome out = Run(run);
    if (!out.finished)
    {
        const std::string why =
            std::string(UbCollectiveOpName(op)) + " on " + preset + " did not finish";
        if (results)
        {
            results->CommitFailed(why);
        }
        throw UbRunError("UbExperiment: " + why);
    }
    return out.result;
}

UbExperiment::LoadPoint
UbExperiment::RunLoad(const LoadConfig& c, UbResults* results, const std::string& scope)
{
    UB_INPUT_ERROR_IF(c.pattern != "uniform" && c.pattern != "hotspot" &&
                          c.pattern != "permutation" && c.pattern != "incast",
                      "UbExperiment::RunLoad: pattern '"
                          << c.pattern
                          << "' is not uniform, hotspot, permutation "
                             "or incast");
    UB_INPUT_ERROR_IF(c.load <= 0 || c.durationUs <= 0 || c.packetSize == 0,
                      "UbExperiment::RunLoad: load, duration and packet size must be positive");
    LoadPoint out;
    UbHistogram lat;
    double flitPs = 1;
    {
        UbTopologyHelper sys;
        sys.SetCheckDeadlock(false);
        // Raw packet sources, no transactions: no controllers, whose MTU would bound the
        // devices' (and with it the smallest VL buffer) for nothing.
        sys.SetInstallControllers(false);
        UbPreset preset = UbPreset::Load(c.preset);
        std::string error;
        UB_INPUT_ERROR_IF(!preset.SetList(c.set, error),
                          "UbExperiment::RunLoad: preset " << c.preset << ": " << error);
        sys.BuildPreset(preset, c.npus);
        const uint32_t n = sys.GetEndpoints().GetN();
        UB_INPUT_ERROR_IF(c.pattern == "incast" && (c.fanin == 0 || c.fanin >= n),
                          "UbExperiment::RunLoad: incast fan-in "
                              << c.fanin << " needs 1 .. " << n - 1 << " senders on " << c.preset);
        if (c.selection != "Preset")
        {
            for (uint32_t i = 0; i < sys.GetAll().GetN(); ++i)
            {
                sys.GetAll().Get(i)->GetObject<UbSwitch>()->GetRoutingTable()->SetAttribute(
                    "Selection",
                    StringValue(c.selection));
            }
        }
        const UbTopology& t = sys.GetTopology();
        uint32_t e0 = t.GetEndpoints()[0];
        double lineBps = 0;
        for (uint32_t k = 0; k < t.GetDegree(e0) && (k == 0 || !c.perChannel); ++k)
        {
            uint32_t l = t.GetPorts(e0)[k].link;
            lineBps += sys.GetDevice(l, t.GetLink(l).a == e0 ? 0 : 1)->GetRateBps();
        }
        const bool incast = c.pattern == "incast";
        const uint32_t senders = incast ? c.fanin : n;
        // The sources count payload bytes: a load of wire flits is the payload share of them.
        Ptr<UbNetDevice> port0 = sys.GetDevice(t.GetPorts(e0)[0].link,
                                               t.GetLink(t.GetPorts(e0)[0].link).a == e0 ? 0 : 1);
        const double payloadShare =
            c.wireFlits ? static_cast<double>(c.packetSize) / port0->GetWireBytes(c.packetSize + 12)
                        : 1.0;
        flitPs = port0->GetFlitSize() * 8e12 / static_cast<double>(port0->GetRateBps());
        const double perSender =
            (incast ? c.load * lineBps / c.fanin : c.load * lineBps) * payloadShare;
        UbTrafficHelper traffic;
        traffic.SetSourceAttribute("PacketSize", UintegerValue(c.packetSize));
        traffic.SetSourceAttribute("Rate", DataRateValue(DataRate(perSender)));
        traffic.SetSourceAttribute("Arrival", StringValue("Poisson"));
        ApplicationContainer sinks = traffic.InstallSinks(sys.GetEndpoints());
        Ptr<UniformRandomVariable> perm = CreateObject<UniformRandomVariable>();
        perm->SetStream(1000);
        std::vector<uint32_t> order(n);
        for (uint32_t i = 0; i < n; ++i)
        {
            order[i] = i;
        }
        for (uint32_t i = n - 1; i > 0; --i) // a shuffle, fixed per seed
        {
            std::swap(order[i], order[perm->GetInteger(0, i)]);
        }
        const Time start = MicroSeconds(1);
        const Time stop = start + MicroSeconds(c.durationUs);
        for (uint32_t k = 0; k < senders; ++k)
        {
            uint32_t i = incast ? k + 1 : k;
            uint32_t peer = incast ? 0 : order[i] == i ? (i + 1) % n : order[i];
            ApplicationContainer a =
                traffic.InstallSource(sys.GetEndpoints().Get(i), sys.GetEndpoints().Get(peer));
            Ptr<UbPacketSource> src = DynamicCast<UbPacketSource>(a.Get(0));
            if (c.pattern == "uniform" || c.pattern == "hotspot")
            {
                src->SetAttribute("DestinationFirst", UintegerValue(t.GetEndpoints()[0]));
                src->SetAttribute("DestinationCount", UintegerValue(n));
                src->SetAttribute("Hotspot", UintegerValue(t.GetEndpoints()[0]));
                src->SetAttribute("HotspotFraction",
                                  DoubleValue(c.pattern == "hotspot" ? c.hotspot : 0.0));
                src->SetAttribute("IncludeSelf", BooleanValue(c.includeSelf));
            }
            src->AssignStreams(2000 + 2 * i);
            a.Start(start);
            a.Stop(stop);
        }
        // Measurement window: the last three quarters of the sending time (after warm-up).
        auto received = [&sinks]() {
            uint64_t b = 0;
            for (uint32_t i = 0; i < sinks.GetN(); ++i)
            {
                b += DynamicCast<UbPacketSink>(sinks.Get(i))->GetReceivedBytes();
            }
            return b;
        };
        const Time w0 = start + MicroSeconds(c.durationUs / 4);
        uint64_t atW0 = 0;
        uint64_t atStop = 0;
        Simulator::Schedule(w0, [&]() { atW0 = received(); });
        Simulator::Schedule(stop, [&]() { atStop = received(); });
        Simulator::Stop(start + MicroSeconds(c.durationUs * 4));
        Simulator::Run();
        double offered = perSender / 8 * (stop - w0).GetSeconds() * senders;
        out.accepted = offered > 0 ? (atStop - atW0) / offered : 0;
        for (uint32_t i = 0; i < sinks.GetN(); ++i)
        {
            Ptr<UbPacketSink> k = DynamicCast<UbPacketSink>(sinks.Get(i));
            lat.Merge(k->GetLatency());
            out.packets += k->GetReceivedPackets();
            if (results)
            {
                results->AddFlows(*k, scope);
            }
        }
        if (results)
        {
            results->AddPorts(sys.GetAll(), MicroSeconds(c.durationUs), scope, true);
        }
    }
    Simulator::Destroy();
    out.meanUs = lat.GetMean() / 1e6;
    out.meanPs = lat.GetMean();
    out.meanFlits = lat.GetMean() / flitPs;
    out.p50Us = static_cast<double>(lat.GetPercentile(0.5)) / 1e6;
    out.p99Us = static_cast<double>(lat.GetPercentile(0.99)) / 1e6;
    return out;
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
