/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-collective-runner.h"

#include "ub-controller.h"
#include "ub-scheduler.h"

#include "ns3/abort.h"
#include "ns3/log.h"
#include "ns3/simulator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbCollectiveRunner");

namespace
{
double
WallSeconds()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
} // namespace

UbControllerCarrier::UbControllerCarrier(std::vector<Ptr<UbController>> ranks,
                                         std::vector<uint32_t> cnas)
{
    NS_ABORT_MSG_IF(!cnas.empty() && cnas.size() != ranks.size(),
                    "UbCollectiveEngine: " << cnas.size() << " CNAs for " << ranks.size()
                                           << " ranks");
    for (uint32_t r = 0; r < ranks.size(); ++r)
    {
        NS_ABORT_MSG_IF(!ranks[r] && cnas.empty(),
                        "UbCollectiveEngine: rank " << r << " has no UbController");
        Add(ranks[r], cnas.empty() ? ranks[r]->GetCna() : cnas[r]);
    }
}

UbControllerCarrier::~UbControllerCarrier()
{
    for (auto& c : m_parts)
    {
        if (c)
        {
            c->SetNotifyCallback(UbController::NotifyCallback());
        }
    }
}

uint32_t
UbControllerCarrier::AddParticipant(const Ptr<UbController>& c)
{
    return Add(c, c->GetCna());
}

uint32_t
UbControllerCarrier::Add(const Ptr<UbController>& c, uint32_t cna)
{
    auto i = static_cast<uint32_t>(m_parts.size());
    auto [it, fresh] = m_indexOfCna.emplace(cna, i);
    NS_ABORT_MSG_IF(!fresh,
                    "UbCollectiveEngine: participants " << it->second << " and " << i
                                                        << " are the same endpoint (CNA " << cna
                                                        << ")");
    m_parts.push_back(c);
    m_cnas.push_back(cna);
    if (!c)
    {
        return i; // run by another process
    }
    c->SetNotifyCallback(UbController::NotifyCallback(
        [this](uint32_t src, UbOp op, uint64_t length, uint64_t address) {
            OnNotify(src, op, length, address);
        }));
    return i;
}

uint32_t
UbControllerCarrier::GetNParticipants() const
{
    return static_cast<uint32_t>(m_parts.size());
}

const char*
UbControllerCarrier::GetLevel() const
{
    return "packet";
}

void
UbControllerCarrier::Begin(ArrivedCallback arrived)
{
    m_arrived = std::move(arrived);
}

void
UbControllerCarrier::Issue(UbTransferId t,
                           const UbTransferGraph::Transfer& x,
                           const UbIssueOptions& options)
{
    // Strong order per pair: a pair's transfers execute at the target in the order they were
    // issued (as NCCL's proxies post a connection's steps in order).
    NS_ABORT_MSG_IF(!m_parts[x.src],
                    "UbCollectiveEngine: transfer " << t << " from participant " << x.src
                                                    << ", which another process runs");
    m_parts[x.src]->WriteWithNotify(m_cnas[x.dst],
                                    x.bytes,
                                    UbOrder::SO,
                                    UbCompletionCallback(),
                                    options,
                                    TRANSFER_ADDRESS + t);
}

void
UbControllerCarrier::OnNotify(uint32_t srcCna, UbOp op, uint64_t length, uint64_t address)
{
    if (!m_arrived || op != UbOp::WRITE_NOTIFY || (address >> 48) != (TRANSFER_ADDRESS >> 48) ||
        m_indexOfCna.find(srcCna) == m_indexOfCna.end())
    {
        return; // not ours
    }
    m_arrived(address - TRANSFER_ADDRESS);
}

UbCollectiveRunner::UbCollectiveRunner(std::vector<Ptr<UbController>> ranks,
                                       std::vector<uint32_t> cnas)
{
    NS_ABORT_MSG_IF(ranks.size() < 2,
                    "UbCollectiveEngine: a collective needs at least 2 ranks, got "
                        << ranks.size());
    m_nRanks = static_cast<uint32_t>(ranks.size());
    auto carrier = std::make_unique<UbControllerCarrier>(std::move(ranks), std::move(cnas));
    m_controllers = carrier.get();
    m_carrier = std::move(carrier);
}

