/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * moe-dispatch: MoE dispatch and combine (All-to-Allv of routed tokens) over an expert-parallel
 * group on any system, per-rank latency and bandwidth against the EP size.
 *
 *   ./ubsim run moe-dispatch --preset=nvlink5-gb200
 *   ./ubsim run moe-dispatch --preset=ascend950-ub2 --npus=256 --ep=8,16,32,64,128,256
 *   ./ubsim run moe-dispatch --level=flow --pods=64 --npus=8192 --ep=64,512,8192
 *   ./ubsim run moe-dispatch --level=hybrid --pods=4 --npus=64 --ep=8,16 --study=0
 *
 * Each token picks --topk distinct experts uniformly at random (--expertsPerRank experts per
 * rank, seeded by --RngRun); a rank sends a token once to each other rank hosting one of its
 * experts, in --dispatchFormat (fp8 by default, as DeepEP: hidden + scales + header); combine
 * sends the results back (the transpose) in --combineFormat (bf16). Besides the network, each
 * phase costs the endpoints routing and layout per token, quantization (dispatch), one issue per
 * destination (one message after another) and a closing barrier (UbCollectiveHelper::MoeCosts,
 * assumptions; --endpointCosts=off for the network alone). Network latency of a rank: from the
 * start until its last token arrived; bandwidth: the bytes it received over that time; the
 * phase: routing + quantization + the slowest rank + the barrier.
 */
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/unifiedbus-module.h"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

using namespace ns3;

