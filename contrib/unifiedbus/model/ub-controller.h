/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_CONTROLLER_H
#define UB_CONTROLLER_H

#include "ub-packet-info.h"
#include "ub-transaction.h"
#include "ub-transport.h"

#include "ns3/data-rate.h"
#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/packet.h"
#include "ns3/traced-callback.h"

#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

namespace ns3
{

class Node;
class UbSwitch;

/**
 * \ingroup unifiedbus
 * \brief The UB transaction layer of an endpoint (an NPU's UB controller), aggregated to its
 * node, on top of UbTransport and the node's UbSwitch.
 *
 * **Operations.** Write, WriteWithNotify, Read, Send, AtomicCompareSwap and AtomicFetchAdd,
 * each with an execution order (UbOrder) and a completion callback; every completion also fires
 * the TransactionComplete trace with issue and completion times, bytes and operation.
 *
 * **Packets.** A transaction is segmented into packets of at most Mtu payload bytes. Headers,
 * as the facts give their sizes: network 12 B (added by the switch), transport 16 B, transaction
 * 16 B on every packet, and the 16-B memory-address extension on every packet of a memory
 * request (Write, Read request, Atomic). So a Write packet carries 60 B of headers, a Send packet
 * 44 B, a Read request is 60 B, a Read response packet 44 B plus its data, a TAACK 44 B, and
 * an Atomic request 60 B plus 8 (fetch-add) or 16 (compare-swap) operand bytes.
 *
 * **Timing.** An operation starts InitiatorLatency after the call. Its packets leave the
 * endpoint at EndpointBandwidth (one after another) into the node's switch, which adds its
 * pipeline latency. The target executes a transaction when all its data has arrived and its
 * order allows, and responds TargetLatency later (a TAACK, the Read data, or the Atomic's old
 * value). Write, WriteWithNotify and Send complete when the TAACK arrives; Read when its last
 * byte arrives; Atomics when the response arrives.
 *
 * **State.** Per outstanding transaction a few dozen bytes, freed on completion; at most
 * MaxOutstanding transactions are in flight, later ones wait in order. Per peer: TP channels.
 *
 * Atomics act on a sparse 64-bit memory at the target (only addresses an atomic touched exist),
 * so their results are real: N fetch-adds of 1 leave N and return 0..N-1.
 */
class UbController : public Object
{
  public:
    /// Target-side notification (Send and WriteWithNotify): (source CNA, operation, bytes,
    /// target address: the one the write named, 0 for a Send).
    typedef Callback<void, uint32_t, UbOp, uint64_t, uint64_t> NotifyCallback;
    /// Trace signature of TransactionComplete.
    typedef void (*CompletionTracedCallback)(const UbTransactionRecord& record);
    /// Trace signature of TransactionExecute: (initiator CNA, TASSN, operation, order).
    typedef void (*ExecuteTracedCallback)(uint32_t src, uint16_t tassn, UbOp op, UbOrder order);

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    UbController();
    ~UbController() override;

