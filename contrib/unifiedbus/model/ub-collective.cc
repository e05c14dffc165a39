/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-collective.h"

#include "ub-switch.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/log.h"
#include "ns3/simulator.h"

#include <chrono>
#include <iostream>

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
    : m_ranks(std::move(ranks))
{
    NS_ABORT_MSG_IF(m_ranks.size() < 2,
                    "UbCollectiveEngine: a collective needs at least 2 ranks, got "
                        << m_ranks.size());
    m_nRanks = static_cast<uint32_t>(m_ranks.size());
    std::vector<Ptr<UbController>> all;
    all.swap(m_ranks);
    for (uint32_t r = 0; r < all.size(); ++r)
    {
        NS_ABORT_MSG_IF(!all[r], "UbCollectiveEngine: rank " << r << " has no UbController");
        Attach(all[r]);
    }
}

uint32_t
UbCollectiveEngine::Attach(const Ptr<UbController>& c)
{
    auto r = static_cast<uint32_t>(m_ranks.size());
    auto [it, fresh] = m_rankOfCna.emplace(c->GetCna(), r);
    NS_ABORT_MSG_IF(!fresh,
                    "UbCollectiveEngine: participants " << it->second << " and " << r
                                                        << " are the same endpoint (CNA "
                                                        << c->GetCna() << ")");
    m_ranks.push_back(c);
    c->SetNotifyCallback(UbController::NotifyCallback(
        [this, r](uint32_t src, UbOp op, uint64_t length) { OnNotify(r, src, op, length); }));
    return r;
}

void
UbCollectiveEngine::SetOffload(bool on, Time issueLatency)
{
    NS_ABORT_MSG_IF(m_running, "UbCollectiveEngine::SetOffload: a collective is running");
    NS_ABORT_MSG_IF(issueLatency.IsNegative(), "UbCollectiveEngine::SetOffload: negative latency");
    m_offload = on;
    m_offloadLatency = issueLatency;
}

namespace
{
double
WallSeconds()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
} // namespace

void
UbCollectiveEngine::SetProgress(double seconds)
{
    m_progressS = std::max(0.0, seconds);
}