UbCollectiveRunner::UbCollectiveRunner(std::unique_ptr<UbTransferCarrier> carrier, uint32_t ranks)
    : m_carrier(std::move(carrier)),
      m_nRanks(ranks)
{
    NS_ABORT_MSG_IF(!m_carrier, "UbCollectiveRunner: no carrier");
    NS_ABORT_MSG_IF(ranks < 2,
                    "UbCollectiveEngine: a collective needs at least 2 ranks, got " << ranks);
    NS_ABORT_MSG_IF(m_carrier->GetNParticipants() < ranks,
                    "UbCollectiveRunner: the carrier has " << m_carrier->GetNParticipants()
                                                           << " participants for " << ranks
                                                           << " ranks");
}

UbCollectiveRunner::~UbCollectiveRunner() = default;

uint32_t
UbCollectiveRunner::AddParticipant(const Ptr<UbController>& c)
{
    NS_ABORT_MSG_IF(!m_controllers,
                    "UbCollectiveRunner: reducers are controllers, but this runner's transfers "
                    "move at flow level");
    return m_controllers->AddParticipant(c);
}

void
UbCollectiveRunner::Run(UbTransferGraph graph,
                        const UbCollectiveResult& result,
                        const UbCollectiveRunConfig& config,
                        DoneCallback done)
{
    NS_ABORT_MSG_IF(m_running, "UbCollectiveEngine: a collective is already running");
    m_graph = std::move(graph);
    const bool split = !m_local.empty();
    if (split)
    {
        NS_ABORT_MSG_IF(m_local.size() != m_carrier->GetNParticipants(),
                        "UbCollectiveEngine: a run split over processes knows where its "
                            << m_local.size() << " ranks are, but this algorithm has "
                            << m_carrier->GetNParticipants()
                            << " participants (reducing switches are not split over processes)");
        // A graph built whole counted its dependencies before: none may cross processes.
        m_graph.ForEach([this, &result](UbTransferId t, const UbTransferGraph::Transfer& x) {
            for (uint32_t d = 0; !m_local[x.dst] && d < x.dependents.size(); ++d)
            {
                const uint32_t src = m_graph.Get(x.dependents[d]).src;
                NS_ABORT_MSG_IF(m_local[src],
                                "UbCollectiveEngine: " << UbCollectiveAlgoName(result.algo)
                                                       << "'s transfer " << x.dependents[d]
                                                       << " from rank " << src
                                                       << " waits for transfer " << t
                                                       << ", which arrives at rank " << x.dst
                                                       << " in another process: this "
                                                          "algorithm cannot be split over "
                                                          "processes this way; choose another "
                                                          "or keep those ranks together "
                                                          "(doc/distributed.md)");
            }
        });
        m_graph.SetLocal(m_local);
    }
    m_config = config;
    m_result = result;
    m_result.level = m_carrier->GetLevel();
    m_done = done;
    m_carrier->Begin([this](UbTransferId t) { Arrived(t); });
    m_arrived = 0;
    m_engineFreePs.assign(m_carrier->GetNParticipants(), 0);
    // A generated graph: in each stream, the batches that may hold transfers with no dependency.
    for (uint32_t b = 0; b <= m_graph.GetLookback() && m_graph.IsGenerating(); ++b)
    {
        for (uint32_t k = 0; k < m_graph.GetStreams(); ++k)
        {
            m_graph.Generate(k);
        }
    }
    std::vector<UbTransferId> ready;
    m_graph.ForEach([this, &ready](UbTransferId t, const UbTransferGraph::Transfer& x) {
        Check(t, x, true);
        if (x.dependencies == 0 && m_graph.IsLocal(x.src))
        {
            ready.push_back(t);
        }
    });
    m_result.transfers = m_graph.GetTotalN();
    m_result.wireBytes = m_graph.GetTotalBytes();
    m_result.peakTransfers = m_graph.GetHeld();
    m_held = m_result.peakTransfers;
    for (uint32_t k = 0; split && k < m_graph.GetStreams(); ++k)
    {
        const uint64_t end = m_graph.GetEnd(k);
        Forget(k, m_graph.GetFirst(k), end);
    }
    m_result.rankDone.assign(m_nRanks, Time(0));
    m_result.rankBytesIn.assign(m_nRanks, 0);
    if (!m_graph.GetDelivered().empty())
    {
        m_result.rankBytesIn = m_graph.GetDelivered(); // transfers also carry forwarded data
    }
    m_running = true;
    m_result.start = UbScheduler::Now();
    m_wallStart = m_config.progressSeconds > 0 ? WallSeconds() : 0;
    m_wallLast = m_wallStart;
    NS_LOG_INFO(UbCollectiveOpName(m_result.op)
                << " " << UbCollectiveAlgoName(m_result.algo) << " of " << m_result.bytes
                << " B over " << m_nRanks << " ranks: " << m_result.transfers << " transfers");
    if (m_result.transfers == 0)
    {
        Finish();
        return;
    }
    for (UbTransferId t : ready)
    {
        Ready(t);
    }
}

