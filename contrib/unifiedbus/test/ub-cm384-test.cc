/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The cm384-ub1 preset against CloudMatrix384's measured UB figures (validation-targets.md
 * section 4; Zuo et al., arXiv 2506.12708 v2, Table 1; per die, 512-B latency):
 *
 *   NPU->NPU Read   167 / 164 GB/s   1.2 / 1.9 us   (intra / inter node)
 *   NPU->NPU Write  137 / 135 GB/s   1.3 / 2.1 us
 *
 * Intra node: die -> L1 -> die; inter node: die -> L1 -> L2 -> L1 -> die. Bandwidth: one 16-MiB
 * transfer. Each simulated figure must be within 10 % of the measured one. Calibrated from
 * (doc/validation.md section 6): intra Read and Write latency (their mean), inter Read latency,
 * intra Read and Write bandwidth. Left out of the calibration: inter Write latency, inter Read
 * and Write bandwidth.
 *
 * Also: the preset loader rejects a value without a source, naming the file and line.
 */
#include "ub-test-utils.h"

#include "ns3/simulator.h"
#include "ns3/test.h"
#include "ns3/ub-cloudmatrix-helper.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-preset.h"

#include <fstream>

using namespace ns3;

namespace
{

/// Completion time of one operation from die (0,0) to die (inter ? 1 : 0, 1), seconds.
double
RunCm384(bool inter, UbOp op, uint64_t bytes)
{
    ubtest::ResetSimulation();
    UbCloudMatrixHelper cm;
    cm.SetNodes(2);
    cm.Build();
    Ptr<UbController> a = cm.GetDie(0, 0)->GetObject<UbController>();
    uint32_t dst = cm.GetDie(inter ? 1 : 0, 1)->GetObject<UbController>()->GetCna();
    double out = -1;
    Simulator::Schedule(MicroSeconds(1), [&]() {
        auto cb = UbCompletionCallback(
            [&out](const UbTransactionRecord& r) { out = (r.completed - r.issued).GetSeconds(); });
        op == UbOp::READ ? a->Read(dst, bytes, UbOrder::NO, cb)
                         : a->Write(dst, bytes, UbOrder::NO, cb);
    });
    Simulator::Run();
    ubtest::ResetSimulation();
    return out;
}

class UbCm384TestCase : public TestCase
{
  public:
    UbCm384TestCase()
        : TestCase("cm384-ub1 reproduces CloudMatrix384 NPU-to-NPU Read and Write within 10 %")
    {
    }

  private:
    void DoRun() override
    {
        struct Row
        {
            bool inter;
            UbOp op;
            double gbps; // GB/s
            double us;   // latency at 512 B
        };

        const Row rows[] = {{false, UbOp::READ, 167, 1.2},
                            {true, UbOp::READ, 164, 1.9},
                            {false, UbOp::WRITE, 137, 1.3},
                            {true, UbOp::WRITE, 135, 2.1}};
        const uint64_t big = 16ull << 20;
        for (const Row& r : rows)
        {
            std::string what = std::string(r.inter ? "inter" : "intra") + "-node " + UbOpName(r.op);
            double lat = RunCm384(r.inter, r.op, 512) * 1e6;
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(lat),
                                      r.us,
                                      r.us * 0.10,
                                      what << " latency at 512 B (us)");
            double bw = big / RunCm384(r.inter, r.op, big) / 1e9;
            NS_TEST_EXPECT_MSG_EQ_TOL(UB_FIG(bw),
                                      r.gbps,
                                      r.gbps * 0.10,
                                      what << " bandwidth (GB/s)");
        }
    }
};

class UbPresetFileTestCase : public TestCase
{
  public:
    UbPresetFileTestCase()
        : TestCase("preset files: every value has a source; errors name the line")
    {
    }

  private:
    void DoRun() override
    {
        UbPreset p = UbPreset::Load("cm384-ub1");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(p.GetName()), "cm384-ub1", "name");
        NS_TEST_EXPECT_MSG_GT(UB_FIG(p.GetEntries().size()), 15u, "values");
        for (const auto& e : p.GetEntries())
        {
            NS_TEST_EXPECT_MSG_EQ(UB_FIG(e.source.empty()),
                                  false,
                                  e.type << "::" << e.attribute << " has a source");
        }
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(p.Get("UbNetDevice::LaneRate")), "112Gbps", "a value");
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(UbPreset::Load("cm384").GetName()), "cm384-ub1", "short name");
        std::string bad = CreateTempDirFilename("bad.preset");
        {
            std::ofstream f(bad);
            f << "name = bad\nUbNetDevice::Lanes = 4 ; [S] fine\nUbNetDevice::LaneRate = 112Gbps\n";
        }
        ubtest::ChildResult c = ubtest::RunInChild([bad]() { UbPreset::Load(bad); });
        NS_TEST_EXPECT_MSG_EQ(UB_FIG(c.exitedNormally),
                              false,
                              "a value without a source stops the run");
        NS_TEST_EXPECT_MSG_EQ(
            UB_FIG(ubtest::ContainsAll(c.output, {bad, "line 3", "LaneRate", "has no source"})),
            true,
            "message: " << c.output);
        std::string typo = CreateTempDirFilename("typo.preset");
        {
            std::ofstream f(typo);
            f << "UbNetDevice::Lanez = 4 ; [A] typo\n";
        }
        c = ubtest::RunInChild([typo]() { UbPreset::Load(typo); });
        NS_TEST_EXPECT_MSG_EQ(
            UB_FIG(ubtest::ContainsAll(c.output, {"line 1", "no attribute 'Lanez'"})),
            true,
            "unknown attribute: " << c.output);
        c = ubtest::RunInChild([]() { UbPreset::Load("no-such-preset"); });
        NS_TEST_EXPECT_MSG_EQ(
            UB_FIG(
                ubtest::ContainsAll(c.output, {"no preset named 'no-such-preset'", "cm384-ub1"})),
            true,
            "unknown preset: " << c.output);
    }
};

class UbCm384TestSuite : public TestSuite
{
  public:
    UbCm384TestSuite()
        : TestSuite("unifiedbus-cm384", TestSuite::Type::SYSTEM)
    {
        AddTestCase(new UbPresetFileTestCase);
        AddTestCase(new UbCm384TestCase);
    }
};

UbCm384TestSuite g_ubCm384TestSuite;

} // namespace
