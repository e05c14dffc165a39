/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_PACKET_SINK_H
#define UB_PACKET_SINK_H

#include "ub-histogram.h"
#include "ub-packet-info.h"

#include "ns3/application.h"
#include "ns3/nstime.h"
#include "ns3/traced-callback.h"

#include <map>

namespace ns3
{

class Packet;

/**
 * \ingroup unifiedbus
 * \brief Receives packets addressed to its node and keeps per-flow statistics.
 *
 * For each flow (UbFlowTag flow id): packets, bytes above the network header, first and last
 * arrival, and a latency histogram (send call to delivery). Memory is a few kilobytes per flow.
 */
class UbPacketSink : public Application
{
  public:
    /// What the sink knows about one flow.
    struct FlowStats
    {
        uint32_t src{0};     //!< source CNA
        uint32_t dst{0};     //!< destination CNA
        uint8_t sl{0};       //!< service level
        uint64_t packets{0}; //!< packets received
        uint64_t bytes{0};   //!< bytes above the network header
        Time firstRx;        //!< first arrival
        Time lastRx;         //!< last arrival
        Time firstTx;        //!< send time of the first packet
        UbHistogram latency; //!< latency in picoseconds
    };

    /// Trace signature of Rx: (packet, latency from the send call).
    typedef void (*RxTracedCallback)(Ptr<const Packet> packet, Time latency);

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    UbPacketSink();
    ~UbPacketSink() override;

    /// \return statistics per flow id
    const std::map<uint32_t, FlowStats>& GetFlows() const;
    /// \return packets received
    uint64_t GetReceivedPackets() const;
    /// \return bytes received above the network header
    uint64_t GetReceivedBytes() const;
    /// \return latency histogram over all flows (picoseconds)
    const UbHistogram& GetLatency() const;

  private:
    void DoInitialize() override;
    void StartApplication() override;
    void StopApplication() override;
    void Receive(Ptr<Packet> packet, const UbPacketInfo& info);

    bool m_running{false};
    bool m_registered{false};
    std::map<uint32_t, FlowStats> m_flows;
    uint64_t m_packets{0};
    uint64_t m_bytes{0};
    UbHistogram m_latency;
    TracedCallback<Ptr<const Packet>, Time> m_rxTrace;
};

} // namespace ns3

#endif /* UB_PACKET_SINK_H */
