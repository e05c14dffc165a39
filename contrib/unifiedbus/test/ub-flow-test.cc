/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The flow level's fluid network (UbFlowNetwork):
 *  - rates are the max-min fair allocation of textbook cases, worked out by hand (Bertsekas and
 *    Gallager, Data Networks, section 6.5.2): a long flow against short ones, a bottleneck that
 *    leaves another link's capacity to a third flow, weights, a flow's own limit;
 *  - the one-shot allocation over compressed rows (MaxMinRates) gives the same, with its uses
 *    packed and once many distinct weights widen them;
 *  - end times follow from the rates by arithmetic, as flows start and end (the remaining bytes
 *    move at the new rates), and a link carries the weighted bytes of its flows;
 *  - a class of m identical flows (one flow of weight m) ends when each of the m would;
 *  - a flow stopped early gives its share back without calling its done callback, and Watch
 *    reports a link's load from the flows that are reported only (the hybrid level's shadows
 *    are not);
 *  - on random networks, the incremental settling (with its shortcuts: a flow that starts alone
 *    on its tightest link, or ends with no full link shared) gives the same end times to the
 *    picosecond as settling every flow at every change, while computing fewer rates; at every
 *    change the
 *    rates are max-min fair: no link is over its capacity and every flow has a bottleneck (a
 *    full link on which no flow has a higher rate) or is at its own limit.
 */
#include "ns3/simulator.h"
#include "ns3/test.h"
#include "ns3/ub-flow-network.h"

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <vector>

using namespace ns3;

namespace
{

using Use = UbFlowNetwork::Use;

/// ceil(bytes / rate) in picoseconds, as the network promises an end time.
int64_t
EndPs(double bytes, double rate)
{
    return static_cast<int64_t>(std::ceil(bytes / rate * 1e12));
}

class UbFlowMaxMinTestCase : public TestCase
{
  public:
    UbFlowMaxMinTestCase()
        : TestCase("rates are the max-min fair allocation of textbook cases")
    {
    }

