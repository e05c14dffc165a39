/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The aggregated flow level: a collective's ring phases without their transfers one by one
 * (UbFlowFabric::RingPhase; doc/flow-level.md, "Aggregated rings").
 */
#include "ub-flow-fabric.h"

#include "ns3/abort.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-routing-table.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>

namespace ns3
{

UbFlowFabric::RingPhaseResult
UbFlowFabric::RingPhase(const std::vector<std::pair<uint32_t, uint32_t>>& hops,
                        uint32_t steps,
                        uint64_t stepBytes,
                        uint32_t chunks,
                        Time issueLatency,
                        bool minimal)
{
    RingPhaseResult out;
    out.hops = hops.size();
    if (hops.empty() || steps == 0)
    {
        return out;
    }
    NS_ABORT_MSG_IF(chunks == 0, "UbFlowFabric::RingPhase: 0 pieces per step");
    const uint32_t c = chunks;
    // Piece k of a step, as UbCollectiveBuilder::Ring cuts it (at least 1 byte moves).
    auto piece = [stepBytes, c](uint32_t k) {
        return std::max<uint64_t>(stepBytes / c + (k + 1 == c ? stepBytes % c : 0), 1);
    };
    // The hops computed: every hop, or on a fabric holding one pod for all (SetOnePod) those
    // inside pod 0 and those between pods; twin[h] is the computed hop whose route and rate
    // hop h takes (empty: every hop is computed as itself).
    std::vector<uint32_t> twin;
    std::vector<std::pair<uint32_t, uint32_t>> twins;
    if (m_podEndpoints)
    {
        twins = Twins(hops, twin);
    }
    const std::vector<std::pair<uint32_t, uint32_t>>& computed = twin.empty() ? hops : twins;
    // The hops' routes, built for this phase one at a time and not kept: their uses in
    // compressed rows (4 bytes per link a route loads; a phase of a million hops loads tens of
    // millions), and the latency terms of each (its source's values, path and fill).
    const uint64_t b0 = piece(0);
    const uint64_t bLast = piece(c - 1);

    struct Terms
    {
        const EndpointParams* ep;
        int64_t after0;    // path and fill of a piece of b0 bytes
        int64_t afterLast; // of the last piece
    };

    std::vector<Terms> terms(computed.size());
    UbFlowNetwork::UseRows rows(m_net.GetNLinks());
    Route r;
    for (std::size_t h = 0; h < computed.size(); ++h)
    {
        BuildRoute(computed[h].first, computed[h].second, minimal, r);
        terms[h] = Terms{r.ep, r.afterPs + FillPs(r, b0), r.afterPs + FillPs(r, bLast)};
        if (h == 64 && computed.size() > 128)
        {
            // Room for the rest as the first hops need it (a ring's hops load alike), with a
            // margin, instead of doubling past it.
            const auto perHop = static_cast<double>(rows.GetNUses()) / h;
            const auto want = static_cast<std::size_t>(perHop * computed.size() * 1.05) + 64;
            rows.Reserve(static_cast<uint32_t>(computed.size()), want);
        }
        rows.Add(r.uses);
    }
    r = Route();
    const std::vector<double> computedRate = m_net.MaxMinRates(std::move(rows));
    auto of = [&twin](std::size_t h) { return twin.empty() ? h : twin[h]; };

    // Means over the hops: issue latency and interval, 1 / rate, and the path and fill of each
    // distinct piece size (the last piece may differ).
    const double n = static_cast<double>(hops.size());
    double issuePs = 0;
    double intervalPs = 0;
    double inverseRate = 0; // s per byte
    double rateMin = std::numeric_limits<double>::infinity();
    double rateSum = 0;
    double after0 = 0;
    double afterLast = 0;
    for (std::size_t h = 0; h < hops.size(); ++h)
    {
        const Terms& t = terms[of(h)];
        const double rate = computedRate[of(h)];
        double latency = static_cast<double>(t.ep->initiatorPs);
        if (!t.ep->initiatorFixed && !issueLatency.IsNegative())
        {
            latency = static_cast<double>(issueLatency.GetPicoSeconds());
        }
        issuePs += latency / n;
        intervalPs += static_cast<double>(t.ep->issueIntervalPs) / n;
        NS_ABORT_MSG_IF(!(rate > 0) || std::isinf(rate),
                        "UbFlowFabric::RingPhase: the hop from node "
                            << hops[h].first << " to node " << hops[h].second
                            << " has no finite rate");
        inverseRate += 1.0 / rate / n;
        rateMin = std::min(rateMin, rate);
        rateSum += rate;
        after0 += static_cast<double>(t.after0) / n;
        afterLast += static_cast<double>(t.afterLast) / n;
    }
    out.rateMin = rateMin;
    out.rateMean = rateSum / n;
    out.latencyMean = PicoSeconds(std::llround(issuePs + after0));
    out.transfers = out.hops * steps * c;

    // One representative member's pieces through the rules the transfers follow: piece k of
    // step s is issued when piece k of step s - 1 has arrived (step 0: at the start); the issue
    // engine takes one per interval, in issue order, then the issue latency passes; the pair's
    // pieces move one after another (the wait for the one before: the slowest hop's rate); the
    // piece then arrives after its fluid at the mean rate, the path and the fill.
    std::vector<double> arrived(c, 0.0);
    double lastTake = -std::numeric_limits<double>::infinity();
    double pairFree = 0;
    for (uint32_t s = 0; s < steps; ++s)
    {
        for (uint32_t k = 0; k < c; ++k)
        {
            const auto bytes = static_cast<double>(piece(k));
            const double issued = s == 0 ? 0.0 : arrived[k];
            const double take = std::max(issued, lastTake + intervalPs);
            lastTake = take;
            const double start = std::max(take + issuePs, pairFree);
            pairFree = start + bytes / rateMin * 1e12;
            arrived[k] = start + bytes * inverseRate * 1e12 + (k + 1 == c ? afterLast : after0);
        }
    }
    out.duration = PicoSeconds(std::llround(*std::max_element(arrived.begin(), arrived.end())));
    return out;
}

std::vector<std::pair<uint32_t, uint32_t>>
UbFlowFabric::Twins(const std::vector<std::pair<uint32_t, uint32_t>>& hops,
                    std::vector<uint32_t>& twin)
{
    // Hops inside pod k > 0 stand for their twins in pod 0: pod 0's fabric carries its own
    // hops exactly as pod k's would carry pod k's if every pod's hops inside it are the same
    // (each as many times), and the pods share nothing but the scale-out, which hops inside a
    // pod do not use. An NPU's egress is the one thing a hop inside its pod and one out of it
    // would share, so none may send both.
    const uint32_t e = m_podEndpoints;
    const uint64_t npus = static_cast<uint64_t>(e) * m_pods;
    auto podOf = [e, npus](uint32_t v) { return v < npus ? v / e : UINT32_MAX; };
    auto hop = [&hops](std::size_t h) {
        return "the hop from node " + std::to_string(hops[h].first) + " to node " +
               std::to_string(hops[h].second);
    };
    std::vector<std::pair<uint32_t, uint32_t>> out;
    twin.assign(hops.size(), UINT32_MAX);
    std::unordered_map<uint64_t, uint32_t> inPod0; // (src, dst) in pod 0 -> its distinct index
    std::vector<uint32_t> firstOf;                 // distinct pod-0 hop -> its first computed
    std::vector<uint8_t> sends(npus, 0);           // 1: inside its pod, 2: out of it
    for (std::size_t h = 0; h < hops.size(); ++h)
    {
        const auto [s, d] = hops[h];
        const uint32_t ps = podOf(s);
        const bool inside = ps != UINT32_MAX && ps == podOf(d);
        if (ps != UINT32_MAX)
        {
            sends[s] |= inside ? 1 : 2;
            NS_ABORT_MSG_IF(sends[s] == 3,
                            "UbFlowFabric::RingPhase: node "
                                << s << " sends both inside its SuperPoD and out of it in one "
                                << "phase, which a fabric holding one SuperPoD for all cannot "
                                << "compute (" << hop(h)
                                << "); build every SuperPoD (UbTopologyHelper::SetOnePod(false))");
        }
        if (inside && ps > 0)
        {
            continue; // pass 2
        }
        twin[h] = static_cast<uint32_t>(out.size());
        out.push_back(hops[h]);
        if (inside)
        {
            const uint64_t key = (static_cast<uint64_t>(s) << 32) | d;
            if (inPod0.emplace(key, static_cast<uint32_t>(firstOf.size())).second)
            {
                firstOf.push_back(twin[h]);
            }
        }
    }
    // Every pod's hops inside it: pod 0's, shifted, each as many times.
    const auto k0 = static_cast<uint32_t>(firstOf.size());
    std::vector<uint32_t> count(static_cast<std::size_t>(m_pods) * k0, 0);
    auto distinct = [&](std::size_t h, uint32_t pod) {
        const uint64_t shift = static_cast<uint64_t>(pod) * e;
        const uint64_t key = ((hops[h].first - shift) << 32) | (hops[h].second - shift);
        auto it = inPod0.find(key);
        NS_ABORT_MSG_IF(it == inPod0.end(),
                        "UbFlowFabric::RingPhase: "
                            << hop(h) << " inside SuperPoD " << pod
                            << " has no twin in SuperPoD 0, so a fabric holding one SuperPoD "
                               "for all cannot compute it; build every SuperPoD "
                               "(UbTopologyHelper::SetOnePod(false))");
        return it->second;
    };
    for (std::size_t h = 0; h < hops.size(); ++h)
    {
        const uint32_t ps = podOf(hops[h].first);
        if (ps != UINT32_MAX && ps == podOf(hops[h].second))
        {
            const uint32_t j = distinct(h, ps);
            ++count[static_cast<std::size_t>(ps) * k0 + j];
            if (twin[h] == UINT32_MAX)
            {
                twin[h] = firstOf[j];
            }
        }
    }
    for (uint32_t pod = 1; pod < m_pods; ++pod)
    {
        for (uint32_t j = 0; j < k0; ++j)
        {
            const uint32_t here = count[static_cast<std::size_t>(pod) * k0 + j];
            NS_ABORT_MSG_IF(here != count[j],
                            "UbFlowFabric::RingPhase: SuperPoD "
                                << pod << " has " << here << " hops from node "
                                << out[firstOf[j]].first + pod * e << " to node "
                                << out[firstOf[j]].second + pod * e << ", SuperPoD 0 " << count[j]
                                << " of their twins, so a fabric holding one SuperPoD for all "
                                   "cannot compute the phase; build every SuperPoD "
                                   "(UbTopologyHelper::SetOnePod(false))");
        }
    }
    if (out.size() == hops.size())
    {
        twin = {}; // every hop is computed as itself (all between pods, say): no copy kept
        return {};
    }
    return out;
}

} // namespace ns3

