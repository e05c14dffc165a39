/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_CHANNEL_H
#define UB_CHANNEL_H

#include "ub-credit.h"
#include "ub-link-message.h"

#include "ns3/callback.h"
#include "ns3/channel.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"

namespace ns3
{

class UbNetDevice;

/**
 * \ingroup unifiedbus
 * \brief A full-duplex point-to-point UB link between exactly two UbNetDevices, and everything
 * that crosses it.
 *
 * The channel owns the propagation delay: Delay + Length x PropagationDelayPerMeter, the same in
 * both directions. Lane counts, rates and PHY latency belong to each transmitting device, so the
 * two directions of a link may differ (asymmetric links).
 *
 * **What crosses a link.** Each end talks to the other only through Send: data packets, credit
 * returns, PFC PAUSE and XON, link-retry requests and acknowledgements, and new link parameters,
 * each a UbLinkMessage stamped with the time it takes effect at the other end. Packets and retry
 * requests are delivered as an event at that time (one event per packet per hop); the others
 * are handed over at once, and the receiving end applies them when its clock reaches their time.
 * When the link comes up each end reads what the other announces (GetAnnouncement).
 *
 * **One process or two.** By default both ends live in this process (IsLocal): a sender that
 * waits for credits may then pull the other end's credit returns due by now (Pull) and ask when
 * the next can arrive (NextArrivalBound), instead of the other end scheduling an event for every
 * return; the other end computes both from its own state. With a carrier (SetCarrier) every
 * message goes through one function, as through a transport between processes: each end then
 * sends its credit returns at the time they become due, from events of its own, and no message
 * is created later than the time it leaves its sender. Both ways give the same results.
 *
 * **Distributed order.** Under UbScheduler's distributed order (set for ns-3's distributed
 * simulator, doc/distributed.md) no channel is local: each end pushes its credit returns, and
 * every message, whatever its kind, takes effect at the other end in an event at its time,
 * keyed by the link direction (SetLinkId), so that a node sees the messages of one time in the
 * same order whichever processes run it and its neighbours.
 */
class UbChannel : public Channel
{
  public:
    /// A function that carries a message to end `to`, then calls Deliver(to, message).
    typedef Callback<void, uint32_t, const UbLinkMessage&> CarrierCallback;

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    UbChannel();
    ~UbChannel() override;

    /**
     * \brief Attach a device; a channel takes exactly two.
     * \param device the device
     * \return its end of the link (0 or 1)
     */
    uint32_t Attach(Ptr<UbNetDevice> device);

    std::size_t GetNDevices() const override;
    Ptr<NetDevice> GetDevice(std::size_t i) const override;

    /**
     * \brief The device at the other end (for building and inspecting topologies; the devices
     * themselves talk only through messages).
     * \param device one of the two attached devices
     * \return the other device
     */
    Ptr<UbNetDevice> GetPeer(Ptr<const UbNetDevice> device) const;

    /// \return one-way propagation delay, Delay + Length x PropagationDelayPerMeter
    Time GetPropagationDelay() const;

    // --- Messages ---

    /**
     * \brief What end `end` announces when the link comes up (computed by that end).
     * \param end 0 or 1
     * \return its parameters
     */
    UbLinkParams GetAnnouncement(uint32_t end) const;

    /**
     * \brief Carry a message from end `from` to the other end (a carrier sees it stamped with
     * the time it was sent).
     * \param from the sending end
     * \param m the message (m.atPs: when it takes effect there)
     */
    void Send(uint32_t from, const UbLinkMessage& m);

    /**
     * \brief Carry a data packet (the fast path of Send for DATA messages).
     * \param from the sending end
     * \param packet the packet
     * \param info its info
     * \param nowPs the time now
     * \param readyPs when it is ready at the other end (head or tail, pipeline included)
     * \param tailPs when its tail is ready there
     */
    void SendData(uint32_t from,
                  Ptr<Packet> packet,
                  const UbPacketInfo& info,
                  int64_t nowPs,
                  int64_t readyPs,
                  int64_t tailPs);

    /**
     * \brief Carry a credit return (the fast path of Send for CREDIT messages).
     * \param from the sending end
     * \param r the return (r.atPs: its arrival at the other end)
     */
    void SendCredit(uint32_t from, const UbCreditReturn& r);

    /**
     * \brief Hand a message to end `to`: schedule it for its time (packets, retry requests) or
     * give it now (the rest). Called by Send, or by a carrier.
     * \param to the receiving end
     * \param m the message
     */
    void Deliver(uint32_t to, const UbLinkMessage& m);

    /**
     * \brief Carry every message through one function (a transport between processes, or a
     * test standing in for one). Set it before the simulation starts.
     * \param carrier the function
     */
    void SetCarrier(CarrierCallback carrier);

    /// \return true if both ends share this process, no carrier is set and events of one time
    /// run in their usual order (not UbScheduler's distributed order)
    bool IsLocal() const;

    /**
     * \brief The link's number, the same in every process of a distributed run (the topology's
     * link index; by default the order channels were made in this process). In distributed
     * order (UbScheduler::SetDistributedOrder) a message crossing from end e takes effect in an
     * event keyed 2 x id + e, which puts the messages of one time in the same order in every
     * process.
     * \param id the number (below 2^31 - 1)
     */
    void SetLinkId(uint32_t id);
    /// \return the link's number
    uint32_t GetLinkId() const;

    /// \name One process only (IsLocal): demand-driven credit returns
    /// @{

    /// End `end` is about to count its credits: the other end sends its returns due by nowPs.
    /// \param end the pulling end \param nowPs the time
    void Pull(uint32_t end, int64_t nowPs);
    /// \param end the asking end \return the earliest arrival of a return the other end has not
    /// sent yet (UB_NEVER_PS if it has none pending)
    int64_t NextArrivalBound(uint32_t end) const;
    /// End `from` scheduled a release: the other end may plan again if it waits for credits.
    /// \param from the end whose buffer will free cells
    void NotifyPending(uint32_t from);

    /// End `end` waits for credits, or no longer: NotifyPending wakes only an end that waits, and
    /// learns it here without reading that end's state (a cache miss on every packet-hop).
    /// \param end the end \param blocked it waits for credits
    void SetCreditBlocked(uint32_t end, bool blocked)
    {
        m_blocked[end & 1] = blocked;
    }

    /// @}

  protected:
    void DoDispose() override;

  private:
    Ptr<UbNetDevice> m_devices[2];
    uint32_t m_nDevices{0};
    uint32_t m_id;        //!< the link's number (SetLinkId; in the padding before m_delay)
    Time m_delay;         //!< fixed one-way delay
    double m_lengthM{0};  //!< cable length in metres
    Time m_delayPerMeter; //!< propagation delay per metre
    CarrierCallback m_carrier;
    uint32_t m_context[2]{0, 0};     //!< node id of each end (the event context of its arrivals)
    bool m_blocked[2]{false, false}; //!< each end waits for credits (SetCreditBlocked)
};

} // namespace ns3

#endif /* UB_CHANNEL_H */