  private:
    void DoRun() override
    {
        // Three links in a line, one flow over all three and one flow on each: every flow gets
        // half of a link (B&G's first example).
        {
            UbFlowNetwork net;
            for (int i = 0; i < 3; ++i)
            {
                net.AddLink(1e9);
            }
            uint32_t longFlow = net.Start({{0, 1}, {1, 1}, {2, 1}}, 1e9, nullptr);
            std::vector<uint32_t> shorts;
            for (uint32_t l = 0; l < 3; ++l)
            {
                shorts.push_back(net.Start({{l, 1}}, 1e9, nullptr));
            }
            Simulator::Stop(NanoSeconds(1));
            Simulator::Run();
            NS_TEST_EXPECT_MSG_EQ_TOL(net.GetRate(longFlow), 0.5e9, 1, "long flow");
            for (uint32_t f : shorts)
            {
                NS_TEST_EXPECT_MSG_EQ_TOL(net.GetRate(f), 0.5e9, 1, "short flow");
            }
            Simulator::Destroy();
        }
        // A 1-GB/s link shared by flows 0 and 1, a 10-GB/s link shared by flows 1 and 2: flow 1
        // is held to 0.5 by the first, so flow 2 takes the other 9.5.
        {
            UbFlowNetwork net;
            net.AddLink(1e9);
            net.AddLink(10e9);
            uint32_t f0 = net.Start({{0, 1}}, 1e9, nullptr);
            uint32_t f1 = net.Start({{0, 1}, {1, 1}}, 1e9, nullptr);
            uint32_t f2 = net.Start({{1, 1}}, 1e9, nullptr);
            Simulator::Stop(NanoSeconds(1));
            Simulator::Run();
            NS_TEST_EXPECT_MSG_EQ_TOL(net.GetRate(f0), 0.5e9, 1, "flow 0");
            NS_TEST_EXPECT_MSG_EQ_TOL(net.GetRate(f1), 0.5e9, 1, "flow 1");
            NS_TEST_EXPECT_MSG_EQ_TOL(net.GetRate(f2), 9.5e9, 1, "flow 2");
            NS_TEST_EXPECT_MSG_EQ_TOL(net.GetLoad(1), 10e9, 1, "the second link is full");
            Simulator::Destroy();
        }
        // Weights: a class of 3 (weight 3) and a single flow on a 12-GB/s link: 3 each. A flow
        // sprayed over two 4-GB/s links (weight 1/2 on each) and a flow on the first of them:
        // both rise until the first is full at r/2 + r = 4, r = 8/3; the second link then
        // carries 4/3.
        {
            UbFlowNetwork net;
            net.AddLink(12e9);
            uint32_t cls = net.Start({{0, 3}}, 1e9, nullptr);
            uint32_t one = net.Start({{0, 1}}, 1e9, nullptr);
            net.AddLink(4e9);
            net.AddLink(4e9);
            uint32_t sprayed = net.Start({{1, 0.5}, {2, 0.5}}, 1e9, nullptr);
            uint32_t plain = net.Start({{1, 1}}, 1e9, nullptr);
            Simulator::Stop(NanoSeconds(1));
            Simulator::Run();
            NS_TEST_EXPECT_MSG_EQ_TOL(net.GetRate(cls), 3e9, 1, "class member");
            NS_TEST_EXPECT_MSG_EQ_TOL(net.GetRate(one), 3e9, 1, "single flow");
            NS_TEST_EXPECT_MSG_EQ_TOL(net.GetRate(sprayed), 8e9 / 3, 1, "sprayed flow");
            NS_TEST_EXPECT_MSG_EQ_TOL(net.GetRate(plain), 8e9 / 3, 1, "flow on the shared link");
            NS_TEST_EXPECT_MSG_EQ_TOL(net.GetLoad(1), 4e9, 1, "shared link full");
            NS_TEST_EXPECT_MSG_EQ_TOL(net.GetLoad(2), 4e9 / 3, 1, "other link at a third");
            Simulator::Destroy();
        }
        // A flow's own limit: 1 GB/s on a 10-GB/s link leaves 9 to the other flow; a flow with
        // no links runs at its limit.
        {
            UbFlowNetwork net;
            net.AddLink(10e9);
            uint32_t slow = net.Start({{0, 1}}, 1e9, nullptr, 1e9);
            uint32_t fast = net.Start({{0, 1}}, 1e9, nullptr);
            uint32_t alone = net.Start({}, 1e9, nullptr, 2e9);
            Simulator::Stop(NanoSeconds(1));
            Simulator::Run();
            NS_TEST_EXPECT_MSG_EQ_TOL(net.GetRate(slow), 1e9, 1, "limited flow");
            NS_TEST_EXPECT_MSG_EQ_TOL(net.GetRate(fast), 9e9, 1, "the rest");
            NS_TEST_EXPECT_MSG_EQ_TOL(net.GetRate(alone), 2e9, 1, "flow without links");
            Simulator::Destroy();
        }
    }
};

/**
 * MaxMinRates, the aggregated level's one-shot allocation over compressed rows, gives the same
 * textbook allocations, with its uses packed (a link and its weight's index in 32 bits) and
 * once the weights outgrow the bits the links leave (each weight's index held apart).
 */
class UbFlowMaxMinRowsTestCase : public TestCase
{
  public:
    UbFlowMaxMinRowsTestCase()
        : TestCase("one-shot max-min rates over compressed rows, packed and wide")
    {
    }