namespace ns3
{

double
UbFlowFabric::MeanShare(uint32_t v, uint32_t count, uint32_t j, bool source, uint32_t channels)
    const
{
    if (m_selection[v] == UbRoutingTable::SINGLE)
    {
        return j == 0 ? 1.0 : 0.0;
    }
    if (m_selection[v] == UbRoutingTable::LBF && source)
    {
        // At the source a channel's load-balance field picks candidate (channel mod count), with
        // no hash (UbRoutingTable::LbfChoice): the same for every pair.
        return static_cast<double>(channels / count + (j < channels % count ? 1 : 0)) / channels;
    }
    // Spray, Random and Adaptive split evenly; ECMP, and LBF beyond the source, by a hash of the
    // pair, which over many pairs is even too.
    return 1.0 / count;
}

bool
UbFlowFabric::EndpointsForward() const
{
    // Endpoints that forward (a link joining two of them: UB-Mesh, k-ary n-cubes) carry other
    // pairs on the links their own pairs leave and arrive by, which the endpoints' processor
    // sharing below does not see.
    for (uint32_t l = 0; l < m_topo.GetNLinks(); ++l)
    {
        const UbTopology::Link& link = m_topo.GetLink(l);
        if (m_topo.IsEndpoint(link.a) && m_topo.IsEndpoint(link.b))
        {
            return true;
        }
    }
    return false;
}

UbFlowFabric::AllToAllResult
UbFlowFabric::AllToAllPhase(const std::vector<uint32_t>& nodes,
                            const std::vector<std::vector<uint64_t>>* matrix,
                            uint64_t uniform,
                            uint32_t chunks,
                            Time issueCost,
                            Time issueLatency,
                            bool minimal)
{
    NS_ABORT_MSG_IF(chunks == 0, "UbFlowFabric::AllToAllPhase: 0 pieces per pair");
    const auto ranks = static_cast<uint32_t>(nodes.size());
    const uint32_t n = m_topo.GetNNodes();
    AllToAllResult out;
    out.rankDone.assign(ranks, Time(0));
    if (ranks < 2)
    {
        return out;
    }
    for (uint32_t v : nodes)
    {
        NS_ABORT_MSG_IF(v >= n || !m_topo.IsEndpoint(v),
                        "UbFlowFabric::AllToAllPhase: rank node " << v << " is not an endpoint");
    }
    // Where endpoints forward (UB-Mesh), the links out of a source and into a destination carry
    // other pairs too: their drains join the busiest-link bound (pass 2).
    const bool forwarding = EndpointsForward();
    out.aggregated = true;
    const uint32_t c = chunks;

    // A pair's bytes as UbDirectBuilder cuts them: an All-to-All's c pieces (the fabric moves at
    // least a byte each), an All-to-Allv's pieces that hold bytes.
    struct Cut
    {
        uint64_t bytes{0};
        uint64_t last{0};
        uint32_t pieces{0};
    };

    auto cut = [matrix, uniform, c](uint32_t s, uint32_t d) {
        Cut x;
        const uint64_t b = matrix ? (*matrix)[s][d] : uniform;
        const uint64_t base = b / c;
        const uint64_t lastPiece = base + b % c;
        if (!matrix)
        {
            x.pieces = c;
            x.last = std::max<uint64_t>(lastPiece, 1);
            x.bytes = (c - 1) * std::max<uint64_t>(base, 1) + x.last;
        }
        else if (b > 0)
        {
            x.pieces = base == 0 ? 1 : c;
            x.last = base == 0 ? b : lastPiece;
            x.bytes = b;
        }
        return x;
    };
    // Per class (0: within a domain, 1: toward another), the wire bytes per payload byte of a
    // full packet on each kind of link and on the egress.
    const EndpointParams* eps[2] = {&m_local, &m_remote};
    std::vector<double> factor[2];
    double egressFactor[2];
    double egressBps[2];
    for (int k = 0; k < 2; ++k)
    {
        const uint32_t payload = eps[k]->mtu;
        const uint32_t packet = payload + HeaderBytes();
        for (const LinkKind& kind : m_kinds)
        {
            factor[k].push_back(static_cast<double>(kind.proto->GetWireBytes(packet)) / payload);
        }
        egressFactor[k] = static_cast<double>(packet) / payload;
        egressBps[k] = eps[k]->egressBps;
        if (eps[k]->writeBps > 0 && (egressBps[k] == 0 || eps[k]->writeBps < egressBps[k]))
        {
            egressBps[k] = eps[k]->writeBps;
        }
    }
    const uint32_t channels = std::max<uint32_t>(1, m_local.sprayWidth);
    auto cls = [this](uint32_t a, uint32_t b) { return m_domain[a] == m_domain[b] ? 0 : 1; };
    auto linkOf = [this](uint32_t v, uint32_t port, uint32_t& peer) {
        const UbTopology::Port& p = m_topo.GetPorts(v)[port];
        peer = p.peer;
        return GetLinkId(p.link, m_topo.GetLink(p.link).a == v ? 0 : 1);
    };
    // The sources of each destination, one destination at a time: (rank, its pair's cut).
    std::vector<std::pair<uint32_t, Cut>> sources;
    auto gather = [&](uint32_t d) {
        sources.clear();
        for (uint32_t s = 0; s < ranks; ++s)
        {
            if (s != d)
            {
                const Cut x = cut(s, d);
                if (x.pieces > 0)
                {
                    sources.emplace_back(s, x);
                }
            }
        }
    };
    // The nodes the sources' traffic toward node vd passes (not the sources' own sends, nor
    // vd), each after every node that feeds it: a depth-first walk's post-order, reversed.
    std::vector<uint32_t> mark(n, 0);
    std::vector<uint8_t> state(n, 0);
    std::vector<double> amount[2] = {std::vector<double>(n, 0.0), std::vector<double>(n, 0.0)};
    std::vector<double> drainFrom(n, 0.0); // the busiest link's drain from a node to vd
    uint32_t epoch = 0;
    std::vector<uint32_t> order;

    struct Frame
    {
        uint32_t v;
        uint32_t next;
        uint32_t count;
        const UbRouteCandidate* cand;
    };

    std::vector<Frame> stack;
    // Walks from sources[first, last).
    auto walk = [&](uint32_t vd, std::size_t first, std::size_t last) {
        if (++epoch == 0)
        {
            std::fill(mark.begin(), mark.end(), 0);
            epoch = 1;
        }
        order.clear();
        auto open = [&](uint32_t v) {
            mark[v] = epoch;
            state[v] = 1;
            amount[0][v] = amount[1][v] = 0;
            Frame f{v, 0, 0, nullptr};
            f.cand = Candidates(v, vd, vd, minimal, f.count);
            stack.push_back(f);
        };
        auto visit = [&](uint32_t root) {
            if (root == vd || mark[root] == epoch)
            {
                return;
            }
            open(root);
            while (!stack.empty())
            {
                Frame& f = stack.back();
                while (f.next < f.count && MeanShare(f.v, f.count, f.next, false, channels) == 0)
                {
                    ++f.next;
                }
                if (f.next < f.count)
                {
                    uint32_t peer = 0;
                    linkOf(f.v, f.cand[f.next].port, peer);
                    ++f.next;
                    if (peer == vd)
                    {
                        continue;
                    }
                    NS_ABORT_MSG_IF(mark[peer] == epoch && state[peer] == 1,
                                    "UbFlowFabric: the routes toward "
                                        << m_topo.GetNode(vd).name << " loop at "
                                        << m_topo.GetNode(peer).name);
                    if (mark[peer] != epoch)
                    {
                        open(peer); // f is not used after this
                    }
                    continue;
                }
                state[f.v] = 2;
                order.push_back(f.v);
                stack.pop_back();
            }
        };
        for (std::size_t i = first; i < last; ++i)
        {
            const uint32_t vs = nodes[sources[i].first];
            uint32_t count = 0;
            const UbRouteCandidate* cand = Candidates(vs, vs, vd, minimal, count);
            for (uint32_t j = 0; j < count; ++j)
            {
                if (MeanShare(vs, count, j, true, channels) > 0)
                {
                    uint32_t peer = 0;
                    linkOf(vs, cand[j].port, peer);
                    visit(peer);
                }
            }
        }
    };

    // Sources send a destination's pairs through different candidates (within a SuperPoD over
    // its UB links, to another over the scale-out NICs): the pairs of one set of candidates at
    // the source are a group, which shares the links out of the source (and, at the destination,
    // the links its traffic arrives by) with its own pairs only.
    auto groupOf = [&](uint32_t vs, uint32_t vd) {
        uint32_t count = 0;
        return Candidates(vs, vs, vd, minimal, count);
    };
    auto sizes = [](std::vector<uint64_t>& v) {
        std::sort(v.begin(), v.end());
        std::vector<std::pair<uint64_t, uint32_t>> rle;
        for (uint64_t b : v)
        {
            if (!rle.empty() && rle.back().first == b)
            {
                ++rle.back().second;
            }
            else
            {
                rle.emplace_back(b, 1);
            }
        }
        return rle;
    };

    /// A destination's group: its sources' share of the links into it, and their pairs' sizes.
    struct InGroup
    {
        const UbRouteCandidate* key;
        double rate;        // payload bytes per second
        uint32_t lastLinks; // links into the destination it uses
        std::vector<std::pair<uint64_t, uint32_t>> sizes;
    };

    std::vector<std::vector<InGroup>> inGroups(ranks);

    // Pass 1: the loads. Per destination and group, the sources' bytes enter on their own
    // candidates and spread toward it node by node.
    std::vector<double> load(m_net.GetNLinks(), 0.0);
    std::vector<std::pair<uint32_t, double>> into; // (link into the destination, group's load)
    std::vector<uint64_t> column;
    std::vector<const UbRouteCandidate*> keys;
    for (uint32_t d = 0; d < ranks; ++d)
    {
        gather(d);
        if (sources.empty())
        {
            continue;
        }
        const uint32_t vd = nodes[d];
        keys.clear();
        for (const auto& src : sources)
        {
            keys.push_back(groupOf(nodes[src.first], vd));
        }
        // Sources grouped, in rank order within a group.
        std::vector<std::size_t> idx(sources.size());
        for (std::size_t i = 0; i < idx.size(); ++i)
        {
            idx[i] = i;
        }
        std::stable_sort(idx.begin(), idx.end(), [&keys](std::size_t a, std::size_t b) {
            return std::less<const UbRouteCandidate*>()(keys[a], keys[b]);
        });
        {
            std::vector<std::pair<uint32_t, Cut>> sorted;
            std::vector<const UbRouteCandidate*> sortedKeys;
            for (std::size_t i : idx)
            {
                sorted.push_back(sources[i]);
                sortedKeys.push_back(keys[i]);
            }
            sources.swap(sorted);
            keys.swap(sortedKeys);
        }
        auto spread = [&](uint32_t v,
                          bool source,
                          double a,
                          int k,
                          uint32_t count,
                          const UbRouteCandidate* cand) {
            for (uint32_t j = 0; j < count; ++j)
            {
                const double share = MeanShare(v, count, j, source, channels);
                if (share == 0)
                {
                    continue;
                }
                uint32_t peer = 0;
                const uint32_t l = linkOf(v, cand[j].port, peer);
                const double w = a * share * factor[k][m_kindOf[l / 2]];
                load[l] += w;
                if (peer == vd)
                {
                    into.emplace_back(l, w);
                }
                else
                {
                    amount[k][peer] += a * share;
                }
            }
        };
        std::vector<std::vector<std::pair<uint32_t, double>>> groupInto;
        for (std::size_t first = 0; first < sources.size();)
        {
            std::size_t last = first;
            while (last < sources.size() && keys[last] == keys[first])
            {
                ++last;
            }
            walk(vd, first, last);
            into.clear();
            column.clear();
            for (std::size_t i = first; i < last; ++i)
            {
                const auto& [s, x] = sources[i];
                const uint32_t vs = nodes[s];
                const int k = cls(vs, vd);
                const auto b = static_cast<double>(x.bytes);
                column.push_back(x.bytes);
                if (egressBps[k] > 0)
                {
                    load[GetEgressId(vs)] += b * egressFactor[k];
                }
                uint32_t count = 0;
                const UbRouteCandidate* cand = Candidates(vs, vs, vd, minimal, count);
                spread(vs, true, b, k, count, cand);
            }
            for (auto it = order.rbegin(); it != order.rend(); ++it)
            {
                const uint32_t v = *it;
                uint32_t count = 0;
                const UbRouteCandidate* cand = Candidates(v, vd, vd, minimal, count);
                for (int k = 0; k < 2; ++k)
                {
                    if (amount[k][v] > 0)
                    {
                        spread(v, false, amount[k][v], k, count, cand);
                    }
                }
            }
            // The group's load per link into the destination.
            std::sort(into.begin(), into.end());
            std::vector<std::pair<uint32_t, double>> merged;
            for (const auto& [l, w] : into)
            {
                if (!merged.empty() && merged.back().first == l)
                {
                    merged.back().second += w;
                }
                else
                {
                    merged.emplace_back(l, w);
                }
            }
            groupInto.push_back(std::move(merged));
            inGroups[d].push_back(InGroup{keys[first], 0.0, 1, sizes(column)});
            first = last;
        }
        // A group's rate into the destination: its share (by load) of each link it arrives by.
        for (std::size_t g = 0; g < groupInto.size(); ++g)
        {
            double rate = 0;
            for (const auto& [l, w] : groupInto[g])
            {
                rate += m_net.GetCapacity(l) * (w / load[l]) / factor[0][m_kindOf[l / 2]];
            }
            inGroups[d][g].rate = rate > 0 ? rate : std::numeric_limits<double>::infinity();
            inGroups[d][g].lastLinks =
                std::max<uint32_t>(1, static_cast<uint32_t>(groupInto[g].size()));
        }
    }
    auto drain = [&](uint32_t l) { return load[l] / m_net.GetCapacity(l); };
    for (uint32_t l = 0; l < load.size(); ++l)
    {
        out.maxDrain = std::max(out.maxDrain, load[l] > 0 ? drain(l) : 0.0);
    }

    // Pass 2: per pair, the busiest link between its source's links and its destination's (its
    // own links out and in count through the endpoints' processor sharing instead).
    std::vector<float> between(static_cast<std::size_t>(ranks) * ranks, 0.0F);
    for (uint32_t d = 0; d < ranks; ++d)
    {
        gather(d);
        if (sources.empty())
        {
            continue;
        }
        const uint32_t vd = nodes[d];
        walk(vd, 0, sources.size());
        for (uint32_t v : order) // every node after those it feeds
        {
            uint32_t count = 0;
            const UbRouteCandidate* cand = Candidates(v, vd, vd, minimal, count);
            double m = 0;
            for (uint32_t j = 0; j < count; ++j)
            {
                uint32_t peer = 0;
                const uint32_t l = linkOf(v, cand[j].port, peer);
                if (MeanShare(v, count, j, false, channels) == 0)
                {
                    continue;
                }
                if (peer != vd)
                {
                    m = std::max(m, std::max(drain(l), drainFrom[peer]));
                }
                else if (forwarding)
                {
                    m = std::max(m, drain(l));
                }
            }
            drainFrom[v] = m;
        }
        for (const auto& [s, x] : sources)
        {
            const uint32_t vs = nodes[s];
            uint32_t count = 0;
            const UbRouteCandidate* cand = Candidates(vs, vs, vd, minimal, count);
            double m = 0;
            for (uint32_t j = 0; j < count; ++j)
            {
                uint32_t peer = 0;
                const uint32_t l = linkOf(vs, cand[j].port, peer);
                if (MeanShare(vs, count, j, true, channels) == 0)
                {
                    continue;
                }
                if (forwarding)
                {
                    m = std::max(m, drain(l));
                }
                if (peer != vd)
                {
                    m = std::max(m, drainFrom[peer]);
                }
            }
            between[static_cast<std::size_t>(s) * ranks + d] = static_cast<float>(m);
        }
    }

    // Pass 3: per source, its transfers in the order it issues them, and each pair's end.
    auto shared = [](const std::vector<std::pair<uint64_t, uint32_t>>& v, uint64_t x) {
        double sum = 0; // what a group moves by the time a pair of x bytes is done
        for (const auto& [b, k] : v)
        {
            sum += static_cast<double>(std::min(b, x)) * k;
        }
        return sum;
    };
    const int64_t costPs = std::max<int64_t>(0, issueCost.GetPicoSeconds());
    auto latencyOf = [&issueLatency](const EndpointParams& ep) {
        return (!ep.initiatorFixed && !issueLatency.IsNegative()) ? issueLatency.GetPicoSeconds()
                                                                  : ep.initiatorPs;
    };
    // The first issue of all: every rank's first transfer at its first slot.
    int64_t t0 = std::numeric_limits<int64_t>::max();
    for (uint32_t s = 0; s < ranks; ++s)
    {
        for (uint32_t j = 1; j < ranks; ++j)
        {
            const uint32_t d = (s + j) % ranks;
            if (cut(s, d).pieces > 0)
            {
                t0 = std::min(t0, costPs + latencyOf(*eps[cls(nodes[s], nodes[d])]));
                break;
            }
        }
    }

    /// A source's group: the rate its candidates give its pairs, and their sizes.
    struct OutGroup
    {
        const UbRouteCandidate* key;
        double rate;
        std::vector<uint64_t> bytes;
        std::vector<std::pair<uint64_t, uint32_t>> sizes;
    };

    std::vector<int64_t> done(ranks, 0);
    std::vector<uint64_t> all;
    for (uint32_t s = 0; s < ranks; ++s)
    {
        const uint32_t vs = nodes[s];
        std::vector<OutGroup> groups;
        all.clear();
        auto findGroup = [&groups](const UbRouteCandidate* key) -> OutGroup* {
            for (OutGroup& g : groups)
            {
                if (g.key == key)
                {
                    return &g;
                }
            }
            return nullptr;
        };
        for (uint32_t d = 0; d < ranks; ++d)
        {
            const Cut x = d == s ? Cut{} : cut(s, d);
            if (x.pieces == 0)
            {
                continue;
            }
            const uint32_t vd = nodes[d];
            uint32_t count = 0;
            const UbRouteCandidate* cand = Candidates(vs, vs, vd, minimal, count);
            OutGroup* g = findGroup(cand);
            if (!g)
            {
                // What the group's candidates carry together: each link takes its share.
                const int k = cls(vs, vd);
                double rate = std::numeric_limits<double>::infinity();
                for (uint32_t j = 0; j < count; ++j)
                {
                    const double share = MeanShare(vs, count, j, true, channels);
                    if (share > 0)
                    {
                        uint32_t peer = 0;
                        const uint32_t l = linkOf(vs, cand[j].port, peer);
                        rate =
                            std::min(rate,
                                     m_net.GetCapacity(l) / (share * factor[k][m_kindOf[l / 2]]));
                    }
                }
                groups.push_back(OutGroup{cand, rate, {}, {}});
                g = &groups.back();
            }
            g->bytes.push_back(x.bytes);
            all.push_back(x.bytes);
        }
        for (OutGroup& g : groups)
        {
            g.sizes = sizes(g.bytes);
        }
        const std::vector<std::pair<uint64_t, uint32_t>> allSizes = sizes(all);
        uint64_t q = 0;       // transfers the rank has issued
        int64_t nextTake = 0; // its issue engine's next slot
        for (uint32_t j = 1; j < ranks; ++j)
        {
            const uint32_t d = (s + j) % ranks;
            const Cut x = cut(s, d);
            if (x.pieces == 0)
            {
                continue;
            }
            const uint32_t vd = nodes[d];
            const int k = cls(vs, vd);
            const EndpointParams& ep = *eps[k];
            int64_t first = 0;
            int64_t last = 0;
            for (uint32_t p = 0; p < x.pieces; ++p)
            {
                const int64_t ready = costPs > 0 ? static_cast<int64_t>(q + 1) * costPs : 0;
                ++q;
                const int64_t take = std::max(ready, nextTake);
                nextTake = take + ep.issueIntervalPs;
                last = take + latencyOf(ep);
                first = p == 0 ? last : first;
            }
            const UbRouteCandidate* key = groupOf(vs, vd);
            const OutGroup& og = *findGroup(key);
            const InGroup* ig = nullptr;
            for (const InGroup& g : inGroups[d])
            {
                ig = g.key == key ? &g : ig;
            }
            NS_ABORT_MSG_IF(!ig, "UbFlowFabric::AllToAllPhase: no group of its destination");
            // Processor sharing at the source's candidates, its egress and the destination's
            // links: each of the group's pairs moves at an equal share until done, so a pair of
            // x bytes is done once the group has moved min(x, b) of every pair of b bytes.
            double egress = std::numeric_limits<double>::infinity();
            double egressShared = 0;
            if (egressBps[k] > 0)
            {
                egress = m_net.GetCapacity(GetEgressId(vs)) / egressFactor[k];
                egressShared = shared(allSizes, x.bytes) / egress;
            }
            const double alone = std::min({og.rate, egress, ig->rate});
            const double own =
                std::max(static_cast<double>(first) + static_cast<double>(x.bytes) / alone * 1e12,
                         static_cast<double>(last) + static_cast<double>(x.last) / alone * 1e12);
            const double fabric =
                static_cast<double>(t0) +
                1e12 * std::max(
                           {shared(og.sizes, x.bytes) / og.rate,
                            egressShared,
                            shared(ig->sizes, x.bytes) / ig->rate,
                            static_cast<double>(between[static_cast<std::size_t>(s) * ranks + d])});
            Route r;
            r.ep = &ep;
            FirstPath(vs, vd, minimal, r);
            r.lastLinks = ig->lastLinks;
            r.egressBps = egressBps[k];
            const int64_t end = static_cast<int64_t>(std::ceil(std::max(own, fabric))) + r.afterPs +
                                FillPs(r, x.last);
            done[d] = std::max(done[d], end);
            ++out.pairs;
            out.transfers += x.pieces;
        }
    }
    int64_t longest = 0;
    for (uint32_t d = 0; d < ranks; ++d)
    {
        out.rankDone[d] = PicoSeconds(done[d]);
        longest = std::max(longest, done[d]);
    }
    out.duration = PicoSeconds(longest);
    return out;
}

} // namespace ns3
