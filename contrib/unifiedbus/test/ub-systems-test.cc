/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * System builders against validation-targets.md section 6 and against the counts each topology
 * implies. Expected numbers are written out from the published figures:
 *
 *   Atlas 950 SuperPoD: 8,192 NPUs x 72 lanes x 112 Gb/s = 2,016 GB/s bidirectional per NPU,
 *                       16.5 PB/s summed (Huawei quotes 16.3 PB/s).
 *   GB200 NVL72:        72 GPUs x 18 links, 18 NVSwitch chips, 1.8 TB/s per GPU, ~130 TB/s.
 *   CloudMatrix384:     48 nodes x 8 NPUs (16 dies), 336 L1 + 112 L2 chips, 48 ports per L2
 *                       chip, 392 GB/s per NPU per direction.
 *   UB-Mesh pod:        64-NPU racks as 8 x 8 2D full meshes, 4 x 4 racks = 1,024 NPUs,
 *                       128 lanes between linked racks.
 *
 * Every builder's routes reach every endpoint pair, with the hop counts its shape implies, and
 * pass the deadlock check.
 */
#include "ub-test-utils.h"

#include "ns3/simulator.h"
#include "ns3/test.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-preset.h"
#include "ns3/ub-systems.h"
#include "ns3/ub-topology-helper.h"
#include "ns3/ub-topology-routing.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <functional>

using namespace ns3;

namespace
{

/// Every endpoint of t has the same number of ports and the same bandwidth: check and return it.
double
PerEndpointBps(const UbTopology& t, uint8_t tierMax = 255)
{
    double first = -1;
    for (uint32_t e : t.GetEndpoints())
    {
        double bw = 0;
        const auto* p = t.GetPorts(e);
        for (uint32_t k = 0; k < t.GetDegree(e); ++k)
        {
            const auto& l = t.GetLink(p[k].link);
            if (l.tier <= tierMax)
            {
                bw += static_cast<double>(l.lanes) * static_cast<double>(l.laneRateBps);
            }
        }
        if (first < 0)
        {
            first = bw;
        }
        NS_ABORT_MSG_IF(bw != first, "endpoints differ in bandwidth");
    }
    return first;
}

/// Largest degree among switches.
uint32_t
MaxSwitchDegree(const UbTopology& t)
{
    uint32_t m = 0;
    for (uint32_t v = 0; v < t.GetNNodes(); ++v)
    {
        if (!t.IsEndpoint(v))
        {
            m = std::max(m, t.GetDegree(v));
        }
    }
    return m;
}

class UbClosSystemsTestCase : public TestCase
{
  public:
    UbClosSystemsTestCase()
        : TestCase("Clos builders: counts and bandwidth of Atlas 950 and 960, CloudMatrix384, HGX "
                   "H100, NVL72, NVL144 and NVL576; hop counts; deadlock-free routes")
    {
    }

  private:
    /// Hop histogram from the first `sources` endpoints.
    std::map<uint32_t, uint64_t> Hops(const UbTopology& t, const UbRouteSet& r, uint32_t sources)
    {
        auto ep = t.GetEndpoints();
        ep.resize(std::min<std::size_t>(ep.size(), sources));
        return UbTopologyRouting::HopCounts(t, r, ep);
    }

