/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-collective.h"

#include "ns3/abort.h"
#include "ns3/log.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbCollective");

const char*
UbCollectiveOpName(UbCollectiveOp op)
{
    switch (op)
    {
    case UbCollectiveOp::ALL_REDUCE:
        return "AllReduce";
    case UbCollectiveOp::ALL_GATHER:
        return "AllGather";
    case UbCollectiveOp::REDUCE_SCATTER:
        return "ReduceScatter";
    case UbCollectiveOp::ALL_TO_ALL:
        return "AllToAll";
    case UbCollectiveOp::BROADCAST:
        return "Broadcast";
    case UbCollectiveOp::ALL_TO_ALLV:
        return "AllToAllv";
    }
    return "?";
}

const char*
UbCollectiveAlgoName(UbCollectiveAlgo a)
{
    switch (a)
    {
    case UbCollectiveAlgo::RING:
        return "ring";
    case UbCollectiveAlgo::HALVING_DOUBLING:
        return "halving-doubling";
    case UbCollectiveAlgo::DIRECT:
        return "direct";
    case UbCollectiveAlgo::CHAIN:
        return "chain";
    case UbCollectiveAlgo::IN_NETWORK:
        return "in-network";
    case UbCollectiveAlgo::HIERARCHICAL:
        return "hierarchical";
    case UbCollectiveAlgo::DOUBLE_TREE:
        return "double-tree";
    case UbCollectiveAlgo::MULTI_RING:
        return "multi-ring";
    case UbCollectiveAlgo::MULTI_PATH:
        return "multi-path";
    }
    return "?";
}

bool
UbCollectiveAlgoFromName(const std::string& name, UbCollectiveAlgo& algo)
{
    const std::pair<const char*, UbCollectiveAlgo> shortNames[] = {
        {"hd", UbCollectiveAlgo::HALVING_DOUBLING},
        {"tree", UbCollectiveAlgo::DOUBLE_TREE},
        {"innetwork", UbCollectiveAlgo::IN_NETWORK},
        {"multiring", UbCollectiveAlgo::MULTI_RING},
        {"multipath", UbCollectiveAlgo::MULTI_PATH},
    };
    for (const auto& [n, a] : shortNames)
    {
        if (name == n)
        {
            algo = a;
            return true;
        }
    }
    for (auto a : {UbCollectiveAlgo::RING,
                   UbCollectiveAlgo::HALVING_DOUBLING,
                   UbCollectiveAlgo::DIRECT,
                   UbCollectiveAlgo::CHAIN,
                   UbCollectiveAlgo::IN_NETWORK,
                   UbCollectiveAlgo::DOUBLE_TREE,
                   UbCollectiveAlgo::HIERARCHICAL,
                   UbCollectiveAlgo::MULTI_RING,
                   UbCollectiveAlgo::MULTI_PATH})
    {
        if (name == UbCollectiveAlgoName(a))
        {
            algo = a;
            return true;
        }
    }
    return false;
}

double
UbCollectiveResult::Seconds() const
{
    return (end - start).GetSeconds();
}

double
UbCollectiveResult::AlgBw() const
{
    double s = Seconds();
    return s > 0 ? static_cast<double>(bytes) / s / 1e9 : 0.0;
}

double
UbCollectiveResult::BusFactor() const
{
    double n = ranks;
    switch (op)
    {
    case UbCollectiveOp::ALL_REDUCE:
        return 2.0 * (n - 1) / n;
    case UbCollectiveOp::ALL_GATHER:
    case UbCollectiveOp::REDUCE_SCATTER:
    case UbCollectiveOp::ALL_TO_ALL:
    case UbCollectiveOp::ALL_TO_ALLV:
        return (n - 1) / n;
    case UbCollectiveOp::BROADCAST:
        return 1.0;
    }
    return 1.0;
}

double
UbCollectiveResult::BusBw() const
{
    return AlgBw() * BusFactor();
}

UbCollectiveEngine::UbCollectiveEngine(std::vector<Ptr<UbController>> ranks)
    : UbCollectiveEngine(ranks, {})
{
}

