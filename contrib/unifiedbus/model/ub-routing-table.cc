/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-routing-table.h"

#include "ub-compat.h"
#include "ub-switch.h"

#include "ns3/abort.h"
#include "ns3/enum.h"
#include "ns3/log.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbRoutingTable");
NS_OBJECT_ENSURE_REGISTERED(UbRoutingTable);

namespace
{
/// The ECMP choice: the flow key hashed with the choosing switch's CNA, so stages decorrelate.
inline uint32_t
EcmpIndex(const UbPacketInfo& info, const UbSwitch& sw, uint32_t n)
{
    return UbRoutingTable::EcmpChoice(info.flowHash, sw.GetCna(), n);
}

const UbSinglePathSelector g_single;
const UbEcmpSelector g_ecmp;
const UbSpraySelector g_spray;
const UbAdaptiveSelector g_adaptive;
const UbLbfSelector g_lbf;
const UbRandomSelector g_random;
} // namespace

uint32_t
UbSinglePathSelector::Select(const UbRouteCandidate* c,
                             uint32_t n,
                             const UbPacketInfo& info,
                             const UbSwitch& sw,
                             uint32_t& counter) const
{
    return 0;
}

uint32_t
UbEcmpSelector::Select(const UbRouteCandidate* c,
                       uint32_t n,
                       const UbPacketInfo& info,
                       const UbSwitch& sw,
                       uint32_t& counter) const
{
    return EcmpIndex(info, sw, n);
}

uint32_t
UbSpraySelector::Select(const UbRouteCandidate* c,
                        uint32_t n,
                        const UbPacketInfo& info,
                        const UbSwitch& sw,
                        uint32_t& counter) const
{
    return counter++ % n;
}

uint32_t
UbRandomSelector::Select(const UbRouteCandidate* c,
                         uint32_t n,
                         const UbPacketInfo& info,
                         const UbSwitch& sw,
                         uint32_t& counter) const
{
    return UbMix32((counter++ * 0x9e3779b9u) ^ UbMix32(sw.GetCna() ^ info.flowHash)) % n;
}

uint32_t
UbLbfSelector::Select(const UbRouteCandidate* c,
                      uint32_t n,
                      const UbPacketInfo& info,
                      const UbSwitch& sw,
                      uint32_t& counter) const
{
    // At the source's own switch the load-balance field picks the candidate directly, so that a
    // channel group of n channels uses all n first-hop links. Further on, the field is rotated
    // by a hash of (source, destination, this switch): the channels of one pair still take
    // distinct candidates, and different pairs' channels spread over all of them as ECMP
    // spreads flows, instead of piling onto the first few (every source numbers its channels
    // from 0) or keeping all of one source's traffic in a plane on one uplink.
    return UbRoutingTable::LbfChoice(info.lbf, info.src, info.dst, sw.GetCna(), n);
}

uint32_t
UbAdaptiveSelector::Select(const UbRouteCandidate* c,
                           uint32_t n,
                           const UbPacketInfo& info,
                           const UbSwitch& sw,
                           uint32_t& counter) const
{
    uint32_t first = EcmpIndex(info, sw, n);
    uint32_t best = first;
    uint64_t bestLoad = sw.GetOutputLoad(c[first].port, c[first].vl, info.sl);
    for (uint32_t k = 1; k < n; ++k)
    {
        uint32_t i = (first + k) % n;
        uint64_t load = sw.GetOutputLoad(c[i].port, c[i].vl, info.sl);
        if (load < bestLoad)
        {
            best = i;
            bestLoad = load;
        }
    }
    return best;
}

