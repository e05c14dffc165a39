/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_PORT_QUEUE_H
#define UB_PORT_QUEUE_H

#include "ub-packet-info.h"

#include "ns3/nstime.h"
#include "ns3/packet.h"
#include "ns3/ptr.h"

#include <cstdint>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief Where a queued packet sits until its tail has left: its input port's receive buffer
 * (cells of a VL's reserve and of the shared pool), or the endpoint's injection buffer.
 */
struct UbBufferCharge
{
    uint32_t inPort{UB_LOCAL_PORT}; //!< input port, or UB_LOCAL_PORT (injected here)
    uint32_t reservedCells{0};      //!< reserve cells at the input
    uint32_t sharedCells{0};        //!< shared cells at the input
    uint32_t bytes{0};              //!< packet size (injection buffer accounting)
    uint8_t vl{0};                  //!< VL it arrived on
    uint8_t sl{0};                  //!< service level (injection buffer accounting)
};

/**
 * \ingroup unifiedbus
 * \brief A packet taken from an output queue for transmission.
 */
struct UbQueuedPacket
{
    Ptr<Packet> packet;    //!< the packet (network header included)
    UbPacketInfo info;     //!< its info; info.vl is the output VL
    Time tailReady;        //!< when its tail is available at this node
    UbBufferCharge charge; //!< what to free when its tail has left
};

/**
 * \ingroup unifiedbus
 * \brief What the devices of a node's ports see of the node's forwarding element: a view of each
 * output port's queue (waiting VLs, head size, pop), a release callback, and where received
 * packets go. UbSwitch implements it; a UbNetDevice holds only this interface, never the switch.
 */
class UbPortQueues
{
  public:
    virtual ~UbPortQueues() = default;

    /// \param port output port \return bitmask of VLs with packets waiting for it
    virtual uint32_t GetWaitingMask(uint32_t port) const = 0;
    /// \param port output port \param vl VL \return size of the packet served next on (port, vl)
    virtual uint32_t PeekHeadBytes(uint32_t port, uint8_t vl) const = 0;
    /**
     * \brief Take the packet served next on (port, vl) off the queues, to transmit it now.
     * \param port output port
     * \param vl VL (waiting)
     * \return the packet; the caller transmits it and then calls Departed with its charge
     */
    virtual UbQueuedPacket PopHead(uint32_t port, uint8_t vl) = 0;
    /**
     * \brief The release callback: a packet's tail leaves its output at `end`, so its input
     * buffer (or injection buffer) is freed then.
     * \param charge what the packet holds
     * \param end when its tail leaves
     */
    virtual void Departed(const UbBufferCharge& charge, Time end) = 0;
    /**
     * \brief A packet from the link is ready at this node.
     * \param inPort the port it arrived on
     * \param packet the packet
     * \param info its info (info.vl = VL it arrived on, with its credit split)
     * \param tailReady when its tail is available here
     */
    virtual void ReceiveFromPort(uint32_t inPort,
                                 Ptr<Packet> packet,
                                 const UbPacketInfo& info,
                                 Time tailReady) = 0;
    /**
     * \brief Inject a packet from the node's endpoint (NetDevice::Send).
     * \param packet the packet
     * \param dst destination CNA
     * \param sl service level
     * \param flowKey flow key
     * \return false if the injection buffer is full
     */
    virtual bool Send(Ptr<Packet> packet, uint32_t dst, uint8_t sl, uint32_t flowKey) = 0;
    /// \return the node's compact network address
    virtual uint32_t GetCna() const = 0;
    /// \return the node's pipeline latency (header or tail to eligible; tail to delivery)
    virtual Time GetPipelineLatency() const = 0;
    /// \return true if the node forwards cut-through
    virtual bool IsCutThrough() const = 0;
};

} // namespace ns3

#endif /* UB_PORT_QUEUE_H */
