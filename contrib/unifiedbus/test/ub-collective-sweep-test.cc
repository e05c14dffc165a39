/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * AllReduce busbw against message size on every NVLink and UB preset, as a newcomer runs it
 * (every algorithm choosing its own pieces): from 64 KiB to 16 MiB in steps of 4 on 8 ranks, busbw
 * never falls by more than 2 % from one size to the next. Algorithms: ring, halving-doubling,
 * double tree; in-network (NVLS-like) on the one-tier NVLink presets, whose switches reduce;
 * collective offload (CCU-like, halving-doubling) on the UB presets; multi-ring on the UB-Mesh
 * rack. Each system is built at its preset's default size, as the programs build it.
 * A fall means a default (pieces, windows, channels) that is right at one size and wrong at the
 * next: the figures a paper would quote would depend on where the sizes fall.
 */
#include "ub-test-utils.h"

#include "ns3/test.h"
#include "ns3/ub-collective-helper.h"
#include "ns3/ub-collective.h"
#include "ns3/ub-experiment.h"
#include "ns3/ub-preset.h"
#include "ns3/ub-topology-helper.h"

#include <sstream>
#include <string>
#include <vector>

using namespace ns3;

namespace
{

struct Algo
{
    UbCollectiveAlgo algo;
    bool offload;
};

class UbBusBwGrowsTestCase : public TestCase
{
  public:
    explicit UbBusBwGrowsTestCase(std::string preset)
        : TestCase(preset + ": AllReduce busbw does not fall as the size grows, 64 KiB to 16 MiB, "
                            "every algorithm with its own pieces (2 % of noise allowed)"),
          m_preset(std::move(preset))
    {
    }

  private:
    double BusBw(const Algo& a, uint64_t bytes) const
    {
        UbExperiment::CollectiveRun run;
        run.preset = m_preset;
        run.npus = UbPreset::Load(m_preset).GetDefaultEndpoints(); // as the programs build it
        run.ranks = 8;
        run.op = UbCollectiveOp::ALL_REDUCE;
        run.algo = a.algo;
        run.bytes = bytes;
        run.setup = [a](UbTopologyHelper& sys, UbCollectiveEngine& coll) {
            if (a.algo == UbCollectiveAlgo::IN_NETWORK)
            {
                auto red = UbCollectiveHelper::InstallSwitchReducers(sys);
                coll.SetReducers(red.controllers, red.shares, red.reductionBps, red.concurrent);
            }
            if (a.algo == UbCollectiveAlgo::MULTI_RING)
            {
                coll.SetMeshDims(UbCollectiveHelper::MeshDims(sys, 8));
            }
            coll.SetOffload(a.offload);
        };
        auto out = UbExperiment::Run(run);
        ubtest::ResetSimulation();
        return out.finished ? out.result.BusBw() : 0;
    }

    void DoRun() override
    {
        const bool nvlink = m_preset.find("nvl") == 0;
        std::vector<Algo> algos = {{UbCollectiveAlgo::RING, false},
                                   {UbCollectiveAlgo::HALVING_DOUBLING, false},
                                   {UbCollectiveAlgo::DOUBLE_TREE, false}};
        if (nvlink && m_preset != "nvl576-nvlink5") // NVLS needs a one-tier switch domain
        {
            algos.push_back({UbCollectiveAlgo::IN_NETWORK, false});
        }
        else
        {
            algos.push_back({UbCollectiveAlgo::HALVING_DOUBLING, true});
        }
        if (m_preset == "ubmesh-ub2")
        {
            algos.push_back({UbCollectiveAlgo::MULTI_RING, false});
        }
        for (const Algo& a : algos)
        {
            double last = 0;
            for (uint64_t bytes = 64 << 10; bytes <= (16 << 20); bytes *= 4)
            {
                const double bw = BusBw(a, bytes);
                std::ostringstream what;
                what << m_preset << " " << UbCollectiveAlgoName(a.algo)
                     << (a.offload ? " offload" : "") << " " << bytes << " B";
                NS_TEST_EXPECT_MSG_GT(UB_FIG(bw), 0.0, what.str() << ": it finished");
                NS_TEST_EXPECT_MSG_GT_OR_EQ(bw,
                                            0.98 * last,
                                            what.str() << ": busbw fell from " << last);
                last = bw;
            }
        }
    }

    std::string m_preset;
};

class UbCollectiveSweepTestSuite : public TestSuite
{
  public:
    UbCollectiveSweepTestSuite()
        : TestSuite("unifiedbus-collective-sweep", TestSuite::Type::SYSTEM)
    {
        for (const char* p : {"nvlink4-h100",
                              "nvlink5-gb200",
                              "nvl576-nvlink5",
                              "nvlink6-rubin",
                              "ascend950-ub2",
                              "ascend960-ub",
                              "cm384-ub1",
                              "ubmesh-ub2"})
        {
            AddTestCase(new UbBusBwGrowsTestCase(p), ubtest::Quick());
        }
    }
};

UbCollectiveSweepTestSuite g_ubCollectiveSweepTestSuite;

} // namespace
