/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * moe-dispatch: MoE dispatch and combine (All-to-Allv of routed tokens) over an expert-parallel
 * group on any system, per-rank latency and bandwidth against the EP size.
 *
 *   ./ubsim run moe-dispatch --preset=nvlink5-gb200
 *   ./ubsim run moe-dispatch --preset=ascend950-ub2 --npus=256 --ep=8,16,32,64,128,256
 *
 * Each token picks --topk distinct experts uniformly at random (one expert per rank, seeded by
 * --RngRun); a rank sends a token once to each other rank hosting one of its experts, hidden x
 * bytes-per-element bytes. Combine sends the results back (the transpose). Latency of a rank:
 * from the start until its last token arrived; bandwidth: the bytes it received over that time.
 */
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/unifiedbus-module.h"

#include <iomanip>
#include <iostream>
#include <sstream>

using namespace ns3;

int
main(int argc, char* argv[])
{
    std::string presetName = "nvlink5-gb200";
    std::string npusText; // empty: the preset's default size
    std::string epList = "8,16,32,64";
    uint32_t tokens = 128;
    uint32_t hidden = 7168;
    uint32_t bytesPerElem = 2;
    uint32_t topK = 8;
    std::string db = "results/ubsim.db";
    UbExperiment::SetDefaultScheduler(); // before Parse: --SchedulerType still wins
    CommandLine cmd(__FILE__);
    cmd.AddValue("preset", "system preset", presetName);
    cmd.AddValue("npus", UbPreset::EndpointsOptionHelp(), npusText);
    cmd.AddValue("ep", "comma-separated EP group sizes", epList);
    cmd.AddValue("tokens", "tokens per rank", tokens);
    cmd.AddValue("hidden", "hidden size (elements per token)", hidden);
    cmd.AddValue("bytes", "bytes per element (2: BF16, 1: FP8)", bytesPerElem);
    cmd.AddValue("topk", "experts per token", topK);
    cmd.AddValue("db", "SQLite results file", db);
    cmd.Parse(argc, argv);
    UbWholeStringOptions(argc, argv, {{"db", &db}});
    uint32_t npus = 0;
    if (!UbPreset::EndpointsOption("moe-dispatch", presetName, npusText, npus))
    {
        return 2;
    }
    std::vector<uint64_t> eps;
    if (!UbParseUnsignedList(epList, eps, UINT32_MAX) || eps.empty())
    {
        std::cerr << "moe-dispatch: --ep=" << epList << " is not a list of sizes like 8,16,32\n";
        return 2;
    }
    const uint32_t endpoints = UbExperiment::CountEndpoints(presetName, npus);
    for (uint64_t ep : eps)
    {
        if (ep < 2 || ep > endpoints)
        {
            std::cerr << "moe-dispatch: EP " << ep << " does not fit the " << endpoints
                      << " endpoints of " << presetName << "; use --npus or smaller --ep\n";
            return 2;
        }
    }
    UbResults results("moe-dispatch", db);
    results.AddCommandLine(argc, argv);
    results.SetSeed(RngSeedManager::GetSeed(), RngSeedManager::GetRun());
    results.AddParameter("preset", presetName);
    results.AddParameter("tokens", tokens);
    results.AddParameter("hidden", hidden);
    results.AddParameter("bytes_per_elem", bytesPerElem);
    results.AddParameter("topk", topK);
    std::cout << "moe-dispatch: " << presetName << ", " << tokens << " tokens/rank, hidden "
              << hidden << " x " << bytesPerElem << " B, top-" << topK << "\n"
              << std::setw(6) << "EP" << std::setw(10) << "phase" << std::setw(14) << "mean lat us"
              << std::setw(13) << "max lat us" << std::setw(16) << "mean GB/s/rank"
              << "\n";
    for (uint64_t epValue : eps)
    {
        const auto ep = static_cast<uint32_t>(epValue);
        UbCollectiveHelper::Moe m;
        m.ranks = ep;
        m.tokensPerRank = tokens;
        m.hidden = hidden;
        m.bytesPerElem = bytesPerElem;
        m.topK = std::min(topK, ep);
        m.seed = RngSeedManager::GetRun();
        auto dispatch = UbCollectiveHelper::MoeDispatch(m);
        for (bool combine : {false, true})
        {
            std::cerr << "[moe-dispatch] EP " << ep << (combine ? " combine" : " dispatch")
                      << std::endl;
            std::vector<std::vector<uint64_t>> matrix =
                combine ? UbCollectiveHelper::Transpose(dispatch) : dispatch;
            UbExperiment::CollectiveRun run;
            run.preset = presetName;
            run.npus = npus;
            run.ranks = ep;
            run.op = UbCollectiveOp::ALL_TO_ALLV;
            run.algo = UbCollectiveAlgo::DIRECT;
            run.matrix = &matrix;
            run.results = &results;
            run.scope = std::string(combine ? "combine:" : "dispatch:") + std::to_string(ep);
            const UbCollectiveResult res = UbExperiment::Run(run).result;
            double sumLat = 0;
            double maxLat = 0;
            double sumBw = 0;
            for (uint32_t i = 0; i < ep; ++i)
            {
                double s = (res.rankDone[i] - res.start).GetSeconds();
                sumLat += s;
                maxLat = std::max(maxLat, s);
                sumBw += s > 0 ? res.rankBytesIn[i] / s / 1e9 : 0;
            }
            std::string phase = combine ? "combine" : "dispatch";
            std::cout << std::setw(6) << ep << std::setw(10) << phase << std::fixed
                      << std::setprecision(2) << std::setw(14) << sumLat / ep * 1e6 << std::setw(13)
                      << maxLat * 1e6 << std::setw(16) << sumBw / ep << "\n";
            std::string scope = phase + ":" + std::to_string(ep);
            results.AddMetric(scope, "mean_latency", sumLat / ep * 1e6, "us");
            results.AddMetric(scope, "max_latency", maxLat * 1e6, "us");
            results.AddMetric(scope, "mean_rank_bw", sumBw / ep, "GB/s");
        }
    }
    int64_t run = results.Commit(Seconds(0), 0);
    std::cout << "results: run " << run << " in " << results.GetPath() << "\n";
    return 0;
}