    void DoRun() override
    {
        // --- Atlas 950: 8,192 NPUs, 18 planes x (128 leaves + 64 spines).
        {
            UbTopology t = UbSystems::BuildPlanarClos(UbSystems::Atlas950());
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNEndpoints()), 8192U, "NPUs");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNSwitches()), 18U * (128 + 64), "switch chips");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNLinks()), 8192U * 18 + 18U * 128 * 64, "links");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(PerEndpointBps(t)),
                                  72 * 112e9,
                                  "72 lanes x 112 Gb/s per NPU");
            double bi = UbSystems::EndpointBandwidthBps(t) / 8; // bytes/s, both directions
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(bi / 8192),
                                      2016e9,
                                      1e6,
                                      "2,016 GB/s bidirectional per NPU");
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(bi), 16.515e15, 0.001e15, "16.5 PB/s summed");
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(bi),
                                      16.3e15,
                                      16.3e15 * 0.02,
                                      "Huawei's 16.3 PB/s within 2%");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(MaxSwitchDegree(t)), 128U, "128 x4 ports = UB x512 chips");
            UbRouteSet r = UbTopologyRouting::ShortestPaths(t);
            // From NPU 0: 63 rack mates at 2 hops, 8,128 others at 4.
            auto h = Hops(t, r, 1);
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[2]), 63U, "same rack: NPU-leaf-NPU");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[4]), 8128U, "other racks: NPU-leaf-spine-leaf-NPU");
            uint32_t n = 0;
            r.Lookup(0, 8191, n);
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), 18U, "ECMP over the 18 planes");
            auto rep = UbTopologyRouting::CheckDeadlock(t, r);
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(rep.deadlockFree),
                                  true,
                                  "Atlas 950 Clos routes are acyclic");
        }
        // --- Atlas 960: 15,488 NPUs, 34 PB/s claimed.
        {
            UbTopology t = UbSystems::BuildPlanarClos(UbSystems::Atlas960());
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNEndpoints()), 15488U, "NPUs");
            double bi = UbSystems::EndpointBandwidthBps(t) / 8;
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(bi), 34e15, 34e15 * 0.03, "34 PB/s within 3%");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNSwitches()), 20U * (176 + 88), "switch chips");
            UbRouteSet r = UbTopologyRouting::ShortestPaths(t); // stops if any pair is unreachable
            auto h = Hops(t, r, 1);
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[2]), 87U, "same rack");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[4]), 15400U, "other racks");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(UbTopologyRouting::CheckDeadlock(t, r).deadlockFree),
                                  true,
                                  "acyclic");
        }
        // --- CloudMatrix384.
        {
            UbTopology t = UbSystems::BuildPlanarClos(UbSystems::CloudMatrix384());
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNEndpoints()), 48U * 16, "768 dies = 384 NPUs");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNSwitches()), 336U + 112U, "336 L1 + 112 L2");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetDegree(t.FindNode("p0.spine0"))),
                                  48U,
                                  "48 ports per L2");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetDegree(t.FindNode("p0.leaf0"))),
                                  32U,
                                  "16 dies + 16 up");
            // Per NPU (2 dies), per direction: 2 x 7 x 224 Gb/s = 392 GB/s.
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(2 * PerEndpointBps(t) / 8),
                                      392e9,
                                      1e6,
                                      "392 GB/s per NPU");
            UbRouteSet r = UbTopologyRouting::ShortestPaths(t);
            auto h = UbTopologyRouting::HopCounts(t, r);
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(h.size()), 2U, "two distances");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[2]), 48U * 16 * 15, "intra node: one L1 hop");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[4]), 768U * 752, "inter node: L1-L2-L1");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(UbTopologyRouting::CheckDeadlock(t, r).deadlockFree),
                                  true,
                                  "acyclic");
        }
        // --- HGX H100: 8 GPUs, 4 NVSwitch, 5/4/4/5.
        {
            UbTopology t = UbSystems::BuildPlanarClos(UbSystems::HgxH100());
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNEndpoints()), 8U, "GPUs");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNSwitches()), 4U, "NVSwitch chips");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNLinks()), 8U * 18, "18 links per GPU");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetDegree(t.FindNode("p0.sw0"))),
                                  40U,
                                  "5 links x 8 GPUs");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetDegree(t.FindNode("p1.sw0"))),
                                  32U,
                                  "4 links x 8 GPUs");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(PerEndpointBps(t) / 8), 450e9, "450 GB/s per direction");
            UbRouteSet r = UbTopologyRouting::ShortestPaths(t);
            uint32_t n = 0;
            r.Lookup(0, 1, n);
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), 18U, "all 18 links are equal-cost");
            auto h = UbTopologyRouting::HopCounts(t, r);
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[2]), 56U, "every pair one switch hop");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(UbTopologyRouting::CheckDeadlock(t, r).deadlockFree),
                                  true,
                                  "acyclic");
        }
        // --- GB200 NVL72.
        {
            UbTopology t = UbSystems::BuildPlanarClos(UbSystems::Nvl72());
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNEndpoints()), 72U, "GPUs");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNSwitches()), 18U, "NVSwitch chips");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNLinks()), 72U * 18, "1,296 links");
            double bi = UbSystems::EndpointBandwidthBps(t) / 8;
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(bi / 72), 1.8e12, 1e6, "1.8 TB/s per GPU");
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(bi), 130e12, 130e12 * 0.01, "130 TB/s in total");
            UbRouteSet r = UbTopologyRouting::ShortestPaths(t);
            auto h = UbTopologyRouting::HopCounts(t, r);
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(h.size()), 1U, "one distance");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[2]), 72U * 71, "every pair one switch hop");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(UbTopologyRouting::CheckDeadlock(t, r).deadlockFree),
                                  true,
                                  "acyclic");
        }
        // --- NVL144-like: 144 dies, 260 TB/s (NVLink6 NVL72 figure, 72 packages x 3.6 TB/s).
        {
            UbTopology t = UbSystems::BuildPlanarClos(UbSystems::Nvl144());
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNEndpoints()), 144U, "GPU dies");
            double bi = UbSystems::EndpointBandwidthBps(t) / 8;
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(bi), 260e12, 260e12 * 0.01, "260 TB/s");
            UbRouteSet r = UbTopologyRouting::ShortestPaths(t);
            auto h = UbTopologyRouting::HopCounts(t, r);
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[2]), 144U * 143, "one switch hop");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(UbTopologyRouting::CheckDeadlock(t, r).deadlockFree),
                                  true,
                                  "acyclic");
            // Huawei: Atlas 950 has 62x the interconnect bandwidth of NVL144.
            double atlas =
                UbSystems::EndpointBandwidthBps(UbSystems::BuildPlanarClos(UbSystems::Atlas950())) /
                8;
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(atlas / bi),
                                      62.0,
                                      62.0 * 0.05,
                                      "the 62x claim, aggregate");
        }
        // --- NVL576-like: 2 tiers, 36 GPUs per leaf.
        {
            UbTopology t = UbSystems::BuildPlanarClos(UbSystems::Nvl576());
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNEndpoints()), 576U, "GPUs");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNSwitches()), 18U * (16 + 9), "chips");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(MaxSwitchDegree(t)), 72U, "72-port chips");
            UbRouteSet r = UbTopologyRouting::ShortestPaths(t);
            auto h = Hops(t, r, 36);
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[2]), 36U * 35, "same leaf");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[4]), 36U * 540, "other leaves");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(UbTopologyRouting::CheckDeadlock(t, r).deadlockFree),
                                  true,
                                  "acyclic");
        }
    }
};

