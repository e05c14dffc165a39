/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_NET_DEVICE_H
#define UB_NET_DEVICE_H

#include "ub-packet-info.h"
#include "ub-vl-arbiter.h"

#include "ns3/data-rate.h"
#include "ns3/event-id.h"
#include "ns3/mac48-address.h"
#include "ns3/net-device.h"
#include "ns3/nstime.h"
#include "ns3/packet.h"
#include "ns3/random-variable-stream.h"
#include "ns3/traced-callback.h"

#include <memory>
#include <vector>

namespace ns3
{

class UbChannel;
class UbSwitch;

/**
 * \ingroup unifiedbus
 * \brief One port of a UB node: the physical and data-link layers of one direction of a link
 * (transmit) and the receive buffer of the other.
 *
 * **Physical layer.** The transmit rate is Lanes x LaneRate x EncodingEfficiency. A packet of L
 * bytes (network header included) is framed into F whole flits (see Framing and GetFlits) and
 * occupies the wire for ser(F x FlitSize) where ser(n) = ceil(8 n 10^12 / R) ps and R is the
 * rate in b/s rounded to an integer. The peer sees the tail PhyLatency + propagation later.
 *
 * **Credit-based flow control per VL.** The receive buffer holds VlBufferCells cells per VL (a
 * cell is FlitsPerCell flits) plus an optional shared pool of SharedBufferCells. The sender
 * starts with the peer's buffer as credits, spends a packet's cells (its VL's reserve first,
 * then the shared pool) when the packet starts, and never starts a packet that does not fit.
 * When a packet leaves the receive buffer (its tail has left the output it was switched to, or
 * the endpoint took it), its cells accumulate; once CreditReturnGrain cells have accumulated,
 * or CreditReturnTimeout after the first of them, a credit frame of CreditFrameBytes is sent on
 * the reverse direction. Credit frames never preempt a packet on the wire and go ahead of the
 * next one; the sender counts them when they arrive. Credit returns are not events of their own:
 * the sender absorbs those due before it decides, and schedules one wake-up only when it waits
 * for credits.
 *
 * **VLs and arbitration.** Up to 16 VLs, an SL-to-VL map, and an output arbiter chosen by
 * VlArbitration (strict priority, or DWRR with VlWeights).
 *
 * **FlowControl = None** turns the port into a drop-tail port: no credits are sent or checked,
 * and a packet that does not fit the receive buffer is dropped and counted (PhyRxDrop).
 * In Credit mode such a packet is a model bug and aborts the run with the node, port and VL.
 *
 * Events: one per packet per hop (its arrival at the next node, at header + pipeline latency for
 * cut-through, tail + pipeline latency for store-and-forward), plus, for a port with packets
 * waiting, one per start: at the time the wire frees or, if no waiting VL will have credits by
 * then, at the earliest time credits can arrive.
 */
class UbNetDevice : public NetDevice
{
  public:
    /// Link-level flow control.
    enum FlowControlMode
    {
        CREDIT, //!< credit-based, lossless
        NONE,   //!< no flow control: drop-tail receive buffers
        PFC,    //!< priority flow control (PAUSE/XOFF and XON per VL), lossless, RoCE-like
    };

    /// How packets are framed into flits.
    enum Framing
    {
        UB_CRC, //!< UB DL, CRC mode: LPH 4 B, BCRC 4 B per 32-flit block, LBH 2 B per later block
        UB_NO_CRC, //!< UB DL, non-CRC mode: LPH 4 B, LBH 2 B per later block, END 1 B
        FIXED,     //!< DlOverhead bytes per packet (for non-UB links such as NVLink-like ones)
    };

    /// What a lossless port does when a packet arrives to a full buffer (a model bug).
    enum LosslessCheck
    {
        ABORT, //!< stop the run with a message naming the node, port and VL (default)
        COUNT, //!< count it per VL (GetLosslessViolations), drop the packet and go on (tests)
    };

    /// Output VL arbitration policy.
    enum VlArbitration
    {
        STRICT_PRIORITY, //!< highest VL first
        DWRR,            //!< deficit weighted round robin
    };

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    UbNetDevice();
    ~UbNetDevice() override;