    /**
     * \brief Write bytes to the target's memory.
     * \param dst target CNA
     * \param bytes data bytes (1 .. 2^32 - 1)
     * \param order execution order at the target
     * \param cb completion callback (may be null)
     * \return the transaction id
     */
    uint64_t Write(uint32_t dst,
                   uint64_t bytes,
                   UbOrder order = UbOrder::NO,
                   UbCompletionCallback cb = UbCompletionCallback());
    /**
     * \brief Write bytes to the target's memory, then notify the target (its notify callback).
     * \param dst target CNA
     * \param bytes data bytes (1 .. 2^32 - 1)
     * \param order execution order at the target
     * \param cb completion callback (may be null)
     * \return the transaction id
     */
    uint64_t WriteWithNotify(uint32_t dst,
                             uint64_t bytes,
                             UbOrder order = UbOrder::NO,
                             UbCompletionCallback cb = UbCompletionCallback());
    /**
     * \brief WriteWithNotify issued with its own options (a collective's run configuration).
     * \param dst target CNA
     * \param bytes data bytes
     * \param order execution order at the target
     * \param cb completion callback (may be null)
     * \param options issue latency and packet flags of this operation
     * \param address target address (it travels in the memory-address extension and reaches
     *        the target's notify callback: a collective names its transfer with it)
     * \return the transaction id
     */
    uint64_t WriteWithNotify(uint32_t dst,
                             uint64_t bytes,
                             UbOrder order,
                             UbCompletionCallback cb,
                             const UbIssueOptions& options,
                             uint64_t address = 0);
    /**
     * \brief Read bytes from the target's memory.
     * \param dst target CNA
     * \param bytes data bytes (1 .. 2^32 - 1)
     * \param order execution order at the target
     * \param cb completion callback (may be null)
     * \return the transaction id
     */
    uint64_t Read(uint32_t dst,
                  uint64_t bytes,
                  UbOrder order = UbOrder::NO,
                  UbCompletionCallback cb = UbCompletionCallback());
    /**
     * \brief Send a message to the target (its notify callback).
     * \param dst target CNA
     * \param bytes data bytes (1 .. 2^32 - 1)
     * \param order execution order at the target
     * \param cb completion callback (may be null)
     * \return the transaction id
     */
    uint64_t Send(uint32_t dst,
                  uint64_t bytes,
                  UbOrder order = UbOrder::NO,
                  UbCompletionCallback cb = UbCompletionCallback());
    /**
     * \brief 8-byte compare-and-swap at the target; the record's result is the old value.
     * \param dst target CNA
     * \param address target address
     * \param compare expected value
     * \param swap new value if the old one equals compare
     * \param order execution order
     * \param cb completion callback
     * \return the transaction id
     */
    uint64_t AtomicCompareSwap(uint32_t dst,
                               uint64_t address,
                               uint64_t compare,
                               uint64_t swap,
                               UbOrder order = UbOrder::NO,
                               UbCompletionCallback cb = UbCompletionCallback());
    /**
     * \brief 8-byte fetch-and-add at the target; the record's result is the old value.
     * \param dst target CNA
     * \param address target address
     * \param add addend
     * \param order execution order
     * \param cb completion callback
     * \return the transaction id
     */
    uint64_t AtomicFetchAdd(uint32_t dst,
                            uint64_t address,
                            uint64_t add,
                            UbOrder order = UbOrder::NO,
                            UbCompletionCallback cb = UbCompletionCallback());

    /// \param cb called at the target when a Send or WriteWithNotify executes
    void SetNotifyCallback(NotifyCallback cb);

    /// \param address an address atomics touched \return its value at this target (0 if never)
    uint64_t GetAtomicValue(uint64_t address) const;
    /// \return this endpoint's CNA
    uint32_t GetCna() const;
    /// \return transactions started and not yet complete
    uint32_t GetOutstanding() const;
    /// \return transactions waiting for a free slot (MaxOutstanding)
    uint32_t GetQueued() const;
    /// \return transactions completed successfully
    uint64_t GetCompleted() const;
    /// \return transactions declared lost (CTP/UTP, after LossTimeout)
    uint64_t GetFailed() const;
    /// \return transactions executed at this endpoint as a target
    uint64_t GetExecuted() const;
    /// \return request packets that arrived here for a transaction that had all its packets
    /// already or had executed (RTP delivers each packet once, so UbInvariants expects 0)
    uint64_t GetDuplicateRequests() const;
    /// \return the transport's counters
    const UbTransport::Stats& GetTransportStats() const;
    /// \return bytes of transaction and transport state held now
    uint64_t GetStateBytes() const;
    /// \return payload bytes per packet
    uint32_t GetMtu() const;
    /**
     * \return the endpoint's transport (aggregated to the node beside this controller; one with
     * default attributes is made if none was installed): set its attributes (Mode, TpChannels,
     * RetransmitTimeout, ...) before the simulation starts, read its counters and rates after
     */
    Ptr<UbTransport> GetTransport();

