/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-transfer-graph.h"

#include <algorithm>

namespace ns3
{

uint32_t
UbTransferGraph::Add(uint32_t src, uint32_t dst, uint64_t bytes, uint64_t work)
{
    m_transfers.push_back(Transfer{src, dst, std::max<uint64_t>(bytes, 1), 0, {}, work});
    return static_cast<uint32_t>(m_transfers.size() - 1);
}

void
UbTransferGraph::Depend(uint32_t later, uint32_t earlier)
{
    m_transfers[earlier].dependents.push_back(later);
    ++m_transfers[later].dependencies;
}

uint64_t
UbTransferGraph::GetTotalBytes() const
{
    uint64_t total = 0;
    for (const auto& t : m_transfers)
    {
        total += t.bytes;
    }
    return total;
}

} // namespace ns3
