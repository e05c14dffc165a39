/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_PACKET_INFO_H
#define UB_PACKET_INFO_H

#include <cstdint>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief The header fields of a packet that a UbTransport sent, carried beside it.
 *
 * A transport packet's network, transport, transaction and memory headers are not written into
 * it: its size counts their bytes (UbTransport::HeaderBytes), and their fields travel here, so
 * no hop and no endpoint serializes, copies or parses them. UbLinkMessage serializes them with
 * the rest of UbPacketInfo when a packet crosses a process boundary.
 */
struct UbTpFields
{
    uint64_t word{0};      //!< SACK: the 64-bit bitmap; DATA with a memory header: the address
    uint32_t psn{0};       //!< DATA: PSN; ACK, NAK, SACK: acknowledged PSN (24 bits)
    uint32_t offset{0};    //!< DATA: byte offset of its data in the transaction
    uint32_t length{0};    //!< DATA: the transaction header's length field
    uint16_t tassn{0};     //!< DATA: transaction sequence number
    uint16_t hint{0xFFFF}; //!< ACK: the C-AQM hint it echoes
    uint8_t opcode{0};     //!< transport opcode (UbTransportHeader::Opcode)
    uint8_t flags{0};      //!< transport flags (UbTransportHeader::Flags)
    uint8_t tpn{0};        //!< TP channel (source and destination TPN)
    uint8_t taOpcode{0};   //!< DATA: transaction opcode (UbTransactionHeader::Opcode)
    uint8_t order{0};      //!< DATA: ordering (0 NO, 1 RO, 2 SO)
    uint8_t memHeader{0};  //!< DATA: 1 if it carries a memory header
};

/**
 * \ingroup unifiedbus
 * \brief What a UB switch needs to know about a packet, carried beside the ns-3 Packet.
 *
 * A raw packet (UbSwitch::Send) has its network header (UbNetworkHeader) serialized into it
 * once, at the source; a transport packet has none of its headers serialized (UbTpFields).
 * Switches forward on this copy of the network header's fields either way. The credit split
 * (reservedCells/sharedCells) is rewritten on every link: it says how the packet is charged
 * to the receive buffer of the link it is crossing.
 */
struct UbPacketInfo
{
    uint32_t src{0};           //!< source CNA
    uint32_t dst{0};           //!< destination CNA
    uint32_t flowHash{0};      //!< flow key used by ECMP (from the flow id and the LBF)
    uint32_t reservedCells{0}; //!< cells charged to the receiver's per-VL reserve
    uint32_t sharedCells{0};   //!< cells charged to the receiver's shared pool
    uint8_t sl{0};             //!< service level (0..15)
    uint8_t vl{0};             //!< virtual lane on the current link
    uint8_t nlp{0};            //!< next-layer protocol of the network header
    uint8_t cc{0};             //!< C-AQM flags (UB_CC_*), updated by switches on the way
    uint8_t lbf{0};            //!< load-balance field of the network header (path steering)
    uint16_t hint{0xFFFF};     //!< C-AQM rate hint, units of 100 Mb/s (min over congested hops)
    uint8_t flags{0};          //!< UB_PKT_* flags set by the endpoint that sent it
    UbTpFields tp;             //!< transport packets (nlp 1): their header fields
};

/// Packet flag: minimal routes only. The source's switch does not give it the route's
/// source-only (detour) candidates, whatever its SourceDetours (collectives that place their
/// transfers on direct links themselves set it for their run).
constexpr uint8_t UB_PKT_MINIMAL = 0x01;

/// C-AQM: the sender takes part (its packets may be marked).
constexpr uint8_t UB_CC_CAPABLE = 0x01;
/// C-AQM: the sender asks for more rate (I bit).
constexpr uint8_t UB_CC_INCREASE = 0x02;
/// C-AQM: a switch could not grant it and wrote a hint (C bit).
constexpr uint8_t UB_CC_CONGESTED = 0x04;
/// ECN: a switch found its output queue above UbSwitch::EcnThreshold (Congestion Experienced).
constexpr uint8_t UB_CC_ECN_CE = 0x08;

/**
 * \brief A 32-bit integer mix (the finalizer of MurmurHash3): cheap, deterministic, well spread.
 * Used for flow keys and ECMP.
 * \param h value
 * \return mixed value
 */
inline uint32_t
UbMix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

/**
 * \brief The flow hash a node gives the packets it injects (UbPacketInfo::flowHash), from the
 * sender's flow key (a transport channel's index) and the two ends: what ECMP hashes.
 * \param flowKey the sender's flow key
 * \param src the injecting node's CNA
 * \param dst the destination CNA
 * \return the hash
 */
inline uint32_t
UbFlowHash(uint32_t flowKey, uint32_t src, uint32_t dst)
{
    return UbMix32(flowKey ^ UbMix32(src * 0x9e3779b1u + dst));
}

/// A VL value in a route meaning "use the output port's SL-to-VL map".
constexpr uint8_t UB_VL_FROM_SL = 0xFF;

/// Port index of the local (endpoint) port of a UbSwitch.
constexpr uint32_t UB_LOCAL_PORT = 0xFFFFFFFF;

/// Maximum number of virtual lanes per port.
constexpr uint8_t UB_MAX_VLS = 16;

} // namespace ns3

#endif /* UB_PACKET_INFO_H */