TypeId
UbRoutingTable::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::UbRoutingTable")
            .SetParent<Object>()
            .SetGroupName("UnifiedBus")
            .AddConstructor<UbRoutingTable>()
            .AddAttribute("Selection",
                          "How a packet picks among the candidates of its destination: Single "
                          "(first), Ecmp (hash of the flow key), Spray (per-packet round robin), "
                          "Adaptive (the output that drains soonest) or Lbf (the packet's "
                          "load-balance field modulo the candidates: the sender steers the path, "
                          "UB Base Spec 2.0 section 2.2) or Random (per packet, pseudo-random: a "
                          "hash of a packet count, reproducible).",
                          EnumValue(UbRoutingTable::ECMP),
                          UbMakeEnumAccessor(&UbRoutingTable::m_selection),
                          MakeEnumChecker(UbRoutingTable::SINGLE,
                                          "Single",
                                          UbRoutingTable::ECMP,
                                          "Ecmp",
                                          UbRoutingTable::SPRAY,
                                          "Spray",
                                          UbRoutingTable::ADAPTIVE,
                                          "Adaptive",
                                          UbRoutingTable::LBF,
                                          "Lbf",
                                          UbRoutingTable::RANDOM,
                                          "Random"))
            .AddAttribute("VlAllocation",
                          "How a packet whose route names a VL class (several VLs any of which "
                          "will do) gets its VL at this hop: Auto (default) keeps a transport's "
                          "packets on the class's first VL, in order for go-back-N, and gives "
                          "raw packets Free's VL; Flow puts every packet on the VL its flow "
                          "hashes to (in order, but the VLs' flows share DWRR unevenly); Free "
                          "takes the VL with the least ahead of the packet (queued here and held "
                          "in the downstream buffer), as a textbook virtual-channel allocator "
                          "does, so a transport's packets overtake one another.",
                          EnumValue(UbRoutingTable::VL_AUTO),
                          UbMakeEnumAccessor(&UbRoutingTable::m_vlAllocation),
                          MakeEnumChecker(UbRoutingTable::VL_AUTO,
                                          "Auto",
                                          UbRoutingTable::VL_FLOW,
                                          "Flow",
                                          UbRoutingTable::VL_FREE,
                                          "Free"));
    return tid;
}

UbRoutingTable::UbRoutingTable() = default;

UbRoutingTable::~UbRoutingTable() = default;

void
UbRoutingTable::AddRoute(uint32_t dst, uint16_t port, uint8_t vl)
{
    if (!m_lo.empty())
    {
        // Back to the building form so that routes can be changed after first use.
        std::map<uint32_t, std::vector<UbRouteCandidate>> expanded;
        ForEachRoute(
            [&expanded](uint32_t d, const UbRouteCandidate& c) { expanded[d].push_back(c); });
        for (auto& [d, v] : expanded)
        {
            auto& b = m_building[d];
            b.insert(b.end(), v.begin(), v.end());
        }
        m_lo.clear();
        m_set.clear();
        m_setStart.clear();
        m_pool.clear();
        m_end = 0;
        m_nDest = 0;
    }
    auto& v = m_building[dst];
    UbRouteCandidate c{port, vl};
    if (std::find(v.begin(), v.end(), c) == v.end())
    {
        v.push_back(c);
    }
}

void
UbRoutingTable::Clear()
{
    m_building.clear();
    m_lo.clear();
    m_set.clear();
    m_setStart.clear();
    m_pool.clear();
    m_end = 0;
    m_nDest = 0;
}

void
UbRoutingTable::Assign(std::vector<uint32_t> lo,
                       std::vector<uint32_t> set,
                       uint32_t end,
                       std::vector<uint32_t> setStart,
                       std::vector<UbRouteCandidate> pool)
{
    NS_ABORT_MSG_IF(lo.size() != set.size() || setStart.empty() || setStart.back() != pool.size() ||
                        (!lo.empty() && end <= lo.back()),
                    "UbRoutingTable::Assign: inconsistent compact table");
    Clear();
    m_nDest = 0;
    for (std::size_t i = 0; i < lo.size(); ++i)
    {
        NS_ABORT_MSG_IF(i > 0 && lo[i] <= lo[i - 1],
                        "UbRoutingTable::Assign: interval starts must increase");
        NS_ABORT_MSG_IF(set[i] != NO_SET && set[i] + 1 >= setStart.size(),
                        "UbRoutingTable::Assign: interval " << i << " names a missing set");
        uint32_t hi = (i + 1 < lo.size()) ? lo[i + 1] : end;
        if (set[i] != NO_SET)
        {
            m_nDest += hi - lo[i];
        }
    }
    m_lo = std::move(lo);
    m_set = std::move(set);
    m_end = m_lo.empty() ? 0 : end;
    m_setStart = std::move(setStart);
    m_pool = std::move(pool);
    m_lo.shrink_to_fit();
    m_set.shrink_to_fit();
    m_setStart.shrink_to_fit();
    m_pool.shrink_to_fit();
}

