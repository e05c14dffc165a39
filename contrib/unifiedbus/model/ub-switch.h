/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_SWITCH_H
#define UB_SWITCH_H

#include "ub-packet-info.h"
#include "ub-port-queue.h"
#include "ub-routing-table.h"

#include "ns3/callback.h"
#include "ns3/data-rate.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/packet.h"
#include "ns3/random-variable-stream.h"
#include "ns3/traced-callback.h"

#include <unordered_map>
#include <vector>

namespace ns3
{

class Node;
class UbNetDevice;

/**
 * \ingroup unifiedbus
 * \brief The forwarding element of a UB node (switch chip, NPU on-chip switch, or endpoint).
 *
 * Aggregated to every UB node. Packets arriving on a port (or injected by the node's endpoint
 * through the local port) are routed by the UbRoutingTable to an output port and VL, and wait,
 * if they must, in a virtual output queue (VOQ) of their input. A VOQ exists only while it holds
 * packets; each (output, VL) keeps a ring of its non-empty VOQs and serves them round robin, one
 * packet per turn, so inputs share an output equally. A packet waiting in a VOQ still occupies
 * the receive buffer of its input port, which is what credit flow control counts.
 *
 * Timing: a packet becomes eligible PipelineLatency after its header (ForwardingMode CutThrough)
 * or its tail (StoreAndForward) arrived. In cut-through, an output never finishes sending a
 * packet before its tail has arrived plus the pipeline latency plus one flit of the output.
 * Packets for this node are handed to the receive callbacks when their tail has arrived plus the
 * pipeline latency.
 */
class UbSwitch : public Object, public UbPortQueues
{
  public:
    /// Forwarding mode.
    enum ForwardingMode
    {
        CUT_THROUGH,       //!< forward after the header
        STORE_AND_FORWARD, //!< forward after the tail
    };

    /// Local delivery callback: (packet with its network header, packet info).
    typedef Callback<void, Ptr<Packet>, const UbPacketInfo&> ReceiveCallback;

    /// Trace signature for Deliver and Inject: (packet, its info).
    typedef void (*PacketInfoTracedCallback)(Ptr<const Packet> packet, const UbPacketInfo& info);

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    UbSwitch();
    ~UbSwitch() override;

    /**
     * \brief Add a port (done by UbHelper when it installs a link).
     * \param dev the port's device
     * \return the port index
     */
    uint32_t AddPort(Ptr<UbNetDevice> dev);
    /// \return number of ports (the local port not counted)
    uint32_t GetNPorts() const;
    /// \param i port index \return the port's device
    Ptr<UbNetDevice> GetPort(uint32_t i) const;

    /// \return this node's compact network address
    uint32_t GetCna() const override;
    /// \param cna this node's compact network address (24 bits)
    void SetCna(uint32_t cna);
    /// \return the routing table
    Ptr<UbRoutingTable> GetRoutingTable() const;
    /// \return the pipeline latency
    Time GetPipelineLatency() const override;
    /// \return true for cut-through forwarding
    bool IsCutThrough() const override;
    /// \return the node this switch is aggregated to
    Ptr<Node> GetNode() const;

    // --- Endpoint side (the local port) ---

    /**
     * \brief Inject a packet from this node's endpoint.
     *
     * Adds the network header (12 bytes) and routes the packet after the pipeline latency.
     * \param packet upper-layer packet (its size is what the endpoint sends)
     * \param dst destination CNA
     * \param sl service level (0..15)
     * \param flowKey flow identifier used for ECMP hashing (and the header's LBF)
     * \return false if the injection buffer is full: nothing was sent; wait for NotifyWhenReady
     */
    bool Send(Ptr<Packet> packet, uint32_t dst, uint8_t sl, uint32_t flowKey) override;

