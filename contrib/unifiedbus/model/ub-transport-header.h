/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_TRANSPORT_HEADER_H
#define UB_TRANSPORT_HEADER_H

#include "ns3/header.h"

#include <cstdint>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief UB transport header (RTPH for RTP and CTP, UTPH for UTP): 16 bytes, plus 8 bytes of
 * SACK bitmap on selective acknowledgements.
 *
 * Size per UB Base Specification 2.0 section 6.2.1 as documented by OpenURMA (facts 1.4):
 * TPOpcode, source and destination TP numbers (24 b each), PSN (24 b), and an acknowledged
 * PSN / message sequence field (24 b). The model uses the remaining bits for its flags (last
 * packet of a message, C-AQM's I and C bits) and a 16-bit congestion hint; their positions are
 * the model's own.
 */
class UbTransportHeader : public Header
{
  public:
    /// Transport opcodes.
    enum Opcode : uint8_t
    {
        DATA = 0x01, //!< a data packet of a TP channel (RTP, CTP or UTP)
        ACK = 0x02,  //!< cumulative acknowledgement: every PSN before AckPsn arrived
        NAK = 0x03,  //!< go-back-N negative acknowledgement: resend from AckPsn
        SACK = 0x04, //!< selective acknowledgement: AckPsn + a 64-bit bitmap of later PSNs
        CNP = 0x05,  //!< DCQCN congestion notification: ECN-marked data arrived on the channel
    };

    /// Flag bits.
    enum Flags : uint8_t
    {
        LAST = 0x01,      //!< last packet of a transaction message
        INCREASE = 0x02,  //!< C-AQM: the sender asks for more rate (I bit)
        CONGESTED = 0x04, //!< C-AQM: a switch could not grant the rate (C bit)
        ACK_CC = 0x08,    //!< the acknowledgement echoes C-AQM feedback
    };

    /// Base size in bytes.
    static constexpr uint32_t SIZE = 16;
    /// Extra bytes of a SACK bitmap.
    static constexpr uint32_t SACK_EXTRA = 8;
    /// PSNs are 24 bits on the wire.
    static constexpr uint32_t PSN_MASK = 0xFFFFFF;

    /**
     * \brief The full PSN nearest to `reference` whose low 24 bits are `psn24`.
     * \param reference a full PSN the sender or receiver knows
     * \param psn24 a PSN as the header carries it
     * \return the full PSN
     */
    static uint32_t UnwrapPsn(uint32_t reference, uint32_t psn24)
    {
        uint32_t candidate = (reference & ~PSN_MASK) | (psn24 & PSN_MASK);
        auto diff = static_cast<int32_t>(candidate - reference);
        if (diff > static_cast<int32_t>(PSN_MASK / 2))
        {
            candidate -= PSN_MASK + 1;
        }
        else if (diff < -static_cast<int32_t>(PSN_MASK / 2))
        {
            candidate += PSN_MASK + 1;
        }
        return candidate;
    }

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

    Opcode opcode{DATA}; //!< TPOpcode
    uint8_t flags{0};    //!< Flags
    uint32_t srcTpn{0};  //!< source TP channel number (24 bits)
    uint32_t dstTpn{0};  //!< destination TP channel number (24 bits)
    uint32_t psn{0};     //!< packet sequence number (24 bits) of a DATA packet
    uint32_t ackPsn{0};  //!< ACK/SACK: next expected PSN; NAK: resend from here (24 bits)
    uint16_t hint{0};    //!< C-AQM rate hint (units of 1/65536 of the line rate)
    uint64_t sack{0};    //!< SACK: bit i set = PSN ackPsn + 1 + i arrived
};

} // namespace ns3

#endif /* UB_TRANSPORT_HEADER_H */