    /// NLP value of UB transport packets in the network header.
    static constexpr uint8_t NLP_TRANSPORT = 1;

  protected:
    void DoInitialize() override;
    void DoDispose() override;
    void NotifyNewAggregate() override;

  private:
    // --- Callbacks the controller installs in its UbTransport ---

    /**
     * \brief Put a transport packet on the way to the node's switch.
     * \param packet the packet, sized with all its headers (none serialized)
     * \param dst destination CNA
     * \param flowKey ECMP key of its TP channel
     * \param cc C-AQM flags (UB_CC_*)
     * \param flags UB_PKT_* flags
     * \param writeData the packet carries Write or Send data (paced by WriteBandwidth)
     * \param tp its header fields
     * \return false if the switch's injection buffer is full
     */
    bool InjectFromTransport(Ptr<Packet> packet,
                             uint32_t dst,
                             uint32_t flowKey,
                             uint8_t cc,
                             uint8_t flags,
                             bool writeData,
                             const UbTpFields& tp);
    /// Call the transport back when the injection buffer has room.
    void WaitForInjectionRoom();
    /**
     * \brief A DATA packet accepted by the transport.
     * \param packet the packet (its data: the bytes beyond its headers)
     * \param info its info: source, UB_PKT_* flags (the responses inherit them), header fields
     */
    void DeliverFromTransport(Ptr<Packet> packet, const UbPacketInfo& info);

    /// An initiator's transaction in flight.
    struct Txn
    {
        uint64_t id{0};
        uint64_t bytes{0};
        uint64_t received{0};
        uint64_t address{0};
        uint64_t operand[2]{0, 0};
        int64_t issuedPs{0};
        UbCompletionCallback cb;
        uint32_t dst{0};
        uint16_t tassn{0};
        int64_t issuePs{-1}; //!< issue latency of this transaction (negative: InitiatorLatency)
        UbOp op{UbOp::WRITE};
        UbOrder order{UbOrder::NO};
        uint8_t flags{0}; //!< UB_PKT_* flags of its packets
        bool started{false};
    };

    /// A transaction at its target.
    struct TargetTxn
    {
        uint64_t address{0};
        uint64_t operand[2]{0, 0};
        uint32_t length{0};
        uint32_t received{0};
        uint8_t taOpcode{0};
        uint8_t order{0};
        uint8_t flags{0}; //!< UB_PKT_* flags of the request (its response inherits them)
        bool complete{false};
        bool executed{false};
    };

    /// Transactions from one initiator, by sequence number (TASSN unwrapped).
    struct Source
    {
        uint32_t lowest{0}; //!< every sequence below it has executed
        std::map<uint32_t, TargetTxn> txns;
    };

    uint64_t Issue(UbOp op,
                   uint32_t dst,
                   uint64_t bytes,
                   UbOrder order,
                   UbCompletionCallback cb,
                   uint64_t address,
                   uint64_t operand0,
                   uint64_t operand1,
                   const UbIssueOptions& options = UbIssueOptions());
    void Start(uint64_t id);
    void StartQueued();
    void Complete(uint64_t id, bool ok, uint64_t result);
    void OnSwitchReceive(Ptr<Packet> packet, const UbPacketInfo& info);
    void OnRequest(uint32_t src,
                   Ptr<Packet> packet,
                   uint32_t dataBytes,
                   const UbTpFields& th,
                   uint8_t flags);
    void OnResponse(uint32_t src, Ptr<Packet> packet, uint32_t dataBytes, const UbTpFields& th);
    void TryExecute(uint32_t src, Source& s);
    void Execute(uint32_t src, uint32_t seq, TargetTxn& t);
    void Respond(uint32_t src,
                 uint8_t opcode,
                 uint16_t tassn,
                 uint32_t length,
                 uint64_t result,
                 uint8_t flags);
    void CheckDestination(uint32_t dst, const char* what) const;
    void ArmLossTimer();
    void OnLossTimer();
    std::string Where() const;
    int64_t EndpointSerPs(uint32_t bytes) const;

