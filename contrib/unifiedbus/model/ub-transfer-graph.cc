/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-transfer-graph.h"

#include "ns3/abort.h"

namespace ns3
{

UbTransferGraph::UbTransferGraph()
    : m_streams(1)
{
}

UbTransferId
UbTransferGraph::Add(uint32_t src, uint32_t dst, uint64_t bytes, uint64_t work)
{
    Stream& s = m_streams[m_current];
    const uint64_t place = s.first + s.held.size();
    // A graph built whole stays below 2^32 transfers (it would not fit in memory past that, and
    // builders number its transfers in 32 bits); a generated one holds a few at a time.
    NS_ABORT_MSG_IF(!m_next && place >= UINT32_MAX,
                    "UbTransferGraph: more than 2^32 transfers in a graph built whole; let the "
                    "algorithm generate it as it runs (UbCollectiveEngine::SetGenerated) or cut "
                    "the collective into fewer pieces");
    NS_ABORT_MSG_IF(place >= (uint64_t{1} << 48) / m_nStreams,
                    "UbTransferGraph: more than 2^48 transfer indices (a transfer's write "
                    "carries 48 bits of it); cut the collective into fewer pieces");
    Transfer t{src, dst, std::max<uint64_t>(bytes, 1), 0, {}, work};
    t.batch = s.batches;
    s.held.push_back(std::move(t));
    ++m_added;
    return place * m_nStreams + m_current;
}

void
UbTransferGraph::Depend(UbTransferId later, UbTransferId earlier)
{
    const Stream& s = m_streams[earlier % m_nStreams];
    NS_ABORT_MSG_IF(earlier % m_nStreams != later % m_nStreams,
                    "UbTransferGraph: transfer " << later << " depends on transfer " << earlier
                                                 << " of another stream");
    if (!m_local.empty())
    {
        const uint32_t src = At(later).src;
        if (!m_local[src])
        {
            return; // issued by another process, which counts it
        }
        NS_ABORT_MSG_IF(earlier / m_nStreams < s.first || !m_local[At(earlier).dst],
                        "UbTransferGraph: transfer "
                            << later << " (from participant " << src << ") waits for transfer "
                            << earlier
                            << ", which arrives at a participant of another process (or has "
                               "arrived already): this algorithm's dependencies cannot be split "
                               "over processes this way; put those participants in one process "
                               "or choose another algorithm (doc/distributed.md)");
    }
    NS_ABORT_MSG_IF(earlier / m_nStreams < s.first || At(earlier).arrived,
                    "UbTransferGraph: transfer " << later << " depends on transfer " << earlier
                                                 << ", which has already arrived: the "
                                                    "generator's lookback ("
                                                 << m_lookback << " batches) is too short");
    At(earlier).dependents.push_back(later);
    ++At(later).dependencies;
}

uint64_t
UbTransferGraph::GetHeld() const
{
    uint64_t n = 0;
    for (const Stream& s : m_streams)
    {
        n += s.held.size();
    }
    return n;
}

uint64_t
UbTransferGraph::GetTotalN() const
{
    return m_next ? m_totalN : m_added;
}

uint64_t
UbTransferGraph::GetTotalBytes() const
{
    if (m_next)
    {
        return m_totalBytes;
    }
    uint64_t total = 0;
    ForEach([&total](UbTransferId, const Transfer& t) { total += t.bytes; });
    return total;
}

void
UbTransferGraph::SetGenerator(uint32_t streams,
                              Generator next,
                              uint32_t lookback,
                              uint64_t totalN,
                              uint64_t totalBytes)
{
    NS_ABORT_MSG_IF(m_added > 0 || streams == 0,
                    "UbTransferGraph::SetGenerator: needs an empty graph and at least 1 stream");
    m_nStreams = streams;
    m_streams.assign(streams, Stream());
    m_next = std::move(next);
    m_generating = streams;
    m_lookback = lookback;
    m_totalN = totalN;
    m_totalBytes = totalBytes;
}

bool
UbTransferGraph::Generate(uint32_t stream)
{
    Stream& s = m_streams[stream];
    if (!m_next || s.done)
    {
        return false;
    }
    m_current = stream;
    const bool more = m_next(*this, stream);
    m_current = 0;
    if (!more)
    {
        s.done = true;
        --m_generating;
        NS_ABORT_MSG_IF(m_generating == 0 && m_added != m_totalN,
                        "UbTransferGraph: the generator added " << m_added << " transfers, not the "
                                                                << m_totalN << " it declared");
        return false;
    }
    ++s.batches;
    return true;
}

void
UbTransferGraph::GenerateAll()
{
    while (IsGenerating())
    {
        for (uint32_t k = 0; k < m_nStreams; ++k)
        {
            Generate(k);
        }
    }
}

uint32_t
UbTransferGraph::DropArrived(UbTransferId t)
{
    Stream& s = m_streams[t % m_nStreams];
    uint32_t n = 0;
    while (!s.held.empty() && s.held.front().arrived)
    {
        s.held.pop_front();
        ++s.first;
        ++n;
    }
    return n;
}

} // namespace ns3