    /**
     * \brief Inject a packet that reaches the switch later (after the endpoint's own
     * serialization), with a next-layer protocol in its network header.
     *
     * The packet counts against the injection buffer from now; it is routed at
     * now + delay + PipelineLatency.
     * \param packet upper-layer packet
     * \param dst destination CNA
     * \param sl service level (0..15)
     * \param flowKey flow identifier (ECMP key and LBF)
     * \param delay time until the packet's tail reaches the switch
     * \param nlp next-layer protocol (3 bits)
     * \param cc C-AQM flags of the packet (UB_CC_CAPABLE, UB_CC_INCREASE)
     * \param flags UB_PKT_* flags of the packet (UB_PKT_MINIMAL: no source detours)
     * \return false if the injection buffer is full
     */
    bool SendAfter(Ptr<Packet> packet,
                   uint32_t dst,
                   uint8_t sl,
                   uint32_t flowKey,
                   Time delay,
                   uint8_t nlp,
                   uint8_t cc = 0,
                   uint8_t flags = 0);

    /**
     * \brief Inject a packet whose headers travel as fields (a transport's packets): as
     * SendAfter, but the packet's size already counts all its headers, the network header's
     * 12 B included, and nothing is written into it.
     * \param packet the packet, sized as on the wire above the link layer
     * \param dst destination CNA
     * \param sl service level (0..15)
     * \param flowKey flow identifier (ECMP key and LBF)
     * \param delay time until the packet's tail reaches the switch
     * \param nlp next-layer protocol (3 bits)
     * \param cc C-AQM flags of the packet
     * \param flags UB_PKT_* flags of the packet
     * \param tp its transport, transaction and memory header fields
     * \return false if the injection buffer is full
     */
    bool SendFields(Ptr<Packet> packet,
                    uint32_t dst,
                    uint8_t sl,
                    uint32_t flowKey,
                    Time delay,
                    uint8_t nlp,
                    uint8_t cc,
                    uint8_t flags,
                    const UbTpFields& tp);

    /// \return bytes the endpoint has queued in this switch and not yet started on a link
    uint32_t GetInjectionQueuedBytes() const;
    /// \param sl service level \return bytes of that SL queued and not yet started
    uint32_t GetInjectionQueuedBytes(uint8_t sl) const;

    /**
     * \brief Ask to be called once when the injection buffer of a service level has drained to
     * half of its injection budget (InjectionBufferBytes per port; so that a refill sends
     * several packets per call).
     * \param sl service level the caller sends on
     * \param cb one-shot callback
     */
    void NotifyWhenReady(uint8_t sl, Callback<void> cb);

    /**
     * \brief Add a callback for packets addressed to this node.
     * \param cb callback
     */
    void AddReceiveCallback(ReceiveCallback cb);

    // --- UbPortQueues: what the ports' devices see ---

    void ReceiveFromPort(uint32_t inPort,
                         Ptr<Packet> packet,
                         const UbPacketInfo& info,
                         Time tailReady) override;
    uint32_t GetWaitingMask(uint32_t port) const override;
    uint32_t PeekHeadBytes(uint32_t port, uint8_t vl) const override;
    UbQueuedPacket PopHead(uint32_t port, uint8_t vl) override;
    void Departed(const UbBufferCharge& charge, Time end) override;

    /**
     * \brief Load of an output for adaptive routing.
     * \param port output port
     * \param vl VL (UB_VL_FROM_SL resolved with sl)
     * \param sl service level of the packet
     * \return picoseconds to drain: (bytes queued for (port, vl) + bytes of downstream buffer the
     *         port's packets hold) at the port's rate, plus the rest of the packet on the wire
     */
    uint64_t GetOutputLoad(uint32_t port, uint8_t vl, uint8_t sl) const;

    /// \return packets currently waiting in VOQs
    uint64_t GetQueuedPackets() const;
    /// \param port output port \return bytes waiting for that output now (all VLs)
    uint64_t GetQueuedBytes(uint32_t port) const;
    /**
     * \brief Time-average of the bytes waiting for an output since the start of the run.
     * \param port output port
     * \return mean bytes (integral of the queue over time / time)
     */
    double GetMeanQueuedBytes(uint32_t port) const;
    /// \param port output port \return integral of its queued bytes over time so far (byte x s)
    double GetQueueIntegral(uint32_t port) const;
    /// \return packets delivered to this node's endpoint
    uint64_t GetDeliveredPackets() const;
    /// \return packets injected by this node's endpoint
    uint64_t GetInjectedPackets() const;
    /**
     * \brief Drop every packet queued for an output port (its link failed and the failure was
     * detected): their input buffers are freed and they are counted as lost.
     * \param port output port
     * \return packets dropped
     */
    uint32_t FlushPort(uint32_t port);
    /// \return packets marked Congestion Experienced (EcnThreshold)
    uint64_t GetEcnMarks() const;
    /// \return packets FlushPort dropped so far
    uint64_t GetFlushedPackets() const;