void
UbCollectiveRunner::Check(UbTransferId t, const UbTransferGraph::Transfer& x, bool atStart) const
{
    const uint32_t n = m_carrier->GetNParticipants();
    NS_ABORT_MSG_IF(x.src >= n || x.dst >= n,
                    "UbCollectiveRunner: transfer " << t << " names a participant beyond the " << n
                                                    << " there are");
    NS_ABORT_MSG_IF(!atStart && x.dependencies == 0 && m_graph.IsLocal(x.src),
                    "UbTransferGraph: transfer " << t << " of batch " << x.batch
                                                 << " has no dependency, but only batches 0 to "
                                                    "the lookback ("
                                                 << m_graph.GetLookback() << ") may");
}

void
UbCollectiveRunner::Ready(UbTransferId t)
{
    const UbTransferGraph::Transfer& x = m_graph.Get(t);
    double rate = x.src < m_config.engineBps.size() ? m_config.engineBps[x.src] : 0;
    int64_t busy = 0;
    if (x.work > 0 && rate > 0)
    {
        busy = static_cast<int64_t>(std::ceil(static_cast<double>(x.work) * 1e12 / rate));
    }
    else if (x.src < m_nRanks)
    {
        busy = m_config.issueCost.GetPicoSeconds();
    }
    if (busy <= 0)
    {
        Issue(t);
        return;
    }
    // The engine (or the rank's issuing cores) works through its transfers one at a time, in
    // the order they became ready.
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    int64_t start = std::max(now, m_engineFreePs[x.src]);
    m_engineFreePs[x.src] = start + busy;
    Simulator::Schedule(PicoSeconds(start + busy - now), &UbCollectiveRunner::Issue, this, t);
}

void
UbCollectiveRunner::Issue(UbTransferId t)
{
    const UbTransferGraph::Transfer& x = m_graph.Get(t);
    // The run's configuration applies to what the ranks issue; reducing switches keep theirs.
    UbIssueOptions options;
    if (x.src < m_nRanks)
    {
        options.initiatorLatency = m_config.issueLatency;
        options.packetFlags = m_config.minimalRoutes ? UB_PKT_MINIMAL : 0;
    }
    m_carrier->Issue(t, x, options);
    if (!m_graph.IsLocal(x.dst))
    {
        // Split over processes: it arrives elsewhere, and nothing here waits for it.
        m_graph.At(t).arrived = true;
        m_held -= m_graph.DropArrived(t);
    }
}