    // Attributes
    uint32_t m_mtu{4096};
    uint32_t m_remoteMtu{0};           //!< payload to peers outside the domain (0: m_mtu)
    uint32_t m_domainFirst{0};         //!< first CNA of the domain
    uint32_t m_domainLast{0xFFFFFFFF}; //!< last CNA of the domain
    Time m_remoteInitiatorLatency;     //!< issue latency toward other domains (negative: local)
    Time m_remoteTargetLatency;        //!< serve latency for other domains (negative: local)
    /// \param cna an endpoint \return true if it is outside this endpoint's domain
    bool IsRemote(uint32_t cna) const;
    /// \param dst target CNA \param issuePs the operation's own latency (negative: none)
    /// \return the issue latency toward dst
    Time InitiatorLatencyTo(uint32_t dst, int64_t issuePs) const;
    /// \param dst target CNA \param issuePs the operation's own latency (negative: none)
    /// \return the time from now to the transaction's start: its issue latency after the issue
    /// engine takes it (now, or IssueInterval after the one before; books the engine)
    Time StartDelay(uint32_t dst, int64_t issuePs);
    DataRate m_endpointBandwidth;
    DataRate m_remoteEndpointBandwidth; //!< RemoteEndpointBandwidth (0: EndpointBandwidth)
    Time m_initiatorLatency;
    Time m_targetLatency;
    Time m_issueInterval;     //!< IssueInterval: least time between two starts
    DataRate m_inNetworkRate; //!< InNetworkRate (read by UbCollectiveEngine; 0: no limit)
    int64_t m_nextTakePs{0};  //!< when the issue engine may take the next (IssueInterval)
    uint32_t m_maxOutstanding{1024};
    Time m_lossTimeout;
    uint8_t m_sl{0};

    Ptr<Node> m_node;
    UbSwitch* m_switch{nullptr};
    Ptr<UbTransport> m_transport;
    bool m_ready{false};
    int64_t m_egressFreePs{0};
    int64_t m_writeFreePs{0};
    DataRate m_writeBandwidth;
    std::unordered_map<uint32_t, int64_t> m_lastSentToPs; //!< CTP/UTP: last packet to each CNA
    uint64_t m_nextId{1};

    std::unordered_map<uint64_t, Txn> m_txns;         //!< by transaction id
    std::unordered_map<uint64_t, uint64_t> m_byTassn; //!< dst << 16 | tassn -> id (started)
    std::vector<uint64_t> m_queued;                   //!< ids waiting for MaxOutstanding
    std::size_t m_queuedHead{0};
    uint32_t m_outstanding{0};
    std::unordered_map<uint32_t, uint16_t> m_nextTassn; //!< per target
    std::unordered_map<uint32_t, Source> m_sources;     //!< per initiator (target side)
    Source* m_lastSource{nullptr};                      //!< the initiator found last
    uint32_t m_lastSourceCna{0};                        //!< its CNA
    std::unordered_map<uint64_t, uint64_t> m_atomicMemory;
    std::vector<std::pair<int64_t, uint64_t>> m_lossDeadlines; //!< (deadline, id) min-heap
    EventId m_lossEvent;
    NotifyCallback m_notify;

    uint64_t m_completed{0};
    uint64_t m_failed{0};
    uint64_t m_executed{0};
    uint64_t m_duplicateRequests{0}; //!< GetDuplicateRequests
    TracedCallback<const UbTransactionRecord&> m_completeTrace;
    TracedCallback<uint32_t, uint16_t, UbOp, UbOrder> m_executeTrace;
};

} // namespace ns3

#endif /* UB_CONTROLLER_H */