    /// \return an estimate of the bytes this switch holds while idle (ports not counted)
    uint64_t GetIdleMemoryBytes() const;

    /// \return packets between injection or arrival and their next step (routing, or delivery
    /// at the tail): neither queued nor delivered yet
    uint64_t GetPipelinePackets() const
    {
        return m_inPipeline;
    }

    /**
     * \return the switches of this simulation, in the order they were made; disposed ones are
     * nullptr (UbInvariants and UbWatchdog walk them; NodeList is gone by the time the first
     * node is disposed)
     */
    static const std::vector<UbSwitch*>& GetAll()
    {
        return s_all;
    }

    /// \return packets delivered to endpoints in this process, over all switches and runs
    static uint64_t GetDeliveriesInProcess()
    {
        return s_deliveries;
    }

    /**
     * \brief Call f(charge, bytes) for every packet waiting for an output and VL, in no
     * particular order (for reports: UbInvariants builds its graph of waiting channels from it).
     * \param port output port \param vl output VL \param f the function
     */
    template <typename F>
    void ForEachWaiting(uint32_t port, uint8_t vl, F&& f) const
    {
        const Voq* first = m_ports[port].vl[vl].rr;
        const Voq* voq = first;
        while (voq != nullptr)
        {
            for (const Queued* q = voq->head; q != nullptr; q = q->next)
            {
                f(q->charge, q->packet->GetSize());
            }
            voq = voq->next == first ? nullptr : voq->next;
        }
    }

    /// \param port output port \return the VLs of that output
    uint8_t GetVlCount(uint32_t port) const
    {
        return static_cast<uint8_t>(m_ports[port].vl.size());
    }

    /// Deliver the next packet that reaches this endpoint twice, as a forwarding bug would: for
    /// the tests of UbInvariants only.
    void DuplicateNextDeliveryForTest()
    {
        m_duplicateNext = true;
    }

  protected:
    void DoInitialize() override;
    void DoDispose() override;
    void NotifyNewAggregate() override;

  private:
    /// A packet waiting in a VOQ.
    struct Queued
    {
        Ptr<Packet> packet;
        UbPacketInfo info; //!< info.vl = output VL
        Time tailReady;
        Queued* next{nullptr};
        UbBufferCharge charge; //!< what it holds at its input until its tail has left
    };

    /// A virtual output queue: packets of one input for one (output, VL); exists while non-empty.
    struct Voq
    {
        Queued* head{nullptr};
        Queued* tail{nullptr};
        Voq* next{nullptr}; //!< ring of non-empty VOQs of the same (output, VL)
        Voq* prev{nullptr};
        uint64_t key{0};
    };

    /// Per (output, VL): the ring of its non-empty VOQs and what they hold.
    struct OutVl
    {
        Voq* rr{nullptr}; //!< the VOQ served next
        uint32_t packets{0};
        uint32_t voqs{0}; //!< non-empty VOQs (inputs waiting)
        uint64_t bytes{0};
    };

    /// Per output port.
    struct Port
    {
        Ptr<UbNetDevice> dev;
        std::vector<OutVl> vl;
        uint32_t waitingMask{0};
        uint64_t queuedBytes{0};      //!< over all VLs
        int64_t queueSincePs{0};      //!< when queuedBytes last changed
        long double queueIntegral{0}; //!< sum of queuedBytes x time (B ps)
    };

    void QueueChange(Port& port, int64_t delta);
    /// Take the head packet of (output, VL)'s round-robin VOQ off its queues.
    Queued* TakeHead(Port& out, uint8_t vl);
    void CaqmMark(Port& out, const OutVl& o, UbPacketInfo& info) const;