UbCollectiveEngine::UbCollectiveEngine(std::vector<Ptr<UbController>> ranks,
                                       std::vector<uint32_t> cnas)
    : m_runner(ranks, std::move(cnas)),
      m_nRanks(static_cast<uint32_t>(ranks.size()))
{
    // What one packet on every path of a rank's channel group carries (UbCollectivePlan): rank
    // 0's, or the first rank's here if another process runs rank 0 (a SuperCluster's NPUs are
    // alike).
    auto first = std::find_if(ranks.begin(), ranks.end(), [](const Ptr<UbController>& c) {
        return c != nullptr;
    });
    if (first != ranks.end())
    {
        m_sprayBytes = (*first)->GetMtu();
        m_sprayBytes *= (*first)->GetTransport()->GetSprayWidth();
    }
    for (const auto& r : ranks)
    {
        DataRateValue rate;
        if (r)
        {
            r->GetAttribute("InNetworkRate", rate);
        }
        m_inNetworkBps.push_back(static_cast<double>(rate.Get().GetBitRate()) / 8);
    }
}

UbCollectiveEngine::UbCollectiveEngine(std::unique_ptr<UbTransferCarrier> carrier,
                                       uint32_t ranks,
                                       uint64_t sprayBytes,
                                       std::vector<double> inNetworkBps)
    : m_runner(std::move(carrier), ranks),
      m_nRanks(ranks),
      m_inNetworkBps(std::move(inNetworkBps)),
      m_sprayBytes(sprayBytes)
{
    m_inNetworkBps.resize(ranks, 0);
}

UbCollectiveEngine::~UbCollectiveEngine() = default;

void
UbCollectiveEngine::SetOffload(bool on, Time issueLatency)
{
    NS_ABORT_MSG_IF(m_runner.IsRunning(),
                    "UbCollectiveEngine::SetOffload: a collective is running");
    NS_ABORT_MSG_IF(issueLatency.IsNegative(), "UbCollectiveEngine::SetOffload: negative latency");
    m_offload = on;
    m_offloadLatency = issueLatency;
}

void
UbCollectiveEngine::SetProgress(double seconds)
{
    m_progressS = std::max(0.0, seconds);
}

void
UbCollectiveEngine::SetMinimalRoutes(bool on)
{
    NS_ABORT_MSG_IF(m_runner.IsRunning(),
                    "UbCollectiveEngine::SetMinimalRoutes: a collective is running");
    m_minimal = on;
}

void
UbCollectiveEngine::SetGroupSize(uint32_t g)
{
    NS_ABORT_MSG_IF(g < 2 || g >= m_nRanks || m_nRanks % g != 0,
                    "UbCollectiveEngine::SetGroupSize: " << g << " does not split " << m_nRanks
                                                         << " ranks into 2 or more groups of 2 "
                                                            "or more");
    m_group = g;
}

void
UbCollectiveEngine::SetMeshDims(std::vector<uint32_t> dims)
{
    uint64_t product = 1;
    for (uint32_t d : dims)
    {
        NS_ABORT_MSG_IF(d == 0, "UbCollectiveEngine::SetMeshDims: a dimension of size 0");
        product *= d;
    }
    NS_ABORT_MSG_IF(dims.empty() || product != m_nRanks,
                    "UbCollectiveEngine::SetMeshDims: the dimensions multiply to "
                        << product << ", not the " << m_nRanks << " ranks");
    m_dims = std::move(dims);
}

std::vector<uint32_t>
UbCollectiveEngine::RingStrides(uint32_t x)
{
    return UbMultiRingBuilder::RingStrides(x);
}

std::vector<std::vector<uint32_t>>
UbCollectiveEngine::RingOrders(uint32_t x)
{
    return UbMultiRingBuilder::RingOrders(x);
}

void
UbCollectiveEngine::SetReducers(std::vector<Ptr<UbController>> reducers,
                                std::vector<double> shares,
                                double reductionBps,
                                uint32_t concurrent)
{
    NS_ABORT_MSG_IF(reducers.empty() || reducers.size() != shares.size(),
                    "UbCollectiveEngine::SetReducers: give one share per reducer");
    NS_ABORT_MSG_IF(!m_shares.empty(), "UbCollectiveEngine::SetReducers: called twice");
    for (std::size_t j = 0; j < reducers.size(); ++j)
    {
        NS_ABORT_MSG_IF(!reducers[j] || shares[j] <= 0,
                        "UbCollectiveEngine::SetReducers: reducer "
                            << j << " is missing or has no share");
        m_runner.AddParticipant(reducers[j]); // participant m_nRanks + j
    }
    m_shares = std::move(shares);
    m_reductionBps = reductionBps;
    m_concurrent = concurrent;
}

void
UbCollectiveEngine::SetChunks(uint32_t chunks)
{
    m_chunks = chunks;
}

void
UbCollectiveEngine::SetIssueCost(Time cost)
{
    NS_ABORT_MSG_IF(cost.IsStrictlyNegative(), "UbCollectiveEngine: a negative issue cost");
    m_issueCost = cost;
}

