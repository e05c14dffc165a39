/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-flow-tag.h"

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(UbFlowTag);

TypeId
UbFlowTag::GetTypeId()
{
    static TypeId tid = TypeId("ns3::UbFlowTag")
                            .SetParent<Tag>()
                            .SetGroupName("UnifiedBus")
                            .AddConstructor<UbFlowTag>();
    return tid;
}

TypeId
UbFlowTag::GetInstanceTypeId() const
{
    return GetTypeId();
}

uint32_t
UbFlowTag::GetSerializedSize() const
{
    return 12;
}

void
UbFlowTag::Serialize(TagBuffer i) const
{
    i.WriteU32(m_flowId);
    i.WriteU64(static_cast<uint64_t>(m_sendPs));
}

void
UbFlowTag::Deserialize(TagBuffer i)
{
    m_flowId = i.ReadU32();
    m_sendPs = static_cast<int64_t>(i.ReadU64());
}

void
UbFlowTag::Print(std::ostream& os) const
{
    os << "flow=" << m_flowId << " sent=" << m_sendPs << "ps";
}

void
UbFlowTag::SetFlowId(uint32_t id)
{
    m_flowId = id;
}

uint32_t
UbFlowTag::GetFlowId() const
{
    return m_flowId;
}

void
UbFlowTag::SetSendTime(Time t)
{
    m_sendPs = t.GetPicoSeconds();
}

Time
UbFlowTag::GetSendTime() const
{
    return PicoSeconds(m_sendPs);
}

} // namespace ns3