namespace
{

int
RunMain(int argc, char* argv[])
{
    std::string presetName = "nvlink5-gb200";
    std::string npusText; // empty: the preset's default size
    std::string epList = "8,16,32,64";
    uint32_t tokens = 128;
    uint32_t hidden = 7168;
    uint32_t bytesPerElem = 0;
    std::string dispatchFormat = "fp8";
    std::string combineFormat = "bf16";
    uint32_t expertsPerRank = 1;
    std::string endpointCostsText = "on";
    UbCollectiveHelper::MoeCosts costs;
    double routeNs = costs.routePerToken.GetNanoSeconds();
    double quantGBps = costs.quantBps / 1e9;
    double issueNs = costs.issuePerMessage.GetNanoSeconds();
    double barrierUs = costs.barrier.GetMicroSeconds();
    uint32_t topK = 8;
    std::string db = "results/ubsim.db";
    std::string levelName = "packet";
    std::string aggregateName = "auto";
    if (!UbExperiment::EnableMpi("moe-dispatch", &argc, &argv))
    {
        return 2;
    }
    UbExperiment::SetDefaultScheduler(); // before Parse: --SchedulerType still wins
    UbCommandLine cmd(__FILE__);
    std::string mpi;
    cmd.AddValue("mpi", UbExperiment::MpiOptionHelp(), mpi);
    double stopUs = 0;
    cmd.AddValue("stopUs",
                 "stop each simulation at this time, in us (0: when no event is left; --mpi=null "
                 "needs one past the phase's end)",
                 stopUs);
    std::string phases = "dispatch,combine";
    cmd.AddValue("phases", "the phases to run: dispatch, combine or both", phases);
    cmd.AddValue("preset", "system preset", presetName);
    cmd.AddValue("npus", UbPreset::EndpointsOptionHelp(), npusText);
    cmd.AddValue("ep", "comma-separated EP group sizes", epList);
    cmd.AddValue("tokens", "tokens per rank", tokens);
    cmd.AddValue("hidden", "hidden size (elements per token)", hidden);
    cmd.AddValue("bytes",
                 "bytes per element of both phases, instead of the formats (2: BF16; 0: formats)",
                 bytesPerElem);
    cmd.AddValue("dispatchFormat",
                 "dispatch tokens: fp8 (DeepEP), int8 (CANN) or bf16",
                 dispatchFormat);
    cmd.AddValue("combineFormat", "combine tokens: bf16, fp8 or int8", combineFormat);
    cmd.AddValue("expertsPerRank", "experts each rank hosts", expertsPerRank);
    cmd.AddValue("topk", "experts per token", topK);
    cmd.AddValue("endpointCosts",
                 "routing, quantization, issue and barrier costs besides the network (off: the "
                 "network alone)",
                 endpointCostsText);
    cmd.AddValue("routeNs", "[A] routing and layout per token (ns)", routeNs);
    cmd.AddValue("quantGBps", "[A] quantization, GB/s of BF16 input (0: none)", quantGBps);
    cmd.AddValue("issueNs", "[A] issuing one message to one destination (ns)", issueNs);
    cmd.AddValue("barrierUs", "[A] the barrier that ends each phase (us)", barrierUs);
    cmd.AddValue("db", "SQLite results file", db);
    cmd.AddValue("level",
                 "packet (every packet), flow (fluid flows on the same fabric) or, with --pods, "
                 "hybrid (packet level for the SuperPoDs --study names, flow level for the "
                 "rest); doc/flow-level.md",
                 levelName);
    std::string studyText = "0";
    cmd.AddValue("study", UbExperiment::StudyOptionHelp(), studyText);
    cmd.AddValue("aggregate", UbExperiment::AggregateOptionHelp(), aggregateName);
    uint32_t pods = 0;
    std::string pod = "atlas950";
    std::string scaleOut = "uboe-400g";
    cmd.AddValue("pods",
                 "SuperPoDs of a SuperCluster to spread each EP group over, rank i in SuperPoD "
                 "i mod pods (0: the preset's system alone; then --npus is per SuperPoD)",
                 pods);
    cmd.AddValue("pod", "with --pods: the SuperPoD, atlas950 or atlas960", pod);
    cmd.AddValue("scaleOut", "with --pods: the scale-out preset (uboe-400g, roce-400g)", scaleOut);
    cmd.Parse(argc, argv);
    UbResults::Check(db); // a bad --db stops the program now, not after the run
    uint32_t npus = 0;
    if (pods > 0)
    {
        // A SuperCluster: --npus per SuperPoD, the SuperPoD's preset for the endpoints.
        if (pod != "atlas950" && pod != "atlas960")
        {
            std::cerr << "moe-dispatch: --pod=" << pod << " is not atlas950 or atlas960\n";
            return 2;
        }
        presetName = pod == "atlas950" ? "ascend950-ub2" : "ascend960-ub";
        const uint32_t cabinet = pod == "atlas950" ? 64 : 88;
        std::vector<uint64_t> perPod;
        npus = npusText.empty() ? cabinet : 0;
        if (!npusText.empty() && UbParseUnsignedList(npusText, perPod, UINT32_MAX) &&
            perPod.size() == 1)
        {
            npus = static_cast<uint32_t>(perPod[0]);
        }
        if (pods < 2 || npus < cabinet || npus % cabinet)
        {
            std::cerr << "moe-dispatch: with --pods, need --pods >= 2 and --npus (per SuperPoD) "
                         "a multiple of "
                      << cabinet << "\n";
            return 2;
        }
        const std::vector<std::string> known = UbPreset::List();
        if (std::find(known.begin(), known.end(), scaleOut) == known.end())
        {
            std::cerr << "moe-dispatch: --scaleOut=" << scaleOut
                      << " is not a preset; try uboe-400g or roce-400g\n";
            return 2;
        }
    }
    else if (!UbPreset::EndpointsOption("moe-dispatch", presetName, npusText, npus))
    {
        return 2;
    }
    UbExperiment::Level level;
    if (!UbExperiment::LevelFromName(levelName, level, true))
    {
        std::cerr << "moe-dispatch: --level=" << levelName << " is not packet, flow or hybrid\n";
        return 2;
    }
    std::vector<uint32_t> study; // SuperPoDs
    if (level == UbExperiment::HYBRID && pods == 0)
    {
        std::cerr << "moe-dispatch: --level=hybrid studies SuperPoDs of a SuperCluster; add "
                     "--pods\n";
        return 2;
    }
    if (level == UbExperiment::HYBRID &&
        !UbExperiment::StudyOption("moe-dispatch", studyText, pods, study))
    {
        return 2;
    }
    UbCollectiveEngine::Aggregation aggregate;
    if (!UbExperiment::AggregateOption("moe-dispatch", aggregateName, level, aggregate))
    {
        return 2;
    }
    std::vector<uint64_t> eps;
    if (!UbParseUnsignedList(epList, eps, UINT32_MAX) || eps.empty())
    {
        std::cerr << "moe-dispatch: --ep=" << epList << " is not a list of sizes like 8,16,32\n";
        return 2;
    }
    std::vector<std::string> phaseNames;
    if (!UbSplitList(phases, phaseNames) || phaseNames.empty() ||
        std::any_of(phaseNames.begin(), phaseNames.end(), [](const std::string& x) {
            return x != "dispatch" && x != "combine";
        }))
    {
        std::cerr << "moe-dispatch: --phases=" << phases
                  << " is not a list of dispatch and "
                     "combine\n";
        return 2;
    }
    const bool runDispatch =
        std::find(phaseNames.begin(), phaseNames.end(), "dispatch") != phaseNames.end();
    const bool runCombine =
        std::find(phaseNames.begin(), phaseNames.end(), "combine") != phaseNames.end();
    if (!(stopUs >= 0 && stopUs <= 1e9))
    {
        std::cerr << "moe-dispatch: --stopUs=" << stopUs << " is not between 0 and 1e9\n";
        return 2;
    }
    const bool oneRun = eps.size() == 1 && runDispatch != runCombine && pods > 0;
    if (UbExperiment::IsMpi() && (!oneRun || level != UbExperiment::PACKET))
    {
        std::cerr << "moe-dispatch: a run split over MPI processes is one packet-level simulation "
                     "of a SuperCluster: give --pods, one --ep and one --phases\n";
        return 2;
    }
    const uint32_t dispatchBytes = bytesPerElem
                                       ? hidden * bytesPerElem
                                       : UbCollectiveHelper::MoeTokenBytes(dispatchFormat, hidden);
    const uint32_t combineBytes = bytesPerElem
                                      ? hidden * bytesPerElem
                                      : UbCollectiveHelper::MoeTokenBytes(combineFormat, hidden);
    if (dispatchBytes == 0 || combineBytes == 0 || hidden == 0 || tokens == 0 ||
        expertsPerRank == 0 || topK == 0)
    {
        std::cerr << "moe-dispatch: --dispatchFormat and --combineFormat are fp8, int8 or bf16, "
                     "and --hidden, --tokens, --expertsPerRank and --topk are at least 1\n";
        return 2;
    }
    if (endpointCostsText != "on" && endpointCostsText != "off")
    {
        std::cerr << "moe-dispatch: --endpointCosts=" << endpointCostsText << " is not on or off\n";
        return 2;
    }
    const bool endpointCosts = endpointCostsText == "on";
    if (routeNs < 0 || quantGBps < 0 || issueNs < 0 || barrierUs < 0)
    {
        std::cerr << "moe-dispatch: --routeNs, --quantGBps, --issueNs and --barrierUs must not be "
                     "negative\n";
        return 2;
    }
    costs.routePerToken = NanoSeconds(routeNs);
    costs.quantBps = quantGBps * 1e9;
    costs.issuePerMessage = NanoSeconds(issueNs);
    costs.barrier = NanoSeconds(barrierUs * 1e3);
    if (!endpointCosts)
    {
        costs = UbCollectiveHelper::MoeCosts::Off();
    }
    const uint32_t endpoints =
        pods > 0 ? pods * npus : UbExperiment::CountEndpoints(presetName, npus);
    for (uint64_t ep : eps)
    {
        if (ep < 2 || ep > endpoints)
        {
            std::cerr << "moe-dispatch: EP " << ep << " does not fit the " << endpoints
                      << " endpoints of " << presetName << "; use --npus or smaller --ep\n";
            return 2;
        }
        if (pods > 0 && ep % pods != 0)
        {
            std::cerr << "moe-dispatch: EP " << ep << " does not spread evenly over " << pods
                      << " SuperPoDs; use EP sizes that are multiples of --pods\n";
            return 2;
        }
        if (topK > ep * expertsPerRank)
        {
            // A token picks distinct experts: more than there are is no run of what was asked.
            std::cerr << "moe-dispatch: --topk=" << topK << " is more than the "
                      << ep * expertsPerRank << " experts of EP " << ep
                      << " (--expertsPerRank=" << expertsPerRank
                      << "); use --topk=" << ep * expertsPerRank
                      << " or less, or more --expertsPerRank\n";
            return 2;
        }
    }
    UbResults results("moe-dispatch", db);
    results.AddCommandLine(argc, argv);
    results.SetSeed(RngSeedManager::GetSeed(), RngSeedManager::GetRun());
    results.AddParameter("preset", presetName);
    results.AddParameter("tokens", tokens);
    results.AddParameter("hidden", hidden);
    results.AddParameter("dispatch_token_bytes", dispatchBytes);
    results.AddParameter("combine_token_bytes", combineBytes);
    results.AddParameter("experts_per_rank", expertsPerRank);
    results.AddParameter("topk", topK);
    results.AddParameter("endpoint_costs", endpointCosts ? "on" : "off");
    results.AddParameter("route_ns_per_token", costs.routePerToken.GetNanoSeconds());
    results.AddParameter("quant_gbps", costs.quantBps / 1e9);
    results.AddParameter("issue_ns", costs.issuePerMessage.GetNanoSeconds());
    results.AddParameter("barrier_us", costs.barrier.GetSeconds() * 1e6);
    results.AddParameter("level", levelName);
    results.AddParameter("aggregate", aggregateName);
    if (pods > 0)
    {
        results.AddParameter("pods", pods);
        results.AddParameter("pod", pod);
        results.AddParameter("scale_out", scaleOut);
    }
    if (level == UbExperiment::HYBRID)
    {
        results.AddParameter("study", studyText);
    }
    std::cout << "moe-dispatch: " << presetName << ", " << tokens << " tokens/rank, hidden "
              << hidden << ", top-" << topK << ", " << expertsPerRank
              << " expert(s)/rank; token bytes: dispatch " << dispatchBytes << ", combine "
              << combineBytes << "; endpoint costs "
              << (endpointCosts ? "[A] on (--endpointCosts=off: network alone)" : "off") << "; "
              << levelName << " level";
    if (pods > 0)
    {
        std::cout << "; " << pods << " SuperPoDs (" << pod << ") x " << npus << " NPUs over "
                  << scaleOut << ", each EP group spread evenly over them";
    }
    std::cout << "\n"
              << std::setw(5) << "EP" << std::setw(9) << "phase" << std::setw(9) << "route"
              << std::setw(9) << "quant" << std::setw(11) << "net mean" << std::setw(10)
              << "net max" << std::setw(9) << "barrier" << std::setw(10) << "total us"
              << std::setw(13) << "GB/s/rank"
              << "  level\n";
    for (uint64_t epValue : eps)
    {
        const auto ep = static_cast<uint32_t>(epValue);
        UbCollectiveHelper::Moe m;
        m.ranks = ep;
        m.tokensPerRank = tokens;
        m.hidden = hidden;
        m.expertsPerRank = expertsPerRank;
        m.topK = topK; // at most ep x expertsPerRank (checked above)
        m.seed = RngSeedManager::GetRun();
        m.tokenBytes = dispatchBytes;
        auto dispatch = UbCollectiveHelper::MoeDispatch(m);
        UbCollectiveHelper::Moe mc = m; // the same routing, combine's token size
        mc.tokenBytes = combineBytes;
        auto combined = UbCollectiveHelper::Transpose(UbCollectiveHelper::MoeDispatch(mc));
        for (bool combine : {false, true})
        {
            if (!(combine ? runCombine : runDispatch))
            {
                continue;
            }
            std::cerr << "[moe-dispatch] EP " << ep << (combine ? " combine" : " dispatch")
                      << std::endl;
            const std::vector<std::vector<uint64_t>>& matrix = combine ? combined : dispatch;
            UbExperiment::CollectiveRun run;
            run.preset = presetName;
            run.npus = npus;
            run.ranks = ep;
            run.op = UbCollectiveOp::ALL_TO_ALLV;
            run.algo = UbCollectiveAlgo::DIRECT;
            run.matrix = &matrix;
            run.results = &results;
            run.level = level;
            for (uint32_t p : study)
            {
                run.study.push_back(p * npus); // the SuperPoD's first NPU
            }
            run.aggregate = aggregate;
            run.stop = MicroSeconds(stopUs);
            if (pods > 0)
            {
                // Rank i in SuperPoD i mod pods: every SuperPoD holds ep / pods of the group.
                run.build = UbExperiment::SuperClusterBuild(pods, npus, scaleOut, pod);
                for (uint32_t i = 0; i < ep; ++i)
                {
                    run.rankEndpoints.push_back((i % pods) * npus + i / pods);
                }
            }
            run.scope = std::string(combine ? "combine:" : "dispatch:") + std::to_string(ep);
            const Time issue = costs.issuePerMessage;
            run.setup = [issue](UbTopologyHelper&, UbCollectiveEngine& coll) {
                coll.SetIssueCost(issue);
            };
            const UbExperiment::CollectiveOutcome out = UbExperiment::Run(run);
            const UbCollectiveResult& res = out.result;
            auto t = UbCollectiveHelper::MoePhaseTimes(m, costs, !combine, res);
            std::string phase = combine ? "combine" : "dispatch";
            std::cout << std::setw(5) << ep << std::setw(9) << phase << std::fixed
                      << std::setprecision(2) << std::setw(9) << t.routeUs << std::setw(9)
                      << t.quantUs << std::setw(11) << t.netMeanUs << std::setw(10) << t.netMaxUs
                      << std::setw(9) << t.barrierUs << std::setw(10) << t.totalUs << std::setw(13)
                      << t.meanRankGBps << "  " << UbExperiment::HowItRan(res) << "\n";
            results.AddCollective(pods > 0 ? "supercluster-" + std::to_string(pods) + "x" +
                                                 std::to_string(npus) + "-" + scaleOut
                                           : presetName,
                                  res);
            std::string scope = phase + ":" + std::to_string(ep);
            results.AddMetric(scope, "mean_latency", t.netMeanUs, "us");
            results.AddMetric(scope, "max_latency", t.netMaxUs, "us");
            results.AddMetric(scope, "mean_rank_bw", t.meanRankGBps, "GB/s");
            results.AddMetric(scope, "route_time", t.routeUs, "us");
            results.AddMetric(scope, "quant_time", t.quantUs, "us");
            results.AddMetric(scope, "barrier_time", t.barrierUs, "us");
            results.AddMetric(scope, "phase_time", t.totalUs, "us");
            if (level == UbExperiment::HYBRID)
            {
                // Which level moved how much (doc/flow-level.md, The hybrid level).
                results.AddMetric(scope,
                                  "packet_transfers",
                                  static_cast<double>(out.packetTransfers),
                                  "");
                results.AddMetric(scope,
                                  "flow_transfers",
                                  static_cast<double>(out.flowTransfers),
                                  "");
                results.AddMetric(scope, "peak_background", out.peakBackground, "");
            }
        }
    }
    int64_t run = results.Commit(Seconds(0), 0);
    std::cout << "results: run " << run << " in " << results.GetPath() << "\n";
    UbExperiment::DisableMpi();
    return 0;
}

} // namespace

int
main(int argc, char* argv[])
{
    return UbMain("moe-dispatch", [&] { return RunMain(argc, argv); });
}