  private:
    void DoRun() override
    {
        // B&G's line of three links and the two-link case, as above, in one set of rows.
        {
            UbFlowNetwork net;
            net.AddLink(1e9);
            net.AddLink(1e9);
            net.AddLink(1e9);
            net.AddLink(2e9);
            net.AddLink(20e9);
            UbFlowNetwork::UseRows rows(net.GetNLinks());
            rows.Add({{0, 1}, {1, 1}, {2, 1}}); // the long flow
            rows.Add({{0, 1}});
            rows.Add({{1, 1}});
            rows.Add({{2, 1}});
            rows.Add({{3, 2}});         // weight 2 on a 2-GB/s link
            rows.Add({{3, 2}, {4, 2}}); // held there to 0.5
            rows.Add({{4, 2}});         // takes the rest: (20 - 2 * 0.5) / 2 = 9.5
            rows.Add({});               // no link: no limit
            NS_TEST_EXPECT_MSG_EQ(rows.GetNFlows(), 8, "flows");
            NS_TEST_EXPECT_MSG_EQ(rows.GetNUses(), 10, "uses");
            const std::vector<double> rate = net.MaxMinRates(std::move(rows));
            NS_TEST_ASSERT_MSG_EQ(rate.size(), 8, "a rate per flow");
            for (int f = 0; f < 4; ++f)
            {
                NS_TEST_EXPECT_MSG_EQ_TOL(rate[f], 0.5e9, 1, "B&G's line, flow " << f);
            }
            NS_TEST_EXPECT_MSG_EQ_TOL(rate[4], 0.5e9, 1, "weighted flow on the 2-GB/s link");
            NS_TEST_EXPECT_MSG_EQ_TOL(rate[5], 0.5e9, 1, "flow held by the 2-GB/s link");
            NS_TEST_EXPECT_MSG_EQ_TOL(rate[6], 9.5e9, 1, "flow taking the rest");
            NS_TEST_EXPECT_MSG_EQ(std::isinf(rate[7]), true, "a flow with no link");
        }
        // 2^20 links leave 12 bits for a weight's index: 5,000 distinct weights outgrow them
        // at the 4,097th, and the rows go on wide. Flow i loads the shared link 0 (1 TB/s) with
        // weight w_i = 1 + i / 8192 and its own link i + 1 (weight 1); flow 0's own link is
        // 10 MB/s, below the common rate (about 1e12 / 6,500), so it stops there and the others
        // share what it leaves on link 0: r = (C - w_0 * 1e7) / (sum of the other weights).
        {
            const uint32_t links = 1u << 20;
            const uint32_t n = 5000;
            UbFlowNetwork net;
            net.ReserveLinks(links);
            net.AddLink(1e12);
            net.AddLink(1e7);
            for (uint32_t l = 2; l < links; ++l)
            {
                net.AddLink(1e12);
            }
            UbFlowNetwork::UseRows rows(net.GetNLinks());
            double others = 0;
            for (uint32_t i = 0; i < n; ++i)
            {
                const double w = 1 + i / 8192.0;
                rows.Add({{0, w}, {i + 1, 1}});
                others += i > 0 ? w : 0;
            }
            const std::vector<double> rate = net.MaxMinRates(std::move(rows));
            NS_TEST_EXPECT_MSG_EQ_TOL(rate[0], 1e7, 1e-3, "flow 0 at its own link's capacity");
            const double r = (1e12 - 1e7) / others;
            for (uint32_t i = 1; i < n; i += 999)
            {
                NS_TEST_EXPECT_MSG_EQ_TOL(rate[i], r, r * 1e-12, "flow " << i << " of " << n);
            }
        }
    }
};

class UbFlowTimesTestCase : public TestCase
{
  public:
    UbFlowTimesTestCase()
        : TestCase("end times follow from the rates as flows start and end")
    {
    }