void
UbRoutingTable::Compact() const
{
    if (m_building.empty())
    {
        return;
    }
    // Sets are deduplicated by content; candidates keep the order they were added in, so that
    // the Single policy takes the first route added.
    std::map<std::vector<UbRouteCandidate>, uint32_t, std::less<>> setIndex;
    std::vector<std::vector<UbRouteCandidate>> sets;
    auto indexOf = [&](const std::vector<UbRouteCandidate>& v) {
        auto it = setIndex.find(v);
        if (it != setIndex.end())
        {
            return it->second;
        }
        auto idx = static_cast<uint32_t>(sets.size());
        setIndex.emplace(v, idx);
        sets.push_back(v);
        return idx;
    };
    m_lo.clear();
    m_set.clear();
    uint32_t expect = 0;
    bool first = true;
    for (const auto& [dst, v] : m_building)
    {
        if (v.empty())
        {
            continue;
        }
        uint32_t s = indexOf(v);
        if (first || dst != expect)
        {
            if (!first)
            {
                // A gap of destinations without routes.
                m_lo.push_back(expect);
                m_set.push_back(NO_SET);
            }
            m_lo.push_back(dst);
            m_set.push_back(s);
        }
        else if (m_set.back() != s)
        {
            m_lo.push_back(dst);
            m_set.push_back(s);
        }
        first = false;
        expect = dst + 1;
        ++m_nDest;
    }
    m_end = expect;
    m_setStart.assign(1, 0);
    m_pool.clear();
    for (const auto& s : sets)
    {
        m_pool.insert(m_pool.end(), s.begin(), s.end());
        m_setStart.push_back(static_cast<uint32_t>(m_pool.size()));
    }
    m_building.clear();
    m_lo.shrink_to_fit();
    m_set.shrink_to_fit();
    m_pool.shrink_to_fit();
    m_setStart.shrink_to_fit();
}

const UbRouteCandidate*
UbRoutingTable::Lookup(uint32_t dst, uint32_t& n) const
{
    Compact();
    n = 0;
    if (m_lo.empty() || dst < m_lo.front() || dst >= m_end)
    {
        return nullptr;
    }
    auto it = std::upper_bound(m_lo.begin(), m_lo.end(), dst);
    std::size_t i = static_cast<std::size_t>(it - m_lo.begin()) - 1;
    uint32_t s = m_set[i];
    if (s == NO_SET)
    {
        return nullptr;
    }
    n = m_setStart[s + 1] - m_setStart[s];
    return &m_pool[m_setStart[s]];
}

uint32_t
UbRoutingTable::Select(const UbRouteCandidate* c,
                       uint32_t n,
                       const UbPacketInfo& info,
                       const UbSwitch& sw)
{
    if (n == 1)
    {
        return 0;
    }
    if (m_selector == nullptr)
    {
        switch (m_selection)
        {
        case SINGLE:
            m_selector = &g_single;
            break;
        case ECMP:
            m_selector = &g_ecmp;
            break;
        case SPRAY:
            m_selector = &g_spray;
            break;
        case ADAPTIVE:
            m_selector = &g_adaptive;
            break;
        case LBF:
            m_selector = &g_lbf;
            break;
        case RANDOM:
            m_selector = &g_random;
            break;
        }
    }
    // One round-robin counter per candidate set (per pool position of its first candidate), so
    // that spraying rotates evenly over each destination's own candidates however the packets
    // of different destinations interleave.
    uint32_t* counter = &m_counter;
    if (!m_pool.empty() && c >= m_pool.data() && c < m_pool.data() + m_pool.size())
    {
        if (m_rr.size() != m_pool.size())
        {
            m_rr.assign(m_pool.size(), 0);
        }
        counter = &m_rr[static_cast<std::size_t>(c - m_pool.data())];
    }
    return m_selector->Select(c, n, info, sw, *counter);
}

UbRoutingTable::Selection
UbRoutingTable::GetSelection() const
{
    return m_selection;
}

uint32_t
UbRoutingTable::EcmpChoice(uint32_t flowHash, uint32_t cna, uint32_t n)
{
    return UbMix32(flowHash ^ UbMix32(cna + 0x9e3779b9u)) % n;
}

uint32_t
UbRoutingTable::LbfChoice(uint8_t lbf, uint32_t src, uint32_t dst, uint32_t cna, uint32_t n)
{
    const uint32_t offset =
        (src == cna) ? 0 : UbMix32((src * 0x9E3779B1U) ^ (dst * 0x85EBCA6BU) ^ cna);
    return static_cast<uint32_t>((static_cast<uint64_t>(lbf) + offset) % n);
}

uint32_t
UbRoutingTable::GetNDestinations() const
{
    Compact();
    return m_nDest;
}

uint32_t
UbRoutingTable::GetNIntervals() const
{
    Compact();
    return static_cast<uint32_t>(m_lo.size());
}

uint64_t
UbRoutingTable::GetMemoryBytes() const
{
    Compact();
    return sizeof(*this) + m_lo.capacity() * sizeof(uint32_t) +
           m_set.capacity() * sizeof(uint32_t) + m_setStart.capacity() * sizeof(uint32_t) +
           m_pool.capacity() * sizeof(UbRouteCandidate);
}

} // namespace ns3
