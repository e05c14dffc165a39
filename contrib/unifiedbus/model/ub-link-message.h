/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_LINK_MESSAGE_H
#define UB_LINK_MESSAGE_H

#include "ub-packet-info.h"

#include "ns3/packet.h"
#include "ns3/ptr.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief What one end of a UB link announces to the other when the link comes up (and again if
 * its lanes change): the configuration the other end needs to time and address what it sends.
 */
struct UbLinkParams
{
    uint32_t vlBufferCells{0};     //!< receive buffer per VL (the sender's initial credits)
    uint32_t sharedBufferCells{0}; //!< shared receive buffer (cells)
    uint32_t flitSize{0};          //!< flit size (bytes)
    uint32_t flitsPerCell{0};      //!< flits per credit cell
    uint32_t cna{0};               //!< CNA of the announcing node
    uint32_t nodeId{0};            //!< ns-3 node id (event context of its arrivals)
    int64_t pipelinePs{0};         //!< its switch's pipeline latency
    int64_t phyPs{0};              //!< PHY/FEC latency of its transmit direction
    int64_t linkPs{0};             //!< PHY latency + propagation of its transmit direction
    int64_t retryRequestPs{0};     //!< wire time of its link-retry request set
    uint64_t rateBps{0};           //!< its transmit rate
    uint8_t vlCount{0};            //!< VLs
    uint8_t flowControl{0};        //!< UbNetDevice::FlowControlMode
    bool cutThrough{false};        //!< its switch forwards cut-through
};

/**
 * \ingroup unifiedbus
 * \brief One message crossing a UB link, from one end to the other, through the UbChannel.
 *
 * Everything the two ends of a link tell each other is one of these, stamped with the time it
 * takes effect at the receiving end. Neither end reads the other's state. Messages are created
 * by their sender at or before the time they leave it, never after, so a receiver in another
 * process could get them no earlier than the link delay (the lookahead).
 */
struct UbLinkMessage
{
    /// Kinds of messages.
    enum Kind : uint8_t
    {
        DATA,            //!< a packet, ready at the receiver at atPs (head or tail), tail at tailPs
        CORRUPTED,       //!< a packet whose CRC fails at the receiver at atPs; dropped there
        CORRUPTED_RETRY, //!< the same under link-level retry: the receiver asks for a replay
        CREDIT,          //!< credits (cells of a VL and of the shared pool) arriving at atPs
        PAUSE,           //!< PFC: stop sending on a VL from atPs
        RESUME,          //!< PFC: send again on a VL from atPs
        RETRY_REQUEST,   //!< link retry: Retry_Req_Set fully received at atPs; replay
        RETRY_ACK,       //!< link retry: Retry_Ack_Set fully received at atPs
        PARAMS,          //!< the sender's link parameters changed (lanes lost) from atPs
    };

    Kind kind{DATA};           //!< what it is
    uint8_t vl{0};             //!< VL (DATA, CORRUPTED*, CREDIT, PAUSE, RESUME)
    int64_t sentPs{0};         //!< simulation time at which the sender created it
    int64_t atPs{0};           //!< when it takes effect at the receiver
    int64_t tailPs{0};         //!< DATA: tail ready at the receiver, pipeline latency included
    uint32_t reservedCells{0}; //!< CREDIT: cells returned to the VL's reserve
    uint32_t sharedCells{0};   //!< CREDIT: cells returned to the shared pool
    Ptr<Packet> packet;        //!< DATA, CORRUPTED*: the packet
    UbPacketInfo info;         //!< DATA, CORRUPTED*: its info (VL and credit split on this link)
    UbLinkParams params;       //!< PARAMS: the new parameters

    /// \return the kind's name ("DATA", "CREDIT", ...)
    const char* KindName() const;

    /**
     * \brief Serialize completely (packet with its headers and tags, info, parameters), as a
     * transport between processes would.
     * \return the bytes
     */
    std::vector<uint8_t> Serialize() const;

    /**
     * \brief Rebuild a message from Serialize's bytes.
     * \param bytes the bytes
     * \param[out] m the message
     * \param[out] error what is wrong, if the buffer is malformed
     * \param buildPacket rebuild the packet (false: check its framing and its check value and
     * leave m.packet empty; the fuzz target does, since ns-3's Packet constructor trusts the
     * sizes inside the bytes, and only bytes that match the check their sender wrote reach it)
     * \return false if the buffer is malformed (nothing is half-built into m)
     */
    static bool Deserialize(const std::vector<uint8_t>& bytes,
                            UbLinkMessage& m,
                            std::string& error,
                            bool buildPacket = true);
};

} // namespace ns3

#endif /* UB_LINK_MESSAGE_H */
