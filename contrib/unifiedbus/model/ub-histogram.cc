/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-histogram.h"

#include <algorithm>
#include <cmath>

namespace ns3
{

uint32_t
UbHistogram::Index(uint64_t v)
{
    constexpr uint64_t sub = 1ull << SUB_BITS;
    if (v < sub)
    {
        return static_cast<uint32_t>(v);
    }
    int e = 63 - __builtin_clzll(v); // e >= SUB_BITS
    uint64_t mantissa = (v >> (e - SUB_BITS)) & (sub - 1);
    return static_cast<uint32_t>((e - SUB_BITS + 1) * sub + mantissa);
}

uint64_t
UbHistogram::Lower(uint32_t index)
{
    constexpr uint64_t sub = 1ull << SUB_BITS;
    if (index < sub)
    {
        return index;
    }
    uint64_t e = index / sub + SUB_BITS - 1;
    uint64_t mantissa = index % sub;
    return (1ull << e) + (mantissa << (e - SUB_BITS));
}

uint64_t
UbHistogram::Upper(uint32_t index)
{
    return Lower(index + 1) - 1;
}

void
UbHistogram::Add(int64_t v)
{
    if (v < 0)
    {
        v = 0;
    }
    uint32_t i = Index(static_cast<uint64_t>(v));
    if (i >= m_counts.size())
    {
        m_counts.resize(i + 1, 0);
    }
    ++m_counts[i];
    if (m_count == 0 || v < m_min)
    {
        m_min = v;
    }
    if (m_count == 0 || v > m_max)
    {
        m_max = v;
    }
    ++m_count;
    m_sum += v;
}

void
UbHistogram::Merge(const UbHistogram& other)
{
    if (other.m_count == 0)
    {
        return;
    }
    if (other.m_counts.size() > m_counts.size())
    {
        m_counts.resize(other.m_counts.size(), 0);
    }
    for (std::size_t i = 0; i < other.m_counts.size(); ++i)
    {
        m_counts[i] += other.m_counts[i];
    }
    m_min = (m_count == 0) ? other.m_min : std::min(m_min, other.m_min);
    m_max = (m_count == 0) ? other.m_max : std::max(m_max, other.m_max);
    m_count += other.m_count;
    m_sum += other.m_sum;
}

uint64_t
UbHistogram::GetCount() const
{
    return m_count;
}

int64_t
UbHistogram::GetMin() const
{
    return m_min;
}

int64_t
UbHistogram::GetMax() const
{
    return m_max;
}

double
UbHistogram::GetMean() const
{
    return m_count ? static_cast<double>(m_sum / m_count) : 0.0;
}

int64_t
UbHistogram::GetPercentile(double q) const
{
    if (m_count == 0)
    {
        return 0;
    }
    q = std::clamp(q, 0.0, 1.0);
    // Rank of the sample at quantile q (nearest-rank definition).
    auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(m_count)));
    rank = std::max<uint64_t>(rank, 1);
    uint64_t seen = 0;
    for (std::size_t i = 0; i < m_counts.size(); ++i)
    {
        seen += m_counts[i];
        if (seen >= rank)
        {
            auto lo = static_cast<int64_t>(Lower(static_cast<uint32_t>(i)));
            auto hi = static_cast<int64_t>(Upper(static_cast<uint32_t>(i)));
            int64_t mid = lo + (hi - lo) / 2;
            return std::clamp(mid, m_min, m_max);
        }
    }
    return m_max;
}

} // namespace ns3
