/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-transport-header.h"

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(UbTransportHeader);

namespace
{
void
Write24(Buffer::Iterator& i, uint32_t v)
{
    i.WriteU8((v >> 16) & 0xFF);
    i.WriteU8((v >> 8) & 0xFF);
    i.WriteU8(v & 0xFF);
}

uint32_t
Read24(Buffer::Iterator& i)
{
    uint32_t v = static_cast<uint32_t>(i.ReadU8()) << 16;
    v |= static_cast<uint32_t>(i.ReadU8()) << 8;
    return v | i.ReadU8();
}
} // namespace

TypeId
UbTransportHeader::GetTypeId()
{
    static TypeId tid = TypeId("ns3::UbTransportHeader")
                            .SetParent<Header>()
                            .SetGroupName("UnifiedBus")
                            .AddConstructor<UbTransportHeader>();
    return tid;
}

TypeId
UbTransportHeader::GetInstanceTypeId() const
{
    return GetTypeId();
}

uint32_t
UbTransportHeader::GetSerializedSize() const
{
    return SIZE + (opcode == SACK ? SACK_EXTRA : 0);
}

void
UbTransportHeader::Serialize(Buffer::Iterator i) const
{
    i.WriteU8(opcode);
    i.WriteU8(flags);
    Write24(i, srcTpn);
    Write24(i, dstTpn);
    Write24(i, psn);
    Write24(i, ackPsn);
    i.WriteHtonU16(hint);
    if (opcode == SACK)
    {
        i.WriteHtonU64(sack);
    }
}

uint32_t
UbTransportHeader::Deserialize(Buffer::Iterator i)
{
    opcode = static_cast<Opcode>(i.ReadU8());
    flags = i.ReadU8();
    srcTpn = Read24(i);
    dstTpn = Read24(i);
    psn = Read24(i);
    ackPsn = Read24(i);
    hint = i.ReadNtohU16();
    if (opcode == SACK)
    {
        sack = i.ReadNtohU64();
    }
    return GetSerializedSize();
}

void
UbTransportHeader::Print(std::ostream& os) const
{
    os << "op=" << +opcode << " flags=" << +flags << " tpn=" << srcTpn << "->" << dstTpn
       << " psn=" << psn << " ack=" << ackPsn;
}

} // namespace ns3