class UbMeshSystemTestCase : public TestCase
{
  public:
    UbMeshSystemTestCase()
        : TestCase("UB-Mesh: 8 x 8 2D full-mesh racks, 4 x 4 pod with 128-lane rack links, HRS "
                   "Clos to 8,192 NPUs; direct, detour and borrow routes on 2 VLs, deadlock-free")
    {
    }

  private:
    void DoRun() override
    {
        UbSystems::UbMesh p;
        UbTopology t = UbSystems::BuildUbMesh(p);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(UbSystems::UbMeshNpus(p)), 1024U, "1,024 NPUs per pod");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNEndpoints()),
                              1024U + 16U,
                              "plus one backup NPU per rack");
        // Rack: 8 x 8 NPUs, each linked to 7 in its board and 7 across boards, and to its LRS.
        uint32_t npu = t.FindNode("pod0.r0c0.npu3_5");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetDegree(npu)),
                              18U,
                              "14 mesh ports + 4 x4 ports to the LRS");
        // Lanes: 14 x4 mesh + x16 inter-rack = 72 (the NPU's UB x72).
        double lanes = 0;
        for (uint32_t k = 0; k < t.GetDegree(npu); ++k)
        {
            lanes += t.GetLink(t.GetPorts(npu)[k].link).lanes;
        }
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(lanes), 72.0, "UB x72 per NPU");
        // Lanes between two linked racks (r0c0 and r0c1) sum to 128; r0c0 and r1c1 are not linked.
        auto lanesBetween = [&t](const std::string& a, const std::string& b) {
            uint32_t sum = 0;
            for (uint32_t l = 0; l < t.GetNLinks(); ++l)
            {
                const auto& k = t.GetLink(l);
                const auto& na = t.GetNode(k.a).name;
                const auto& nb = t.GetNode(k.b).name;
                if ((na.rfind(a, 0) == 0 && nb.rfind(b, 0) == 0) ||
                    (na.rfind(b, 0) == 0 && nb.rfind(a, 0) == 0))
                {
                    sum += k.lanes;
                }
            }
            return sum;
        };
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(lanesBetween("pod0.r0c0.", "pod0.r0c1.")),
                              128U,
                              "x128 rack link");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(lanesBetween("pod0.r0c0.", "pod0.r3c0.")),
                              128U,
                              "column link");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(lanesBetween("pod0.r0c0.", "pod0.r1c1.")),
                              0U,
                              "no diagonal link");

        for (uint32_t policy : {uint32_t(UbSystems::DIRECT),
                                uint32_t(UbSystems::DETOUR),
                                uint32_t(UbSystems::BORROW),
                                uint32_t(UbSystems::DETOUR | UbSystems::BORROW)})
        {
            UbRouteSet r = UbSystems::UbMeshRoutes(t, p, policy);
            auto rep = UbTopologyRouting::CheckDeadlock(t, r);
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(rep.deadlockFree),
                                  true,
                                  "policy " << policy << " is acyclic");
            NS_TEST_EXPECT_MSG_LT_OR_EQ(UB_FIG(rep.vlsUsed),
                                        2U,
                                        "at most 2 VLs, policy " << policy);
            if (!rep.deadlockFree)
            {
                for (const auto& c : rep.cycle)
                {
                    std::cerr << "  " << c << "\n";
                }
            }
        }
        // Direct routes from NPU (0,0) of rack r0c0: in the rack 7 + 7 at 1 hop, 49 at 2, the
        // backup via an LRS at 2; to a rack in the same row or column (6 racks): NPU-LRS-LRS-NPU
        // (3) for the 8 NPUs at position 0, +1 X hop (4) for the other 56, backup 3;
        // to the 9 diagonal racks one more LRS hop: 4 and 5, backup 4.
        UbRouteSet r = UbSystems::UbMeshRoutes(t, p, UbSystems::DIRECT);
        auto h = UbTopologyRouting::HopCounts(t, r, {t.FindNode("pod0.r0c0.npu0_0")});
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[1]), 14U, "mesh neighbours");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[2]), 49U + 1, "two mesh hops, and the rack's backup");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[3]),
                              6U * 9,
                              "linked racks, same position, and their backups");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[4]), 6U * 56 + 9U * 9, "linked racks + X, diagonal racks");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[5]), 9U * 56, "diagonal racks + X");

        // Inter-rack bandwidth per NPU from x4 to x32 (the paper's sweep): 1 to 8 x4 ports.
        for (uint16_t lanes : {4, 8, 16, 32})
        {
            UbSystems::UbMesh q = p;
            q.interRackLanes = lanes;
            UbTopology tq = UbSystems::BuildUbMesh(q);
            uint32_t v = tq.FindNode("pod0.r1c2.npu6_1");
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(tq.GetDegree(v)),
                                  14U + lanes / 4,
                                  "x" << lanes << " to the LRS");
            NS_TEST_EXPECT_MSG_EQ(
                UB_FIG(UbTopologyRouting::CheckDeadlock(tq, UbSystems::UbMeshRoutes(tq, q))
                           .deadlockFree),
                true,
                "x" << lanes << " deadlock-free");
        }

        // 8 pods = 8,192 NPUs joined by HRS chips of 128 x4 ports (UB x512).
        UbSystems::UbMesh big = p;
        big.pods = 8;
        UbTopology tb = UbSystems::BuildUbMesh(big);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(UbSystems::UbMeshNpus(big)), 8192U, "8,192 NPUs");
        uint32_t hrs = tb.FindNode("hrs0_0");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(tb.GetDegree(hrs)), 128U, "HRS: one x4 port per rack");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(tb.GetDegree(hrs) * 4U), 512U, "UB x512");
        UbRouteSet rb = UbSystems::UbMeshRoutes(tb, big, UbSystems::DETOUR | UbSystems::BORROW);
        auto rep = UbTopologyRouting::CheckDeadlock(tb, rb);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(rep.deadlockFree),
                              true,
                              "8,192-NPU UB-Mesh is acyclic on 2 VLs");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(rep.vlsUsed), 2U, "2 VLs");
        // Another pod: NPU-LRS-HRS-LRS-NPU (4) + an X hop when positions differ.
        auto hb = UbTopologyRouting::HopCounts(tb, rb, {0});
        NS_TEST_EXPECT_MSG_EQ(UB_FIG((hb[4] >= 7U * 16 * 8)),
                              true,
                              "same position in other pods: 4 hops");
    }
};

