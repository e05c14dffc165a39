/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_NETWORK_HEADER_H
#define UB_NETWORK_HEADER_H

#include "ns3/header.h"

#include <cstdint>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief The UB network header (NTH), 24-bit CNA format: 12 bytes on every packet.
 *
 * Field widths follow UB Base Specification 2.0 section 5.2.2 as documented by OpenURMA's
 * wire-format notes (unifiedbus-facts.md section 1.4): routing type (2 b), source CNA (24 b),
 * destination CNA (24 b), congestion control info CCI (16 b), load-balance field LBF (8 b),
 * service level SL (4 b), next-layer protocol NLP (3 b). The bit positions used here are the
 * model's own (the spec's figure was not available); only the size and the fields matter to
 * the simulation.
 *
 * The header is added once at the source switch and is not re-serialized at each hop: switches
 * forward on a copy of its fields carried beside the packet (UbPacketInfo).
 */
class UbNetworkHeader : public Header
{
  public:
    /// Serialized size in bytes.
    static constexpr uint32_t SIZE = 12;
    /// Largest compact network address (24 bits).
    static constexpr uint32_t MAX_CNA = 0xFFFFFF;

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    TypeId GetInstanceTypeId() const override;
    uint32_t GetSerializedSize() const override;
    void Serialize(Buffer::Iterator start) const override;
    uint32_t Deserialize(Buffer::Iterator start) override;
    void Print(std::ostream& os) const override;

    uint32_t GetSource() const;      //!< \return source CNA
    uint32_t GetDestination() const; //!< \return destination CNA
    uint8_t GetServiceLevel() const; //!< \return SL (0..15)
    uint8_t GetLoadBalance() const;  //!< \return LBF
    uint16_t GetCci() const;         //!< \return congestion control info
    uint8_t GetNextProtocol() const; //!< \return NLP (0..7)
    uint8_t GetRoutingType() const;  //!< \return RT (0..3)

    void SetSource(uint32_t cna);      //!< \param cna source CNA (24 bits)
    void SetDestination(uint32_t cna); //!< \param cna destination CNA (24 bits)
    void SetServiceLevel(uint8_t sl);  //!< \param sl service level (0..15)
    void SetLoadBalance(uint8_t lbf);  //!< \param lbf load-balance field
    void SetCci(uint16_t cci);         //!< \param cci congestion control info
    void SetNextProtocol(uint8_t nlp); //!< \param nlp next-layer protocol (0..7)
    void SetRoutingType(uint8_t rt);   //!< \param rt routing type (0..3)

  private:
    uint32_t m_src{0};
    uint32_t m_dst{0};
    uint16_t m_cci{0};
    uint8_t m_lbf{0};
    uint8_t m_sl{0};
    uint8_t m_nlp{0};
    uint8_t m_rt{0};
};

} // namespace ns3

#endif /* UB_NETWORK_HEADER_H */
