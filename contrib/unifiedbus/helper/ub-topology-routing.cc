/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-topology-routing.h"

#include "ns3/abort.h"
#include "ns3/ub-error.h"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/visitors.hpp>
#include <boost/pending/queue.hpp>
#include <cctype>
#include <limits>
#include <optional>
#include <unordered_set>

namespace ns3
{

bool
UbTopologyRouting::VlPolicyFromName(const std::string& name, VlPolicy& policy)
{
    std::string k;
    for (char c : name)
    {
        if (c != '-' && c != '_')
        {
            k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    if (k == "fromsl")
    {
        policy = VL_FROM_SL;
        return true;
    }
    if (k == "finalhopvl1")
    {
        policy = FINAL_HOP_VL1;
        return true;
    }
    return false;
}

std::string
UbTopologyRouting::VlPolicyName(VlPolicy policy)
{
    return policy == FINAL_HOP_VL1 ? "final-hop-vl1" : "from-sl";
}

namespace
{
constexpr uint32_t INF = std::numeric_limits<uint32_t>::max();
constexpr uint32_t NONE = std::numeric_limits<uint32_t>::max();

/**
 * When endpoint v cannot reach endpoint d over relaying nodes: the first endpoint that does not
 * forward on a path from v to d through any nodes (NONE if there is no such path at all).
 */
uint32_t
NonForwardingRelay(const UbTopology& t, uint32_t v, uint32_t d)
{
    std::vector<uint32_t> parent(t.GetNNodes(), NONE);
    std::vector<uint32_t> queue{v};
    parent[v] = v;
    for (std::size_t i = 0; i < queue.size() && parent[d] == NONE; ++i)
    {
        const uint32_t u = queue[i];
        for (uint32_t k = 0; k < t.GetDegree(u); ++k)
        {
            const uint32_t w = t.GetPorts(u)[k].peer;
            if (parent[w] == NONE && t.GetLink(t.GetPorts(u)[k].link).up)
            {
                parent[w] = u;
                queue.push_back(w);
            }
        }
    }
    if (parent[d] == NONE)
    {
        return NONE;
    }
    uint32_t relay = NONE;
    for (uint32_t x = parent[d]; x != v; x = parent[x])
    {
        if (t.IsEndpoint(x) && !t.Forwards(x))
        {
            relay = x; // the one nearest v, after the loop
        }
    }
    return relay;
}
} // namespace

// ---------------------------------------------------------------------------------------------
// Shortest paths

UbRouteSet
UbTopologyRouting::ShortestPaths(const UbTopology& t, VlPolicy vlPolicy)
{
    const uint32_t n = t.GetNNodes();
    UbRouteSet routes(n);
    const uint8_t vlBase = (vlPolicy == VL_FROM_SL) ? UB_VL_FROM_SL : 0;
    const uint8_t vlFinal = (vlPolicy == VL_FROM_SL) ? UB_VL_FROM_SL : 1;
    bool weighted = false;
    for (uint32_t i = 0; i < t.GetNLinks() && !weighted; ++i)
    {
        weighted = t.GetLink(i).cost != 1;
    }

    // The search runs from the destination outward: an edge u -> w means "w may hand a packet
    // to u", which needs u to forward (or to be the destination, handled by the seeds). Unit
    // costs use breadth-first search; link costs use Dijkstra from the seeds, each starting at
    // the cost of its link to the destination.
    struct Weight
    {
        uint32_t w;
    };

    using Csr = boost::compressed_sparse_row_graph<boost::directedS>;
    using WCsr = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, Weight>;
    std::vector<std::pair<uint32_t, uint32_t>> edges;
    std::vector<Weight> weights;
    edges.reserve(2ULL * t.GetNLinks());
    for (uint32_t i = 0; i < t.GetNLinks(); ++i)
    {
        const auto& l = t.GetLink(i);
        if (!l.up)
        {
            continue;
        }
        if (t.Forwards(l.a))
        {
            edges.emplace_back(l.a, l.b);
            weights.push_back(Weight{l.cost});
        }
        if (t.Forwards(l.b))
        {
            edges.emplace_back(l.b, l.a);
            weights.push_back(Weight{l.cost});
        }
    }
    std::optional<Csr> g;
    std::optional<WCsr> wg;
    if (weighted)
    {
        wg.emplace(boost::edges_are_unsorted_multi_pass,
                   edges.begin(),
                   edges.end(),
                   weights.begin(),
                   n);
    }
    else
    {
        std::sort(edges.begin(), edges.end());
        g.emplace(boost::edges_are_sorted, edges.begin(), edges.end(), n);
    }
    edges.clear();
    edges.shrink_to_fit();
    weights.clear();
    weights.shrink_to_fit();

    // Destination classes: endpoints with the same neighbours are reached the same way.
    std::vector<uint32_t> endpoints = t.GetEndpoints();
    // The key is the set of (neighbour, cost of the cheapest link to it).
    std::map<std::vector<uint64_t>, uint32_t> classOf;
    std::vector<std::vector<uint32_t>> classSeeds;
    std::vector<uint32_t> epClass(endpoints.size());
    for (std::size_t i = 0; i < endpoints.size(); ++i)
    {
        uint32_t e = endpoints[i];
        std::vector<uint64_t> key;
        const auto* p = t.GetPorts(e);
        for (uint32_t k = 0; k < t.GetDegree(e); ++k)
        {
            const auto& l = t.GetLink(p[k].link);
            if (l.up)
            {
                key.push_back((static_cast<uint64_t>(p[k].peer) << 16) | l.cost);
            }
        }
        std::sort(key.begin(), key.end());
        // Keep the cheapest link per neighbour.
        std::vector<uint64_t> cheapest;
        for (uint64_t x : key)
        {
            if (cheapest.empty() || (cheapest.back() >> 16) != (x >> 16))
            {
                cheapest.push_back(x);
            }
        }
        auto [it, fresh] = classOf.emplace(cheapest, static_cast<uint32_t>(classSeeds.size()));
        if (fresh)
        {
            std::vector<uint32_t> nb;
            for (uint64_t x : cheapest)
            {
                nb.push_back(static_cast<uint32_t>(x >> 16));
            }
            classSeeds.push_back(std::move(nb));
        }
        epClass[i] = it->second;
    }
    classOf.clear();

    // Segments: runs of consecutive endpoint indices of one class.
    struct Segment
    {
        uint32_t lo;
        uint32_t hi;
        uint32_t cls;
    };

    std::vector<Segment> segs;
    for (std::size_t i = 0; i < endpoints.size(); ++i)
    {
        if (!segs.empty() && segs.back().hi == endpoints[i] && segs.back().cls == epClass[i])
        {
            ++segs.back().hi;
        }
        else
        {
            segs.push_back(Segment{endpoints[i], endpoints[i] + 1, epClass[i]});
        }
    }
    std::vector<uint32_t> lastSeg(classSeeds.size(), 0);
    for (uint32_t s = 0; s < segs.size(); ++s)
    {
        lastSeg[segs[s].cls] = s;
    }

    // Cost of node v's cheapest up link to node d, or INF.
    auto directCost = [&t](uint32_t v, uint32_t d) {
        uint32_t c = INF;
        const auto* p = t.GetPorts(v);
        for (uint32_t k = 0; k < t.GetDegree(v); ++k)
        {
            const auto& l = t.GetLink(p[k].link);
            if (p[k].peer == d && l.up)
            {
                c = std::min<uint32_t>(c, l.cost);
            }
        }
        return c;
    };

    std::vector<uint32_t> dist(n);
    std::vector<boost::default_color_type> color(n);
    std::vector<uint8_t> inSeeds(n, 0);

    struct ClassRoutes
    {
        std::vector<uint32_t> sets;     //!< set of each node toward the class (not via a member)
        std::vector<uint32_t> seedDist; //!< distance of each seed (classSeeds order)
    };

    std::map<uint32_t, ClassRoutes> classRoutes;
    std::vector<UbRouteCandidate> cand;

    auto computeClass = [&](uint32_t c, uint32_t member) -> const ClassRoutes& {
        auto found = classRoutes.find(c);
        if (found != classRoutes.end())
        {
            return found->second;
        }
        const auto& seeds = classSeeds[c];
        if (weighted)
        {
            // Multi-source Dijkstra: each seed starts at the cost of its link to the
            // destination; only what the seeds reach is visited.
            WCsr& G = *wg;
            std::fill(dist.begin(), dist.end(), INF);
            std::fill(color.begin(), color.end(), boost::white_color);
            for (uint32_t v : seeds)
            {
                dist[v] = directCost(v, member);
            }
            auto idx = boost::get(boost::vertex_index, G);
            boost::dijkstra_shortest_paths_no_init(
                G,
                seeds.begin(),
                seeds.end(),
                boost::dummy_property_map(),
                boost::make_iterator_property_map(dist.begin(), idx),
                boost::get(&Weight::w, G),
                idx,
                std::less<uint32_t>(),
                boost::closed_plus<uint32_t>(INF),
                uint32_t(0),
                boost::default_dijkstra_visitor(),
                boost::make_iterator_property_map(color.begin(), idx));
        }
        else
        {
            std::fill(dist.begin(), dist.end(), INF);
            for (uint32_t s : seeds)
            {
                dist[s] = 1;
            }
            struct Recorder : public boost::default_bfs_visitor
            {
                uint32_t* d;

                void tree_edge(Csr::edge_descriptor e, const Csr& gr) const
                {
                    d[boost::target(e, gr)] = d[boost::source(e, gr)] + 1;
                }
            } vis;
            vis.d = dist.data();
            boost::queue<Csr::vertex_descriptor> q;
            boost::breadth_first_search(
                *g,
                seeds.begin(),
                seeds.end(),
                q,
                vis,
                boost::make_iterator_property_map(color.begin(),
                                                  boost::get(boost::vertex_index, *g)));
        }
        ClassRoutes cr;
        cr.sets.assign(n, NONE);
        for (uint32_t s : seeds)
        {
            cr.seedDist.push_back(dist[s]);
        }
        for (uint32_t v = 0; v < n; ++v)
        {
            if (dist[v] == INF)
            {
                continue;
            }
            cand.clear();
            const auto* p = t.GetPorts(v);
            for (uint32_t k = 0; k < t.GetDegree(v); ++k)
            {
                uint32_t u = p[k].peer;
                const auto& l = t.GetLink(p[k].link);
                if (l.up && t.Forwards(u) && dist[u] != INF && dist[u] + l.cost == dist[v])
                {
                    cand.push_back(UbRouteCandidate{static_cast<uint16_t>(k), vlBase});
                }
            }
            if (!cand.empty())
            {
                cr.sets[v] = routes.Intern(cand);
            }
        }
        return classRoutes.emplace(c, std::move(cr)).first->second;
    };

    auto name = [&t](uint32_t v) { return t.GetNode(v).name; };

    for (uint32_t si = 0; si < segs.size(); ++si)
    {
        const Segment& seg = segs[si];
        const auto& seeds = classSeeds[seg.cls];
        const ClassRoutes& cr = computeClass(seg.cls, seg.lo);
        for (std::size_t i = 0; i < seeds.size(); ++i)
        {
            inSeeds[seeds[i]] = 1;
        }
        for (uint32_t v = 0; v < n; ++v)
        {
            uint32_t set = cr.sets[v];
            if (inSeeds[v])
            {
                // Adjacent to every destination of the segment: the direct ports, unless a path
                // through another node is cheaper.
                std::size_t idx = std::lower_bound(seeds.begin(), seeds.end(), v) - seeds.begin();
                const auto* p = t.GetPorts(v);
                for (uint32_t d = seg.lo; d < seg.hi; ++d)
                {
                    uint32_t dc = directCost(v, d);
                    if (dc > cr.seedDist[idx] && set != NONE)
                    {
                        routes.Append(v, d, d + 1, set);
                        continue;
                    }
                    cand.clear();
                    for (uint32_t k = 0; k < t.GetDegree(v); ++k)
                    {
                        const auto& l = t.GetLink(p[k].link);
                        if (p[k].peer == d && l.up && l.cost == dc)
                        {
                            cand.push_back(UbRouteCandidate{static_cast<uint16_t>(k), vlFinal});
                        }
                    }
                    routes.Append(v, d, d + 1, routes.Intern(cand));
                }
                continue;
            }
            if (set == NONE)
            {
                if (t.IsEndpoint(v) && !(v >= seg.lo && v < seg.hi && seg.hi - seg.lo == 1))
                {
                    uint32_t d = (v == seg.lo) ? seg.lo + 1 : seg.lo;
                    const uint32_t relay = NonForwardingRelay(t, v, d);
                    UB_INPUT_ERROR_IF(
                        relay != NONE,
                        "topology '"
                            << t.GetName() << "': endpoint '" << name(v) << "' reaches endpoint '"
                            << name(d)
                            << "' only through endpoints that do not forward (such "
                               "as '"
                            << name(relay) << "'); mark them as relays in the topology file ('node "
                            << name(relay) << " " << UbTopology::KindName(t.GetNode(relay).kind)
                            << " forward') or link them through switches");
                    UB_INPUT_ERROR("topology '" << t.GetName() << "': endpoint '" << name(v)
                                                << "' cannot reach endpoint '" << name(d)
                                                << "': the topology is disconnected; link them "
                                                   "through switches or forwarding endpoints");
                }
                continue;
            }
            if (v >= seg.lo && v < seg.hi)
            {
                routes.Append(v, seg.lo, v, set);
                routes.Append(v, v + 1, seg.hi, set);
            }
            else
            {
                routes.Append(v, seg.lo, seg.hi, set);
            }
        }
        for (uint32_t s : seeds)
        {
            inSeeds[s] = 0;
        }
        if (lastSeg[seg.cls] == si)
        {
            classRoutes.erase(seg.cls);
        }
    }
    return routes;
}

UbRouteSet
UbTopologyRouting::FromFunction(
    const UbTopology& t,
    const std::function<void(uint32_t, uint32_t, std::vector<UbRouteCandidate>&)>& f)
{
    const uint32_t n = t.GetNNodes();
    UbRouteSet routes(n);
    std::vector<uint32_t> endpoints = t.GetEndpoints();
    std::vector<UbRouteCandidate> cand;
    for (uint32_t v = 0; v < n; ++v)
    {
        if (!t.Forwards(v) && !t.IsEndpoint(v))
        {
            continue;
        }
        uint32_t lastSet = NONE;
        std::vector<UbRouteCandidate> last;
        for (uint32_t d : endpoints)
        {
            if (d == v)
            {
                continue;
            }
            cand.clear();
            f(v, d, cand);
            std::stable_partition(cand.begin(), cand.end(), [](const UbRouteCandidate& c) {
                return !(c.flags & UbRouteCandidate::SOURCE_ONLY);
            });
            if (cand.empty())
            {
                if (t.IsEndpoint(v))
                {
                    UB_INPUT_ERROR("topology '" << t.GetName() << "': no route from endpoint '"
                                                << t.GetNode(v).name << "' to '"
                                                << t.GetNode(d).name
                                                << "'; the routing policy leaves them unreachable");
                }
                continue;
            }
            if (lastSet == NONE || cand != last)
            {
                lastSet = routes.Intern(cand);
                last = cand;
            }
            routes.Append(v, d, d + 1, lastSet);
        }
    }
    return routes;
}

// ---------------------------------------------------------------------------------------------
// Deadlock check

namespace
{

struct CycleFound
{
    std::vector<uint32_t> cycle;
};

/**
 * Search the channel dependency edges raw ((c1 << 32) | c2, channel = (port index) x nVl + VL)
 * for a cycle; fill rep's channels, dependencies and, if there is one, deadlockFree and cycle.
 */
void
SearchCycle(const UbTopology& t,
            const std::vector<uint32_t>& portBase,
            uint32_t nVl,
            std::vector<uint64_t>& raw,
            UbTopologyRouting::DeadlockReport& rep)
{
    // Compact the channel ids that occur into graph vertices.
    std::sort(raw.begin(), raw.end());
    raw.erase(std::unique(raw.begin(), raw.end()), raw.end());
    std::vector<uint32_t> ids;
    ids.reserve(raw.size() * 2);
    for (uint64_t e : raw)
    {
        ids.push_back(static_cast<uint32_t>(e >> 32));
        ids.push_back(static_cast<uint32_t>(e & 0xFFFFFFFFULL));
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    auto vid = [&ids](uint32_t c) {
        return static_cast<uint32_t>(std::lower_bound(ids.begin(), ids.end(), c) - ids.begin());
    };
    using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
    Graph g(ids.size());
    for (uint64_t e : raw)
    {
        boost::add_edge(vid(static_cast<uint32_t>(e >> 32)),
                        vid(static_cast<uint32_t>(e & 0xFFFFFFFFULL)),
                        g);
    }
    rep.channels = ids.size();
    rep.dependencies = raw.size();
    raw.clear();

    struct CycleVisitor : public boost::default_dfs_visitor
    {
        std::vector<uint32_t>* parent;

        void tree_edge(Graph::edge_descriptor e, const Graph& gr) const
        {
            (*parent)[boost::target(e, gr)] = static_cast<uint32_t>(boost::source(e, gr));
        }

        void back_edge(Graph::edge_descriptor e, const Graph& gr) const
        {
            CycleFound f;
            auto from = static_cast<uint32_t>(boost::source(e, gr));
            auto to = static_cast<uint32_t>(boost::target(e, gr));
            for (uint32_t x = from; x != to; x = (*parent)[x])
            {
                f.cycle.push_back(x);
            }
            f.cycle.push_back(to);
            std::reverse(f.cycle.begin(), f.cycle.end());
            throw f;
        }
    };

    std::vector<uint32_t> parent(ids.size(), NONE);
    CycleVisitor vis;
    vis.parent = &parent;
    try
    {
        boost::depth_first_search(g, boost::visitor(vis));
    }
    catch (const CycleFound& f)
    {
        rep.deadlockFree = false;
        // Port index -> (node, port).
        for (uint32_t x : f.cycle)
        {
            uint32_t c = ids[x];
            uint32_t port = c / nVl;
            uint32_t vl = c % nVl;
            auto v = static_cast<uint32_t>(
                std::upper_bound(portBase.begin(), portBase.end(), port) - portBase.begin() - 1);
            uint32_t peer = t.GetPorts(v)[port - portBase[v]].peer;
            rep.cycle.push_back(t.GetNode(v).name + "->" + t.GetNode(peer).name + " vl" +
                                std::to_string(vl));
        }
    }
}

} // namespace

UbTopologyRouting::DeadlockReport
UbTopologyRouting::CheckDeadlock(const UbTopology& t, const UbRouteSet& r, uint8_t slVl)
{
    const uint32_t n = t.GetNNodes();
    std::vector<uint32_t> portBase(n + 1, 0);
    for (uint32_t v = 0; v < n; ++v)
    {
        portBase[v + 1] = portBase[v] + t.GetDegree(v);
    }
    uint32_t nVl = std::max<uint32_t>(r.GetNVlsUsed(), slVl + 1U);
    auto vlOf = [slVl](const UbRouteCandidate& c) { return c.vl == UB_VL_FROM_SL ? slVl : c.vl; };
    // A candidate with a VL class may put the packet on any VL of it: each is a channel, and a
    // packet on any of them may wait for any VL of the next hop's class.
    auto spanOf = [](const UbRouteCandidate& c) -> uint32_t {
        return c.vl == UB_VL_FROM_SL ? 1U : c.vlSpan;
    };
    auto chan = [&](uint32_t v, uint32_t port, uint32_t vl) -> uint64_t {
        return static_cast<uint64_t>(portBase[v] + port) * nVl + vl;
    };

    // Only channels that can lie on a cycle matter: a channel on a cycle has a successor on the
    // cycle. Start from every channel into a forwarding node (channels into endpoints that do not
    // forward end their paths) and drop, until nothing changes, those with no live successor for
    // any destination they carry (source-only candidates are never waited for by a packet in
    // transit, so they are no one's successor). What is left is the greatest set that can hold a
    // cycle; its dependency edges are then generated exactly, per destination range, and searched
    // for a cycle.
    const uint64_t nChan = static_cast<uint64_t>(portBase[n]) * nVl;
    UB_INPUT_ERROR_IF(nChan >= (1ULL << 32), "UbTopologyRouting::CheckDeadlock: too many channels");
    std::vector<uint8_t> live(nChan, 0);
    std::vector<uint8_t> vlSeen(nVl, 0);
    for (uint32_t v = 0; v < n; ++v)
    {
        const auto* pv = t.GetPorts(v);
        for (const auto& iv : r.GetIntervals(v))
        {
            const UbRouteCandidate* cs = r.GetSet(iv.set);
            for (uint32_t k = 0; k < r.GetSetSize(iv.set); ++k)
            {
                for (uint32_t x = 0; x < spanOf(cs[k]); ++x)
                {
                    vlSeen[vlOf(cs[k]) + x] = 1;
                    if (t.Forwards(pv[cs[k].port].peer))
                    {
                        live[chan(v, cs[k].port, vlOf(cs[k]) + x)] = 1;
                    }
                }
            }
        }
    }
    // Visit the intervals of node u that overlap [lo, hi) until f(interval) returns true.
    auto overlapping = [&r](uint32_t u, uint32_t lo, uint32_t hi, const auto& f) {
        const auto& ivu = r.GetIntervals(u);
        auto it =
            std::upper_bound(ivu.begin(),
                             ivu.end(),
                             lo,
                             [](uint32_t x, const UbRouteSet::Interval& k) { return x < k.lo; });
        if (it != ivu.begin())
        {
            --it;
        }
        for (; it != ivu.end() && it->lo < hi; ++it)
        {
            if (it->hi > lo && f(*it))
            {
                return;
            }
        }
    };
    // Visit the (channel, successor channel) pairs of the routes: f(c1, c2) returns true to skip
    // the rest of c1's successors for that destination range.
    auto forEachDependency = [&](const auto& f) {
        for (uint32_t v = 0; v < n; ++v)
        {
            const auto* pv = t.GetPorts(v);
            for (const auto& iv : r.GetIntervals(v))
            {
                const UbRouteCandidate* cs = r.GetSet(iv.set);
                for (uint32_t k = 0; k < r.GetSetSize(iv.set); ++k)
                {
                    for (uint32_t x = 0; x < spanOf(cs[k]); ++x)
                    {
                        uint64_t c1 = chan(v, cs[k].port, vlOf(cs[k]) + x);
                        if (!live[c1])
                        {
                            continue;
                        }
                        uint32_t u = pv[cs[k].port].peer;
                        overlapping(u, iv.lo, iv.hi, [&](const UbRouteSet::Interval& j) {
                            const UbRouteCandidate* cu = r.GetSet(j.set);
                            for (uint32_t k2 = 0; k2 < r.GetSetSize(j.set); ++k2)
                            {
                                if (cu[k2].flags & UbRouteCandidate::SOURCE_ONLY)
                                {
                                    continue;
                                }
                                for (uint32_t x2 = 0; x2 < spanOf(cu[k2]); ++x2)
                                {
                                    uint64_t c2 = chan(u, cu[k2].port, vlOf(cu[k2]) + x2);
                                    if (live[c2] && f(c1, c2))
                                    {
                                        return true;
                                    }
                                }
                            }
                            return false;
                        });
                    }
                }
            }
        }
    };
    for (bool changed = true; changed;)
    {
        std::vector<uint8_t> has(nChan, 0);
        forEachDependency([&has](uint64_t c1, uint64_t) {
            has[c1] = 1;
            return true;
        });
        changed = false;
        for (uint64_t c = 0; c < nChan; ++c)
        {
            if (live[c] && !has[c])
            {
                live[c] = 0;
                changed = true;
            }
        }
    }
    std::vector<uint64_t> raw;
    forEachDependency([&raw](uint64_t c1, uint64_t c2) {
        raw.push_back((c1 << 32) | c2);
        if (raw.size() > (64U << 20))
        {
            std::sort(raw.begin(), raw.end());
            raw.erase(std::unique(raw.begin(), raw.end()), raw.end());
        }
        return false;
    });
    live.clear();
    live.shrink_to_fit();

    DeadlockReport rep;
    for (uint8_t s : vlSeen)
    {
        rep.vlsUsed += s;
    }
    SearchCycle(t, portBase, nVl, raw, rep);
    return rep;
}

UbTopologyRouting::DeadlockReport
UbTopologyRouting::CheckDeadlock(const UbTopology& t,
                                 const UbRouteSet& r,
                                 const std::vector<std::pair<uint32_t, uint32_t>>& pairs,
                                 uint8_t slVl)
{
    const uint32_t n = t.GetNNodes();
    std::vector<uint32_t> portBase(n + 1, 0);
    for (uint32_t v = 0; v < n; ++v)
    {
        portBase[v + 1] = portBase[v] + t.GetDegree(v);
    }
    const uint32_t nVl = std::max<uint32_t>(r.GetNVlsUsed(), slVl + 1U);
    UB_INPUT_ERROR_IF(static_cast<uint64_t>(portBase[n]) * nVl >= (1ULL << 32),
                      "UbTopologyRouting::CheckDeadlock: too many channels");
    auto chan = [&](uint32_t v, const UbRouteCandidate& c) -> uint64_t {
        const uint32_t vl = c.vl == UB_VL_FROM_SL ? slVl : c.vl;
        return static_cast<uint64_t>(portBase[v] + c.port) * nVl + vl;
    };
    // Follow every route of every pair, channel by channel: a packet of the pair holding one
    // channel may wait for each candidate of the next node toward its destination.
    std::vector<uint64_t> raw;
    std::vector<uint8_t> vlSeen(nVl, 0);
    std::unordered_set<uint64_t> seen;
    std::vector<std::pair<uint32_t, uint64_t>> stack; // (node, channel that led to it)
    for (const auto& [src, dst] : pairs)
    {
        if (src == dst)
        {
            continue;
        }
        seen.clear();
        stack.assign(1, {src, NONE});
        while (!stack.empty())
        {
            auto [v, held] = stack.back();
            stack.pop_back();
            uint32_t nc = 0;
            const UbRouteCandidate* cs = r.Lookup(v, dst, nc);
            for (uint32_t k = 0; k < nc; ++k)
            {
                if (v != src && (cs[k].flags & UbRouteCandidate::SOURCE_ONLY))
                {
                    continue;
                }
                const uint32_t span = cs[k].vl == UB_VL_FROM_SL ? 1U : cs[k].vlSpan;
                for (uint32_t x = 0; x < span; ++x)
                {
                    const uint64_t c = chan(v, cs[k]) + x; // any VL of the class
                    vlSeen[c % nVl] = 1;
                    if (held != NONE)
                    {
                        raw.push_back((held << 32) | c);
                    }
                    const uint32_t u = t.GetPorts(v)[cs[k].port].peer;
                    if (u != dst && seen.insert(c).second)
                    {
                        stack.emplace_back(u, c);
                    }
                }
            }
        }
    }
    DeadlockReport rep;
    for (uint8_t x : vlSeen)
    {
        rep.vlsUsed += x;
    }
    SearchCycle(t, portBase, nVl, raw, rep);
    return rep;
}

// ---------------------------------------------------------------------------------------------
// Hop counts

std::map<uint32_t, uint64_t>
UbTopologyRouting::HopCounts(const UbTopology& t,
                             const UbRouteSet& r,
                             const std::vector<uint32_t>& sources)
{
    std::vector<uint32_t> endpoints = t.GetEndpoints();
    const std::vector<uint32_t>& from = sources.empty() ? endpoints : sources;
    std::map<uint32_t, uint64_t> hist;
    const uint32_t limit = t.GetNNodes() + 1;
    for (uint32_t s : from)
    {
        for (uint32_t d : endpoints)
        {
            if (d == s)
            {
                continue;
            }
            uint32_t v = s;
            uint32_t hops = 0;
            while (v != d)
            {
                uint32_t nc = 0;
                const UbRouteCandidate* c = r.Lookup(v, d, nc);
                UB_INPUT_ERROR_IF(nc == 0,
                                  "topology '" << t.GetName() << "': no route at '"
                                               << t.GetNode(v).name << "' toward '"
                                               << t.GetNode(d).name << "' (from '"
                                               << t.GetNode(s).name << "')");
                v = t.GetPorts(v)[c[0].port].peer;
                UB_INPUT_ERROR_IF(++hops > limit,
                                  "topology '" << t.GetName() << "': the route from '"
                                               << t.GetNode(s).name << "' to '" << t.GetNode(d).name
                                               << "' loops");
            }
            ++hist[hops];
        }
    }
    return hist;
}

} // namespace ns3
