/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-supercluster-systems.h"

#include "ns3/abort.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <utility>

namespace ns3
{

namespace
{

constexpr uint32_t NONE = std::numeric_limits<uint32_t>::max();

/// Destinations [lo, hi) below a scale-out switch, sent down over candidate set `set`.
struct Below
{
    uint32_t lo;  //!< first destination
    uint32_t hi;  //!< one past the last
    uint32_t set; //!< candidates toward them
};

} // namespace

UbRouteSet
UbSuperClusterSystems::Routes(const UbTopology& t,
                              const SuperCluster& p,
                              UbTopologyRouting::VlPolicy vl,
                              bool* fromStructure)
{
    if (fromStructure)
    {
        *fromStructure = false;
    }
    const uint32_t e = p.pod.endpoints;
    const uint64_t total = static_cast<uint64_t>(e) * p.pods;
    NS_ABORT_MSG_IF(p.pods == 0 || total > t.GetNNodes(),
                    "UbSystems::Routes: topology '" << t.GetName()
                                                    << "' is not the SuperCluster described");
    const auto nEp = static_cast<uint32_t>(total);
    const uint32_t n = t.GetNNodes();
    // The pods whose UB fabric the topology holds (onePod: pod 0's for all).
    const uint32_t held = p.onePod ? 1 : p.pods;
    // Where the structure does not give the routes: the whole system's shortest paths, which a
    // topology holding one pod's fabric cannot give.
    auto searched = [&]() {
        NS_ABORT_MSG_IF(p.onePod,
                        "UbSystems::Routes: topology '"
                            << t.GetName()
                            << "' holds one SuperPoD's fabric for all, and its routes do not "
                               "follow from its structure (a failed link, or a scale-out that "
                               "is not a symmetric Clos); build every pod (onePod = false)");
        return UbTopologyRouting::ShortestPaths(t, vl);
    };
    for (uint32_t i = 0; i < t.GetNLinks(); ++i)
    {
        if (!t.GetLink(i).up)
        {
            return searched(); // failed links break the symmetry
        }
    }
    const uint8_t vlBase = (vl == UbTopologyRouting::VL_FROM_SL) ? UB_VL_FROM_SL : 0;
    const uint8_t vlFinal = (vl == UbTopologyRouting::VL_FROM_SL) ? UB_VL_FROM_SL : 1;

    // One SuperPoD alone: its routes serve every pod.
    UbTopology pod("pod");
    UbClosSystems::AddPlanarClos(pod, p.pod);
    const uint32_t podSwitches = pod.GetNNodes() - e;
    const uint32_t podLinks = pod.GetNLinks();
    const uint32_t soBase = nEp + held * podSwitches; // first scale-out switch
    NS_ABORT_MSG_IF(static_cast<uint64_t>(podLinks) * held > t.GetNLinks() || soBase > n,
                    "UbSystems::Routes: topology '" << t.GetName()
                                                    << "' is not the SuperCluster described");
    // The pods' links must be the lone pod's, in the same order (then so are every node's ports).
    auto global = [&](uint32_t k, uint32_t x) {
        return x < e ? k * e + x : nEp + k * podSwitches + (x - e);
    };
    for (uint32_t k = 0; k < held; ++k)
    {
        for (uint32_t i = 0; i < podLinks; ++i)
        {
            const auto& a = pod.GetLink(i);
            const auto& b = t.GetLink(k * podLinks + i);
            NS_ABORT_MSG_IF(b.a != global(k, a.a) || b.b != global(k, a.b) || b.cost != a.cost,
                            "UbSystems::Routes: topology '"
                                << t.GetName() << "': link " << k * podLinks + i << " is not pod "
                                << k << "'s; build it with BuildSuperCluster");
        }
    }
    UbRouteSet podRoutes = UbTopologyRouting::ShortestPaths(pod, vl);
    uint32_t diameter = 0;
    if (e > 1)
    {
        for (const auto& [hops, count] : UbTopologyRouting::HopCounts(pod, podRoutes, {0}))
        {
            diameter = std::max(diameter, hops);
        }
    }
    uint32_t podCostMax = 1;
    for (uint32_t i = 0; i < podLinks; ++i)
    {
        podCostMax = std::max<uint32_t>(podCostMax, pod.GetLink(i).cost);
    }
    uint32_t outCost = NONE;
    for (uint32_t i = held * podLinks; i < t.GetNLinks(); ++i)
    {
        outCost = std::min<uint32_t>(outCost, t.GetLink(i).cost);
    }
    if (outCost != NONE && 2ULL * outCost <= static_cast<uint64_t>(diameter) * podCostMax)
    {
        // A path out of the pod and back could tie with one inside it.
        return searched();
    }

    UbRouteSet routes(n);
    std::vector<uint32_t> setOf(podRoutes.GetNSets(), NONE); // pod set -> routes' set
    auto podSet = [&](uint32_t s) {
        if (setOf[s] == NONE)
        {
            const UbRouteCandidate* c = podRoutes.GetSet(s);
            setOf[s] = routes.Intern(std::vector<UbRouteCandidate>(c, c + podRoutes.GetSetSize(s)));
        }
        return setOf[s];
    };
    std::vector<UbRouteCandidate> cand;
    const std::vector<UbRouteSet::Interval> none;

    // Pod nodes: the lone pod's routes, shifted; an NPU reaches other pods over all its
    // scale-out ports (a pod whose fabric is not held: its NPUs have those routes only).
    for (uint32_t k = 0; k < p.pods; ++k)
    {
        for (uint32_t x = 0; x < (k < held ? pod.GetNNodes() : e); ++x)
        {
            const uint32_t v = global(k, x);
            const uint32_t podDegree = k < held ? pod.GetDegree(x) : 0;
            uint32_t out = NONE;
            if (x < e)
            {
                NS_ABORT_MSG_IF(t.GetDegree(v) < podDegree,
                                "UbSystems::Routes: NPU '" << t.GetNode(v).name
                                                           << "' lost its pod links");
                cand.clear();
                for (uint32_t q = podDegree; q < t.GetDegree(v); ++q)
                {
                    cand.push_back(UbRouteCandidate{static_cast<uint16_t>(q), vlBase});
                }
                if (!cand.empty())
                {
                    out = routes.Intern(cand);
                    routes.Append(v, 0, k * e, out);
                }
            }
            for (const auto& iv : k < held ? podRoutes.GetIntervals(x) : none)
            {
                routes.Append(v, iv.lo + k * e, iv.hi + k * e, podSet(iv.set));
            }
            if (out != NONE)
            {
                routes.Append(v, (k + 1) * e, nEp, out);
            }
        }
    }

    // The scale-out network. Every link is added from its lower end (endpoint-leaf,
    // leaf-spine, leaf-aggregation, aggregation-core), so a switch's ports whose link starts at
    // it go up and the others down.
    const uint32_t nSo = n - soBase;
    std::vector<std::vector<Below>> below(nSo); // routes down, per child's range
    std::vector<std::vector<std::pair<uint32_t, uint32_t>>> range(nSo); // endpoints below, merged
    std::vector<uint8_t> height(nSo, 0);
    std::vector<uint8_t> done(nSo, 0);
    std::vector<uint32_t> upSet(nSo, NONE);
    bool symmetric = true;
    // Computes below[w], children first (at most three tiers deep).
    std::function<void(uint32_t)> visit = [&](uint32_t w) {
        const uint32_t i = w - soBase;
        if (done[i])
        {
            return;
        }
        done[i] = 1;
        const auto* ports = t.GetPorts(w);
        std::map<uint32_t, std::vector<uint16_t>> down; // child -> its ports, in port order
        cand.clear();
        for (uint32_t q = 0; q < t.GetDegree(w); ++q)
        {
            const auto& l = t.GetLink(ports[q].link);
            if (l.a == w)
            {
                cand.push_back(UbRouteCandidate{static_cast<uint16_t>(q), vlBase});
            }
            else
            {
                down[ports[q].peer].push_back(static_cast<uint16_t>(q));
            }
        }
        if (!cand.empty())
        {
            upSet[i] = routes.Intern(cand);
        }
        auto& mine = below[i];
        int childHeight = -1;
        for (const auto& [c, qs] : down)
        {
            std::vector<UbRouteCandidate> toChild;
            if (c < nEp)
            {
                for (uint16_t q : qs)
                {
                    toChild.push_back(UbRouteCandidate{q, vlFinal});
                }
                mine.push_back(Below{c, c + 1, routes.Intern(toChild)});
                symmetric = symmetric && (childHeight == -1 || childHeight == 0);
                childHeight = 0;
                continue;
            }
            if (c < soBase)
            {
                symmetric = false; // a pod switch under the scale-out: not this builder's
                continue;
            }
            visit(c);
            for (uint16_t q : qs)
            {
                toChild.push_back(UbRouteCandidate{q, vlBase});
            }
            uint32_t s = routes.Intern(toChild);
            for (const auto& [lo, hi] : range[c - soBase])
            {
                mine.push_back(Below{lo, hi, s});
            }
            int h = height[c - soBase] + 1;
            symmetric = symmetric && (childHeight == -1 || childHeight == h);
            childHeight = h;
        }
        height[i] = static_cast<uint8_t>(std::max(childHeight, 0));
        std::sort(mine.begin(), mine.end(), [](const Below& a, const Below& b) {
            return a.lo < b.lo;
        });
        auto& merged = range[i];
        for (std::size_t j = 0; j < mine.size(); ++j)
        {
            symmetric = symmetric && (j == 0 || mine[j - 1].hi <= mine[j].lo);
            if (!merged.empty() && merged.back().second == mine[j].lo)
            {
                merged.back().second = mine[j].hi;
            }
            else
            {
                merged.emplace_back(mine[j].lo, mine[j].hi);
            }
        }
    };
    for (uint32_t w = soBase; w < n; ++w)
    {
        visit(w);
    }
    // Up/down routes are the shortest only if every uplink leads to the same endpoints below.
    auto sameBelow = [&](uint32_t a, uint32_t b) {
        return height[a - soBase] == height[b - soBase] && range[a - soBase] == range[b - soBase];
    };
    for (uint32_t w = soBase; w < n && symmetric; ++w)
    {
        const auto* ports = t.GetPorts(w);
        uint32_t first = NONE;
        for (uint32_t q = 0; q < t.GetDegree(w) && symmetric; ++q)
        {
            if (t.GetLink(ports[q].link).a != w)
            {
                continue;
            }
            if (first == NONE)
            {
                first = ports[q].peer;
            }
            symmetric = sameBelow(first, ports[q].peer);
        }
    }
    if (!symmetric)
    {
        return searched();
    }
    for (uint32_t w = soBase; w < n; ++w)
    {
        const uint32_t i = w - soBase;
        uint32_t cursor = 0;
        for (const auto& b : below[i])
        {
            if (upSet[i] != NONE)
            {
                routes.Append(w, cursor, b.lo, upSet[i]);
            }
            routes.Append(w, b.lo, b.hi, b.set);
            cursor = b.hi;
        }
        if (upSet[i] != NONE)
        {
            routes.Append(w, cursor, nEp, upSet[i]);
        }
        below[i].clear();
        below[i].shrink_to_fit();
    }
    if (fromStructure)
    {
        *fromStructure = true;
    }
    return routes;
}

} // namespace ns3
