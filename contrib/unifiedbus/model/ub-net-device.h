/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_NET_DEVICE_H
#define UB_NET_DEVICE_H

#include "ub-credit.h"
#include "ub-link-error-model.h"
#include "ub-link-fault.h"
#include "ub-link-message.h"
#include "ub-packet-info.h"
#include "ub-pfc.h"
#include "ub-port-queue.h"
#include "ub-scheduler.h"
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
 * or CreditReturnTimeout after the first of them, they are due back on the reverse direction.
 * With CreditReturn = Piggyback (default, as UB Base Spec 2.0 section 4.4 allows) a return waits
 * for the reverse wire: if a data packet starts by its deadline (when it became due plus
 * CreditPiggybackWait, or the end of what is on the wire, whichever is later) it rides in that
 * packet's link header and arrives with its first flit, at no wire cost; otherwise a Crd_Ack
 * control block of CreditFrameBytes goes at the deadline, one block carrying every VL that is
 * due by then. With CreditReturn = Frames every return of a VL takes its own Crd_Ack. Credit
 * frames never preempt a packet on the wire and go ahead of the next one; the sender counts
 * returns when they arrive. Credit returns are not events of their own: the sender absorbs those
 * due before it decides, and schedules one wake-up only when it waits for credits.
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
 *
 * **Composition.** The device owns this port's transmit direction and receive buffer and
 * composes one class per concern: UbCreditSender and UbCreditReceiver (ub-credit.h), UbPfc
 * (ub-pfc.h), UbLinkErrorModel (errors and link-level retry) and UbLinkFault (link down, lanes
 * lost). It sees its node's switch only through UbPortQueues (ub-port-queue.h), and the other end
 * of its link only through UbLinkMessages carried by the UbChannel: packets, credit returns, PFC
 * frames, retry requests and acknowledgements, and the parameters each end announces when the
 * link comes up (UbLinkParams). It never reads or writes the other end's state.
 */