class UbSuperClusterTestCase : public TestCase
{
  public:
    UbSuperClusterTestCase()
        : TestCase("SuperCluster: 3 SuperPoDs of 128 NPUs over a UBoE scale-out Clos; UB inside a "
                   "pod, Ethernet between pods; a Write across pods completes")
    {
    }

  private:
    void DoRun() override
    {
        UbSystems::SuperCluster p;
        p.pods = 3;
        p.pod = UbSystems::Atlas950(128);
        UbTopology t = UbSystems::BuildSuperCluster(p);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNEndpoints()), 384U, "3 x 128 NPUs");
        // Per pod: 18 planes x (2 leaves + 1 spine); scale-out: 2 planes x (6 leaves + 64 spines).
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetNSwitches()),
                              3U * 18 * 3 + 2U * (6 + 64),
                              "switch chips");
        uint32_t npu = t.FindNode("pod1.npu5");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(t.GetDegree(npu)), 18U + 2U, "18 UB ports + 2 x 400 GbE");
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(UbSystems::EndpointBandwidthBps(t) / 2 / 384),
                                  72 * 112e9 + 800e9,
                                  1e6,
                                  "per NPU: 72 x 112 Gb/s of UB + 800 Gb/s of UBoE, per direction");
        UbRouteSet r = UbTopologyRouting::ShortestPaths(t);
        uint32_t src = t.FindNode("pod0.npu0");
        auto h = UbTopologyRouting::HopCounts(t, r, {src});
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[2]), 63U, "same rack: one UB leaf");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(h[4]),
                              64U + 256U,
                              "other rack over UB, other pods over Ethernet");
        // The first hop toward another pod is a scale-out link (class 1), toward the own pod a
        // UB link (class 0).
        uint32_t n = 0;
        const UbRouteCandidate* c = r.Lookup(src, t.FindNode("pod2.npu77"), n);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), 2U, "two NIC planes");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(+t.GetLink(t.GetPorts(src)[c[0].port].link).cls), 1, "UBoE");
        c = r.Lookup(src, t.FindNode("pod0.npu77"), n);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(n), 18U, "18 UB planes");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(+t.GetLink(t.GetPorts(src)[c[0].port].link).cls), 0, "UB");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(UbTopologyRouting::CheckDeadlock(t, r).deadlockFree),
                              true,
                              "acyclic");

        // NVLink baselines beyond the domain: 2 x NVL72 with one 400 GbE NIC per GPU.
        UbSystems::SuperCluster nv;
        nv.pods = 2;
        nv.pod = UbSystems::Nvl72();
        nv.scaleOut.planes = 1;
        UbTopology tn = UbSystems::BuildSuperCluster(nv);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(tn.GetNEndpoints()), 144U, "2 x 72 GPUs");
        // 2 x 18 NVSwitch chips + 3 leaves (144 NICs over 64-port leaves) + 64 spines.
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(tn.GetNSwitches()), 36U + 3U + 64U, "switch chips");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(tn.GetDegree(tn.FindNode("pod1.gpu3"))),
                              19U,
                              "18 NVLinks + 1 NIC");
        UbRouteSet rn = UbTopologyRouting::ShortestPaths(tn);
        auto hn = UbTopologyRouting::HopCounts(tn, rn, {tn.FindNode("pod0.gpu0")});
        // 71 in the domain through one NVSwitch; pod 1's GPUs 72..127 share leaf 1 with pod 0's
        // GPUs 64..71 but not with gpu0 (leaf 0): all 72 through leaf-spine-leaf.
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(hn[2]), 71U, "NVLink domain: one switch");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(hn[4]), 72U, "other domain: over the scale-out Clos");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(UbTopologyRouting::CheckDeadlock(tn, rn).deadlockFree),
                              true,
                              "acyclic");

        // Built with the UB preset for class 0 and uboe-400g for class 1.
        ubtest::ResetSimulation();
        UbTopologyHelper sys;
        sys.SetPreset(UbPreset::Load("ascend950-ub2"));
        sys.SetClassPreset(1, UbPreset::Load("uboe-400g"));
        sys.Build(t);
        Ptr<UbController> a = sys.GetNode("pod0.npu0")->GetObject<UbController>();
        uint32_t dst = sys.GetNode("pod2.npu77")->GetObject<UbController>()->GetCna();
        double gbps = -1;
        Simulator::Schedule(MicroSeconds(1), [&]() {
            a->Write(dst,
                     4 << 20,
                     UbOrder::NO,
                     UbCompletionCallback([&gbps](const UbTransactionRecord& rec) {
                         gbps = rec.ok ? (4 << 20) / (rec.completed - rec.issued).GetSeconds() / 1e9
                                       : -1;
                     }));
        });
        Simulator::Run();
        NS_TEST_EXPECT_MSG_GT(UB_FIG(gbps), 50.0, "the Write completes over both NIC planes");
        NS_TEST_EXPECT_MSG_LT(UB_FIG(gbps), 100.0, "never above 2 x 400 Gb/s");
        ubtest::ResetSimulation();
    }
};

