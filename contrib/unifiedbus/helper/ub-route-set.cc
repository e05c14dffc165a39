/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-route-set.h"

#include "ns3/abort.h"

#include <algorithm>
#include <map>

namespace ns3
{

UbRouteSet::UbRouteSet(uint32_t nodes)
    : m_node(nodes)
{
}

uint32_t
UbRouteSet::Intern(const std::vector<UbRouteCandidate>& c)
{
    uint64_t h = 1469598103934665603ULL;
    for (const auto& x : c)
    {
        h = (h ^ x.port) * 1099511628211ULL;
        h = (h ^ x.vl) * 1099511628211ULL;
        h = (h ^ x.flags) * 1099511628211ULL;
        h = (h ^ x.vlSpan) * 1099511628211ULL;
    }
    h = (h ^ c.size()) * 1099511628211ULL;
    auto range = m_index.equal_range(h);
    for (auto it = range.first; it != range.second; ++it)
    {
        uint32_t s = it->second;
        uint32_t n = m_setStart[s + 1] - m_setStart[s];
        if (n == c.size() && std::equal(c.begin(), c.end(), m_pool.begin() + m_setStart[s]))
        {
            return s;
        }
    }
    auto id = static_cast<uint32_t>(m_setStart.size() - 1);
    m_pool.insert(m_pool.end(), c.begin(), c.end());
    m_setStart.push_back(static_cast<uint32_t>(m_pool.size()));
    m_index.emplace(h, id);
    return id;
}

void
UbRouteSet::Append(uint32_t v, uint32_t lo, uint32_t hi, uint32_t set)
{
    if (lo >= hi)
    {
        return;
    }
    auto& iv = m_node.at(v);
    NS_ABORT_MSG_IF(!iv.empty() && lo < iv.back().hi,
                    "UbRouteSet: routes of node " << v << " must be appended in order");
    if (!iv.empty() && iv.back().hi == lo && iv.back().set == set)
    {
        iv.back().hi = hi;
        return;
    }
    iv.push_back(Interval{lo, hi, set});
}

const UbRouteCandidate*
UbRouteSet::Lookup(uint32_t v, uint32_t d, uint32_t& n) const
{
    n = 0;
    const auto& iv = m_node.at(v);
    auto it = std::upper_bound(iv.begin(), iv.end(), d, [](uint32_t x, const Interval& i) {
        return x < i.lo;
    });
    if (it == iv.begin())
    {
        return nullptr;
    }
    --it;
    if (d >= it->hi)
    {
        return nullptr;
    }
    n = GetSetSize(it->set);
    return GetSet(it->set);
}

uint32_t
UbRouteSet::GetNNodes() const
{
    return static_cast<uint32_t>(m_node.size());
}

const std::vector<UbRouteSet::Interval>&
UbRouteSet::GetIntervals(uint32_t v) const
{
    return m_node.at(v);
}

uint32_t
UbRouteSet::GetSetSize(uint32_t s) const
{
    return m_setStart[s + 1] - m_setStart[s];
}

const UbRouteCandidate*
UbRouteSet::GetSet(uint32_t s) const
{
    return m_pool.data() + m_setStart[s];
}

uint32_t
UbRouteSet::GetNSets() const
{
    return static_cast<uint32_t>(m_setStart.size() - 1);
}

uint64_t
UbRouteSet::GetNIntervals() const
{
    uint64_t n = 0;
    for (const auto& iv : m_node)
    {
        n += iv.size();
    }
    return n;
}

uint32_t
UbRouteSet::GetNVlsUsed() const
{
    uint32_t n = 0;
    for (const auto& c : m_pool)
    {
        if (c.vl != UB_VL_FROM_SL)
        {
            n = std::max<uint32_t>(n, c.vl + static_cast<uint32_t>(c.vlSpan));
        }
    }
    return n;
}

void
UbRouteSet::InstallInto(uint32_t v, UbRoutingTable& table) const
{
    const auto& iv = m_node.at(v);
    std::vector<uint32_t> lo;
    std::vector<uint32_t> set;
    std::vector<uint32_t> setStart{0};
    std::vector<UbRouteCandidate> pool;
    std::vector<std::pair<uint32_t, uint32_t>> local; // global set -> local set
    lo.reserve(iv.size() * 2);
    set.reserve(iv.size() * 2);
    uint32_t end = 0;
    for (const auto& i : iv)
    {
        if (!lo.empty() && i.lo != end)
        {
            lo.push_back(end); // a gap without routes
            set.push_back(UINT32_MAX);
        }
        uint32_t s = UINT32_MAX;
        for (const auto& [g, l] : local)
        {
            if (g == i.set)
            {
                s = l;
                break;
            }
        }
        if (s == UINT32_MAX)
        {
            s = static_cast<uint32_t>(setStart.size() - 1);
            pool.insert(pool.end(), GetSet(i.set), GetSet(i.set) + GetSetSize(i.set));
            setStart.push_back(static_cast<uint32_t>(pool.size()));
            if (local.size() < 64)
            {
                local.emplace_back(i.set, s);
            }
        }
        lo.push_back(i.lo);
        set.push_back(s);
        end = i.hi;
    }
    table.Assign(std::move(lo), std::move(set), end, std::move(setStart), std::move(pool));
}

void
UbRouteSet::InstallInto(uint32_t v,
                        UbRoutingTable& table,
                        const std::vector<uint32_t>& portMap) const
{
    const auto& iv = m_node.at(v);
    std::vector<uint32_t> lo;
    std::vector<uint32_t> set;
    std::vector<uint32_t> setStart{0};
    std::vector<UbRouteCandidate> pool;
    std::map<uint32_t, uint32_t> local; // global set -> local set (UINT32_MAX: none left)
    uint32_t end = 0;
    for (const auto& i : iv)
    {
        auto [it, fresh] = local.try_emplace(i.set, UINT32_MAX);
        if (fresh)
        {
            const std::size_t before = pool.size();
            for (uint32_t k = 0; k < GetSetSize(i.set); ++k)
            {
                UbRouteCandidate c = GetSet(i.set)[k];
                NS_ABORT_MSG_IF(c.port >= portMap.size(),
                                "UbRouteSet: node " << v << " routes over port " << c.port
                                                    << ", the port map has " << portMap.size());
                if (portMap[c.port] != UINT32_MAX)
                {
                    c.port = static_cast<uint16_t>(portMap[c.port]);
                    pool.push_back(c);
                }
            }
            if (pool.size() > before)
            {
                it->second = static_cast<uint32_t>(setStart.size() - 1);
                setStart.push_back(static_cast<uint32_t>(pool.size()));
            }
        }
        if (it->second == UINT32_MAX)
        {
            continue; // no candidate left: no route to these destinations
        }
        if (!lo.empty() && i.lo != end)
        {
            lo.push_back(end); // a gap without routes
            set.push_back(UINT32_MAX);
        }
        lo.push_back(i.lo);
        set.push_back(it->second);
        end = i.hi;
    }
    table.Assign(std::move(lo), std::move(set), end, std::move(setStart), std::move(pool));
}

uint64_t
UbRouteSet::GetMemoryBytes() const
{
    uint64_t b = m_setStart.capacity() * 4 + m_pool.capacity() * sizeof(UbRouteCandidate) +
                 m_index.size() * 32 + m_node.capacity() * sizeof(std::vector<Interval>);
    for (const auto& iv : m_node)
    {
        b += iv.capacity() * sizeof(Interval);
    }
    return b;
}

void
UbRouteSet::ShrinkToFit()
{
    for (auto& iv : m_node)
    {
        iv.shrink_to_fit();
    }
    m_setStart.shrink_to_fit();
    m_pool.shrink_to_fit();
}

} // namespace ns3