void
UbCollectiveEngine::SetGenerated(bool on)
{
    m_generated = on;
}

void
UbCollectiveEngine::SetRoot(uint32_t root)
{
    NS_ABORT_MSG_IF(root >= m_nRanks,
                    "UbCollectiveEngine: root " << root << " is not one of the " << m_nRanks
                                                << " ranks");
    m_root = root;
}

void
UbCollectiveEngine::SetLocal(std::vector<bool> local)
{
    NS_ABORT_MSG_IF(!local.empty() && local.size() != m_nRanks,
                    "UbCollectiveEngine::SetLocal: " << local.size() << " flags for " << m_nRanks
                                                     << " ranks");
    m_runner.SetLocal(std::move(local));
}

UbCollectiveResult
UbCollectiveEngine::GetPart(uint64_t& arrived) const
{
    return m_runner.GetPart(arrived);
}

bool
UbCollectiveEngine::IsRunning() const
{
    return m_runner.IsRunning();
}

uint32_t
UbCollectiveEngine::GetNRanks() const
{
    return m_nRanks;
}

UbCollectivePlan
UbCollectiveEngine::Plan(UbCollectiveOp op, UbCollectiveAlgo algo, uint64_t bytes) const
{
    UbCollectivePlan p;
    p.op = op;
    p.algo = algo;
    p.bytes = bytes;
    p.ranks = m_nRanks;
    p.root = m_root;
    p.group = m_group;
    p.dims = m_dims;
    p.reducerShares = m_shares;
    p.reducerWindow = m_concurrent;
    p.sprayBytes = m_sprayBytes;
    p.chunks = m_chunks ? m_chunks : UbCollectiveBuilder::For(algo).AutoChunks(p);
    return p;
}

UbCollectiveRunConfig
UbCollectiveEngine::RunConfig(UbCollectiveAlgo algo) const
{
    UbCollectiveRunConfig c;
    c.issueLatency = m_offload ? m_offloadLatency : PicoSeconds(-1);
    c.minimalRoutes =
        m_minimal && (algo == UbCollectiveAlgo::MULTI_RING || algo == UbCollectiveAlgo::MULTI_PATH);
    c.progressSeconds = m_progressS;
    c.issueCost = m_issueCost;
    if (algo == UbCollectiveAlgo::IN_NETWORK)
    {
        // The ranks' engines move their reads and stores (UbController::InNetworkRate), the
        // switches' reduce (UbSwitch::ReductionRate).
        c.engineBps = m_inNetworkBps;
        c.engineBps.resize(m_nRanks + m_shares.size(), m_reductionBps);
    }
    return c;
}

void
UbCollectiveEngine::SetAggregation(Aggregation a)
{
    m_aggregation = a;
}

bool
UbCollectiveEngine::AggregationFromName(const std::string& name, Aggregation& a)
{
    if (name == "off")
    {
        a = Aggregation::OFF;
    }
    else if (name == "on")
    {
        a = Aggregation::ON;
    }
    else if (name == "auto")
    {
        a = Aggregation::AUTO;
    }
    else
    {
        return false;
    }
    return true;
}

