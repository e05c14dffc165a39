/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_HISTOGRAM_H
#define UB_HISTOGRAM_H

#include <cstdint>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief A log-linear histogram of non-negative integers (latencies in picoseconds).
 *
 * Values below 64 are counted exactly; above, each power of two is split into 64 buckets, so a
 * percentile is reported within 1/64 (1.6 %) of the true sample while the memory stays a few
 * kilobytes however many samples are added. Count, minimum, maximum and mean are exact.
 */
class UbHistogram
{
  public:
    /// \param v value to add (values below 0 count as 0)
    void Add(int64_t v);
    /// \param other histogram to merge into this one
    void Merge(const UbHistogram& other);
    /// \return number of samples
    uint64_t GetCount() const;
    /// \return smallest sample (0 if empty)
    int64_t GetMin() const;
    /// \return largest sample (0 if empty)
    int64_t GetMax() const;
    /// \return mean of the samples (0 if empty)
    double GetMean() const;
    /**
     * \param q quantile in [0, 1]
     * \return the value at that quantile: the midpoint of the bucket holding it, clamped to the
     *         exact minimum and maximum (0 if empty)
     */
    int64_t GetPercentile(double q) const;

  private:
    static constexpr int SUB_BITS = 6;
    static uint32_t Index(uint64_t v);
    static uint64_t Lower(uint32_t index);
    static uint64_t Upper(uint32_t index);

    std::vector<uint32_t> m_counts;
    uint64_t m_count{0};
    int64_t m_min{0};
    int64_t m_max{0};
    long double m_sum{0};
};

} // namespace ns3

#endif /* UB_HISTOGRAM_H */
