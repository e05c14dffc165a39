/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_PACKET_SOURCE_H
#define UB_PACKET_SOURCE_H

#include "ns3/application.h"
#include "ns3/data-rate.h"
#include "ns3/event-id.h"
#include "ns3/random-variable-stream.h"
#include "ns3/traced-callback.h"

namespace ns3
{

class UbSwitch;
class Packet;

/**
 * \ingroup unifiedbus
 * \brief Minimal traffic source that injects packets into its node's UbSwitch.
 *
 * It drives the fabric before the transport layer exists: no connection, no retransmission.
 * With Rate = 0 it is greedy (it sends whenever the injection buffer takes a packet); with a
 * rate it sends PacketSize-byte packets at that rate (constant or Poisson inter-arrival times),
 * and if the injection buffer is full it waits for room without dropping. Each packet carries a
 * UbFlowTag (flow id, send time) so that UbPacketSink measures latency.
 */
class UbPacketSource : public Application
{
  public:
    /// Inter-arrival process in rate mode.
    enum Arrival
    {
        CONSTANT, //!< evenly spaced
        POISSON,  //!< exponential inter-arrival times
    };

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    UbPacketSource();
    ~UbPacketSource() override;

    /**
     * \brief Assign the random stream used for Poisson arrivals.
     * \param stream first stream index
     * \return number of streams used (2: arrivals and random destinations)
     */
    int64_t AssignStreams(int64_t stream);

    /// \return packets sent
    uint64_t GetSentPackets() const;
    /// \return bytes sent (PacketSize each)
    uint64_t GetSentBytes() const;
    /// \return the flow id
    uint32_t GetFlowId() const;
    /// \return the destination CNA
    uint32_t GetDestination() const;

  protected:
    void DoDispose() override;

  private:
    void StartApplication() override;
    void StopApplication() override;
    void SendNext();
    void OnReady();
    bool Done() const;
    bool TrySendOne();

    uint32_t m_destination{0};
    uint32_t m_destCount{0};
    bool m_includeSelf{false};
    uint32_t m_destFirst{0};
    double m_hotFraction{0};
    uint32_t m_hotspot{0};
    uint32_t m_packetSize{0};
    DataRate m_rate;
    uint64_t m_maxPackets{0};
    uint8_t m_sl{0};
    uint32_t m_flowId{0};
    Arrival m_arrival{CONSTANT};

    Ptr<UbSwitch> m_switch;
    Ptr<ExponentialRandomVariable> m_exp;
    Ptr<UniformRandomVariable> m_uni;
    EventId m_sendEvent;
    bool m_running{false};
    bool m_waiting{false};
    uint64_t m_sent{0};
    TracedCallback<Ptr<const Packet>> m_txTrace;
};

} // namespace ns3

#endif /* UB_PACKET_SOURCE_H */