/// Node v's routes as (first destination, candidates) runs, merged where the candidates agree
/// (so that two route sets that number their candidate sets differently compare equal).
std::vector<std::pair<uint32_t, std::vector<UbRouteCandidate>>>
Runs(const UbRouteSet& r, uint32_t v)
{
    std::vector<std::pair<uint32_t, std::vector<UbRouteCandidate>>> out;
    uint32_t end = 0;
    for (const auto& iv : r.GetIntervals(v))
    {
        std::vector<UbRouteCandidate> c(r.GetSet(iv.set), r.GetSet(iv.set) + r.GetSetSize(iv.set));
        if (out.empty() || iv.lo != end)
        {
            out.emplace_back(iv.lo, std::vector<UbRouteCandidate>{}); // a gap (or the start)
        }
        if (out.back().second != c)
        {
            if (out.back().first == iv.lo)
            {
                out.back().second = c;
            }
            else
            {
                out.emplace_back(iv.lo, c);
            }
        }
        end = iv.hi;
    }
    out.emplace_back(end, std::vector<UbRouteCandidate>{});
    return out;
}

/**
 * \ingroup unifiedbus-tests
 * \brief A SuperCluster's routes from its structure (UbSystems::Routes: each pod's from one pod
 * alone, the scale-out network's up/down) equal the all-shortest-path search over the whole
 * system, node by node and destination by destination: pods of one and two tiers, scale-out
 * networks of one, two and three tiers, NVL72 domains whose scale-out leaves straddle domains,
 * and both VL policies. A scale-out as cheap as the pod's own links falls back to the search.
 */