class UbNetDevice : public NetDevice, private UbPfc::Host
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

    /// How freed receive-buffer cells go back to the sender (the reverse direction's work).
    enum CreditReturnMode
    {
        PIGGYBACK, //!< in the link header of the next data packet, a Crd_Ack only when none goes
        FRAMES,    //!< one Crd_Ack per VL return, never in a data header (the earlier model)
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
     * \param packet the packet \param dest ignored (a port has one peer)
     * \param protocolNumber the flow key
     * \return true if the switch took the packet
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
     * \brief Called by UbSwitch::AddPort: the node's queues this port serves, and its index.
     * \param queues the node's forwarding element, as its ports see it
     * \param index this port's index in it
     */
    void SetPortQueues(UbPortQueues* queues, uint32_t index);

    /// \return this port's index in its node's UbSwitch
    uint32_t GetPortIndex() const;
    /// \return the device at the other end of the link (nullptr if not attached); for building
    /// and inspecting topologies: the device itself never uses it
    Ptr<UbNetDevice> GetPeer() const;

    /**
     * \brief Read the credit books of the direction from this port to the other end, for
     * UbInvariants: this port's credits and the other end's buffer.
     * \param vl VL, or UB_MAX_VLS for the shared pool
     * \param[out] books the books
     * \return false if they cannot be read here: a port that never started (it sent and
     * received nothing), the other end in another process, or credit returns that travel as
     * events (distributed order)
     */
    bool ReadCreditBooks(uint8_t vl, UbCreditBooks& books) const;

    /// \return true once the port has started (at its first packet or credit)
    bool IsStarted() const
    {
        return m_ready;
    }

    /**
     * \brief Lose credits toward the other end, as a bug in the credit return would: for the
     * tests of UbInvariants only.
     * \param vl VL \param cells credits lost
     */
    void LeakCreditsForTest(uint8_t vl, uint32_t cells);

    /// \return what this end announces to the other when the link comes up (UbLinkParams)
    UbLinkParams GetLinkParams() const;

    // --- Link arithmetic (exact) ---

    /// \return transmit rate in b/s: round(Lanes x LaneRate x EncodingEfficiency)
    uint64_t GetRateBps() const;
    /**
     * \brief Background traffic that another level carries over this direction (the hybrid
     * level's flow part): it takes `share` of the wire's time, so this device's data packets
     * serialize at the rate it leaves, (1 - share) x the line rate. It holds no credits,
     * buffers or queue places (doc/flow-level.md, The hybrid level).
     * \param share the fraction of the line rate, in [0, 1)
     */
    void SetBackground(double share);
    /// \return the background share (SetBackground)
    double GetBackground() const;
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
    /// \return the output VL arbitration policy (attribute VlArbitration)
    VlArbitration GetVlArbitration() const;
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
    /**
     * \brief Set the receive buffer reserved per VL (the VlBufferCells attribute). After the link
     * came up this changes the buffer but not the credits the other end holds.
     * \param cells cells per VL
     */
    void SetVlBufferCells(uint32_t cells);
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
    /// \return credit frames sent up to now (returns due by now counted, even if the other end
    /// has not needed them yet)
    uint64_t GetCreditFramesSent();
    /// \return data packets sent so far that carried credit returns in their link header
    uint64_t GetPiggybackedCreditReturns() const;
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

    // --- Used by the node's queues (UbSwitch, through UbPortQueues) and by the channel, which
    // delivers what the other end sent (not for scripts) ---

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
     * \brief Arrival of a packet from the peer (a DATA message, delivered by the channel).
     * \param packet the packet
     * \param info its info
     * \param tailReady when its tail is available here, pipeline latency included
     */
    void Receive(Ptr<Packet> packet, UbPacketInfo info, Time tailReady);

    /**
     * \brief A message from the other end of the link (delivered by the UbChannel at the time it
     * takes effect for packets and retry requests, at once for the others, which carry their
     * arrival time).
     * \param m the message
     */
    void ReceiveMessage(const UbLinkMessage& m);
    /// \brief A credit return from the other end (a CREDIT message). \param r the return
    void ReceiveCredit(const UbCreditReturn& r);

    /// \name In one process (UbChannel::IsLocal) the channel lets an end pull the other's
    /// credit returns instead of the other end scheduling an event per return. These run this
    /// end's own bookkeeping for the channel; the other end never calls them.
    /// @{

    /// Emit the credit returns due by nowPs (through the channel). \param nowPs the time
    void FlushReturns(int64_t nowPs);
    /// \return the earliest arrival at the other end of a credit return not yet sent
    int64_t NextReturnArrivalBound() const;
    /// The other end scheduled a release: if this end waits for credits, plan again.
    void OnPeerReturnPending();
    /// @}

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

    /**
     * \brief Check this port's attributes and their agreement with the other end, now.
     *
     * DoInitialize checks the same when the simulation starts; builders call this right after
     * building (UbTopologyHelper::Build does), so that a bad value is refused before anything
     * runs. A port not yet linked is not checked.
     * \throws UbInputError naming the node, the port, the attribute and the fix
     */
    void CheckConfiguration() const;

  protected:
    void DoInitialize() override;
    void DoDispose() override;

  private:
    friend class UbChannel;

    /// Per-VL sending state that is not about credits.
    struct DwrrState
    {
        std::vector<int64_t> deficit;  //!< DWRR deficit per VL (bytes)
        std::vector<uint32_t> quantum; //!< DWRR quantum per VL (bytes)
    };

    /// \return what an arrival at this port reads first, for UbScheduler: this port and the
    /// packet \param packet the packet
    UbHint ArrivalHint(const Packet* packet) const
    {
        return UbHint{this, HotBytes(), packet};
    }

    /// \return bytes of this object a packet's passage reads, from its start (its hot fields):
    /// what UbScheduler fetches ahead of an event of this port
    uint32_t HotBytes() const
    {
        return static_cast<uint32_t>(reinterpret_cast<const char*>(&m_lanes) -
                                     reinterpret_cast<const char*>(this));
    }

    void Validate(const UbLinkParams& peer) const;
    std::string Where() const;
    void TryTransmit();
    void ScheduleAttempt();
    /// Set m_creditBlocked and tell the channel (UbChannel::SetCreditBlocked) \param blocked it
    void SetCreditBlocked(bool blocked);
    void AbsorbCredits(int64_t nowPs);
    void ResolveRx(int64_t nowPs);
    bool HeadFits(uint8_t vl, uint32_t packetBytes) const;
    bool FitsBy(uint8_t vl, uint32_t packetBytes, int64_t atPs) const;
    void FirePhyTxEnd(Ptr<const Packet> p);
    void FirePhyRxEnd(Ptr<const Packet> p);
    void ReceiveCorrupted(Ptr<Packet> packet, UbPacketInfo info, bool retry);
    void LosslessViolation(Ptr<Packet> packet, uint8_t vl, const std::string& what);
    int64_t SerPs(uint64_t wireBytes) const;
    uint64_t ComputeRateBps() const;
    int64_t ControlFrame(int64_t atPs, int64_t framePs);
    void SendMessage(UbLinkMessage& m);
    void SendData(Ptr<Packet> packet,
                  const UbPacketInfo& info,
                  int64_t nowPs,
                  int64_t startPs,
                  int64_t endPs);
    void PlanReplays(Ptr<Packet> packet,
                     UbPacketInfo& info,
                     int64_t& start,
                     int64_t& end,
                     uint32_t wire);
    void SendNextCopy();
    void OnRetryRequest(int64_t atPs);
    void PfcCheck();
    void SchedulePushFlush();
    void PushFlush();
    uint32_t PfcHeadroomCells(const UbLinkParams& peer) const;

    /// What the receive buffer's Resolve calls back (see UbCreditReceiver::Resolve).
    struct RxHost
    {
        UbNetDevice& dev; //!< the device

        /// Cells freed. \param atPs when \param vl VL \param used reserve cells still in use
        void OnFreed(int64_t atPs, uint8_t vl, uint32_t used)
        {
            if (dev.m_pfc || (s_tracedSources && !dev.m_vlOccupancyTrace.IsEmpty()))
            {
                dev.OnFreed(atPs, vl, used);
            }
        }

        /// Credits due. \param atPs when \param vl VL \param r reserve cells \param s shared
        void ReturnCredits(int64_t atPs, uint8_t vl, uint32_t r, uint32_t s)
        {
            dev.ReturnCredits(atPs, vl, r, s);
        }
    };

    void OnFreed(int64_t atPs, uint8_t vl, uint32_t used);
    void ReturnCredits(int64_t atPs, uint8_t vl, uint32_t reservedCells, uint32_t sharedCells);
    void FlushPendingReturns(int64_t nowPs);
    void PiggybackReturns(int64_t startPs);

    bool HasPendingReturns() const
    {
        return m_pendingHead < m_pendingReturns.size();
    }

    // UbPfc::Host
    void SendPfcFrame(int64_t atPs, uint8_t vl, bool pause) override;

    // Accessors of attributes stored elsewhere
    void SetSlToVl(std::string map);
    std::string GetSlToVl() const;
    void SetVlWeights(std::string weights);
    std::string GetVlWeights() const;
    void SetPacketErrorRate(double p);
    double GetPacketErrorRate() const;
    void SetBitErrorRate(double p);
    double GetBitErrorRate() const;
    void SetErrorBurstLength(double l);
    double GetErrorBurstLength() const;
    void SetLinkRetry(bool on);
    bool GetLinkRetry() const;
    void SetRetrySetFlits(uint32_t flits);
    uint32_t GetRetrySetFlits() const;

    /**
     * A TracedCallback that counts, for the whole process, the sources that have sinks
     * (s_tracedSources). While no source of any device has one, a packet passes the trace
     * sources without reading their lists, each in a cache line of its own.
     */
    template <typename... Ts>
    class Trace : public TracedCallback<Ts...>
    {
      public:
        Trace() = default;
        Trace(const Trace&) = delete;
        Trace& operator=(const Trace&) = delete;

        ~Trace()
        {
            if (!this->IsEmpty())
            {
                --s_tracedSources;
            }
        }

        /// \param cb the sink (as TracedCallback::ConnectWithoutContext)
        void ConnectWithoutContext(const CallbackBase& cb)
        {
            const bool was = this->IsEmpty();
            TracedCallback<Ts...>::ConnectWithoutContext(cb);
            Count(was);
        }

        /// \param cb the sink \param path its context (as TracedCallback::Connect)
        void Connect(const CallbackBase& cb, std::string path)
        {
            const bool was = this->IsEmpty();
            TracedCallback<Ts...>::Connect(cb, path);
            Count(was);
        }

        /// \param cb the sink (as TracedCallback::DisconnectWithoutContext)
        void DisconnectWithoutContext(const CallbackBase& cb)
        {
            const bool was = this->IsEmpty();
            TracedCallback<Ts...>::DisconnectWithoutContext(cb);
            Count(was);
        }

        /// \param cb the sink \param path its context (as TracedCallback::Disconnect)
        void Disconnect(const CallbackBase& cb, std::string path)
        {
            const bool was = this->IsEmpty();
            TracedCallback<Ts...>::Disconnect(cb, path);
            Count(was);
        }

      private:
        /// \param wasEmpty whether the list was empty before the change
        void Count(bool wasEmpty)
        {
            if (wasEmpty && !this->IsEmpty())
            {
                ++s_tracedSources;
            }
            else if (!wasEmpty && this->IsEmpty())
            {
                --s_tracedSources;
            }
        }
    };

    /// Trace sources of the packet path, over every UbNetDevice, that have a sink
    static inline uint32_t s_tracedSources = 0;

    // What every packet reads or writes comes first, so that a packet's passage through the
    // port (transmit or receive) touches a few cache lines of it, starting with the one it
    // shares with the object's header (a 72-rank collective touches thousands of ports, which
    // stay out of the second-level cache; doc/architecture.md). Set-up values come last.
    bool m_ready{false};
    bool m_local{true};           //!< the channel joins both ends in this process
    bool m_peerCutThrough{false}; //!< the other end announced cut-through forwarding
    bool m_creditBlocked{false};
    bool m_absorbing{false};
    uint8_t m_vlCount{2};
    uint16_t m_mtu{0};
    FlowControlMode m_fcMode{CREDIT};
    Framing m_framing{UB_CRC};
    uint32_t m_flitSize{20};
    uint32_t m_flitsPerCell{4};
    uint32_t m_dlOverhead{0};
    uint32_t m_port{0};
    uint32_t m_end{0}; //!< this device's end of the channel (0 or 1)
    uint32_t m_peerCna{0};
    UbPortQueues* m_queues{nullptr};
    UbLinkFault m_fault;         //!< link down, lanes lost
    int64_t m_txFreePs{0};       //!< end of the last data packet on the wire
    int64_t m_ctrlFreePs{0};     //!< end of the last control frame on the wire
    int64_t m_flitPs{0};         //!< serialization of one flit
    int64_t m_linkPs{0};         //!< PhyLatency + propagation of this direction
    int64_t m_peerPipelinePs{0}; //!< pipeline latency the other end announced
    uint64_t m_rateBps{0};
    double m_background{0}; //!< share of the line rate another level's traffic takes
    uint8_t m_slToVl[16]{};
    Ptr<UbChannel> m_channel;
    UbCreditSender m_credits;    //!< credits toward the other end (sending half)
    UbCreditReceiver m_rxBuffer; //!< this port's receive buffer (receiving half)

    /// A credit return waiting for a data packet's link header (CreditReturn = Piggyback).
    struct PendingReturn
    {
        int64_t deadlinePs;     //!< a Crd_Ack goes at this time if no data packet starts by then
        uint32_t reservedCells; //!< cells of the VL's reserve
        uint32_t sharedCells;   //!< cells of the shared pool
        uint8_t vl;             //!< the VL
    };

    std::vector<PendingReturn> m_pendingReturns; //!< FIFO by deadline, from m_pendingHead
    uint32_t m_pendingHead{0};
    CreditReturnMode m_creditReturnMode{PIGGYBACK};
    std::unique_ptr<UbPfc> m_pfc; //!< FlowControl = Pfc only
    uint64_t m_txPackets{0};
    uint64_t m_txWireBytes{0};
    uint64_t m_rxPackets{0};
    int64_t m_busyPs{0};
    int64_t m_creditFramePs{0}; //!< serialization of one credit frame
    UbLinkErrorModel m_errors;  //!< errors and link-level retry of this direction
    EventId m_attemptEvent;     //!< the next time this port tries to start a packet

    // Attributes
    uint8_t m_lanes{4};
    DataRate m_laneRate;
    double m_encodingEfficiency{1.0};
    Time m_phyLatency;
    uint32_t m_creditFrameBytes{20};
    uint32_t m_creditGrain{1};
    Time m_piggybackWait;
    Time m_creditTimeout;
    uint32_t m_vlBufferCells{0};
    uint32_t m_sharedBufferCells{0};

    /// SlToVl and VlWeights as given (most ports leave both empty and hold none).
    struct VlStrings
    {
        std::string slToVl;    //!< SlToVl attribute
        std::string vlWeights; //!< VlWeights attribute
    };

    std::unique_ptr<VlStrings> m_vlStrings;
    uint32_t m_quantumBytes{0};
    LosslessCheck m_losslessCheck{ABORT};
    VlArbitration m_arbitration{DWRR};
    uint32_t m_pfcXoffBytes{0};
    uint32_t m_pfcXonBytes{0};
    uint32_t m_pauseFrameBytes{84};

    // Wiring
    Ptr<Node> m_node;
    uint32_t m_ifIndex{0};
    Mac48Address m_address;
    NetDevice::ReceiveCallback m_rxCallback;
    PromiscReceiveCallback m_promiscCallback;

    // Derived at initialization
    int64_t m_peerRetryPs{0}; //!< the other end's retry request set + its link latency
    uint32_t m_peerNodeId{0};
    const UbVlArbiter* m_arbiter{nullptr};
    UbVlArbiterState m_arbState;
    std::unique_ptr<DwrrState> m_dwrr;     //!< DWRR only
    std::unique_ptr<EventId> m_flushEvent; //!< remote channels only: next credit return due

    // Statistics
    uint64_t m_drops{0};
    uint64_t m_creditFrames{0};
    uint64_t m_piggybacked{0};
    std::unique_ptr<uint64_t[]> m_violations; //!< per VL; allocated at the first violation

    // Traces
    Trace<Ptr<const Packet>> m_macTxTrace;
    Trace<Ptr<const Packet>> m_macRxTrace;
    Trace<Ptr<const Packet>> m_phyTxBeginTrace;
    Trace<Ptr<const Packet>> m_phyTxEndTrace;
    Trace<Ptr<const Packet>> m_phyRxEndTrace;
    TracedCallback<Ptr<const Packet>> m_phyRxDropTrace;
    TracedCallback<uint8_t, bool> m_creditStallTrace;
    Trace<uint8_t, uint32_t, uint32_t, Time> m_creditReturnTrace;
    Trace<Time, uint8_t, uint32_t> m_vlOccupancyTrace;
};

} // namespace ns3

#endif /* UB_NET_DEVICE_H */