    // NetDevice
    void SetIfIndex(const uint32_t index) override;
    uint32_t GetIfIndex() const override;
    Ptr<Channel> GetChannel() const override;
    void SetAddress(Address address) override;
    Address GetAddress() const override;
    bool SetMtu(const uint16_t mtu) override;
    uint16_t GetMtu() const override;
    bool IsLinkUp() const override;
    void AddLinkChangeCallback(Callback<void> callback) override;
    bool IsBroadcast() const override;
    Address GetBroadcast() const override;
    bool IsMulticast() const override;
    Address GetMulticast(Ipv4Address multicastGroup) const override;
    Address GetMulticast(Ipv6Address addr) const override;
    bool IsBridge() const override;
    bool IsPointToPoint() const override;
    /**
     * Sends the packet to the node at the other end of this port, through the node's UbSwitch
     * (destination = the peer's CNA, SL 0, flow key = protocolNumber).
     */
    bool Send(Ptr<Packet> packet, const Address& dest, uint16_t protocolNumber) override;
    bool SendFrom(Ptr<Packet> packet,
                  const Address& source,
                  const Address& dest,
                  uint16_t protocolNumber) override;
    Ptr<Node> GetNode() const override;
    void SetNode(Ptr<Node> node) override;
    bool NeedsArp() const override;
    void SetReceiveCallback(NetDevice::ReceiveCallback cb) override;
    void SetPromiscReceiveCallback(PromiscReceiveCallback cb) override;
    bool SupportsSendFrom() const override;

    /**
     * \brief Attach to a channel (done by UbHelper).
     * \param channel the link
     */
    void Attach(Ptr<UbChannel> channel);

    /**
     * \brief Called by UbSwitch::AddPort.
     * \param sw the switch of this node
     * \param index this port's index in the switch
     */
    void SetSwitch(UbSwitch* sw, uint32_t index);

    /// \return this port's index in its node's UbSwitch
    uint32_t GetPortIndex() const;
    /// \return the device at the other end of the link (nullptr if not attached)
    Ptr<UbNetDevice> GetPeer() const;

    // --- Link arithmetic (exact) ---

    /// \return transmit rate in b/s: round(Lanes x LaneRate x EncodingEfficiency)
    uint64_t GetRateBps() const;
    /**
     * \brief Flits a network packet occupies on this link.
     *
     * UB framing (UB Base Spec 2.0 section 4.3): a data-link packet is cut into blocks of at most
     * 32 flits; the first block starts with the 4-byte link packet header (LPH), each later block
     * with a 2-byte link block header (LBH); in CRC mode each block ends with a 4-byte BCRC, in
     * non-CRC mode the packet ends with a 1-byte END. With 20-byte flits and CRC mode a packet of
     * L <= 632 bytes takes ceil((L + 8) / 20) flits. FIXED framing: ceil((L + DlOverhead) /
     * FlitSize). \param packetBytes network packet size \return flits on the wire
     */
    uint32_t GetFlits(uint32_t packetBytes) const;
    /// \return the largest network packet the framing can carry (16 blocks for UB framing)
    uint32_t GetMaxFramedPacket() const;
    /// \param packetBytes network packet size \return bytes on the wire (whole flits)
    uint32_t GetWireBytes(uint32_t packetBytes) const;
    /// \param packetBytes network packet size \return credit cells the packet occupies
    uint32_t GetCells(uint32_t packetBytes) const;
    /// \param wireBytes bytes on the wire \return ceil(8 wireBytes 10^12 / rate) ps
    Time GetSerializationTime(uint32_t wireBytes) const;
    /// \return PHY/FEC latency of this transmit direction
    Time GetPhyLatency() const;
    /// \return bytes of one cell (FlitSize x FlitsPerCell)
    uint32_t GetCellBytes() const;
    /// \return flit size in bytes
    uint32_t GetFlitSize() const;

    // --- VLs ---

    /// \return number of VLs
    uint8_t GetVlCount() const;
    /// \param sl service level \return the VL the SL maps to on this port
    uint8_t SlToVl(uint8_t sl) const;
    /// \return the flow-control mode
    FlowControlMode GetFlowControlMode() const;

    // --- State for tests and statistics ---

