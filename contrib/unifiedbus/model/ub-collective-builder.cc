/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * One builder per collective algorithm: each turns a UbCollectivePlan into a UbTransferGraph.
 * They share the pipelined ring (UbCollectiveBuilder::Ring) and the piece arithmetic, so they are
 * kept in one file, one section per algorithm.
 */
#include "ub-collective-builder.h"

#include "ns3/abort.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <memory>
#include <utility>

namespace ns3
{

namespace
{
/// Bytes of piece k of `bytes` cut into c pieces (the last takes the remainder).
inline uint64_t
Piece(uint64_t bytes, uint32_t c, uint32_t k)
{
    return bytes / c + (k + 1 == c ? bytes % c : 0);
}

/// NCCL's channel sizing as pieces: one per 32 KiB of the buffer, at most 32, pieces of at
/// least 4 KiB of a 1/N share (UbRingBuilder::AutoChunks).
uint32_t
NcclChannelPieces(const UbCollectivePlan& plan)
{
    const uint64_t channels = plan.bytes / (32 * 1024);
    const uint64_t step = (plan.bytes + plan.ranks - 1) / std::max<uint32_t>(plan.ranks, 1);
    const uint64_t c = std::min<uint64_t>({channels, step / 4096, 32});
    return static_cast<uint32_t>(std::max<uint64_t>(c, 1));
}

/// Levels of the in-order binary tree over n ranks (BuildTree): floor(log2 n) + 1.
uint32_t
TreeLevels(uint32_t n)
{
    uint32_t levels = 0;
    for (uint32_t v = std::max<uint32_t>(n, 1); v > 0; v /= 2)
    {
        ++levels;
    }
    return levels;
}
} // namespace

const UbCollectiveBuilder&
UbCollectiveBuilder::For(UbCollectiveAlgo algo)
{
    static const UbRingBuilder ring;
    static const UbHalvingDoublingBuilder hd;
    static const UbDoubleTreeBuilder tree;
    static const UbHierarchicalBuilder hierarchical;
    static const UbInNetworkBuilder inNetwork;
    static const UbMultiRingBuilder multiRing;
    static const UbDirectBuilder direct;
    static const UbMultiPathBuilder multiPath;
    static const UbChainBuilder chain;
    switch (algo)
    {
    case UbCollectiveAlgo::RING:
        return ring;
    case UbCollectiveAlgo::HALVING_DOUBLING:
        return hd;
    case UbCollectiveAlgo::DOUBLE_TREE:
        return tree;
    case UbCollectiveAlgo::HIERARCHICAL:
        return hierarchical;
    case UbCollectiveAlgo::IN_NETWORK:
        return inNetwork;
    case UbCollectiveAlgo::MULTI_RING:
        return multiRing;
    case UbCollectiveAlgo::DIRECT:
        return direct;
    case UbCollectiveAlgo::MULTI_PATH:
        return multiPath;
    case UbCollectiveAlgo::CHAIN:
        return chain;
    }
    NS_FATAL_ERROR("UbCollectiveBuilder: unknown algorithm");
}

bool
UbCollectiveBuilder::Generate(const UbCollectivePlan& /* plan */, UbTransferGraph& /* g */) const
{
    return false;
}

UbTransferGraph
UbCollectiveBuilder::BuildGenerated(const UbCollectivePlan& plan)
{
    const UbCollectiveBuilder& b = For(plan.algo);
    if (plan.chunks == 0 || !b.Supports(plan.op))
    {
        return Build(plan); // Build chooses the pieces or names what is wrong
    }
    UbTransferGraph g;
    if (b.Generate(plan, g))
    {
        return g;
    }
    return Build(plan);
}

UbTransferGraph
UbCollectiveBuilder::Build(const UbCollectivePlan& plan)
{
    NS_ABORT_MSG_IF(plan.ranks < 2, "UbCollectiveBuilder: a collective needs at least 2 ranks");
    const UbCollectiveBuilder& b = For(plan.algo);
    NS_ABORT_MSG_IF(plan.op == UbCollectiveOp::ALL_TO_ALLV && !plan.matrix,
                    "UbCollectiveEngine: start an All-to-Allv with StartAllToAllv (it needs its "
                    "bytes matrix)");
    if (!b.Supports(plan.op))
    {
        if (plan.op == UbCollectiveOp::ALL_TO_ALLV)
        {
            NS_FATAL_ERROR("UbCollectiveEngine::StartAllToAllv: use direct or multi-path, not "
                           << UbCollectiveAlgoName(plan.algo));
        }
        NS_FATAL_ERROR("UbCollectiveEngine: "
                       << UbCollectiveOpName(plan.op) << " has no "
                       << UbCollectiveAlgoName(plan.algo)
                       << " algorithm here; use ring (AllReduce, AllGather, ReduceScatter), "
                          "halving-doubling, double-tree, multi-ring, hierarchical or in-network "
                          "(AllReduce), direct or multi-path (AllToAll) or chain (Broadcast)");
    }
    UbTransferGraph g;
    if (plan.chunks == 0)
    {
        UbCollectivePlan chosen = plan; // 0: the algorithm chooses
        chosen.chunks = b.AutoChunks(plan);
        b.Build(chosen, g);
        return g;
    }
    b.Build(plan, g);
    return g;
}

std::vector<uint32_t>
UbCollectiveBuilder::Ring(UbTransferGraph& g,
                          uint32_t chunks,
                          const std::vector<uint32_t>& members,
                          uint64_t stepBytes,
                          uint32_t steps,
                          const std::vector<std::vector<uint32_t>>& after)
{
    // Member p may start only once the transfers after[p] have arrived at it. Returns, per
    // member, the last transfer that arrives at it.
    const auto m = static_cast<uint32_t>(members.size());
    const uint32_t c = chunks;
    std::vector<uint32_t> prev(static_cast<std::size_t>(m) * c, UINT32_MAX);
    std::vector<uint32_t> cur(prev.size());
    std::vector<uint32_t> last(m, UINT32_MAX);
    for (uint32_t s = 0; s < steps; ++s)
    {
        for (uint32_t p = 0; p < m; ++p)
        {
            for (uint32_t k = 0; k < c; ++k)
            {
                uint32_t t = g.Add(members[p], members[(p + 1) % m], Piece(stepBytes, c, k));
                if (s > 0)
                {
                    g.Depend(t, prev[((p + m - 1) % m) * c + k]);
                }
                else if (!after.empty())
                {
                    for (uint32_t a : after[p])
                    {
                        g.Depend(t, a);
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

uint32_t
UbCollectiveBuilder::AutoChunks(const UbCollectivePlan&) const
{
    return 1;
}

bool
UbCollectiveBuilder::Phases(const UbCollectivePlan&, std::vector<UbRingPhase>& phases) const
{
    phases.clear();
    return false;
}

// ---------------------------------------------------------------------------------------------
// Ring

uint32_t
UbRingBuilder::AutoChunks(const UbCollectivePlan& plan) const
{
    return NcclChannelPieces(plan);
}

uint32_t
UbHalvingDoublingBuilder::AutoChunks(const UbCollectivePlan& plan) const
{
    return NcclChannelPieces(plan);
}

uint32_t
UbDoubleTreeBuilder::AutoChunks(const UbCollectivePlan& plan) const
{
    // A tree pipelines through its depth with 8 slots per connection (BuildTree), so it wants
    // more pieces than a ring: at least one per 64 KiB of the buffer, at most 1,024.
    const uint64_t byBytes = std::min<uint64_t>(plan.bytes / (64 * 1024), 1024);
    uint64_t pieces = std::max<uint64_t>(NcclChannelPieces(plan), byBytes);
    if (plan.sprayBytes > 0)
    {
        // Each piece also costs about one packet on every path it is spread over (it arrives
        // with its last packet): pipelining a tree of L levels, up and down, with that overhead
        // o is best near k = sqrt(4 L S / o) pieces, the optimum of (k + 4 L) (o + S / k) with
        // the pipeline's fill taken as 4 L pieces (an assumption fitted on ascend950-ub2 and
        // ubmesh-ub2, 1-16 MiB; with 256-B NVLink packets o is small and this does not bind).
        const double levels = TreeLevels(plan.ranks);
        const double best = std::sqrt(4.0 * levels * static_cast<double>(plan.bytes) /
                                      static_cast<double>(plan.sprayBytes));
        pieces = std::min<uint64_t>(pieces, std::max<uint64_t>(1, std::llround(best)));
    }
    return static_cast<uint32_t>(pieces);
}

uint32_t
UbMultiRingBuilder::AutoChunks(const UbCollectivePlan& plan) const
{
    uint32_t x = plan.ranks;
    if (!plan.dims.empty())
    {
        x = *std::max_element(plan.dims.begin(), plan.dims.end());
    }
    const uint32_t rings = std::max<uint32_t>(x, 2) - 1;
    return std::max<uint32_t>(1, (NcclChannelPieces(plan) + rings - 1) / rings);
}

uint32_t
UbHierarchicalBuilder::AutoChunks(const UbCollectivePlan& plan) const
{
    return NcclChannelPieces(plan);
}

bool
UbRingBuilder::Supports(UbCollectiveOp op) const
{
    return op == UbCollectiveOp::ALL_REDUCE || op == UbCollectiveOp::ALL_GATHER ||
           op == UbCollectiveOp::REDUCE_SCATTER;
}

void
UbRingBuilder::Build(const UbCollectivePlan& plan, UbTransferGraph& g) const
{
    // Step s: rank r sends to r+1 what it received from r-1 in step s-1 (reduced, for the
    // reduce-scatter half of an AllReduce), cut into pieces that pipeline.
    const uint32_t n = plan.ranks;
    const uint64_t perRank = (plan.bytes + n - 1) / n;
    std::vector<uint32_t> members(n);
    for (uint32_t r = 0; r < n; ++r)
    {
        members[r] = r;
    }
    uint32_t steps = plan.op == UbCollectiveOp::ALL_REDUCE ? 2 * (n - 1) : n - 1;
    Ring(g, plan.chunks, members, perRank, steps, {});
}

bool
UbRingBuilder::Phases(const UbCollectivePlan& plan, std::vector<UbRingPhase>& phases) const
{
    // As Build: one ring over all ranks.
    const uint32_t n = plan.ranks;
    UbRingPhase ph;
    ph.rings.emplace_back(n);
    for (uint32_t r = 0; r < n; ++r)
    {
        ph.rings[0][r] = r;
    }
    ph.steps = plan.op == UbCollectiveOp::ALL_REDUCE ? 2 * (n - 1) : n - 1;
    ph.stepBytes = (plan.bytes + n - 1) / n;
    phases.assign(1, std::move(ph));
    return true;
}

bool
UbRingBuilder::Generate(const UbCollectivePlan& plan, UbTransferGraph& g) const
{
    // As Build (Ring), one stream per piece: batch s of stream k is step s of piece k, rank after
    // rank, and depends only on step s - 1 of the same piece. Transfer (s, p, k) gets the index
    // Ring gives it, (s n + p) c + k.
    const uint32_t n = plan.ranks;
    const uint32_t c = plan.chunks;
    const uint64_t perRank = (plan.bytes + n - 1) / n;
    const uint32_t steps = plan.op == UbCollectiveOp::ALL_REDUCE ? 2 * (n - 1) : n - 1;
    uint64_t pieceBytes = 0;
    for (uint32_t k = 0; k < c; ++k)
    {
        pieceBytes += std::max<uint64_t>(Piece(perRank, c, k), 1);
    }
    auto next = std::make_shared<std::vector<uint32_t>>(c, 0); // per piece: its next step
    g.SetGenerator(
        c,
        [n, c, perRank, steps, next](UbTransferGraph& g, uint32_t k) {
            const uint32_t s = (*next)[k];
            if (s == steps)
            {
                return false;
            }
            for (uint32_t p = 0; p < n; ++p)
            {
                const UbTransferId t = g.Add(p, (p + 1) % n, Piece(perRank, c, k));
                if (s > 0)
                {
                    // what p received from p - 1 in the step before
                    g.Depend(t, (static_cast<uint64_t>(s - 1) * n + (p + n - 1) % n) * c + k);
                }
            }
            ++(*next)[k];
            return true;
        },
        1,
        static_cast<uint64_t>(steps) * n * c,
        static_cast<uint64_t>(steps) * n * pieceBytes);
    return true;
}

// ---------------------------------------------------------------------------------------------
// Halving-doubling

bool
UbHalvingDoublingBuilder::Supports(UbCollectiveOp op) const
{
    return op == UbCollectiveOp::ALL_REDUCE;
}

void
UbHalvingDoublingBuilder::Build(const UbCollectivePlan& plan, UbTransferGraph& g) const
{
    // Recursive halving (reduce-scatter: partners at distance N/2, N/4, ..., 1 exchange half of
    // what they hold) then recursive doubling (all-gather: distance 1, 2, ..., N/2, doubling).
    const uint32_t n = plan.ranks;
    NS_ABORT_MSG_IF(
        (n & (n - 1)) != 0,
        "UbCollectiveEngine: halving-doubling needs a power-of-two number of ranks, got "
            << n << "; use ring");
    const uint64_t bytes = plan.bytes;
    const bool reduceScatter = true;
    const bool allGather = true;
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
    const uint32_t c = plan.chunks;
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
                uint32_t t = g.Add(r, r ^ d, piece);
                if (prevDist != 0)
                {
                    // What r forwards now includes what its last partner sent it.
                    g.Depend(t, prev[(r ^ prevDist) * c + k]);
                }
                cur[r * c + k] = t;
            }
        }
        std::swap(prev, cur);
        prevDist = d;
    }
}

// ---------------------------------------------------------------------------------------------
// Double binary tree

bool
UbDoubleTreeBuilder::Supports(UbCollectiveOp op) const
{
    return op == UbCollectiveOp::ALL_REDUCE;
}

namespace
{
/// Parent of position x (1..n) in the in-order binary tree over 1..n (0 for the root, the largest
/// power of two not above n): the nearest ancestor in the infinite in-order tree, where node
/// (2m + 1) l (l a power of two) has parent 2m l or (2m + 2) l, whichever is a multiple of 2 l.
uint32_t
InOrderParent(uint32_t x, uint32_t n)
{
    uint32_t root = 1;
    while (root * 2 <= n)
    {
        root *= 2;
    }
    if (x == root)
    {
        return 0;
    }
    uint64_t v = x;
    while (true)
    {
        const uint64_t l = v & (~v + 1);
        const uint64_t m = (v / l - 1) / 2;
        v = (m % 2 == 1) ? v - l : v + l;
        if (v <= n)
        {
            return static_cast<uint32_t>(v);
        }
    }
}

void
BuildTree(const UbCollectivePlan& plan, UbTransferGraph& g, uint64_t bytes, uint32_t shift)
{
    // NCCL's double binary tree (two trees, each over half the data): an in-order binary tree
    // over positions 1..N, whose inner nodes are the even positions; position x is held by rank
    // (x - 1 + shift) mod N, so with shift 0 the odd ranks are inner nodes and with shift 1 the
    // even ones: every rank is an inner node of one tree and a leaf of the other, and sends and
    // receives about 2 S in all (Sanders et al.'s two-tree construction). Piece k is reduced up
    // the tree (a node forwards once every child's piece k has arrived) and broadcast back down.
    const uint32_t n = plan.ranks;
    auto rank = [n, shift](uint32_t x) { return (x - 1 + shift) % n; };
    std::vector<uint32_t> parent(n + 1, 0);
    std::vector<std::vector<uint32_t>> children(n + 1);
    uint32_t root = 0;
    for (uint32_t x = 1; x <= n; ++x)
    {
        parent[x] = InOrderParent(x, n);
        if (parent[x] == 0)
        {
            root = x;
        }
        else
        {
            children[parent[x]].push_back(x);
        }
    }
    // Children before parents: order the positions by depth, deepest first.
    std::vector<uint32_t> depth(n + 1, 0);
    std::vector<uint32_t> order;
    for (uint32_t x = 1; x <= n; ++x)
    {
        for (uint32_t y = x; parent[y] != 0; y = parent[y])
        {
            ++depth[x];
        }
        order.push_back(x);
    }
    std::stable_sort(order.begin(), order.end(), [&depth](uint32_t a, uint32_t b) {
        return depth[a] > depth[b];
    });
    const uint32_t c = plan.chunks;
    // Each connection has NCCL_STEPS = 8 buffer slots: piece k may leave only once piece k - 8
    // on the same edge has arrived, so a leaf does not send its whole share at once ahead of
    // the other tree's pieces on the same pair.
    constexpr uint32_t kSlots = 8;
    std::vector<std::vector<uint32_t>> upAt(c), downAt(c);
    for (uint32_t k = 0; k < c; ++k)
    {
        uint64_t piece = bytes / c + (k + 1 == c ? bytes % c : 0);
        std::vector<uint32_t> up(n + 1, UINT32_MAX);
        for (uint32_t x : order)
        {
            if (x == root)
            {
                continue;
            }
            uint32_t t = g.Add(rank(x), rank(parent[x]), piece);
            for (uint32_t ch : children[x])
            {
                g.Depend(t, up[ch]);
            }
            if (k >= kSlots)
            {
                g.Depend(t, upAt[k - kSlots][x]);
            }
            up[x] = t;
        }
        std::vector<uint32_t> down(n + 1, UINT32_MAX);
        for (auto it = order.rbegin(); it != order.rend(); ++it) // parents before children
        {
            const uint32_t x = *it;
            if (x == root)
            {
                continue;
            }
            const uint32_t p = parent[x];
            uint32_t t = g.Add(rank(p), rank(x), piece);
            if (p == root)
            {
                for (uint32_t ch : children[root]) // the root has everything once they report
                {
                    g.Depend(t, up[ch]);
                }
            }
            else
            {
                g.Depend(t, down[p]);
            }
            if (k >= kSlots)
            {
                g.Depend(t, downAt[k - kSlots][x]);
            }
            down[x] = t;
        }
        upAt[k] = std::move(up);
        downAt[k] = std::move(down);
    }
}

} // namespace

void
UbDoubleTreeBuilder::Build(const UbCollectivePlan& plan, UbTransferGraph& g) const
{
    BuildTree(plan, g, plan.bytes / 2, 0);
    BuildTree(plan, g, plan.bytes - plan.bytes / 2, 1);
}

// ---------------------------------------------------------------------------------------------
// Hierarchical

bool
UbHierarchicalBuilder::Supports(UbCollectiveOp op) const
{
    return op == UbCollectiveOp::ALL_REDUCE;
}

namespace
{
/**
 * The hierarchical AllReduce a step at a time: batch b is one step of one phase in every ring of
 * that phase (reduce-scatter in the groups: g - 1 steps; AllReduce across them: 2 (groups - 1);
 * all-gather in the groups: g - 1). Its transfers are (rank r, piece k) in that order, so
 * transfer (b, r, k) has index (b n + r) c + k. A transfer of a step forwards what arrived at its
 * rank in the step before, the same piece; the first step of a phase waits for the rank's last
 * arrival of the phase before (its last piece), as NCCL's next phase starts once the rank holds
 * its data.
 */
struct HierarchicalSteps
{
    /// \param plan the plan (group checked)
    explicit HierarchicalSteps(const UbCollectivePlan& plan)
        : n(plan.ranks),
          g(plan.group),
          groups(plan.ranks / plan.group),
          c(plan.chunks),
          shard((plan.bytes + plan.group - 1) / plan.group),
          across((shard + groups - 1) / groups)
    {
    }

    /// \return batches (steps over the three phases)
    uint32_t Batches() const
    {
        return 2 * (g - 1) + 2 * (groups - 1);
    }

    /// \param b a batch \return true if it is a step of the AllReduce across the groups
    bool Across(uint32_t b) const
    {
        return b >= g - 1 && b < g - 1 + 2 * (groups - 1);
    }

    /// \param r a rank \param across in the ring across groups \return r's successor
    uint32_t Next(uint32_t r, bool acrossGroups) const
    {
        const uint32_t q = r / g;
        const uint32_t i = r % g;
        return acrossGroups ? ((q + 1) % groups) * g + i : q * g + (i + 1) % g;
    }

    /// \param r a rank \param across in the ring across groups \return r's predecessor
    uint32_t Prev(uint32_t r, bool acrossGroups) const
    {
        const uint32_t q = r / g;
        const uint32_t i = r % g;
        return acrossGroups ? ((q + groups - 1) % groups) * g + i : q * g + (i + g - 1) % g;
    }

    /// \param b a batch \return the data bytes of its transfers
    uint64_t BatchBytes(uint32_t b) const
    {
        uint64_t total = 0;
        for (uint32_t k = 0; k < c; ++k)
        {
            total += std::max<uint64_t>(Piece(Across(b) ? across : shard, c, k), 1);
        }
        return total * n;
    }

    /// Add batch b's transfers to gr (after batches 0 .. b - 1). \param gr the graph \param b
    /// the batch
    void Add(UbTransferGraph& gr, uint32_t b) const
    {
        const bool acrossGroups = Across(b);
        const bool samePhase = b > 0 && Across(b - 1) == acrossGroups;
        const uint64_t stepBytes = acrossGroups ? across : shard;
        for (uint32_t r = 0; r < n; ++r)
        {
            const uint32_t dst = Next(r, acrossGroups);
            const uint32_t from = b > 0 ? Prev(r, Across(b - 1)) : 0;
            for (uint32_t k = 0; k < c; ++k)
            {
                const UbTransferId t = gr.Add(r, dst, Piece(stepBytes, c, k));
                if (b > 0)
                {
                    const UbTransferId before = (static_cast<uint64_t>(b - 1) * n + from) * c;
                    gr.Depend(t, before + (samePhase ? k : c - 1));
                }
            }
        }
    }

    uint32_t n;      //!< ranks
    uint32_t g;      //!< ranks per group
    uint32_t groups; //!< groups
    uint32_t c;      //!< pieces per step
    uint64_t shard;  //!< bytes a rank owns after the reduce-scatter (a step in a group)
    uint64_t across; //!< bytes of a step across the groups
};

/// Stop with a message if a hierarchical plan has no groups. \param plan the plan
void
CheckGroups(const UbCollectivePlan& plan)
{
    NS_ABORT_MSG_IF(plan.group == 0,
                    "UbCollectiveEngine: hierarchical AllReduce needs groups; call SetGroupSize "
                    "(ranks per domain)");
}
} // namespace

void
UbHierarchicalBuilder::Build(const UbCollectivePlan& plan, UbTransferGraph& gr) const
{
    // Reduce-scatter in each group, AllReduce of each shard across the groups (rank i of every
    // group), all-gather in each group: step after step, as Generate.
    CheckGroups(plan);
    const HierarchicalSteps steps(plan);
    for (uint32_t b = 0; b < steps.Batches(); ++b)
    {
        steps.Add(gr, b);
    }
}

bool
UbHierarchicalBuilder::Generate(const UbCollectivePlan& plan, UbTransferGraph& gr) const
{
    // One stream, a batch per step: the same transfers, indices and results as Build. A step
    // depends only on the step before it (lookback 1), so a run holds about two steps of every
    // ring instead of all 2 (g - 1) + 2 (groups - 1); each step holds every rank's transfers.
    CheckGroups(plan);
    const HierarchicalSteps steps(plan);
    uint64_t totalBytes = 0;
    for (uint32_t b = 0; b < steps.Batches(); ++b)
    {
        totalBytes += steps.BatchBytes(b);
    }
    auto next = std::make_shared<uint32_t>(0);
    gr.SetGenerator(
        1,
        [steps, next](UbTransferGraph& g, uint32_t) {
            if (*next == steps.Batches())
            {
                return false;
            }
            steps.Add(g, (*next)++);
            return true;
        },
        1,
        static_cast<uint64_t>(steps.Batches()) * steps.n * steps.c,
        totalBytes);
    return true;
}

bool
UbHierarchicalBuilder::Phases(const UbCollectivePlan& plan, std::vector<UbRingPhase>& phases) const
{
    // As Build: reduce-scatter in each group, AllReduce across the groups (rank i of each), then
    // all-gather in each group.
    CheckGroups(plan);
    const uint32_t g = plan.group;
    const uint32_t groups = plan.ranks / g;
    const uint64_t shard = (plan.bytes + g - 1) / g;
    UbRingPhase inside;
    for (uint32_t q = 0; q < groups; ++q)
    {
        inside.rings.emplace_back(g);
        for (uint32_t i = 0; i < g; ++i)
        {
            inside.rings.back()[i] = q * g + i;
        }
    }
    inside.steps = g - 1;
    inside.stepBytes = shard;
    UbRingPhase across;
    for (uint32_t i = 0; i < g; ++i)
    {
        across.rings.emplace_back(groups);
        for (uint32_t q = 0; q < groups; ++q)
        {
            across.rings.back()[q] = q * g + i;
        }
    }
    across.steps = 2 * (groups - 1);
    across.stepBytes = (shard + groups - 1) / groups;
    phases.clear();
    phases.push_back(inside);
    phases.push_back(std::move(across));
    phases.push_back(std::move(inside));
    return true;
}

// ---------------------------------------------------------------------------------------------
// In-network

bool
UbInNetworkBuilder::Supports(UbCollectiveOp op) const
{
    return op == UbCollectiveOp::ALL_REDUCE;
}

uint32_t
UbInNetworkBuilder::AutoChunks(const UbCollectivePlan& plan) const
{
    double total = 0;
    double most = 0;
    for (double w : plan.reducerShares)
    {
        total += w;
        most = std::max(most, w);
    }
    if (total <= 0)
    {
        return 1;
    }
    double headShare = static_cast<double>(plan.bytes) * most / total / plan.ranks;
    return static_cast<uint32_t>(std::max(1.0, std::ceil(headShare / 8192)));
}

void
UbInNetworkBuilder::Build(const UbCollectivePlan& plan, UbTransferGraph& g) const
{
    Generate(plan, g);
    g.GenerateAll();
}

bool
UbInNetworkBuilder::Generate(const UbCollectivePlan& plan, UbTransferGraph& g) const
{
    // NVLS as NCCL runs it on one NVLink domain (src/device/all_reduce.h, NCCL_ALGO_NVLS): every
    // rank is the head of 1/N of the buffer. For each piece of its share a head issues
    // multimem.ld_reduce: the switch reads the piece from every rank (their read responses are
    // the transfers rank -> switch), reduces them (on its engine, if it has one) and returns the
    // sum to the head (switch -> head, with the piece as the engine's work); the head then issues
    // multimem.st of the sum: one write to the switch (head -> switch), which multicasts it to
    // every rank, the head included (switch -> rank). Per rank and direction that is
    // S (1 + 1/N) bytes. A rank's reads and stores are its engine's work
    // (UbController::InNetworkRate): what limits NVLS in NVIDIA's measurements. The buffer is
    // striped over the reducing switches by their shares, as NVLink stripes a multicast object
    // over the links to each switch. The read requests are not packets here: they are a few
    // bytes and their latency hides behind the pieces in flight.
    NS_ABORT_MSG_IF(plan.reducerShares.empty(),
                    "UbCollectiveEngine: in-network AllReduce needs reducing switches; call "
                    "SetReducers (UbCollectiveHelper::InstallSwitchReducers)");

    // One stream per reducing switch: each holds its own window of reductions and goes at its
    // own pace (a switch with more links reduces a larger share).
    struct Switch
    {
        uint64_t share{0};             // bytes it reduces
        std::deque<UbTransferId> sums; // its last `window` reductions
        uint32_t k{0};                 // next piece index
        uint32_t h{0};                 // next head
    };

    struct State
    {
        uint32_t n{0};                // ranks (heads)
        uint32_t c{0};                // pieces per head and switch
        std::size_t window{0};        // reductions each switch holds at once
        std::vector<Switch> switches; // the streams
    };

    auto st = std::make_shared<State>();
    st->n = plan.ranks;
    st->c = plan.chunks;
    // The switch holds a fixed number of reductions at once, whatever the rank count
    // (UbInNetworkBuilder::DefaultWindow): the window covers the loop's bandwidth-delay
    // product, and more would only queue pieces on the ranks' links to the switch.
    st->window = plan.reducerWindow ? plan.reducerWindow : DefaultWindow;
    double total = 0;
    for (double w : plan.reducerShares)
    {
        total += w;
    }
    uint64_t given = 0;
    uint64_t totalN = 0;
    uint64_t totalBytes = 0;
    for (std::size_t j = 0; j < plan.reducerShares.size(); ++j)
    {
        Switch sw;
        sw.share = (j + 1 == plan.reducerShares.size())
                       ? plan.bytes - given
                       : static_cast<uint64_t>(static_cast<double>(plan.bytes) *
                                               plan.reducerShares[j] / total);
        given += sw.share;
        for (uint32_t k = 0; k < st->c; ++k)
        {
            for (uint32_t h = 0; h < st->n; ++h)
            {
                const uint64_t piece = Piece(Piece(sw.share, st->n, h), st->c, k);
                totalN += piece > 0 ? 2 * st->n + 2 : 0;
                totalBytes += piece > 0 ? piece * (2 * st->n + 2) : 0;
            }
        }
        st->switches.push_back(sw);
    }
    // A batch is one piece of one head at one switch (pieces of 0 bytes are skipped), so the
    // reduction `window` before it is `window` batches back.
    g.SetGenerator(
        static_cast<uint32_t>(st->switches.size()),
        [st](UbTransferGraph& g, uint32_t j) {
            const uint32_t n = st->n;
            Switch& sw = st->switches[j];
            uint64_t piece = 0;
            uint32_t h = 0;
            while (piece == 0 && sw.k < st->c)
            {
                h = sw.h;
                piece = Piece(Piece(sw.share, n, h), st->c, sw.k);
                if (++sw.h == n)
                {
                    sw.h = 0;
                    ++sw.k;
                }
            }
            if (piece == 0)
            {
                return false;
            }
            const auto red = static_cast<uint32_t>(n + j); // reducers come after the ranks
            std::vector<UbTransferId> ups(n);
            for (uint32_t r = 0; r < n; ++r)
            {
                // ld_reduce: each rank's piece read, on the rank's engine (InNetworkRate)
                ups[r] = g.Add(r, red, piece, piece);
                if (sw.sums.size() >= st->window)
                {
                    g.Depend(ups[r], sw.sums.front()); // the switch holds this many reductions
                }
            }
            const UbTransferId sum =
                g.Add(red, h, piece, piece); // reduced on the engine, to the head
            for (UbTransferId u : ups)
            {
                g.Depend(sum, u);
            }
            if (sw.sums.size() >= st->window)
            {
                sw.sums.pop_front();
            }
            sw.sums.push_back(sum);
            const UbTransferId store =
                g.Add(h, red, piece, piece); // multimem.st of the sum, likewise
            g.Depend(store, sum);
            for (uint32_t r = 0; r < n; ++r)
            {
                const UbTransferId down = g.Add(red, r, piece); // the switch's multicast
                g.Depend(down, store);
            }
            return true;
        },
        static_cast<uint32_t>(st->window),
        totalN,
        totalBytes);
    return true;
}

// ---------------------------------------------------------------------------------------------
// Multi-ring

bool
UbMultiRingBuilder::Supports(UbCollectiveOp op) const
{
    return op == UbCollectiveOp::ALL_REDUCE;
}

std::vector<uint32_t>
UbMultiRingBuilder::RingStrides(uint32_t x)
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
UbMultiRingBuilder::RingOrders(uint32_t x)
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
UbMultiRingBuilder::Build(const UbCollectivePlan& plan, UbTransferGraph& g) const
{
    const uint64_t bytes = plan.bytes;
    // Share q of the data (one per dimension) reduce-scatters along dimensions q, q+1, ... and
    // all-gathers back in the reverse order, so at any time the shares load different
    // dimensions. Inside a dimension of size x, the lines of ranks that differ only in that
    // coordinate each run the RingOrders(x) rings at once, each on an equal part of the data.
    const std::vector<uint32_t> dims =
        plan.dims.empty() ? std::vector<uint32_t>{plan.ranks} : plan.dims;
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
        std::vector<std::vector<uint32_t>> held(plan.ranks); // transfers a rank waits for
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
            std::vector<std::vector<uint32_t>> next(plan.ranks);
            for (uint32_t base = 0; base < plan.ranks; ++base)
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
                    auto last = Ring(g, plan.chunks, members, step, x - 1, after);
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

// ---------------------------------------------------------------------------------------------
// Direct All-to-All(v)

bool
UbDirectBuilder::Supports(UbCollectiveOp op) const
{
    return op == UbCollectiveOp::ALL_TO_ALL || op == UbCollectiveOp::ALL_TO_ALLV;
}

void
UbDirectBuilder::Build(const UbCollectivePlan& plan, UbTransferGraph& g) const
{
    // Each rank sends to every other, starting with its right neighbour so that no rank is
    // everyone's first target.
    const uint32_t n = plan.ranks;
    const uint32_t c = plan.chunks;
    const uint64_t perRank = (plan.bytes + n - 1) / n;
    for (uint32_t r = 0; r < n; ++r)
    {
        for (uint32_t j = 1; j < n; ++j)
        {
            uint32_t d = (r + j) % n;
            if (plan.op == UbCollectiveOp::ALL_TO_ALL)
            {
                for (uint32_t k = 0; k < c; ++k)
                {
                    g.Add(r, d, Piece(perRank, c, k));
                }
                continue;
            }
            uint64_t b = (*plan.matrix)[r][d];
            for (uint32_t k = 0; k < c && b > 0; ++k)
            {
                uint64_t piece = Piece(b, c, k);
                if (piece > 0)
                {
                    g.Add(r, d, piece);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Multi-path All-to-All(v)

bool
UbMultiPathBuilder::Supports(UbCollectiveOp op) const
{
    return op == UbCollectiveOp::ALL_TO_ALL || op == UbCollectiveOp::ALL_TO_ALLV;
}

void
UbMultiPathBuilder::Build(const UbCollectivePlan& plan, UbTransferGraph& g) const
{
    const std::vector<std::vector<uint64_t>>* matrix =
        plan.op == UbCollectiveOp::ALL_TO_ALLV ? plan.matrix : nullptr;
    const uint64_t uniform = matrix ? 0 : (plan.bytes + plan.ranks - 1) / plan.ranks;
    // Every (source, destination) block is split over the dimension orders q, q+1, ... (one
    // share per dimension) and forwarded one dimension at a time: at phase j it moves from the
    // rank that holds it to the rank that has the destination's coordinate in dimension
    // order[j] (staying put if it already has). What one rank forwards to one peer in a phase is
    // one transfer, which waits for everything that reached the rank in the share's earlier
    // phases.
    const std::vector<uint32_t> dims =
        plan.dims.empty() ? std::vector<uint32_t>{plan.ranks} : plan.dims;
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
    const uint32_t n = plan.ranks;
    const uint32_t c = plan.chunks;
    auto coord = [&](uint32_t r, uint32_t d) { return (r / stride[d]) % dims[d]; };
    std::vector<uint64_t> delivered(n, 0); // what each rank receives for itself (transfers forward)
    for (uint32_t src = 0; src < n; ++src)
    {
        for (uint32_t dst = 0; dst < n; ++dst)
        {
            delivered[dst] += src == dst ? 0 : matrix ? (*matrix)[src][dst] : uniform;
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
                    uint32_t t = g.Add(from, to, piece);
                    for (uint32_t a : arrived[k][from])
                    {
                        g.Depend(t, a);
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
    g.SetDelivered(std::move(delivered));
}

// ---------------------------------------------------------------------------------------------
// Chain Broadcast

bool
UbChainBuilder::Supports(UbCollectiveOp op) const
{
    return op == UbCollectiveOp::BROADCAST;
}

uint32_t
UbChainBuilder::AutoChunks(const UbCollectivePlan& plan) const
{
    return static_cast<uint32_t>(std::clamp<uint64_t>(plan.bytes / (512 * 1024), 1, 1024));
}

void
UbChainBuilder::Build(const UbCollectivePlan& plan, UbTransferGraph& g) const
{
    const uint32_t n = plan.ranks;
    const uint32_t c = plan.chunks;
    std::vector<uint32_t> prev(c, UINT32_MAX);
    for (uint32_t i = 0; i + 1 < n; ++i)
    {
        uint32_t from = (plan.root + i) % n;
        for (uint32_t k = 0; k < c; ++k)
        {
            uint32_t t = g.Add(from, (from + 1) % n, Piece(plan.bytes, c, k));
            if (prev[k] != UINT32_MAX)
            {
                g.Depend(t, prev[k]);
            }
            prev[k] = t;
        }
    }
}

} // namespace ns3
