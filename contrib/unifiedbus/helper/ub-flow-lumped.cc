/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The aggregated flow level: a collective's ring phases without their transfers one by one
 * (UbFlowFabric::RingPhase; doc/flow-level.md, "Aggregated rings").
 */
#include "ub-flow-fabric.h"

#include "ns3/abort.h"

#include <algorithm>
#include <cmath>
#include <limits>

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
    // The hops' routes, built for this phase and not cached (a phase of a million hops would
    // keep a gigabyte of them).
    std::vector<Route> built(hops.size());
    std::vector<const Route*> routes;
    routes.reserve(hops.size());
    std::vector<const std::vector<UbFlowNetwork::Use>*> uses;
    uses.reserve(hops.size());
    for (std::size_t h = 0; h < hops.size(); ++h)
    {
        BuildRoute(hops[h].first, hops[h].second, minimal, built[h]);
        built[h].uses.shrink_to_fit();
        routes.push_back(&built[h]);
        uses.push_back(&built[h].uses);
    }
    const std::vector<double> rate = m_net.MaxMinRates(uses);

    // Means over the hops: issue latency and interval, 1 / rate, and the path and fill of each
    // distinct piece size (the last piece may differ).
    const double n = static_cast<double>(hops.size());
    double issuePs = 0;
    double intervalPs = 0;
    double inverseRate = 0; // s per byte
    double rateMin = std::numeric_limits<double>::infinity();
    double rateSum = 0;
    const uint64_t b0 = piece(0);
    const uint64_t bLast = piece(c - 1);
    double after0 = 0;
    double afterLast = 0;
    for (std::size_t h = 0; h < routes.size(); ++h)
    {
        const Route& r = *routes[h];
        double latency = static_cast<double>(r.ep->initiatorPs);
        if (!r.ep->initiatorFixed && !issueLatency.IsNegative())
        {
            latency = static_cast<double>(issueLatency.GetPicoSeconds());
        }
        issuePs += latency / n;
        intervalPs += static_cast<double>(r.ep->issueIntervalPs) / n;
        NS_ABORT_MSG_IF(!(rate[h] > 0) || std::isinf(rate[h]),
                        "UbFlowFabric::RingPhase: the hop from node "
                            << hops[h].first << " to node " << hops[h].second
                            << " has no finite rate");
        inverseRate += 1.0 / rate[h] / n;
        rateMin = std::min(rateMin, rate[h]);
        rateSum += rate[h];
        after0 += static_cast<double>(r.afterPs + FillPs(r, b0)) / n;
        afterLast += static_cast<double>(r.afterPs + FillPs(r, bLast)) / n;
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
            arrived[k] =
                start + bytes * inverseRate * 1e12 + (k + 1 == c ? afterLast : after0);
        }
    }
    out.duration = PicoSeconds(std::llround(*std::max_element(arrived.begin(), arrived.end())));
    return out;
}

} // namespace ns3