void
UbCollectiveEngine::SetMinimalRoutes(bool on)
{
    NS_ABORT_MSG_IF(m_running, "UbCollectiveEngine::SetMinimalRoutes: a collective is running");
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

std::vector<uint32_t>
UbCollectiveEngine::BuildRing(const std::vector<uint32_t>& members,
                              uint64_t stepBytes,
                              uint32_t steps,
                              const std::vector<std::vector<uint32_t>>& after)
{
    // A ring over `members`; member p may start only once the transfers after[p] have arrived
    // at it. Returns, per member, the last transfer that arrives at it.
    const auto m = static_cast<uint32_t>(members.size());
    const uint32_t c = m_chunks;
    std::vector<uint32_t> prev(static_cast<std::size_t>(m) * c, UINT32_MAX);
    std::vector<uint32_t> cur(prev.size());
    std::vector<uint32_t> last(m, UINT32_MAX);
    for (uint32_t s = 0; s < steps; ++s)
    {
        for (uint32_t p = 0; p < m; ++p)
        {
            for (uint32_t k = 0; k < c; ++k)
            {
                uint64_t piece = stepBytes / c + (k + 1 == c ? stepBytes % c : 0);
                uint32_t t = Add(members[p], members[(p + 1) % m], piece);
                if (s > 0)
                {
                    Depend(t, prev[((p + m - 1) % m) * c + k]);
                }
                else if (!after.empty())
                {
                    for (uint32_t a : after[p])
                    {
                        Depend(t, a);
                    }
                }
                cur[p * c + k] = t;
                last[(p + 1) % m] = t;
            }
        }
        std::swap(prev, cur);
    }
    return last;
}

void
UbCollectiveEngine::BuildTree(uint64_t bytes, uint32_t shift)
{
    // A binary tree over the ranks in heap order, position p held by rank (p + shift) mod N:
    // with shift 0 and shift 1 most ranks that are leaves in one tree are inner nodes in the
    // other (an approximation of NCCL's complementary trees). Piece k is reduced up the tree
    // (a node forwards once every child's piece k has arrived) and broadcast back down.
    const uint32_t n = m_nRanks;
    auto rank = [n, shift](uint32_t p) { return (p + shift) % n; };
    const uint32_t c = m_chunks;
    for (uint32_t k = 0; k < c; ++k)
    {
        uint64_t piece = bytes / c + (k + 1 == c ? bytes % c : 0);
        std::vector<uint32_t> up(n, UINT32_MAX);
        for (uint32_t p = n; p-- > 1;) // children before parents
        {
            uint32_t t = Add(rank(p), rank((p - 1) / 2), piece);
            for (uint32_t ch : {2 * p + 1, 2 * p + 2})
            {
                if (ch < n)
                {
                    Depend(t, up[ch]);
                }
            }
            up[p] = t;
        }
        std::vector<uint32_t> down(n, UINT32_MAX);
        for (uint32_t p = 1; p < n; ++p) // parents before children
        {
            uint32_t parent = (p - 1) / 2;
            uint32_t t = Add(rank(parent), rank(p), piece);
            if (parent == 0)
            {
                for (uint32_t ch : {1U, 2U}) // the root has everything once its children report
                {
                    if (ch < n)
                    {
                        Depend(t, up[ch]);
                    }
                }
            }
            else
            {
                Depend(t, down[parent]);
            }
            down[p] = t;
        }
    }
}

void
UbCollectiveEngine::BuildHierarchical(uint64_t bytes)
{
    const uint32_t g = m_group;
    const uint32_t groups = m_nRanks / g;
    const uint64_t shard = (bytes + g - 1) / g; // what each rank owns after the reduce-scatter
    // 1. Reduce-scatter inside each group.
    std::vector<uint32_t> done(m_nRanks, UINT32_MAX);
    for (uint32_t q = 0; q < groups; ++q)
    {
        std::vector<uint32_t> members;
        for (uint32_t i = 0; i < g; ++i)
        {
            members.push_back(q * g + i);
        }
        auto last = BuildRing(members, shard, g - 1, {});
        for (uint32_t i = 0; i < g; ++i)
        {
            done[q * g + i] = last[i];
        }
    }
    // 2. AllReduce of each shard across the groups (rank i of every group).
    std::vector<uint32_t> done2(m_nRanks, UINT32_MAX);
    for (uint32_t i = 0; i < g; ++i)
    {
        std::vector<uint32_t> members;
        std::vector<std::vector<uint32_t>> after;
        for (uint32_t q = 0; q < groups; ++q)
        {
            members.push_back(q * g + i);
            after.push_back({done[q * g + i]});
        }
        auto last = BuildRing(members, (shard + groups - 1) / groups, 2 * (groups - 1), after);
        for (uint32_t q = 0; q < groups; ++q)
        {
            done2[q * g + i] = last[q];
        }
    }
    // 3. All-gather inside each group.
    for (uint32_t q = 0; q < groups; ++q)
    {
        std::vector<uint32_t> members;
        std::vector<std::vector<uint32_t>> after;
        for (uint32_t i = 0; i < g; ++i)
        {
            members.push_back(q * g + i);
            after.push_back({done2[q * g + i]});
        }
        BuildRing(members, shard, g - 1, after);
    }
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
    std::vector<uint32_t> strides;
    for (uint32_t s = 1; s < x; ++s)
    {
        uint32_t a = x;
        uint32_t b = s;
        while (b != 0) // gcd
        {
            uint32_t t = a % b;
            a = b;
            b = t;
        }
        if (a == 1)
        {
            strides.push_back(s);
        }
    }
    return strides;
}

namespace
{

/// Depth-first search for x - 1 arc-disjoint directed Hamiltonian cycles of the complete digraph.
struct RingSearch
{
    uint32_t x;
    std::vector<uint8_t> used; //!< arc u -> v taken (u * x + v)
    std::vector<uint8_t> visited;
    std::vector<uint32_t> path;
    std::vector<std::vector<uint32_t>> cycles;
    uint64_t steps{0};
    uint64_t budget{2000000};

    bool Cycle(uint32_t k)
    {
        if (k + 1 == x)
        {
            return true;
        }
        path.assign(1, 0);
        visited.assign(x, 0);
        visited[0] = 1;
        return Extend(k);
    }

    bool Extend(uint32_t k)
    {
        if (++steps > budget)
        {
            return false;
        }
        uint32_t v = path.back();
        if (path.size() == x)
        {
            if (used[v * x])
            {
                return false; // no arc back to vertex 0
            }
            std::vector<uint32_t> cyc = path;
            std::vector<uint8_t> seen = visited;
            for (uint32_t i = 0; i < x; ++i)
            {
                used[cyc[i] * x + cyc[(i + 1) % x]] = 1;
            }
            cycles.push_back(cyc);
            if (Cycle(k + 1))
            {
                return true;
            }
            cycles.pop_back();
            for (uint32_t i = 0; i < x; ++i)
            {
                used[cyc[i] * x + cyc[(i + 1) % x]] = 0;
            }
            path = cyc;
            visited = seen;
            return false;
        }
        for (uint32_t u = 1; u < x && steps <= budget; ++u)
        {
            if (!visited[u] && !used[v * x + u])
            {
                visited[u] = 1;
                path.push_back(u);
                if (Extend(k))
                {
                    return true;
                }
                path.pop_back();
                visited[u] = 0;
            }
        }
        return false;
    }
};

} // namespace

std::vector<std::vector<uint32_t>>
UbCollectiveEngine::RingOrders(uint32_t x)
{
    // x - 1 arc-disjoint directed Hamiltonian cycles exist for every x but 4 and 6 (Tillson,
    // 1980); a deterministic depth-first search finds them in 151 steps for x = 8 and 130,511
    // for x = 16. Beyond its step budget (or for 4 and 6) the rings of the strides coprime with
    // x stand in.
    static std::map<uint32_t, std::vector<std::vector<uint32_t>>> cache;
    auto hit = cache.find(x);
    if (hit != cache.end())
    {
        return hit->second;
    }
    std::vector<std::vector<uint32_t>> cycles;
    if (x >= 3 && x <= 64)
    {
        RingSearch s;
        s.x = x;
        s.used.assign(static_cast<std::size_t>(x) * x, 0);
        for (uint32_t v = 0; v < x; ++v)
        {
            s.used[v * x + v] = 1;
        }
        if (s.Cycle(0))
        {
            cycles = s.cycles;
        }
    }
    if (cycles.empty())
    {
        for (uint32_t st : RingStrides(x))
        {
            std::vector<uint32_t> ring;
            for (uint32_t i = 0; i < x; ++i)
            {
                ring.push_back((i * st) % x);
            }
            cycles.push_back(ring);
        }
    }
    cache[x] = cycles;
    return cycles;
}

void
UbCollectiveEngine::BuildMultiRing(uint64_t bytes)
{
    // Share q of the data (one per dimension) reduce-scatters along dimensions q, q+1, ... and
    // all-gathers back in the reverse order, so at any time the shares load different
    // dimensions. Inside a dimension of size x, the lines of ranks that differ only in that
    // coordinate each run the RingOrders(x) rings at once, each on an equal part of the data.
    const std::vector<uint32_t> dims = m_dims.empty() ? std::vector<uint32_t>{m_nRanks} : m_dims;
    const auto nd = static_cast<uint32_t>(dims.size());
    std::vector<uint32_t> stride(nd, 1); // rank distance of one step in each dimension
    for (uint32_t d = 1; d < nd; ++d)
    {
        stride[d] = stride[d - 1] * dims[d - 1];
    }
    std::vector<uint32_t> active; // dimensions of size >= 2
    for (uint32_t d = 0; d < nd; ++d)
    {
        if (dims[d] >= 2)
        {
            active.push_back(d);
        }
    }
    const auto na = static_cast<uint32_t>(active.size());
    uint64_t given = 0;
    for (uint32_t q = 0; q < na; ++q)
    {
        uint64_t share = q + 1 == na ? bytes - given : bytes / na;
        given += share;
        std::vector<uint32_t> order;
        for (uint32_t j = 0; j < na; ++j)
        {
            order.push_back(active[(q + j) % na]);
        }
        // phases: reduce-scatter along order[0..], then all-gather along order[..0]
        std::vector<std::pair<uint32_t, bool>> phases;
        for (uint32_t d : order)
        {
            phases.emplace_back(d, true);
        }
        for (uint32_t j = na; j-- > 0;)
        {
            phases.emplace_back(order[j], false);
        }
        std::vector<std::vector<uint32_t>> held(m_nRanks); // transfers a rank waits for
        uint64_t size = share; // data each rank holds and works on at this phase
        for (const auto& [d, reduce] : phases)
        {
            const uint32_t x = dims[d];
            const std::vector<std::vector<uint32_t>> rings = RingOrders(x);
            const auto nr = static_cast<uint32_t>(rings.size());
            // Reduce-scatter on `size`: each ring steps x-1 times with size/(nr x) per step.
            // All-gather of the shard `size`: x-1 steps of size/nr.
            uint64_t step =
                reduce ? (size + uint64_t(nr) * x - 1) / (uint64_t(nr) * x) : (size + nr - 1) / nr;
            step = std::max<uint64_t>(step, 1);
            std::vector<std::vector<uint32_t>> next(m_nRanks);
            for (uint32_t base = 0; base < m_nRanks; ++base)
            {
                if ((base / stride[d]) % x != 0)
                {
                    continue; // not the first rank of its line
                }
                for (const auto& ring : rings)
                {
                    std::vector<uint32_t> members;
                    std::vector<std::vector<uint32_t>> after;
                    for (uint32_t i = 0; i < x; ++i)
                    {
                        uint32_t r = base + ring[i] * stride[d];
                        members.push_back(r);
                        after.push_back(held[r]);
                    }
                    auto last = BuildRing(members, step, x - 1, after);
                    for (uint32_t i = 0; i < x; ++i)
                    {
                        next[members[i]].push_back(last[i]);
                    }
                }
            }
            held.swap(next);
            size = reduce ? (size + x - 1) / x : size * x;
        }
    }
}

void
UbCollectiveEngine::BuildMultiPath(const std::vector<std::vector<uint64_t>>* matrix,
                                   uint64_t uniform)
{
    // Every (source, destination) block is split over the dimension orders q, q+1, ... (one
    // share per dimension) and forwarded one dimension at a time: at phase j it moves from the
    // rank that holds it to the rank that has the destination's coordinate in dimension
    // order[j] (staying put if it already has). What one rank forwards to one peer in a phase is
    // one transfer, which waits for everything that reached the rank in the share's earlier
    // phases.
    const std::vector<uint32_t> dims = m_dims.empty() ? std::vector<uint32_t>{m_nRanks} : m_dims;
    const auto nd = static_cast<uint32_t>(dims.size());
    std::vector<uint32_t> stride(nd, 1);
    for (uint32_t d = 1; d < nd; ++d)
    {
        stride[d] = stride[d - 1] * dims[d - 1];
    }
    std::vector<uint32_t> active;
    for (uint32_t d = 0; d < nd; ++d)
    {
        if (dims[d] >= 2)
        {
            active.push_back(d);
        }
    }
    const auto na = static_cast<uint32_t>(active.size());
    const uint32_t n = m_nRanks;
    const uint32_t c = m_chunks;
    auto coord = [&](uint32_t r, uint32_t d) { return (r / stride[d]) % dims[d]; };
    m_delivered.assign(n, 0); // what each rank receives for itself (transfers also forward)
    for (uint32_t src = 0; src < n; ++src)
    {
        for (uint32_t dst = 0; dst < n; ++dst)
        {
            m_delivered[dst] += src == dst ? 0 : matrix ? (*matrix)[src][dst] : uniform;
        }
    }
    for (uint32_t q = 0; q < na; ++q)
    {
        // (phase, from, to) -> bytes, ordered so that each rank starts with a different peer
        std::vector<std::map<std::pair<uint32_t, uint32_t>, uint64_t>> moves(na);
        for (uint32_t src = 0; src < n; ++src)
        {
            for (uint32_t dst = 0; dst < n; ++dst)
            {
                if (src == dst)
                {
                    continue;
                }
                uint64_t b = matrix ? (*matrix)[src][dst] : uniform;
                b = q + 1 == na ? b - (na - 1) * (b / na) : b / na;
                if (b == 0)
                {
                    continue;
                }
                uint32_t h = src;
                for (uint32_t j = 0; j < na; ++j)
                {
                    uint32_t d = active[(q + j) % na];
                    uint32_t h2 = h - coord(h, d) * stride[d] + coord(dst, d) * stride[d];
                    if (h2 != h)
                    {
                        moves[j][{h, (h2 + n - h) % n}] += b;
                    }
                    h = h2;
                }
            }
        }
        // arrived[k][r]: piece-k transfers that reached rank r in this share so far
        std::vector<std::vector<std::vector<uint32_t>>> arrived(
            c,
            std::vector<std::vector<uint32_t>>(n));
        for (uint32_t j = 0; j < na; ++j)
        {
            std::vector<std::pair<uint32_t, uint32_t>> added; // (to, transfer)
            for (const auto& [key, b] : moves[j])
            {
                uint32_t from = key.first;
                uint32_t to = (key.first + key.second) % n;
                for (uint32_t k = 0; k < c; ++k)
                {
                    uint64_t piece = b / c + (k + 1 == c ? b % c : 0);
                    if (piece == 0)
                    {
                        continue;
                    }
                    uint32_t t = Add(from, to, piece);
                    for (uint32_t a : arrived[k][from])
                    {
                        Depend(t, a);
                    }
                    added.emplace_back(k * n + to, t);
                }
            }
            for (const auto& [kt, t] : added)
            {
                arrived[kt / n][kt % n].push_back(t);
            }
        }
    }
}

void
UbCollectiveEngine::SetReducers(std::vector<Ptr<UbController>> reducers, std::vector<double> shares)
{
    NS_ABORT_MSG_IF(reducers.empty() || reducers.size() != shares.size(),
                    "UbCollectiveEngine::SetReducers: give one share per reducer");
    NS_ABORT_MSG_IF(!m_reducers.empty(), "UbCollectiveEngine::SetReducers: called twice");
    for (std::size_t j = 0; j < reducers.size(); ++j)
    {
        NS_ABORT_MSG_IF(!reducers[j] || shares[j] <= 0,
                        "UbCollectiveEngine::SetReducers: reducer "
                            << j << " is missing or has no share");
        m_reducers.push_back(Attach(reducers[j]));
    }
    m_shares = std::move(shares);
}

UbCollectiveEngine::~UbCollectiveEngine()
{
    for (auto& c : m_ranks)
    {
        c->SetNotifyCallback(UbController::NotifyCallback());
    }
}

void
UbCollectiveEngine::SetChunks(uint32_t chunks)
{
    NS_ABORT_MSG_IF(chunks == 0, "UbCollectiveEngine: chunks must be >= 1");
    m_chunks = chunks;
}

void
UbCollectiveEngine::SetRoot(uint32_t root)
{
    NS_ABORT_MSG_IF(root >= m_nRanks,
                    "UbCollectiveEngine: root " << root << " is not one of the " << m_nRanks
                                                << " ranks");
    m_root = root;
}

bool
UbCollectiveEngine::IsRunning() const
{
    return m_running;
}

uint32_t
UbCollectiveEngine::GetNRanks() const
{
    return m_nRanks;
}

uint32_t
UbCollectiveEngine::Add(uint32_t src, uint32_t dst, uint64_t bytes)
{
    m_graph.push_back(Transfer{src, dst, std::max<uint64_t>(bytes, 1), 0, {}});
    return static_cast<uint32_t>(m_graph.size() - 1);
}

void
UbCollectiveEngine::Depend(uint32_t later, uint32_t earlier)
{
    m_graph[earlier].dependents.push_back(later);
    ++m_graph[later].waiting;
}

void
UbCollectiveEngine::BuildRingSteps(uint64_t stepBytes, uint32_t steps)
{
    // Step s: rank r sends to r+1 what it received from r-1 in step s-1 (reduced, for the
    // reduce-scatter half of an AllReduce), cut into pieces that pipeline.
    const uint32_t n = m_nRanks;
    const uint32_t c = m_chunks;
    std::vector<uint32_t> prev(static_cast<std::size_t>(n) * c);
    std::vector<uint32_t> cur(prev.size());
    for (uint32_t s = 0; s < steps; ++s)
    {
        for (uint32_t r = 0; r < n; ++r)
        {
            for (uint32_t k = 0; k < c; ++k)
            {
                uint64_t piece = stepBytes / c + (k + 1 == c ? stepBytes % c : 0);
                uint32_t t = Add(r, (r + 1) % n, piece);
                if (s > 0)
                {
                    Depend(t, prev[((r + n - 1) % n) * c + k]);
                }
                cur[r * c + k] = t;
            }
        }
        std::swap(prev, cur);
    }
}

void
UbCollectiveEngine::BuildHalvingDoubling(uint64_t bytes, bool reduceScatter, bool allGather)
{
    // Recursive halving (reduce-scatter: partners at distance N/2, N/4, ..., 1 exchange half of
    // what they hold) then recursive doubling (all-gather: distance 1, 2, ..., N/2, doubling).
    const uint32_t n = m_nRanks;
    std::vector<std::pair<uint32_t, uint64_t>> steps; // (distance, bytes per rank)
    if (reduceScatter)
    {
        uint64_t b = bytes;
        for (uint32_t d = n / 2; d >= 1; d /= 2)
        {
            b /= 2;
            steps.emplace_back(d, std::max<uint64_t>(b, 1));
        }
    }
    if (allGather)
    {
        uint64_t b = bytes / n;
        for (uint32_t d = 1; d < n; d *= 2)
        {
            steps.emplace_back(d, std::max<uint64_t>(b, 1));
            b *= 2;
        }
    }
    const uint32_t c = m_chunks;
    std::vector<uint32_t> prev(static_cast<std::size_t>(n) * c, UINT32_MAX);
    std::vector<uint32_t> cur(prev.size());
    uint32_t prevDist = 0;
    for (const auto& [d, b] : steps)
    {
        for (uint32_t r = 0; r < n; ++r)
        {
            for (uint32_t k = 0; k < c; ++k)
            {
                uint64_t piece = b / c + (k + 1 == c ? b % c : 0);
                uint32_t t = Add(r, r ^ d, piece);
                if (prevDist != 0)
                {
                    // What r forwards now includes what its last partner sent it.
                    Depend(t, prev[(r ^ prevDist) * c + k]);
                }
                cur[r * c + k] = t;
            }
        }
        std::swap(prev, cur);
        prevDist = d;
    }
}

void
UbCollectiveEngine::BuildInNetwork(uint64_t bytes)
{
    double total = 0;
    for (double w : m_shares)
    {
        total += w;
    }
    uint64_t given = 0;
    for (std::size_t j = 0; j < m_reducers.size(); ++j)
    {
        uint64_t share =
            (j + 1 == m_reducers.size())
                ? bytes - given
                : static_cast<uint64_t>(static_cast<double>(bytes) * m_shares[j] / total);
        given += share;
        const uint32_t red = m_reducers[j];
        for (uint32_t k = 0; k < m_chunks; ++k)
        {
            uint64_t piece = share / m_chunks + (k + 1 == m_chunks ? share % m_chunks : 0);
            std::vector<uint32_t> ups;
            for (uint32_t r = 0; r < m_nRanks; ++r)
            {
                ups.push_back(Add(r, red, piece)); // reduce: every rank's piece to the switch
            }
            for (uint32_t r = 0; r < m_nRanks; ++r)
            {
                uint32_t down = Add(red, r, piece); // multicast of the reduced piece
                for (uint32_t u : ups)
                {
                    Depend(down, u);
                }
            }
        }
    }
}

void
UbCollectiveEngine::Start(UbCollectiveOp op,
                          UbCollectiveAlgo algo,
                          uint64_t bytes,
                          DoneCallback done)
{
    NS_ABORT_MSG_IF(m_running, "UbCollectiveEngine: a collective is already running");
    NS_ABORT_MSG_IF(bytes == 0, "UbCollectiveEngine: a collective of 0 bytes");
    const uint32_t n = m_nRanks;
    m_graph.clear();
    m_inFlight.clear();
    m_delivered.clear();
    m_arrived = 0;
    m_result = UbCollectiveResult{};
    m_result.op = op;
    m_result.algo = algo;
    m_result.ranks = n;
    m_result.bytes = bytes;
    m_result.chunks = m_chunks;
    m_done = done;
    auto refuse = [&]() {
        NS_ABORT_MSG("UbCollectiveEngine: " << UbCollectiveOpName(op) << " has no "
                                            << UbCollectiveAlgoName(algo)
                                            << " algorithm here; use ring (AllReduce, AllGather, "
                                               "ReduceScatter), halving-doubling, double-tree, "
                                               "multi-ring, hierarchical or in-network "
                                               "(AllReduce), direct or multi-path (AllToAll) or "
                                               "chain (Broadcast)");
    };
    const uint64_t perRank = (bytes + n - 1) / n;
    switch (op)
    {
    case UbCollectiveOp::ALL_REDUCE:
        if (algo == UbCollectiveAlgo::RING)
        {
            BuildRingSteps(perRank, 2 * (n - 1));
        }
        else if (algo == UbCollectiveAlgo::DOUBLE_TREE)
        {
            BuildTree(bytes / 2, 0);
            BuildTree(bytes - bytes / 2, 1);
        }
        else if (algo == UbCollectiveAlgo::HIERARCHICAL)
        {
            NS_ABORT_MSG_IF(m_group == 0,
                            "UbCollectiveEngine: hierarchical AllReduce needs groups; call "
                            "SetGroupSize (ranks per domain)");
            BuildHierarchical(bytes);
        }
        else if (algo == UbCollectiveAlgo::IN_NETWORK)
        {
            NS_ABORT_MSG_IF(m_reducers.empty(),
                            "UbCollectiveEngine: in-network AllReduce needs reducing switches; "
                            "call SetReducers (UbCollectiveHelper::InstallSwitchReducers)");
            BuildInNetwork(bytes);
        }
        else if (algo == UbCollectiveAlgo::MULTI_RING)
        {
            BuildMultiRing(bytes);
        }
        else if (algo == UbCollectiveAlgo::HALVING_DOUBLING)
        {
            NS_ABORT_MSG_IF((n & (n - 1)) != 0,
                            "UbCollectiveEngine: halving-doubling needs a power-of-two number of "
                            "ranks, got "
                                << n << "; use ring");
            BuildHalvingDoubling(bytes, true, true);
        }
        else
        {
            refuse();
        }
        break;
    case UbCollectiveOp::ALL_GATHER:
    case UbCollectiveOp::REDUCE_SCATTER:
        if (algo != UbCollectiveAlgo::RING)
        {
            refuse();
        }
        BuildRingSteps(perRank, n - 1);
        break;
    case UbCollectiveOp::ALL_TO_ALL:
        if (algo == UbCollectiveAlgo::MULTI_PATH)
        {
            BuildMultiPath(nullptr, perRank);
            break;
        }
        if (algo != UbCollectiveAlgo::DIRECT)
        {
            refuse();
        }
        // Each rank sends a 1/N share to every other, starting with its right neighbour so
        // that no rank is everyone's first target.
        for (uint32_t r = 0; r < n; ++r)
        {
            for (uint32_t j = 1; j < n; ++j)
            {
                for (uint32_t k = 0; k < m_chunks; ++k)
                {
                    Add(r,
                        (r + j) % n,
                        perRank / m_chunks + (k + 1 == m_chunks ? perRank % m_chunks : 0));
                }
            }
        }
        break;
    case UbCollectiveOp::ALL_TO_ALLV:
        NS_ABORT_MSG("UbCollectiveEngine: start an All-to-Allv with StartAllToAllv (it needs its "
                     "bytes matrix)");
        break;
    case UbCollectiveOp::BROADCAST: {
        if (algo != UbCollectiveAlgo::CHAIN)
        {
            refuse();
        }
        std::vector<uint32_t> prev(m_chunks, UINT32_MAX);
        for (uint32_t i = 0; i + 1 < n; ++i)
        {
            uint32_t from = (m_root + i) % n;
            for (uint32_t k = 0; k < m_chunks; ++k)
            {
                uint32_t t = Add(from,
                                 (from + 1) % n,
                                 bytes / m_chunks + (k + 1 == m_chunks ? bytes % m_chunks : 0));
                if (prev[k] != UINT32_MAX)
                {
                    Depend(t, prev[k]);
                }
                prev[k] = t;
            }
        }
        break;
    }
    }
    Launch();
}

void
UbCollectiveEngine::Launch()
{
    m_result.transfers = m_graph.size();
    m_result.rankDone.assign(m_nRanks, Time(0));
    m_result.rankBytesIn.assign(m_nRanks, 0);
    if (!m_delivered.empty())
    {
        m_result.rankBytesIn = m_delivered; // known up front: transfers also carry forwarding
    }
    for (const auto& t : m_graph)
    {
        m_result.wireBytes += t.bytes;
    }
    m_running = true;
    m_result.start = Simulator::Now();
    m_wallStart = m_progressS > 0 ? WallSeconds() : 0;
    m_wallLast = m_wallStart;
    m_result.offload = m_offload;
    if (m_offload)
    {
        m_savedLatency.clear();
        for (uint32_t r = 0; r < m_nRanks; ++r)
        {
            TimeValue v;
            m_ranks[r]->GetAttribute("InitiatorLatency", v);
            m_savedLatency.push_back(v.Get());
            m_ranks[r]->SetAttribute("InitiatorLatency", TimeValue(m_offloadLatency));
        }
    }
    m_savedDetours.clear();
    if (m_minimal && (m_result.algo == UbCollectiveAlgo::MULTI_RING ||
                      m_result.algo == UbCollectiveAlgo::MULTI_PATH))
    {
        for (uint32_t r = 0; r < m_nRanks; ++r)
        {
            Ptr<UbSwitch> sw = m_ranks[r]->GetObject<UbSwitch>();
            BooleanValue v(true);
            if (sw)
            {
                sw->GetAttribute("SourceDetours", v);
                sw->SetAttribute("SourceDetours", BooleanValue(false));
            }
            m_savedDetours.push_back(v.Get());
        }
    }
    NS_LOG_INFO(UbCollectiveOpName(m_result.op)
                << " " << UbCollectiveAlgoName(m_result.algo) << " of " << m_result.bytes
                << " B over " << m_nRanks << " ranks: " << m_graph.size() << " transfers");
    if (m_graph.empty())
    {
        Finish();
        return;
    }
    for (uint32_t t = 0; t < m_graph.size(); ++t)
    {
        if (m_graph[t].waiting == 0)
        {
            Issue(t);
        }
    }
}

void
UbCollectiveEngine::StartAllToAllv(const std::vector<std::vector<uint64_t>>& bytes,
                                   DoneCallback done,
                                   UbCollectiveAlgo algo)
{
    NS_ABORT_MSG_IF(algo != UbCollectiveAlgo::DIRECT && algo != UbCollectiveAlgo::MULTI_PATH,
                    "UbCollectiveEngine::StartAllToAllv: use direct or multi-path, not "
                        << UbCollectiveAlgoName(algo));
    NS_ABORT_MSG_IF(m_running, "UbCollectiveEngine: a collective is already running");
    NS_ABORT_MSG_IF(bytes.size() != m_nRanks,
                    "UbCollectiveEngine::StartAllToAllv: the matrix has "
                        << bytes.size() << " rows for " << m_nRanks << " ranks");
    m_graph.clear();
    m_inFlight.clear();
    m_delivered.clear();
    m_arrived = 0;
    m_result = UbCollectiveResult{};
    m_result.op = UbCollectiveOp::ALL_TO_ALLV;
    m_result.algo = algo;
    m_result.ranks = m_nRanks;
    m_result.chunks = m_chunks;
    m_done = done;
    uint64_t total = 0;
    for (uint32_t r = 0; r < m_nRanks; ++r)
    {
        NS_ABORT_MSG_IF(bytes[r].size() != m_nRanks,
                        "UbCollectiveEngine::StartAllToAllv: row "
                            << r << " has " << bytes[r].size() << " entries");
        for (uint32_t j = 1; j < m_nRanks; ++j)
        {
            uint32_t d = (r + j) % m_nRanks;
            uint64_t b = bytes[r][d];
            total += b;
            for (uint32_t k = 0; k < m_chunks && b > 0 && algo == UbCollectiveAlgo::DIRECT; ++k)
            {
                uint64_t piece = b / m_chunks + (k + 1 == m_chunks ? b % m_chunks : 0);
                if (piece > 0)
                {
                    Add(r, d, piece);
                }
            }
        }
    }
    if (algo == UbCollectiveAlgo::MULTI_PATH)
    {
        BuildMultiPath(&bytes, 0);
    }
    // NCCL's size for All-to-All is one rank's send buffer: the mean row here.
    m_result.bytes = total / m_nRanks;
    Launch();
}

void
UbCollectiveEngine::Issue(uint32_t t)
{
    const Transfer& x = m_graph[t];
    m_inFlight[{x.src, x.dst}].push_back(t);
    // Strong order per pair: a pair's transfers arrive in the order they were issued, so each
    // notification at the target names the transfer at the head of the pair's queue.
    m_ranks[x.src]->WriteWithNotify(m_ranks[x.dst]->GetCna(), x.bytes, UbOrder::SO);
}

void
UbCollectiveEngine::OnNotify(uint32_t rank, uint32_t srcCna, UbOp op, uint64_t length)
{
    auto s = m_rankOfCna.find(srcCna);
    if (!m_running || s == m_rankOfCna.end() || op != UbOp::WRITE_NOTIFY)
    {
        return; // not ours
    }
    auto q = m_inFlight.find({s->second, rank});
    if (q == m_inFlight.end() || q->second.empty())
    {
        return;
    }
    uint32_t t = q->second.front();
    q->second.pop_front();
    NS_ABORT_MSG_IF(m_graph[t].bytes != length,
                    "UbCollectiveEngine: transfer " << t << " of " << m_graph[t].bytes
                                                    << " B arrived as " << length
                                                    << " B; ranks' writes arrived out of order");
    ++m_arrived;
    if (m_progressS > 0 && (m_arrived & 255) == 0)
    {
        double now = WallSeconds();
        if (now - m_wallLast >= m_progressS)
        {
            m_wallLast = now;
            std::cerr << "[collective] " << UbCollectiveOpName(m_result.op) << " "
                      << UbCollectiveAlgoName(m_result.algo) << ", " << m_nRanks << " ranks, "
                      << m_result.bytes << " B: " << (100 * m_arrived / m_graph.size()) << " % of "
                      << m_graph.size() << " transfers, "
                      << (Simulator::Now() - m_result.start).GetMicroSeconds() << " us simulated, "
                      << static_cast<uint64_t>(now - m_wallStart) << " s" << std::endl;
        }
    }
    if (rank < m_nRanks)
    {
        m_result.rankDone[rank] = Simulator::Now();
        if (m_delivered.empty())
        {
            m_result.rankBytesIn[rank] += length;
        }
    }
    for (uint32_t d : m_graph[t].dependents)
    {
        if (--m_graph[d].waiting == 0)
        {
            Issue(d);
        }
    }
    if (m_arrived == m_graph.size())
    {
        Finish();
    }
}

void
UbCollectiveEngine::Finish()
{
    m_running = false;
    m_result.end = Simulator::Now();
    for (uint32_t r = 0; r < m_savedLatency.size(); ++r)
    {
        m_ranks[r]->SetAttribute("InitiatorLatency", TimeValue(m_savedLatency[r]));
    }
    m_savedLatency.clear();
    for (uint32_t r = 0; r < m_savedDetours.size(); ++r)
    {
        if (Ptr<UbSwitch> sw = m_ranks[r]->GetObject<UbSwitch>())
        {
            sw->SetAttribute("SourceDetours", BooleanValue(m_savedDetours[r]));
        }
    }
    m_savedDetours.clear();
    NS_LOG_INFO(UbCollectiveOpName(m_result.op) << " done in " << m_result.Seconds() * 1e6
                                                << " us, busbw " << m_result.BusBw() << " GB/s");
    if (!m_done.IsNull())
    {
        m_done(m_result);
    }
}

} // namespace ns3