  private:
    void DoRun() override
    {
        const double cap = 25e9; // 25 GB/s
        const double s = 1e6;
        // Flows of S and 2S share the link from t = 0: S/(C/2) for the first; the second then
        // has S left alone, and ends at 2S/C + S/C = 3S/C. The second also loads another link
        // with weight 1/2, which never limits it.
        {
            UbFlowNetwork net;
            net.AddLink(cap);
            net.AddLink(cap);
            std::map<uint32_t, int64_t> ends;
            auto done = [&ends](uint32_t id) { ends[id] = Simulator::Now().GetPicoSeconds(); };
            uint32_t a = net.Start({{0, 1}}, s, done);
            uint32_t b = net.Start({{0, 1}, {1, 0.5}}, 2 * s, done);
            Simulator::Run();
            NS_TEST_EXPECT_MSG_EQ_TOL(ends[a], EndPs(2 * s, cap), 1, "first flow at 2S/C");
            NS_TEST_EXPECT_MSG_EQ_TOL(ends[b], EndPs(3 * s, cap), 1, "second flow at 3S/C");
            NS_TEST_EXPECT_MSG_EQ(net.GetNFlows(), 0u, "all ended");
            // The link carried both flows' bytes: 3S (each flow runs to the first picosecond
            // at which its bytes have moved, so at most a picosecond's worth more).
            NS_TEST_EXPECT_MSG_EQ_TOL(net.GetCarried(0), 3 * s, cap * 2e-12, "bytes carried");
            NS_TEST_EXPECT_MSG_EQ_TOL(net.GetCarried(1), s, cap * 2e-12, "half of 2S carried");
            Simulator::Destroy();
        }
        // A flow of 2S alone from t = 0, a second of S joins at S/C (half the first is moved):
        // both have S left at C/2 each, so both end at S/C + 2S/C = 3S/C.
        {
            UbFlowNetwork net;
            net.AddLink(cap);
            std::vector<int64_t> ends;
            auto done = [&ends](uint32_t) { ends.push_back(Simulator::Now().GetPicoSeconds()); };
            net.Start({{0, 1}}, 2 * s, done);
            Simulator::Schedule(PicoSeconds(EndPs(s, cap)), [&net, &done, s]() {
                net.Start({{0, 1}}, s, done);
            });
            Simulator::Run();
            NS_TEST_ASSERT_MSG_EQ(ends.size(), 2u, "two ends");
            NS_TEST_EXPECT_MSG_EQ_TOL(ends[0], EndPs(3 * s, cap), 1, "first at 3S/C");
            NS_TEST_EXPECT_MSG_EQ_TOL(ends[1], EndPs(3 * s, cap), 1, "second at 3S/C");
            Simulator::Destroy();
        }
        // A flow started from another's callback begins where the first ended: a chain of four
        // flows of S ends at 4S/C; a flow of 0 bytes ends at once.
        {
            UbFlowNetwork net;
            net.AddLink(cap);
            int left = 4;
            int64_t last = -1;
            std::function<void(uint32_t)> next = [&](uint32_t) {
                last = Simulator::Now().GetPicoSeconds();
                if (--left > 0)
                {
                    net.Start({{0, 1}}, s, next);
                }
            };
            net.Start({{0, 1}}, s, next);
            Simulator::Run();
            NS_TEST_EXPECT_MSG_EQ_TOL(last, 4 * EndPs(s, cap), 4, "a chain of four at 4S/C");
            int64_t zero = -1;
            Simulator::Schedule(NanoSeconds(5), [&]() {
                net.Start({{0, 1}}, 0, [&zero](uint32_t) {
                    zero = Simulator::Now().GetPicoSeconds();
                });
            });
            Simulator::Run();
            NS_TEST_EXPECT_MSG_EQ(zero, last + 5000, "a flow of 0 bytes ends when it starts");
            Simulator::Destroy();
        }
        // The same chain carried on by Continue (the flow keeps its links and rate) beside a
        // flow of 8S on another link: the same end times, and no settle after the first.
        {
            UbFlowNetwork net;
            net.AddLink(cap);
            net.AddLink(cap);
            int left = 4;
            std::vector<int64_t> ends;
            std::function<void(uint32_t)> next = [&](uint32_t id) {
                ends.push_back(Simulator::Now().GetPicoSeconds());
                if (--left > 0)
                {
                    net.Continue(id, s, next);
                }
            };
            net.Start({{0, 1}}, s, next);
            net.Start({{1, 1}}, 8 * s, nullptr);
            Simulator::Run();
            NS_TEST_ASSERT_MSG_EQ(ends.size(), 4u, "four ends");
            for (int k = 0; k < 4; ++k)
            {
                NS_TEST_EXPECT_MSG_EQ_TOL(ends[k],
                                          (k + 1) * EndPs(s, cap),
                                          k + 1,
                                          "continued flow's end " << k);
            }
            // Both flows start alone on their links and end alone: nothing is settled, and
            // nothing between the pieces either.
            NS_TEST_EXPECT_MSG_EQ(net.GetStats().settles, 0u, "settles");
            NS_TEST_EXPECT_MSG_EQ(net.GetStats().settledAlone, 2u, "flows settled alone");
            NS_TEST_EXPECT_MSG_EQ(net.GetStats().flowsStarted, 5u, "four pieces and one flow");
            NS_TEST_EXPECT_MSG_EQ(net.GetStats().flowsEnded, 5u, "all ended");
            Simulator::Destroy();
        }
        // A class of 8 flows (weight 8) against 8 single flows: each ends at 8S/C.
        for (bool asClass : {true, false})
        {
            UbFlowNetwork net;
            net.AddLink(cap);
            int64_t end = -1;
            auto done = [&end](uint32_t) { end = Simulator::Now().GetPicoSeconds(); };
            if (asClass)
            {
                net.Start({{0, 8}}, s, done);
            }
            else
            {
                for (int i = 0; i < 8; ++i)
                {
                    net.Start({{0, 1}}, s, done);
                }
            }
            Simulator::Run();
            NS_TEST_EXPECT_MSG_EQ_TOL(end,
                                      EndPs(8 * s, cap),
                                      1,
                                      (asClass ? "class" : "eight flows"));
            Simulator::Destroy();
        }
    }
};

/// Random flows on a random network, started at random times, some from others' callbacks.
struct RandomRun
{
    std::vector<int64_t> ends; //!< end time of each flow, in the order they were started
    UbFlowNetwork::Stats stats;
    uint32_t checks{0};
    uint32_t unfair{0};   //!< checks that found a flow without a bottleneck
    uint32_t overfull{0}; //!< checks that found a link over its capacity
};

RandomRun
RunRandom(uint32_t seed, bool incremental, bool check)
{
    RandomRun out;
    std::mt19937_64 rng(seed);
    UbFlowNetwork net;
    net.SetIncremental(incremental);
    const uint32_t nLinks = 60;
    for (uint32_t l = 0; l < nLinks; ++l)
    {
        net.AddLink(1e9 * (1 + rng() % 40));
    }

    struct Spec
    {
        std::vector<Use> uses;
        double bytes;
        double maxRate;
    };

    const uint32_t nFlows = 400;
    std::vector<Spec> specs(nFlows);
    for (uint32_t i = 0; i < nFlows; ++i)
    {
        // Links clustered: flows stay in one of four groups of links, so components form, and
        // one flow in 100 also takes any link, joining groups while it lasts.
        Spec& sp = specs[i];
        uint32_t group = rng() % 4;
        uint32_t n = 1 + rng() % 4;
        for (uint32_t k = 0; k < n; ++k)
        {
            uint32_t l = (i % 100 == 3 && k == 0) ? rng() % nLinks : group * 15 + rng() % 15;
            double w = (rng() % 3 == 0) ? 0.25 * (1 + rng() % 8) : 1.0;
            sp.uses.push_back({l, w});
        }
        sp.bytes = 1e3 * (1 + rng() % 5000);
        sp.maxRate =
            (rng() % 5 == 0) ? 1e9 * (1 + rng() % 10) : std::numeric_limits<double>::infinity();
    }
    out.ends.assign(nFlows, -1);
    std::map<uint32_t, uint32_t> specOf; // flow id -> spec
    std::vector<uint32_t> active;
    std::function<void(uint32_t)> start;
    auto verify = [&]() {
        // Max-min: links within capacity; each flow at its limit or with a bottleneck.
        ++out.checks;
        std::vector<double> load(nLinks, 0);
        std::vector<double> top(nLinks, 0);
        for (auto& [id, k] : specOf)
        {
            for (const Use& u : specs[k].uses)
            {
                load[u.link] += u.weight * net.GetRate(id);
                top[u.link] = std::max(top[u.link], net.GetRate(id));
            }
        }
        for (uint32_t l = 0; l < nLinks; ++l)
        {
            if (load[l] > net.GetCapacity(l) * (1 + 1e-9))
            {
                ++out.overfull;
            }
        }
        for (auto& [id, k] : specOf)
        {
            const double r = net.GetRate(id);
            bool ok = r >= specs[k].maxRate * (1 - 1e-9);
            for (const Use& u : specs[k].uses)
            {
                ok = ok || (load[u.link] >= net.GetCapacity(u.link) * (1 - 1e-9) &&
                            r >= top[u.link] * (1 - 1e-9));
            }
            out.unfair += ok ? 0 : 1;
        }
    };
    uint32_t startedFromCallback = 0;
    start = [&](uint32_t k) {
        uint32_t id = net.Start(
            specs[k].uses,
            specs[k].bytes,
            [&, k](uint32_t fid) {
                out.ends[k] = Simulator::Now().GetPicoSeconds();
                specOf.erase(fid);
                // Flow 10 j starts flow 10 j + 1 when it ends.
                if (k % 10 == 0 && k + 1 < nFlows)
                {
                    ++startedFromCallback;
                    start(k + 1);
                }
            },
            specs[k].maxRate);
        specOf[id] = k;
        if (check)
        {
            // After this time's settle (scheduled now, so it runs before this check).
            Simulator::ScheduleNow([&]() { Simulator::ScheduleNow(verify); });
        }
    };
    for (uint32_t k = 0; k < nFlows; ++k)
    {
        if (k % 10 == 1)
        {
            continue; // started by flow k - 1's end
        }
        int64_t at = static_cast<int64_t>(rng() % 2000) * 1000; // 0 .. 2 us
        if (k % 7 == 0)
        {
            at = 1000 * static_cast<int64_t>(k % 3); // several at the same time
        }
        Simulator::Schedule(PicoSeconds(at), [&, k]() { start(k); });
    }
    Simulator::Run();
    Simulator::Destroy();
    out.stats = net.GetStats();
    return out;
}

class UbFlowWatchTestCase : public TestCase
{
  public:
    UbFlowWatchTestCase()
        : TestCase("a stopped flow gives its share back and never calls done; Watch reports "
                   "the load of the reported flows only")
    {
    }