    /// \return true if the endpoint may queue `bytes` more on SL `sl` (aborts on a bad SL or
    /// destination) \param sl SL \param dst destination CNA \param bytes the packet's size
    bool HasRoom(uint8_t sl, uint32_t dst, uint32_t bytes) const;
    /// \return the info of a packet the endpoint injects (the rest is filled by Inject)
    /// \param dst destination \param sl SL \param nlp protocol \param cc C-AQM flags
    /// \param flags UB_PKT_* flags
    static UbPacketInfo NewInfo(uint32_t dst, uint8_t sl, uint8_t nlp, uint8_t cc, uint8_t flags);
    /// Count, trace and schedule an injected packet (its size counts its network header).
    bool Inject(Ptr<Packet> packet, UbPacketInfo& info, uint32_t flowKey, Time delay);
    void InjectReady(Ptr<Packet> packet, UbPacketInfo info);
    void Route(uint32_t inPort, Ptr<Packet> packet, UbPacketInfo info, Time tailReady);
    uint8_t AllocateVl(Port& out, uint8_t first, uint8_t span, const UbPacketInfo& info);
    void Forward(const UbBufferCharge& charge,
                 Ptr<Packet> packet,
                 UbPacketInfo info,
                 Time tailReady,
                 uint32_t outPort);
    void Deliver(uint32_t inPort, Ptr<Packet> packet, UbPacketInfo info);
    /// Deliver a packet that arrived whole (cut-through) at its tail.
    void DeliverAtTail(uint32_t inPort, Ptr<Packet> packet, UbPacketInfo info);
    void NotifyReady(uint8_t sl);
    std::string Where() const;
    bool EcnMark(uint64_t queued);

    // Attributes
    uint32_t m_cna{0xFFFFFFFF};
    uint64_t m_flushed{0};
    uint32_t m_ecnThreshold{0};
    uint32_t m_ecnMaxThreshold{0};       //!< RED's K_max (0: step marking at m_ecnThreshold)
    double m_ecnPmax{0.01};              //!< RED's P_max
    Ptr<UniformRandomVariable> m_ecnRng; //!< RED's coin, made at its first use
    bool m_sourceDetours{true};          //!< own packets may take source-only candidates
    uint64_t m_ecnMarks{0};
    Time m_pipelineLatency;
    ForwardingMode m_mode{CUT_THROUGH};
    uint32_t m_injectionBufferBytes{0}; //!< per port of the node
    DataRate m_reductionRate;           //!< in-network reduction engine (0: no limit)
    uint32_t m_concurrentReductions{0}; //!< in-network pieces reduced at once (0: 16)
    /// \return the endpoint's injection budget per SL: InjectionBufferBytes x network ports
    uint64_t InjectionBudget() const;
    uint32_t m_caqmThreshold{0};
    double m_caqmEta{0.97};
    Time m_caqmDrainTime;
    double m_caqmMinShare{0.25};
    Ptr<UbRoutingTable> m_routing;

    Ptr<Node> m_node;
    std::vector<Port> m_ports;
    std::unordered_map<uint64_t, Voq*> m_voqs; //!< non-empty VOQs only
    std::vector<ReceiveCallback> m_rxCallbacks;
    std::vector<std::pair<uint8_t, Callback<void>>> m_readyWaiters; //!< (SL, one-shot callback)
    bool m_notifyScheduled{false};
    uint32_t m_injectionQueued[16]{}; //!< per SL, like a NIC's send queue per priority
    uint64_t m_queuedPackets{0};
    uint64_t m_delivered{0};
    uint64_t m_injected{0};
    uint64_t m_inPipeline{0};                   //!< GetPipelinePackets
    bool m_duplicateNext{false};                //!< DuplicateNextDeliveryForTest
    static inline uint64_t s_deliveries = 0;    //!< GetDeliveriesInProcess
    static inline std::vector<UbSwitch*> s_all; //!< GetAll
    uint32_t m_registryIndex{0};                //!< this switch's place in s_all
    /// Leave s_all.
    void Unregister();

    TracedCallback<Ptr<const Packet>, const UbPacketInfo&> m_deliverTrace;
    TracedCallback<Ptr<const Packet>, const UbPacketInfo&> m_injectTrace;
};

} // namespace ns3

#endif /* UB_SWITCH_H */