class UbSuperClusterRoutesTestCase : public TestCase
{
  public:
    UbSuperClusterRoutesTestCase()
        : TestCase("SuperCluster routes from its structure equal the shortest-path search, node "
                   "by node, on 2 x 64, 4 x 128, three-tier scale-outs and 2 x NVL72")
    {
    }

  private:
    void Check(const std::string& what,
               const UbSystems::SuperCluster& p,
               UbTopologyRouting::VlPolicy vl,
               bool structure)
    {
        UbTopology t = UbSystems::BuildSuperCluster(p);
        bool used = false;
        UbRouteSet a = UbSystems::Routes(t, p, vl, &used);
        NS_TEST_EXPECT_MSG_EQ(used, structure, what << ": computed from the structure");
        UbRouteSet b = UbTopologyRouting::ShortestPaths(t, vl);
        uint32_t differ = 0;
        uint32_t first = UINT32_MAX;
        uint64_t runs = 0;
        for (uint32_t v = 0; v < t.GetNNodes(); ++v)
        {
            auto ra = Runs(a, v);
            runs += ra.size();
            if (ra != Runs(b, v))
            {
                ++differ;
                first = std::min(first, v);
            }
        }
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(differ),
                              0U,
                              what << ": nodes whose routes differ (first: "
                                   << (first == UINT32_MAX ? "none" : t.GetNode(first).name)
                                   << ")");
        NS_TEST_EXPECT_MSG_GT(runs, 2ULL * t.GetNNodes(), what << ": routes compared");
        if (structure)
        {
            CheckOnePod(what, p, vl, t, a);
        }
    }

    /// The same SuperCluster holding one pod's fabric for all (onePod): every node it has routes
    /// as in the whole system (t, routes), over the same next hops, except that the NPUs of pods
    /// other than 0 have no route into their own pod.
    void CheckOnePod(const std::string& what,
                     UbSystems::SuperCluster p,
                     UbTopologyRouting::VlPolicy vl,
                     const UbTopology& t,
                     const UbRouteSet& routes)
    {
        p.onePod = true;
        UbTopology one = UbSystems::BuildSuperCluster(p);
        UbRouteSet r = UbSystems::Routes(one, p, vl);
        const uint32_t e = p.pod.endpoints;
        const uint32_t npus = e * p.pods;
        const uint32_t podSwitches = (t.GetNNodes() - one.GetNNodes()) / (p.pods - 1);
        NS_TEST_EXPECT_MSG_EQ((t.GetNNodes() - one.GetNNodes()) % (p.pods - 1),
                              0U,
                              what << ": every pod has as many switches");
        NS_TEST_EXPECT_MSG_LT(one.GetNLinks(), t.GetNLinks(), what << ": one pod's links held");
        auto system = [&](uint32_t v) {
            return v < npus + podSwitches ? v : v + (p.pods - 1) * podSwitches;
        };
        // A node's next hops toward d, as (next node in the whole system's numbering, VL).
        auto hops = [](const UbTopology& topo,
                       const UbRouteSet& rs,
                       uint32_t v,
                       uint32_t d,
                       const std::function<uint32_t(uint32_t)>& number) {
            uint32_t n = 0;
            const UbRouteCandidate* c = rs.Lookup(v, d, n);
            std::vector<std::pair<uint32_t, uint8_t>> out;
            for (uint32_t k = 0; k < n; ++k)
            {
                out.emplace_back(number(topo.GetPorts(v)[c[k].port].peer), c[k].vl);
            }
            std::sort(out.begin(), out.end());
            return out;
        };
        auto same = [](uint32_t v) { return v; };
        uint32_t differ = 0;
        uint64_t compared = 0;
        std::string first;
        for (uint32_t v = 0; v < one.GetNNodes(); ++v)
        {
            const uint32_t w = system(v);
            NS_TEST_ASSERT_MSG_EQ(one.GetNode(v).name, t.GetNode(w).name, what << ": node " << v);
            for (uint32_t d = 0; d < npus; ++d)
            {
                if (d == v)
                {
                    continue;
                }
                auto mine = hops(one, r, v, d, system);
                auto whole = hops(t, routes, w, d, same);
                if (v < npus && v / e > 0 && d / e == v / e)
                {
                    whole.clear(); // its own pod's fabric is not there
                }
                compared += mine.size();
                if (mine != whole)
                {
                    ++differ;
                    first =
                        first.empty() ? one.GetNode(v).name + " to " + t.GetNode(d).name : first;
                }
            }
        }
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(differ),
                              0U,
                              what << ", one pod held: (node, destination) pairs whose next hops "
                                   << "differ (first: " << (first.empty() ? "none" : first) << ")");
        NS_TEST_EXPECT_MSG_GT(compared, 2ULL * npus, what << ", one pod held: next hops compared");
    }

    void DoRun() override
    {
        UbSystems::SuperCluster p;
        p.pods = 2;
        p.pod = UbSystems::Atlas950(64); // one UB switch per plane; one scale-out leaf
        Check("2 x 64", p, UbTopologyRouting::VL_FROM_SL, true);
        Check("2 x 64, final-hop-vl1", p, UbTopologyRouting::FINAL_HOP_VL1, true);
        p.pods = 4;
        p.pod = UbSystems::Atlas950(128); // leaf-spine pods; 8 scale-out leaves, 64 spines
        Check("4 x 128", p, UbTopologyRouting::VL_FROM_SL, true);
        p.pods = 2;
        p.pod = UbSystems::Atlas950(64);
        p.scaleOut.radix = 8; // 32 leaves of 4 in 8 groups: leaf, aggregation, core
        Check("2 x 64 over radix-8 scale-out", p, UbTopologyRouting::FINAL_HOP_VL1, true);
        p.scaleOut.radix = 16; // 8 leaves of 8: leaf-spine
        p.scaleOut.cost = 1;   // out and back (2) ties with nothing inside a one-switch pod (2)
        Check("2 x 64, scale-out cost 1", p, UbTopologyRouting::VL_FROM_SL, false);
        p.pods = 3;
        p.scaleOut.cost = 10;
        p.scaleOut.radix = 16; // 24 leaves of 8 in 3 groups: a column of 8 cores, one link each
        Check("3 x 64 over radix-16 scale-out, odd groups", p, UbTopologyRouting::VL_FROM_SL, true);
        UbSystems::SuperCluster nv;
        nv.pods = 2;
        nv.pod = UbSystems::Nvl72(); // 144 NICs over 64-port leaves: leaf 1 holds both domains
        nv.scaleOut.planes = 1;
        Check("2 x NVL72", nv, UbTopologyRouting::VL_FROM_SL, true);
    }
};

