/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-transaction-header.h"

#include "ns3/abort.h"

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(UbTransactionHeader);
NS_OBJECT_ENSURE_REGISTERED(UbMemoryHeader);

TypeId
UbTransactionHeader::GetTypeId()
{
    static TypeId tid = TypeId("ns3::UbTransactionHeader")
                            .SetParent<Header>()
                            .SetGroupName("UnifiedBus")
                            .AddConstructor<UbTransactionHeader>();
    return tid;
}

TypeId
UbTransactionHeader::GetInstanceTypeId() const
{
    return GetTypeId();
}

uint32_t
UbTransactionHeader::GetSerializedSize() const
{
    return SIZE;
}

void
UbTransactionHeader::Serialize(Buffer::Iterator i) const
{
    i.WriteU8(opcode);
    i.WriteU8(static_cast<uint8_t>(order & 0x7));
    i.WriteHtonU16(tassn);
    i.WriteHtonU32(offset);
    i.WriteHtonU32(length);
    i.WriteU8(status);
    i.WriteU8(0);
    i.WriteU8(0);
    i.WriteU8(0);
}

uint32_t
UbTransactionHeader::Deserialize(Buffer::Iterator i)
{
    opcode = static_cast<Opcode>(i.ReadU8());
    order = i.ReadU8() & 0x7;
    tassn = i.ReadNtohU16();
    offset = i.ReadNtohU32();
    length = i.ReadNtohU32();
    status = i.ReadU8();
    i.Next(3);
    return SIZE;
}

void
UbTransactionHeader::Print(std::ostream& os) const
{
    os << "ta=" << +opcode << " odr=" << +order << " tassn=" << tassn << " off=" << offset
       << " len=" << length;
}

TypeId
UbMemoryHeader::GetTypeId()
{
    static TypeId tid = TypeId("ns3::UbMemoryHeader")
                            .SetParent<Header>()
                            .SetGroupName("UnifiedBus")
                            .AddConstructor<UbMemoryHeader>();
    return tid;
}

TypeId
UbMemoryHeader::GetInstanceTypeId() const
{
    return GetTypeId();
}

uint32_t
UbMemoryHeader::GetSerializedSize() const
{
    return SIZE;
}

void
UbMemoryHeader::Serialize(Buffer::Iterator i) const
{
    i.WriteHtonU64(address);
    i.WriteHtonU32(tokenId & 0xFFFFF);
    i.WriteHtonU32(length);
}

uint32_t
UbMemoryHeader::Deserialize(Buffer::Iterator i)
{
    address = i.ReadNtohU64();
    tokenId = i.ReadNtohU32() & 0xFFFFF;
    length = i.ReadNtohU32();
    return SIZE;
}

void
UbMemoryHeader::Print(std::ostream& os) const
{
    os << "addr=0x" << std::hex << address << std::dec << " token=" << tokenId << " len=" << length;
}

uint8_t
UbTransactionHeader::OpcodeOf(UbOp op)
{
    switch (op)
    {
    case UbOp::WRITE:
        return WRITE;
    case UbOp::WRITE_NOTIFY:
        return WRITE_NOTIFY;
    case UbOp::READ:
        return READ;
    case UbOp::SEND:
        return SEND;
    case UbOp::ATOMIC_CAS:
        return ATOMIC_CAS;
    case UbOp::ATOMIC_FADD:
        return ATOMIC_FADD;
    }
    // Was sent as a Write (issue 16): an operation the model does not know is refused.
    NS_FATAL_ERROR("UbTransactionHeader: operation " << static_cast<int>(op)
                                                     << " is not one of UbOp's; a model bug");
}

UbOp
UbTransactionHeader::OpOf(uint8_t taOpcode)
{
    switch (taOpcode)
    {
    case WRITE_NOTIFY:
        return UbOp::WRITE_NOTIFY;
    case READ:
        return UbOp::READ;
    case SEND:
        return UbOp::SEND;
    case ATOMIC_CAS:
        return UbOp::ATOMIC_CAS;
    case ATOMIC_FADD:
        return UbOp::ATOMIC_FADD;
    case WRITE:
        return UbOp::WRITE;
    default:
        // Was read as a Write (issue 16): an opcode the model does not support is refused.
        NS_FATAL_ERROR("UbTransactionHeader: TAOpcode 0x" << std::hex << +taOpcode << std::dec
                                                          << " is not a request; a model bug");
    }
}

bool
UbTransactionHeader::IsKnownOpcode(uint8_t taOpcode)
{
    switch (taOpcode)
    {
    case WRITE:
    case WRITE_NOTIFY:
    case READ:
    case SEND:
    case ATOMIC_CAS:
    case ATOMIC_FADD:
    case TAACK:
    case READ_RESPONSE:
    case ATOMIC_RESPONSE:
        return true;
    default:
        return false;
    }
}

uint32_t
UbTransactionHeader::UnwrapTassn(uint32_t reference, uint16_t tassn)
{
    uint32_t candidate = (reference & ~0xFFFFu) | tassn;
    auto diff = static_cast<int32_t>(candidate - reference);
    if (diff > 0x7FFF)
    {
        candidate -= 0x10000;
    }
    else if (diff < -0x8000)
    {
        candidate += 0x10000;
    }
    return candidate;
}

} // namespace ns3