  private:
    void DoRun() override
    {
        // Link 0 (C) carries a reported flow of 2S and an unreported one (a shadow) of 10S;
        // link 1 (C) carries only the shadow. Each has C/2 on link 0, so link 0's reported
        // load is C/2 from one flow, link 1's nothing. The shadow stops at S/C: the flow has
        // 2S - S/2 = 1.5S left alone at C, so it ends at S/C + 1.5S/C = 2.5S/C, and the
        // shadow's done is never called.
        const double cap = 25e9;
        const double s = 1e6;
        UbFlowNetwork net;
        net.AddLink(cap);
        net.AddLink(cap);
        std::map<uint32_t, std::vector<std::pair<double, uint32_t>>> seen; // link -> reports
        net.Watch({0, 1}, [&seen](uint32_t link, double load, uint32_t flows) {
            seen[link].emplace_back(load, flows);
        });
        int64_t end = -1;
        bool shadowDone = false;
        uint32_t a = net.Start({{0, 1}}, 2 * s, [&end](uint32_t) {
            end = Simulator::Now().GetPicoSeconds();
        });
        uint32_t shadow =
            net.Start({{0, 1}, {1, 1}}, 10 * s, [&shadowDone](uint32_t) { shadowDone = true; });
        net.SetReported(shadow, false);
        NS_TEST_EXPECT_MSG_NE(a, shadow, "two flows");
        Simulator::Schedule(PicoSeconds(EndPs(s, cap)), [&net, shadow]() { net.Stop(shadow); });
        Simulator::Run();
        NS_TEST_EXPECT_MSG_EQ(shadowDone, false, "a stopped flow's done is not called");
        NS_TEST_EXPECT_MSG_EQ_TOL(end, EndPs(2.5 * s, cap), 2, "the flow ends at 2.5S/C");
        NS_TEST_ASSERT_MSG_GT_OR_EQ(seen[0].size(), 3u, "link 0 reported as rates change");
        // The first report after the start: C/2 from the one reported flow.
        NS_TEST_EXPECT_MSG_EQ_TOL(seen[0][0].first, cap / 2, cap * 1e-9, "half the link");
        NS_TEST_EXPECT_MSG_EQ(seen[0][0].second, 1u, "one reported flow");
        // After the stop: all of it; at the end: nothing.
        NS_TEST_EXPECT_MSG_EQ_TOL(seen[0][seen[0].size() - 2].first, cap, cap * 1e-9, "all");
        NS_TEST_EXPECT_MSG_EQ(seen[0].back().first, 0.0, "idle at the end");
        NS_TEST_EXPECT_MSG_EQ(seen[0].back().second, 0u, "no flow at the end");
        for (const auto& [load, flows] : seen[1])
        {
            NS_TEST_EXPECT_MSG_EQ(load, 0.0, "link 1 carries only the unreported flow");
            NS_TEST_EXPECT_MSG_EQ(flows, 0u, "link 1: no reported flow");
        }
        NS_TEST_EXPECT_MSG_EQ(net.GetNFlows(), 0u, "all ended");
        Simulator::Destroy();
    }
};

class UbFlowIncrementalTestCase : public TestCase
{
  public:
    UbFlowIncrementalTestCase()
        : TestCase("incremental settling: the same end times as settling every flow, max-min "
                   "fair at every change, fewer rates computed")
    {
    }