/**
 * \ingroup unifiedbus-tests
 * \brief Packet size and NIC latency per path: NVL72 domains over RoCE send 4-KiB packets across
 * domains (the RoCE preset's Mtu, given to every GPU as RemoteMtu for CNAs outside its domain)
 * and keep NVLink's 256-B packets inside; across domains the RoCE NIC's initiator and target
 * latencies (1000 and 500 ns) replace the GPU's (300 and 300 ns).
 */
class UbRemoteMtuTestCase : public TestCase
{
  public:
    UbRemoteMtuTestCase()
        : TestCase("Per-path MTU and NIC latency: 2 x NVL72 over RoCE, 4-KiB packets and the NIC's "
                   "latencies between domains, NVLink's inside")
    {
    }

  private:
    /// Write `bytes` from pod0.gpu0 to `to`; returns the seconds it took and the data packets the
    /// source sent. Without `remote`, both ends forget their settings for other domains.
    std::pair<double, uint64_t> Write(const std::string& to, bool remote, uint64_t bytes = 4 << 20)
    {
        ubtest::ResetSimulation();
        UbSystems::SuperCluster nv;
        nv.pods = 2;
        nv.pod = UbSystems::Nvl72();
        nv.scaleOut.planes = 1;
        UbTopologyHelper sys;
        sys.SetPreset(UbPreset::Load("nvlink5-gb200"));
        sys.SetClassPreset(1, UbPreset::Load("roce-400g"));
        sys.BuildSuperCluster(nv);
        Ptr<UbController> a = sys.GetNode("pod0.gpu0")->GetObject<UbController>();
        UintegerValue first;
        UintegerValue last;
        UintegerValue remoteMtu;
        a->GetAttribute("DomainFirst", first);
        a->GetAttribute("DomainLast", last);
        a->GetAttribute("RemoteMtu", remoteMtu);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(first.Get()), 0U, "pod 0's GPUs are CNAs 0 ..");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(last.Get()), 71U, ".. 71");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(remoteMtu.Get()), 4096U, "roce-400g's Mtu");
        TimeValue issue;
        a->GetAttribute("RemoteInitiatorLatency", issue);
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(issue.Get()),
                              NanoSeconds(1000),
                              "roce-400g's InitiatorLatency");
        Ptr<UbController> b = sys.GetNode(to)->GetObject<UbController>();
        if (!remote)
        {
            a->SetAttribute("RemoteMtu", UintegerValue(0));
            a->SetAttribute("RemoteInitiatorLatency", TimeValue(PicoSeconds(-1)));
            b->SetAttribute("RemoteTargetLatency", TimeValue(PicoSeconds(-1)));
        }
        double secs = -1;
        Simulator::Schedule(MicroSeconds(1), [&]() {
            a->Write(b->GetCna(),
                     bytes,
                     UbOrder::NO,
                     UbCompletionCallback([&secs](const UbTransactionRecord& rec) {
                         secs = rec.ok ? (rec.completed - rec.issued).GetSeconds() : -1;
                     }));
        });
        Simulator::Run();
        uint64_t packets = a->GetTransportStats().dataSent;
        ubtest::ResetSimulation();
        return {secs, packets};
    }

    void DoRun() override
    {
        const double mib4 = 4 << 20;
        auto [t1, acrossPkts] = Write("pod1.gpu71", true);
        auto [t2, across256Pkts] = Write("pod1.gpu71", false);
        auto [t3, insidePkts] = Write("pod0.gpu71", true);
        double across = mib4 / t1 / 1e9;
        double across256 = mib4 / t2 / 1e9;
        double inside = mib4 / t3 / 1e9;
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(acrossPkts),
                              (4U << 20) / 4096,
                              "4-KiB packets across domains");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(across256Pkts),
                              (4U << 20) / 256,
                              "256-B packets without RemoteMtu");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(insidePkts), (4U << 20) / 256, "256-B NVLink packets inside");
        // 400 Gb/s carries 4096 of every 4156 + 82 B (headers, Ethernet framing) with 4-KiB
        // packets, 256 of 316 + 82 with 256-B ones.
        NS_TEST_EXPECT_MSG_GT(UB_FIG(across),
                              0.9 * 50 * 4096 / 4238,
                              "near the NIC's payload rate");
        NS_TEST_EXPECT_MSG_LT(UB_FIG(across), 50.0, "under the NIC's line rate");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(across),
                              1.3 * across256,
                              "large packets pay off across domains");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(inside), 400.0, "NVLink inside the domain");
        // A 64-B Write: one packet either way; the NIC's latencies replace the GPU's at the
        // initiator and at the target (roce-400g: 1000 and 500 ns; nvlink5-gb200: its own), to
        // the picosecond.
        UbPreset nic0 = UbPreset::Load("roce-400g");
        UbPreset gpu0 = UbPreset::Load("nvlink5-gb200");
        auto at = [](const UbPreset& p, const std::string& key) {
            return Time(p.Get(key)).GetSeconds();
        };
        const double extra = at(nic0, "UbController::InitiatorLatency") -
                             at(gpu0, "UbController::InitiatorLatency") +
                             at(nic0, "UbController::TargetLatency") -
                             at(gpu0, "UbController::TargetLatency");
        double nic = Write("pod1.gpu71", true, 64).first;
        double gpu = Write("pod1.gpu71", false, 64).first;
        NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(nic - gpu),
                                  extra,
                                  1e-12,
                                  "RoCE NIC latencies across domains");
    }
};

class UbSystemsTestSuite : public TestSuite
{
  public:
    UbSystemsTestSuite()
        : TestSuite("unifiedbus-systems", TestSuite::Type::UNIT)
    {
        AddTestCase(new UbClosSystemsTestCase);
        AddTestCase(new UbMeshSystemTestCase);
        AddTestCase(new UbSuperClusterTestCase);
        AddTestCase(new UbSuperClusterRoutesTestCase);
        AddTestCase(new UbRemoteMtuTestCase);
    }
};

UbSystemsTestSuite g_ubSystemsTestSuite;

} // namespace
