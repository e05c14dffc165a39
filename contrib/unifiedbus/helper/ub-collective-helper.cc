/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-collective-helper.h"

#include "ub-controller-helper.h"
#include "ub-systems.h"

#include "ns3/abort.h"
#include "ns3/data-rate.h"
#include "ns3/nstime.h"
#include "ns3/ub-routing-table.h"
#include "ns3/ub-switch.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <random>

namespace ns3
{

std::vector<uint32_t>
UbCollectiveHelper::MeshDims(const UbTopologyHelper& sys, uint32_t ranks)
{
    const UbPreset* preset = sys.GetPreset();
    if (!preset || !preset->Has("topology::Builder") ||
        preset->Get("topology::Builder") != "ub-mesh")
    {
        return {ranks};
    }
    UbSystems::UbMesh p = UbSystems::UbMeshFromPreset(*preset);
    std::vector<uint32_t> full{p.perBoard, p.boards, p.rackCols, p.rackRows, UINT32_MAX};
    std::vector<uint32_t> dims;
    uint32_t left = ranks;
    for (uint32_t x : full)
    {
        if (left <= 1)
        {
            break;
        }
        if (left <= x || x == UINT32_MAX)
        {
            dims.push_back(left); // a part of the last dimension is still a full mesh
            left = 1;
            break;
        }
        NS_ABORT_MSG_IF(left % x != 0,
                        "UbCollectiveHelper::MeshDims: " << ranks << " ranks are not whole "
                                                         << "lines of the UB-Mesh (dimension of "
                                                         << x << "); use a multiple of " << x);
        dims.push_back(x);
        left /= x;
    }
    return dims;
}

UbCollectiveHelper::Reducers
UbCollectiveHelper::InstallSwitchReducers(UbTopologyHelper& sys, Time latency)
{
    const UbTopology& t = sys.GetTopology();
    auto eps = t.GetEndpoints();
    NS_ABORT_MSG_IF(eps.empty(), "UbCollectiveHelper: the fabric has no endpoints");
    Reducers out;
    UbControllerHelper ctl;
    if (sys.GetPreset())
    {
        sys.GetPreset()->Apply(ctl);
    }
    ctl.SetAttribute("EndpointBandwidth", DataRateValue(DataRate(0)));
    ctl.SetAttribute("WriteBandwidth", DataRateValue(DataRate(0)));
    ctl.SetAttribute("InitiatorLatency", TimeValue(latency));
    ctl.SetAttribute("TargetLatency", TimeValue(latency));
    // A switch replicates a multicast and returns sums in hardware: it keeps no table of an
    // endpoint's transactions in flight. With an endpoint's 1,024 its 72 writes per piece of a
    // multicast filled the table after 14 pieces, and the sums that close the window queued
    // behind them (UbCollectiveRunner issues a multicast as one write per rank).
    ctl.SetAttribute("MaxOutstanding", UintegerValue(32768));
    for (uint32_t v = 0; v < t.GetNNodes(); ++v)
    {
        if (t.IsEndpoint(v))
        {
            continue;
        }
        // Links from each endpoint to v; v qualifies if every endpoint has some.
        std::vector<std::vector<uint16_t>> ports(eps.size());
        bool all = true;
        for (std::size_t i = 0; i < eps.size() && all; ++i)
        {
            const auto* p = t.GetPorts(eps[i]);
            for (uint32_t k = 0; k < t.GetDegree(eps[i]); ++k)
            {
                if (p[k].peer == v && t.GetLink(p[k].link).up)
                {
                    ports[i].push_back(static_cast<uint16_t>(k));
                }
            }
            all = !ports[i].empty();
        }
        if (!all)
        {
            continue;
        }
        Ptr<Node> node = sys.GetNode(v);
        uint32_t cna = node->GetObject<UbSwitch>()->GetCna();
        // The reduction engine feeds every output of the chip at once: let it hold more than an
        // endpoint's 64 KiB in the chip (an assumption: 1 MiB).
        node->GetObject<UbSwitch>()->SetAttribute("InjectionBufferBytes", UintegerValue(1 << 20));
        for (std::size_t i = 0; i < eps.size(); ++i)
        {
            Ptr<UbRoutingTable> rt = sys.GetNode(eps[i])->GetObject<UbSwitch>()->GetRoutingTable();
            for (uint16_t port : ports[i])
            {
                rt->AddRoute(cna, port);
            }
        }
        out.controllers.push_back(ctl.Install(node));
        out.shares.push_back(static_cast<double>(ports[0].size()));
        DataRateValue rate;
        UintegerValue concurrent;
        node->GetObject<UbSwitch>()->GetAttribute("ReductionRate", rate);
        node->GetObject<UbSwitch>()->GetAttribute("ConcurrentReductions", concurrent);
        out.reductionBps = static_cast<double>(rate.Get().GetBitRate()) / 8;
        out.concurrent = static_cast<uint32_t>(concurrent.Get());
    }
    NS_ABORT_MSG_IF(out.controllers.empty(),
                    "UbCollectiveHelper: no switch of '" << t.GetName()
                                                         << "' reaches every endpoint directly; "
                                                            "in-network reduction needs a "
                                                            "one-tier switch domain");
    return out;
}

std::vector<std::vector<uint64_t>>
UbCollectiveHelper::MoeDispatch(const Moe& m)
{
    const uint32_t experts = m.ranks * m.expertsPerRank;
    NS_ABORT_MSG_IF(m.ranks < 2 || m.topK == 0 || m.topK > experts || m.hidden == 0 ||
                        m.bytesPerElem == 0 || m.tokensPerRank == 0,
                    "UbCollectiveHelper::MoeDispatch: need >= 2 ranks, 1 <= topK <= experts ("
                        << experts << "), and tokens, hidden size and bytes per element > 0");
    std::mt19937_64 rng(m.seed);
    const uint64_t tokenBytes =
        m.tokenBytes ? m.tokenBytes : static_cast<uint64_t>(m.hidden) * m.bytesPerElem;
    std::vector<std::vector<uint64_t>> out(m.ranks, std::vector<uint64_t>(m.ranks, 0));
    std::vector<uint32_t> pick(experts);
    std::vector<uint8_t> hit(m.ranks);
    for (uint32_t r = 0; r < m.ranks; ++r)
    {
        for (uint32_t t = 0; t < m.tokensPerRank; ++t)
        {
            // topK distinct experts: a partial Fisher-Yates shuffle.
            for (uint32_t e = 0; e < experts; ++e)
            {
                pick[e] = e;
            }
            std::fill(hit.begin(), hit.end(), 0);
            for (uint32_t k = 0; k < m.topK; ++k)
            {
                uint64_t j = k + rng() % (experts - k);
                std::swap(pick[k], pick[j]);
                hit[pick[k] / m.expertsPerRank] = 1;
            }
            for (uint32_t d = 0; d < m.ranks; ++d)
            {
                if (hit[d] && d != r)
                {
                    out[r][d] += tokenBytes;
                }
            }
        }
    }
    return out;
}

uint32_t
UbCollectiveHelper::MoeTokenBytes(const std::string& format, uint32_t hidden)
{
    if (format == "bf16")
    {
        return 2 * hidden;
    }
    if (format == "fp8")
    {
        return hidden + (hidden + 127) / 128 * 4 + 16;
    }
    if (format == "int8")
    {
        return hidden + 4;
    }
    return 0;
}

UbCollectiveHelper::MoeCosts
UbCollectiveHelper::MoeCosts::Off()
{
    MoeCosts c;
    c.routePerToken = Time(0);
    c.quantBps = 0;
    c.issuePerMessage = Time(0);
    c.barrier = Time(0);
    return c;
}

UbCollectiveHelper::MoeTimes
UbCollectiveHelper::MoePhaseTimes(const Moe& m,
                                  const MoeCosts& c,
                                  bool dispatch,
                                  const UbCollectiveResult& r)
{
    MoeTimes t;
    t.routeUs = m.tokensPerRank * c.routePerToken.GetSeconds() * 1e6;
    if (dispatch && c.quantBps > 0)
    {
        t.quantUs = static_cast<double>(m.tokensPerRank) * m.hidden * 2 / c.quantBps * 1e6;
    }
    double sumBw = 0;
    for (std::size_t i = 0; i < r.rankDone.size(); ++i)
    {
        double s = (r.rankDone[i] - r.start).GetSeconds();
        t.netMeanUs += s * 1e6 / r.rankDone.size();
        t.netMaxUs = std::max(t.netMaxUs, s * 1e6);
        sumBw += s > 0 ? r.rankBytesIn[i] / s / 1e9 : 0;
    }
    t.meanRankGBps = r.rankDone.empty() ? 0 : sumBw / r.rankDone.size();
    t.barrierUs = c.barrier.GetSeconds() * 1e6;
    t.totalUs = t.routeUs + t.quantUs + t.netMaxUs + t.barrierUs;
    return t;
}

std::vector<std::vector<uint64_t>>
UbCollectiveHelper::Transpose(const std::vector<std::vector<uint64_t>>& d)
{
    std::vector<std::vector<uint64_t>> t(d.size(), std::vector<uint64_t>(d.size(), 0));
    for (std::size_t i = 0; i < d.size(); ++i)
    {
        for (std::size_t j = 0; j < d[i].size(); ++j)
        {
            t[j][i] = d[i][j];
        }
    }
    return t;
}

} // namespace ns3