  private:
    void DoRun() override
    {
        for (uint32_t seed : {1u, 2u, 3u})
        {
            RandomRun inc = RunRandom(seed, true, true);
            RandomRun full = RunRandom(seed, false, false);
            uint32_t equal = 0;
            uint32_t ended = 0;
            for (std::size_t k = 0; k < inc.ends.size(); ++k)
            {
                equal += inc.ends[k] == full.ends[k] ? 1 : 0;
                ended += inc.ends[k] >= 0 ? 1 : 0;
            }
            NS_TEST_EXPECT_MSG_EQ(ended, inc.ends.size(), "seed " << seed << ": every flow ended");
            NS_TEST_EXPECT_MSG_EQ(equal,
                                  inc.ends.size(),
                                  "seed " << seed << ": end times equal to the picosecond");
            NS_TEST_EXPECT_MSG_GT(inc.checks, 100u, "seed " << seed << ": checks made");
            NS_TEST_EXPECT_MSG_EQ(inc.overfull, 0u, "seed " << seed << ": a link over capacity");
            NS_TEST_EXPECT_MSG_EQ(inc.unfair, 0u, "seed " << seed << ": a flow not max-min fair");
            NS_TEST_EXPECT_MSG_LT(inc.stats.flowsSettled,
                                  full.stats.flowsSettled,
                                  "seed " << seed << ": incremental computes fewer rates");
            NS_TEST_EXPECT_MSG_EQ(inc.stats.flowsEnded, inc.ends.size(), "ended counter");
            NS_TEST_EXPECT_MSG_GT(inc.stats.settledAlone, 0u, "seed " << seed << ": flows alone");
            NS_TEST_EXPECT_MSG_LT(inc.stats.settles,
                                  full.stats.settles,
                                  "seed " << seed << ": changes that settle nothing");
        }
        // Exactly the component: 5 flows on link 0, 3 on link 1, 2 over links 1 and 2. A flow
        // started on link 0 settles link 0's 6; one ending on link 2 settles the other 5 of
        // links 1 and 2, and only link 0's 5 once the first of link 0's ends.
        UbFlowNetwork net;
        for (int i = 0; i < 3; ++i)
        {
            net.AddLink(1e9);
        }
        for (int i = 0; i < 5; ++i)
        {
            net.Start({{0, 1}}, 1e6, nullptr);
        }
        for (int i = 0; i < 3; ++i)
        {
            net.Start({{1, 1}}, 1e6, nullptr);
        }
        net.Start({{1, 1}, {2, 1}}, 1e6, nullptr);
        net.Start({{1, 1}, {2, 1}}, 2e6, nullptr);
        Simulator::Stop(NanoSeconds(1));
        Simulator::Run();
        NS_TEST_EXPECT_MSG_EQ(net.GetStats().flowsSettled, 10u, "first settle: every flow");
        net.Start({{0, 1}}, 1e3, nullptr);
        Simulator::Stop(NanoSeconds(1));
        Simulator::Run();
        NS_TEST_EXPECT_MSG_EQ(net.GetStats().flowsSettled, 16u, "a start on link 0: its 6");
        NS_TEST_EXPECT_MSG_EQ(net.GetStats().linksSettled, 4u, "a start on link 0: one link");
        Simulator::Destroy();
    }
};

class UbFlowTestSuite : public TestSuite
{
  public:
    UbFlowTestSuite()
        : TestSuite("unifiedbus-flow", TestSuite::Type::UNIT)
    {
        AddTestCase(new UbFlowMaxMinTestCase);
        AddTestCase(new UbFlowMaxMinRowsTestCase);
        AddTestCase(new UbFlowTimesTestCase);
        AddTestCase(new UbFlowWatchTestCase);
        AddTestCase(new UbFlowIncrementalTestCase);
    }
};

static UbFlowTestSuite g_ubFlowTestSuite;

} // namespace