void
UbCollectiveEngine::Launch(const UbCollectivePlan& plan, DoneCallback done)
{
    NS_ABORT_MSG_IF(m_runner.IsRunning(), "UbCollectiveEngine: a collective is already running");
    UbCollectiveResult r;
    r.op = plan.op;
    r.algo = plan.algo;
    r.ranks = m_nRanks;
    r.bytes = plan.bytes;
    r.chunks = plan.chunks;
    r.offload = m_offload;
    const bool allToAll =
        plan.op == UbCollectiveOp::ALL_TO_ALL || plan.op == UbCollectiveOp::ALL_TO_ALLV;
    if (m_aggregation != Aggregation::OFF && allToAll && plan.algo == UbCollectiveAlgo::DIRECT)
    {
        // A direct All-to-All(v) as link loads and per-pair bounds (UbFlowFabric::
        // AllToAllPhase): its transfers are the pairs that move bytes, times their pieces.
        const uint32_t n = m_nRanks;
        const uint32_t c = std::max<uint32_t>(1, plan.chunks);
        uint64_t transfers = 0;
        for (uint32_t s = 0; s < n && plan.matrix; ++s)
        {
            for (uint32_t d = 0; d < n; ++d)
            {
                const uint64_t b = d == s ? 0 : (*plan.matrix)[s][d];
                transfers += b == 0 ? 0 : b < c ? 1 : c;
            }
        }
        if (!plan.matrix)
        {
            transfers = static_cast<uint64_t>(n) * (n - 1) * c;
        }
        const uint64_t uniform = plan.matrix ? 0 : (plan.bytes + n - 1) / n;
        if (m_aggregation == Aggregation::ON || transfers >= AUTO_ALL_TO_ALL)
        {
            if (m_runner.RunAggregatedAllToAll(plan.matrix, uniform, r, RunConfig(plan.algo), done))
            {
                return;
            }
            NS_ABORT_MSG_IF(m_aggregation == Aggregation::ON,
                            "UbCollectiveEngine: an All-to-All runs aggregated at the flow level "
                            "only; use --level=flow or --aggregate=auto");
        }
    }
    else if (m_aggregation != Aggregation::OFF)
    {
        std::vector<UbRingPhase> phases;
        const bool rings = plan.op != UbCollectiveOp::ALL_TO_ALLV &&
                           UbCollectiveBuilder::For(plan.algo).Phases(plan, phases);
        NS_ABORT_MSG_IF(!rings && m_aggregation == Aggregation::ON,
                        "UbCollectiveEngine: the aggregated flow level runs ring and "
                        "hierarchical collectives and direct All-to-All(v); "
                            << UbCollectiveOpName(plan.op) << " " << UbCollectiveAlgoName(plan.algo)
                            << " has no ring phases (run it with --aggregate=off or auto)");
        uint64_t transfers = 0;
        for (const auto& ph : phases)
        {
            for (const auto& ring : ph.rings)
            {
                transfers += ring.size() > 1 ? ring.size() * ph.steps * plan.chunks : 0;
            }
        }
        if (rings && (m_aggregation == Aggregation::ON || transfers >= AUTO_TRANSFERS))
        {
            if (m_runner.RunAggregated(phases, r, RunConfig(plan.algo), done))
            {
                return;
            }
            NS_ABORT_MSG_IF(m_aggregation == Aggregation::ON,
                            "UbCollectiveEngine: only the flow level runs collectives aggregated "
                            "(--aggregate=on needs --level=flow)");
        }
    }
    UbTransferGraph graph =
        m_generated ? UbCollectiveBuilder::BuildGenerated(plan) : UbCollectiveBuilder::Build(plan);
    m_runner.Run(std::move(graph), r, RunConfig(plan.algo), done);
}

void
UbCollectiveEngine::Start(UbCollectiveOp op,
                          UbCollectiveAlgo algo,
                          uint64_t bytes,
                          DoneCallback done)
{
    NS_ABORT_MSG_IF(m_runner.IsRunning(), "UbCollectiveEngine: a collective is already running");
    NS_ABORT_MSG_IF(bytes == 0, "UbCollectiveEngine: a collective of 0 bytes");
    Launch(Plan(op, algo, bytes), done);
}

void
UbCollectiveEngine::StartAllToAllv(const std::vector<std::vector<uint64_t>>& bytes,
                                   DoneCallback done,
                                   UbCollectiveAlgo algo)
{
    NS_ABORT_MSG_IF(algo != UbCollectiveAlgo::DIRECT && algo != UbCollectiveAlgo::MULTI_PATH,
                    "UbCollectiveEngine::StartAllToAllv: use direct or multi-path, not "
                        << UbCollectiveAlgoName(algo));
    NS_ABORT_MSG_IF(m_runner.IsRunning(), "UbCollectiveEngine: a collective is already running");
    NS_ABORT_MSG_IF(bytes.size() != m_nRanks,
                    "UbCollectiveEngine::StartAllToAllv: the matrix has "
                        << bytes.size() << " rows for " << m_nRanks << " ranks");
    uint64_t total = 0;
    for (uint32_t r = 0; r < m_nRanks; ++r)
    {
        NS_ABORT_MSG_IF(bytes[r].size() != m_nRanks,
                        "UbCollectiveEngine::StartAllToAllv: row "
                            << r << " has " << bytes[r].size() << " entries");
        for (uint32_t j = 1; j < m_nRanks; ++j)
        {
            total += bytes[r][(r + j) % m_nRanks];
        }
    }
    // NCCL's size for All-to-All is one rank's send buffer: the mean row here.
    UbCollectivePlan plan = Plan(UbCollectiveOp::ALL_TO_ALLV, algo, total / m_nRanks);
    plan.matrix = &bytes;
    Launch(plan, done);
}

} // namespace ns3