void
UbCollectiveRunner::Arrived(UbTransferId t)
{
    if (!m_running)
    {
        return;
    }
    if (!m_local.empty() && m_graph.IsGenerating())
    {
        // From another process, it may be ahead of what the arrivals here have generated.
        Generate(static_cast<uint32_t>(t % m_graph.GetStreams()), 0, t / m_graph.GetStreams() + 1);
    }
    NS_ABORT_MSG_IF(!m_graph.IsHeld(t) || m_graph.Get(t).arrived,
                    "UbCollectiveRunner: transfer "
                        << t << " arrived, but it "
                        << (m_graph.IsHeld(t) ? "already had" : "is not in flight"));
    // Stays valid while later batches are generated (a deque keeps its elements in place).
    UbTransferGraph::Transfer& x = m_graph.At(t);
    const uint32_t participant = x.dst;
    const uint64_t length = x.bytes;
    ++m_arrived;
    m_lastArrival = UbScheduler::Now();
    if (m_config.progressSeconds > 0 && (m_arrived & 255) == 0)
    {
        double now = WallSeconds();
        if (now - m_wallLast >= m_config.progressSeconds)
        {
            m_wallLast = now;
            std::cerr << "[collective] " << UbCollectiveOpName(m_result.op) << " "
                      << UbCollectiveAlgoName(m_result.algo) << ", " << m_nRanks << " ranks, "
                      << m_result.bytes << " B: " << (100 * m_arrived / m_result.transfers)
                      << " % of " << m_result.transfers << " transfers, "
                      << (UbScheduler::Now() - m_result.start).GetMicroSeconds()
                      << " us simulated, " << static_cast<uint64_t>(now - m_wallStart) << " s"
                      << std::endl;
        }
    }
    if (participant < m_nRanks)
    {
        m_result.rankDone[participant] = UbScheduler::Now();
        if (m_graph.GetDelivered().empty())
        {
            m_result.rankBytesIn[participant] += length;
        }
    }
    if (m_graph.IsGenerating())
    {
        // Every transfer that may depend on this one exists before it is marked arrived.
        Generate(static_cast<uint32_t>(t % m_graph.GetStreams()), x.batch, 0);
    }
    x.arrived = true; // later Depend on it is refused
    for (UbTransferId d : x.dependents)
    {
        if (--m_graph.At(d).dependencies == 0)
        {
            Ready(d);
        }
    }
    // The transfers of this stream that have arrived in order are done with.
    m_held -= m_graph.DropArrived(t);
    if (m_arrived == m_result.transfers && m_local.empty())
    {
        Finish();
    }
}

void
UbCollectiveRunner::Generate(uint32_t stream, uint32_t batch, uint64_t place)
{
    const uint32_t upTo = batch + m_graph.GetLookback();
    const uint64_t begin = m_graph.GetEnd(stream);
    while ((m_graph.GetBatches(stream) <= upTo || m_graph.GetEnd(stream) < place) &&
           m_graph.Generate(stream))
    {
    }
    const uint64_t end = m_graph.GetEnd(stream); // the new ones end the stream
    if (end == begin)
    {
        return;
    }
    m_held += end - begin;
    m_result.peakTransfers = std::max(m_result.peakTransfers, m_held);
    for (uint64_t p = begin; p < end; ++p)
    {
        const UbTransferId u = p * m_graph.GetStreams() + stream;
        Check(u, m_graph.Get(u), false);
    }
    if (!m_local.empty())
    {
        Forget(stream, begin, end);
    }
}

void
UbCollectiveRunner::Forget(uint32_t stream, uint64_t from, uint64_t end)
{
    const uint32_t n = m_graph.GetStreams();
    for (uint64_t p = from; p < end; ++p)
    {
        UbTransferGraph::Transfer& x = m_graph.At(p * n + stream);
        if (!m_local[x.src] && !m_local[x.dst])
        {
            x.arrived = true; // neither issued nor seen here
        }
    }
    m_held -= m_graph.DropArrived(stream);
}

void
UbCollectiveRunner::SetLocal(std::vector<bool> local)
{
    NS_ABORT_MSG_IF(m_running, "UbCollectiveEngine: a collective is already running");
    m_local = std::move(local);
}

UbCollectiveResult
UbCollectiveRunner::GetPart(uint64_t& arrived) const
{
    UbCollectiveResult r = m_result;
    arrived = m_arrived;
    r.end = m_arrived > 0 ? m_lastArrival : r.start;
    for (uint32_t p = 0; p < m_nRanks && !m_local.empty(); ++p)
    {
        if (!m_local[p])
        {
            r.rankDone[p] = Time(0);
            r.rankBytesIn[p] = 0;
        }
    }
    return r;
}

bool
UbTransferCarrier::Aggregate(const std::vector<UbRingPhase>&,
                             uint32_t,
                             const UbCollectiveRunConfig&,
                             Time&)
{
    return false;
}

void
UbCollectiveRunner::BeginAggregated(const UbCollectiveResult& result,
                                    const UbCollectiveRunConfig& config,
                                    DoneCallback done)
{
    m_config = config;
    m_result = result;
    m_result.level = m_carrier->GetLevel();
    m_result.aggregated = true;
    m_done = done;
    m_result.transfers = 0;
    m_result.wireBytes = 0;
    m_result.peakTransfers = 0;
    m_result.rankBytesIn.assign(m_nRanks, 0);
}