    /**
     * \param vl VL (UB_MAX_VLS for the shared pool)
     * \return credits (cells) this port holds toward its peer now
     */
    int64_t GetCredits(uint8_t vl);
    /// \param vl VL (UB_MAX_VLS for the shared pool) \return credits held when the link came up
    uint32_t GetInitialCredits(uint8_t vl) const;
    /// \param vl VL (UB_MAX_VLS for the shared pool) \return cells of the receive buffer in use now
    uint32_t GetRxOccupancy(uint8_t vl);
    /// \return receive-buffer cells reserved per VL
    uint32_t GetVlBufferCells() const;
    /// \return packets dropped at this port's receive buffer (FlowControl = None)
    uint64_t GetDropCount() const;
    /**
     * \brief Lossless violations at this port's receive buffer (Credit or Pfc flow control):
     * packets that arrived to a full buffer. Counted only with LosslessViolation = Count; by
     * default the first one stops the run.
     * \param vl VL, or UB_MAX_VLS for the sum over all VLs
     * \return violations so far
     */
    uint64_t GetLosslessViolations(uint8_t vl = UB_MAX_VLS) const;
    /// \return packets transmitted
    uint64_t GetTxPackets() const;
    /// \return bytes transmitted on the wire (whole flits, data packets only)
    uint64_t GetTxWireBytes() const;
    /// \return packets received (accepted into the receive buffer)
    uint64_t GetRxPackets() const;
    /// \return credit frames sent
    uint64_t GetCreditFramesSent() const;
    /// \return corrupted transmissions drawn by this direction's error model
    uint64_t GetInjectedErrors() const;
    /// \return packets this port replayed by link-level retry
    uint64_t GetLinkRetries() const;
    /// \return corrupted packets this port's receiver dropped (LinkRetry off at the sender)
    uint64_t GetCorruptedDrops() const;

    /**
     * \brief Take this direction's link down now (a fault). The packet on the wire and every
     * packet that had not reached this port's peer are lost (counted at the receiving end by
     * GetFaultDrops, not as lossless violations); the port sends nothing more. Call it on both
     * devices of a link (UbFaultHelper does).
     */
    void SetLinkDown();
    /// \return true once SetLinkDown was called
    bool IsLinkDown() const;
    /// \return packets that reached this port after its link went down (lost on the link)
    uint64_t GetFaultDrops() const;
    /**
     * \brief Lose lanes now (a partial fault): the transmit rate drops to lanes x LaneRate x
     * EncodingEfficiency from the next packet on. UB's PHY can degrade lanes (spec section 2.2).
     * \param lanes lanes left (1 .. the configured Lanes)
     */
    void SetActiveLanes(uint8_t lanes);

    /// \return PFC: PAUSE (XOFF) frames this port sent to its peer
    uint64_t GetPauseFramesSent() const;
    /// \return PFC: resume (XON) frames this port sent to its peer
    uint64_t GetResumeFramesSent() const;
    /// \return PFC: PAUSE (XOFF) frames this port received
    uint64_t GetPauseFramesReceived() const;
    /// \return PFC: the XOFF threshold in use (cells of one VL's receive buffer)
    uint32_t GetPfcXoffCells() const;
    /**
     * \brief Use a fixed random stream for the error model.
     * \param stream stream index
     * \return number of streams used (1)
     */
    int64_t AssignStreams(int64_t stream);
    /// \return when the packet on the wire (if any) finishes
    Time GetTxFreeTime() const;
    /// \return total time the transmitter spent sending data packets
    Time GetBusyTime() const;
    /// \param vl VL \return total time this VL had a packet waiting but no credits for it
    Time GetCreditStallTime(uint8_t vl) const;
    /// \return an estimate of the bytes this port holds while idle (device, VL state, share of
    /// channel)
    uint64_t GetIdleMemoryBytes() const;

    // --- Used by UbSwitch and by the peer device (not for scripts) ---

    /**
     * \brief True if a packet on this VL could start now without queueing.
     * \param vl output VL
     * \param packetBytes packet size
     * \return whether the transmitter is free, nothing waits, and credits cover the packet
     */
    bool CanStartNow(uint8_t vl, uint32_t packetBytes);

    /**
     * \brief Start a packet on the wire now (or right after control frames already due).
     * \param packet the packet
     * \param info its info; info.vl is the output VL; the credit split is written here
     * \param tailReady when the packet's tail is available at this node (cut-through bound)
     * \return the time its tail leaves this port
     */
    Time Transmit(Ptr<Packet> packet, UbPacketInfo& info, Time tailReady);

    /// The switch queued a packet for this output.
    void NotifyQueued();

    /**
     * \brief The switch says when a packet that arrived on this port leaves its receive buffer.
     * \param at the time it leaves (tail transmitted, or taken by the endpoint)
     * \param vl the VL it arrived on
     * \param reservedCells cells it held of the VL's reserve
     * \param sharedCells cells it held of the shared pool
     */
    void RegisterRelease(Time at, uint8_t vl, uint32_t reservedCells, uint32_t sharedCells);

    /**
     * \brief Arrival of a packet from the peer (scheduled by the peer's Transmit).
     * \param packet the packet
     * \param info its info
     * \param tailReady when its tail is available here, pipeline latency included
     */
    void Receive(Ptr<Packet> packet, UbPacketInfo info, Time tailReady);

    /**
     * \brief Bytes of downstream buffer this port's packets hold on a VL (for adaptive routing).
     * \param vl VL
     * \return (initial credits - credits) x cell bytes
     */
    uint64_t GetCreditLoadBytes(uint8_t vl) const;

