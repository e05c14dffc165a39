/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-network-header.h"

#include "ns3/abort.h"

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(UbNetworkHeader);

TypeId
UbNetworkHeader::GetTypeId()
{
    static TypeId tid = TypeId("ns3::UbNetworkHeader")
                            .SetParent<Header>()
                            .SetGroupName("UnifiedBus")
                            .AddConstructor<UbNetworkHeader>();
    return tid;
}

TypeId
UbNetworkHeader::GetInstanceTypeId() const
{
    return GetTypeId();
}

uint32_t
UbNetworkHeader::GetSerializedSize() const
{
    return SIZE;
}

void
UbNetworkHeader::Serialize(Buffer::Iterator i) const
{
    i.WriteU8(static_cast<uint8_t>((m_rt << 6) | ((m_nlp & 0x7) << 3)));
    i.WriteU8((m_src >> 16) & 0xFF);
    i.WriteU8((m_src >> 8) & 0xFF);
    i.WriteU8(m_src & 0xFF);
    i.WriteU8((m_dst >> 16) & 0xFF);
    i.WriteU8((m_dst >> 8) & 0xFF);
    i.WriteU8(m_dst & 0xFF);
    i.WriteHtonU16(m_cci);
    i.WriteU8(m_lbf);
    i.WriteU8(static_cast<uint8_t>((m_sl & 0xF) << 4));
    i.WriteU8(0);
}

uint32_t
UbNetworkHeader::Deserialize(Buffer::Iterator i)
{
    uint8_t b0 = i.ReadU8();
    m_rt = b0 >> 6;
    m_nlp = (b0 >> 3) & 0x7;
    m_src = static_cast<uint32_t>(i.ReadU8()) << 16;
    m_src |= static_cast<uint32_t>(i.ReadU8()) << 8;
    m_src |= i.ReadU8();
    m_dst = static_cast<uint32_t>(i.ReadU8()) << 16;
    m_dst |= static_cast<uint32_t>(i.ReadU8()) << 8;
    m_dst |= i.ReadU8();
    m_cci = i.ReadNtohU16();
    m_lbf = i.ReadU8();
    m_sl = i.ReadU8() >> 4;
    i.ReadU8();
    return SIZE;
}

void
UbNetworkHeader::Print(std::ostream& os) const
{
    os << "src=" << m_src << " dst=" << m_dst << " sl=" << +m_sl << " lbf=" << +m_lbf
       << " cci=" << m_cci << " nlp=" << +m_nlp;
}

uint32_t
UbNetworkHeader::GetSource() const
{
    return m_src;
}

uint32_t
UbNetworkHeader::GetDestination() const
{
    return m_dst;
}

uint8_t
UbNetworkHeader::GetServiceLevel() const
{
    return m_sl;
}

uint8_t
UbNetworkHeader::GetLoadBalance() const
{
    return m_lbf;
}

uint16_t
UbNetworkHeader::GetCci() const
{
    return m_cci;
}

uint8_t
UbNetworkHeader::GetNextProtocol() const
{
    return m_nlp;
}

uint8_t
UbNetworkHeader::GetRoutingType() const
{
    return m_rt;
}

void
UbNetworkHeader::SetSource(uint32_t cna)
{
    NS_ABORT_MSG_IF(cna > MAX_CNA, "UbNetworkHeader: source CNA " << cna << " exceeds 24 bits");
    m_src = cna;
}

void
UbNetworkHeader::SetDestination(uint32_t cna)
{
    NS_ABORT_MSG_IF(cna > MAX_CNA,
                    "UbNetworkHeader: destination CNA " << cna << " exceeds 24 bits");
    m_dst = cna;
}

void
UbNetworkHeader::SetServiceLevel(uint8_t sl)
{
    NS_ABORT_MSG_IF(sl > 15, "UbNetworkHeader: service level " << +sl << " exceeds 4 bits");
    m_sl = sl;
}

void
UbNetworkHeader::SetLoadBalance(uint8_t lbf)
{
    m_lbf = lbf;
}

void
UbNetworkHeader::SetCci(uint16_t cci)
{
    m_cci = cci;
}

void
UbNetworkHeader::SetNextProtocol(uint8_t nlp)
{
    NS_ABORT_MSG_IF(nlp > 7, "UbNetworkHeader: next protocol " << +nlp << " exceeds 3 bits");
    m_nlp = nlp;
}

void
UbNetworkHeader::SetRoutingType(uint8_t rt)
{
    NS_ABORT_MSG_IF(rt > 3, "UbNetworkHeader: routing type " << +rt << " exceeds 2 bits");
    m_rt = rt;
}

} // namespace ns3