bool
UbCollectiveRunner::RunAggregated(const std::vector<UbRingPhase>& phases,
                                  const UbCollectiveResult& result,
                                  const UbCollectiveRunConfig& config,
                                  DoneCallback done)
{
    NS_ABORT_MSG_IF(m_running, "UbCollectiveEngine: a collective is already running");
    NS_ABORT_MSG_IF(!m_local.empty(),
                    "UbCollectiveEngine: aggregated runs (flow level) are not split over "
                    "processes");
    Time duration;
    if (!m_carrier->Aggregate(phases, result.chunks, config, duration))
    {
        return false;
    }
    BeginAggregated(result, config, done);
    for (const auto& ph : phases)
    {
        for (const auto& ring : ph.rings)
        {
            if (ring.size() < 2)
            {
                continue;
            }
            m_result.transfers += static_cast<uint64_t>(ring.size()) * ph.steps * result.chunks;
            m_result.wireBytes += static_cast<uint64_t>(ring.size()) * ph.steps * ph.stepBytes;
            for (uint32_t r : ring)
            {
                m_result.rankBytesIn[r] += static_cast<uint64_t>(ph.steps) * ph.stepBytes;
            }
        }
    }
    m_running = true;
    m_result.start = UbScheduler::Now();
    m_result.rankDone.assign(m_nRanks, m_result.start + duration);
    Simulator::Schedule(duration, [this]() { Finish(); });
    return true;
}

bool
UbTransferCarrier::AggregateAllToAll(const std::vector<std::vector<uint64_t>>*,
                                     uint64_t,
                                     uint32_t,
                                     const UbCollectiveRunConfig&,
                                     std::vector<Time>&)
{
    return false;
}

bool
UbCollectiveRunner::RunAggregatedAllToAll(const std::vector<std::vector<uint64_t>>* matrix,
                                          uint64_t uniform,
                                          const UbCollectiveResult& result,
                                          const UbCollectiveRunConfig& config,
                                          DoneCallback done)
{
    NS_ABORT_MSG_IF(m_running, "UbCollectiveEngine: a collective is already running");
    NS_ABORT_MSG_IF(!m_local.empty(),
                    "UbCollectiveEngine: aggregated runs (flow level) are not split over "
                    "processes");
    std::vector<Time> rankDone;
    if (!m_carrier->AggregateAllToAll(matrix, uniform, result.chunks, config, rankDone))
    {
        return false;
    }
    BeginAggregated(result, config, done);
    // What UbDirectBuilder's transfers would count: an All-to-All's pieces every one, an
    // All-to-Allv's pieces that hold bytes.
    const uint32_t c = std::max<uint32_t>(1, result.chunks);
    for (uint32_t s = 0; s < m_nRanks; ++s)
    {
        for (uint32_t d = 0; d < m_nRanks; ++d)
        {
            const uint64_t b = s == d ? 0 : matrix ? (*matrix)[s][d] : uniform;
            if (s == d || (matrix && b == 0))
            {
                continue;
            }
            m_result.transfers += matrix && b < c ? 1 : c;
            m_result.wireBytes += b;
            m_result.rankBytesIn[d] += b;
        }
    }
    m_running = true;
    m_result.start = UbScheduler::Now();
    Time longest(0);
    m_result.rankDone.resize(m_nRanks);
    for (uint32_t r = 0; r < m_nRanks; ++r)
    {
        m_result.rankDone[r] = m_result.start + rankDone.at(r);
        longest = std::max(longest, rankDone[r]);
    }
    Simulator::Schedule(longest, [this]() { Finish(); });
    return true;
}

void
UbCollectiveRunner::Finish()
{
    m_running = false;
    m_result.end = UbScheduler::Now();
    NS_LOG_INFO(UbCollectiveOpName(m_result.op) << " done in " << m_result.Seconds() * 1e6
                                                << " us, busbw " << m_result.BusBw() << " GB/s");
    if (!m_done.IsNull())
    {
        m_done(m_result);
    }
}

} // namespace ns3