    /// Trace signature: (vl, true at stall begin / false at stall end).
    typedef void (*CreditStallTracedCallback)(uint8_t vl, bool stalled);
    /// Trace signature: (vl, reserve cells, shared cells, time the credits reached the sender).
    typedef void (*CreditReturnTracedCallback)(uint8_t vl,
                                               uint32_t reservedCells,
                                               uint32_t sharedCells,
                                               Time arrival);
    /// Trace signature: (time of the change, vl, cells in use).
    typedef void (*VlOccupancyTracedCallback)(Time at, uint8_t vl, uint32_t cells);

  protected:
    void DoInitialize() override;
    void DoDispose() override;

  private:
    /// A packet leaving the receive buffer at a known time.
    struct Release
    {
        int64_t atPs;
        uint32_t reservedCells;
        uint32_t sharedCells;
        uint8_t vl;
    };

    /// Credits on their way to this port (sender side), in arrival order.
    struct CreditArrival
    {
        int64_t atPs;
        uint32_t reservedCells;
        uint32_t sharedCells;
        uint8_t vl;
    };

    /// Per-VL state: a few counters, no queues (queues live in UbSwitch, only while non-empty).
    struct VlState
    {
        int64_t stallSincePs{-1};   //!< start of the current credit stall, -1 if none
        int64_t stallTotalPs{0};    //!< accumulated credit-stall time
        int32_t credits{0};         //!< sender: reserve credits toward the peer (cells)
        uint32_t rxUsed{0};         //!< receiver: reserve cells in use
        uint32_t accReserved{0};    //!< receiver: freed reserve cells not yet returned
        uint32_t accShared{0};      //!< receiver: freed shared cells not yet returned
        int64_t accSincePs{0};      //!< receiver: when the first of them was freed
        bool stallAnnounced{false}; //!< the CreditStall begin of this stall was traced
        bool pfcPausedPeer{false};  //!< PFC receiver: XOFF sent, XON not yet
    };

    void Validate() const;
    std::string Where() const;
    void TryTransmit();
    void ScheduleAttempt();
    void AbsorbCredits(int64_t nowPs);
    void ResolveRx(int64_t nowPs);
    void EmitCreditFrame(int64_t atPs, uint8_t vl);
    void PushCreditArrival(const CreditArrival& a);
    int64_t NextCreditLowerBoundPs() const;
    void MarkStall(uint8_t vl, int64_t sincePs);
    void AnnounceStall(uint8_t vl, int64_t sincePs);
    void EndStall(uint8_t vl, int64_t atPs);
    bool HeadFits(uint8_t vl, uint32_t packetBytes) const;
    void LosslessViolation(Ptr<Packet> packet, uint8_t vl, const std::string& what);
    bool FitsBy(uint8_t vl, uint32_t packetBytes, int64_t atPs) const;
    void FirePhyTxEnd(Ptr<const Packet> p);
    void ReceiveCorrupted(Ptr<Packet> packet, UbPacketInfo info);
    bool DrawError(uint32_t wireBytes);
    void FirePhyRxEnd(Ptr<const Packet> p);
    int64_t SerPs(uint64_t wireBytes) const;
    void EmitPfc(int64_t atPs, uint8_t vl, bool pause);
    void PushPfc(uint8_t vl, int64_t atPs, bool pause);
    bool PfcPausedAt(uint8_t vl, int64_t atPs);
    int64_t PfcResumePs(uint8_t vl, int64_t atPs);
    void SchedulePfcCheck(uint8_t vl);
    void PfcCheck();
    uint32_t PfcHeadroomCells() const;

    // Attributes
    uint8_t m_lanes{4};
    DataRate m_laneRate;
    double m_encodingEfficiency{1.0};
    Time m_phyLatency;
    uint32_t m_flitSize{20};
    uint32_t m_flitsPerCell{4};
    uint32_t m_dlOverhead{0};
    Framing m_framing{UB_CRC};
    uint32_t m_creditFrameBytes{20};
    uint32_t m_creditGrain{1};
    Time m_creditTimeout;
    uint8_t m_vlCount{2};
    uint32_t m_vlBufferCells{0};
    uint32_t m_sharedBufferCells{0};
    std::string m_slToVlString;
    std::string m_vlWeightsString;
    uint32_t m_quantumBytes{0};
    FlowControlMode m_fcMode{CREDIT};
    LosslessCheck m_losslessCheck{ABORT};
    VlArbitration m_arbitration{STRICT_PRIORITY};
    uint16_t m_mtu{0};
    double m_packetErrorRate{0};
    double m_bitErrorRate{0};
    double m_errorBurstLength{1};
    bool m_linkRetry{true};
    uint32_t m_retryFlits{33};
    uint32_t m_pfcXoffBytes{0};
    uint32_t m_pfcXonBytes{0};
    uint32_t m_pauseFrameBytes{84};

    // Wiring
    Ptr<Node> m_node;
    Ptr<UbChannel> m_channel;
    UbSwitch* m_switch{nullptr};
    UbNetDevice* m_peer{nullptr};
    uint32_t m_port{0};
    uint32_t m_ifIndex{0};
    Mac48Address m_address;
    NetDevice::ReceiveCallback m_rxCallback;
    PromiscReceiveCallback m_promiscCallback;

    // Derived at initialization
    bool m_ready{false};
    uint64_t m_rateBps{0};
    int64_t m_flitPs{0};         //!< serialization of one flit
    int64_t m_creditFramePs{0};  //!< serialization of one credit frame
    int64_t m_linkPs{0};         //!< PhyLatency + propagation of this direction
    int64_t m_peerPipelinePs{0}; //!< pipeline latency of the peer's switch
    bool m_peerCutThrough{false};
    uint32_t m_peerCna{0};
    uint32_t m_peerNodeId{0};
    uint8_t m_slToVl[16]{};
    const UbVlArbiter* m_arbiter{nullptr};
    UbVlArbiterState m_arbState;
    std::vector<int64_t> m_deficit;  //!< DWRR only
    std::vector<uint32_t> m_quantum; //!< DWRR only

    // Sender side
    std::vector<VlState> m_vl;
    int32_t m_sharedCredits{0};
    uint32_t m_sharedInitial{0};
    uint32_t m_vlInitial{0}; //!< credits per VL when the link came up (the peer's reserve)
    std::vector<CreditArrival> m_incoming; //!< FIFO, consumed from m_incomingHead
    std::size_t m_incomingHead{0};
    int64_t m_txFreePs{0};   //!< end of the last data packet on the wire
    int64_t m_ctrlFreePs{0}; //!< end of the last control frame on the wire
    EventId m_attemptEvent;  //!< the next time this port tries to start a packet
    bool m_creditBlocked{false};
    bool m_absorbing{false};
    uint32_t m_stallMask{0};

    // Receiver side
    std::vector<Release> m_releases; //!< min-heap on atPs
    uint32_t m_rxSharedUsed{0};
    uint32_t m_accPending{0}; //!< VLs with unreturned credits (grain > 1)

    // Statistics
    uint64_t m_txPackets{0};
    uint64_t m_txWireBytes{0};
    uint64_t m_rxPackets{0};
    uint64_t m_drops{0};
    uint64_t m_creditFrames{0};
    int64_t m_busyPs{0};
    uint64_t m_injectedErrors{0};
    uint64_t m_retries{0};
    uint64_t m_corruptDrops{0};
    uint64_t m_faultDrops{0};
    std::unique_ptr<uint64_t[]> m_violations; //!< per VL; allocated at the first violation

    /// PFC state: allocated only on ports whose FlowControl is Pfc.
    struct PfcState
    {
        uint32_t xoffCells{0};
        uint32_t xonCells{0};
        int64_t pauseFramePs{0};
        std::vector<std::vector<std::pair<int64_t, int64_t>>>
            windows; //!< sender: paused [from, to)
        EventId checkEvent;
        uint64_t pauseSent{0};
        uint64_t resumeSent{0};
        uint64_t pauseReceived{0};
    };

    std::unique_ptr<PfcState> m_pfc;
    bool m_down{false};
    Ptr<UniformRandomVariable> m_errorRng; //!< only when errors are configured
    bool m_errorsOn{false};
    bool m_inBurst{false};

    // Traces
    TracedCallback<Ptr<const Packet>> m_macTxTrace;
    TracedCallback<Ptr<const Packet>> m_macRxTrace;
    TracedCallback<Ptr<const Packet>> m_phyTxBeginTrace;
    TracedCallback<Ptr<const Packet>> m_phyTxEndTrace;
    TracedCallback<Ptr<const Packet>> m_phyRxEndTrace;
    TracedCallback<Ptr<const Packet>> m_phyRxDropTrace;
    TracedCallback<uint8_t, bool> m_creditStallTrace;
    TracedCallback<uint8_t, uint32_t, uint32_t, Time> m_creditReturnTrace;
    TracedCallback<Time, uint8_t, uint32_t> m_vlOccupancyTrace;
};

} // namespace ns3

#endif /* UB_NET_DEVICE_H */
