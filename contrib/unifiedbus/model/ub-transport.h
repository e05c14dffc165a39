/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_TRANSPORT_H
#define UB_TRANSPORT_H

#include "ub-packet-info.h"

#include "ns3/callback.h"
#include "ns3/data-rate.h"
#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/packet.h"
#include "ns3/random-variable-stream.h"

#include <array>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <unordered_map>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief One transaction request or response as the transport carries it: the transaction
 * layer's description, segmented by the transport into packets of at most the MTU.
 */
struct UbTpMessage
{
    uint8_t taOpcode{0};       //!< UbTransactionHeader::Opcode
    uint8_t order{0};          //!< execution order (UbOrder)
    uint16_t tassn{0};         //!< transaction sequence number
    uint32_t dataBytes{0};     //!< data bytes carried (0: one header-only packet)
    uint32_t lengthField{0};   //!< BTAH/ATAH length: total data (bytes requested, for a Read)
    uint32_t operandBytes{0};  //!< atomic operand or result bytes in the (single) packet
    uint64_t operand[2]{0, 0}; //!< their values (CAS: compare, swap; fetch-add: addend; result)
    uint64_t address{0};       //!< target address (memory requests)
    bool memHeader{false};     //!< the packets carry a MAETAH
    uint8_t flags{0};          //!< UB_PKT_* flags of its packets
    uint32_t nextOffset{0};    //!< segmentation progress
};

/**
 * \ingroup unifiedbus
 * \brief UB transport layer of an endpoint: TP channels toward each peer, RTP reliability
 * (PSN, ACK/NAK/SACK, retransmission on timeout, go-back-N or selective repeat), CTP and UTP.
 *
 * A peer is reached through K TP channels (a TP channel group) whose packets carry different
 * load-balance fields, so switches may route them on different paths. A transaction's packets
 * stay on one channel (PER_TRANSACTION) or are spread over all K (PER_PACKET); the target's
 * transaction layer reassembles by offset, so order across channels does not matter. With
 * PER_TRANSACTION successive transactions to a peer pick their channel, and with it their path,
 * as ChannelChoice says: in turn (default), at random, or the least loaded; so the 126 steps of
 * a ring AllReduce between two NPUs do not all take the path one channel's hash gives.
 *
 * RTP: every DATA packet has a PSN per channel; the receiver acknowledges cumulatively every
 * AckEvery packets and at the last packet of each message. Go-back-N: the receiver keeps only
 * in-order packets and sends one NAK per gap; the sender resends from the NAKed PSN, or from the
 * oldest unacknowledged one when its retransmission timer expires. Selective repeat: the
 * receiver keeps packets up to 64 PSNs ahead and reports them in a 64-bit SACK bitmap; the
 * sender resends only the holes. The retransmission timeout follows the measured round trips
 * to the peer as RFC 6298 computes it (SRTT + max(G, 4 RTTVAR), Karn's rule, doubling on expiry),
 * within [RetransmitTimeout, MaxRetransmitTimeout]. CTP has no end-to-end retransmission (it relies
 * on link-level retry); UTP is unreliable; both count the PSNs that never arrived.
 *
 * State is per peer actually used (created on first use): a channel holds a few counters and a
 * ring of descriptors of its unacknowledged packets (about 40 bytes each), never packet payload.
 *
 * An ns-3 Object aggregated to the endpoint's node beside its UbController (UbControllerHelper
 * installs both; its attributes are the transport's configuration). It knows nothing of the
 * controller: the controller starts it with what the endpoint is (Start) and joins the two with
 * callbacks (SetCallbacks): packets go down through the inject callback, accepted DATA goes up
 * through the deliver callback. The controller keeps transactions; the transport keeps packets.
 */
class UbTransport : public Object
{
  public:
    /// Transport service.
    enum Mode
    {
        RTP, //!< reliable: end-to-end retransmission
        CTP, //!< compact: relies on the link layer
        UTP, //!< unreliable
    };

    /// RTP retransmission scheme.
    enum Retransmission
    {
        GO_BACK_N, //!< resend everything from the lost packet
        SELECTIVE, //!< resend only what is missing (SACK)
    };

    /// How a transaction uses the channels of a group.
    enum Multipath
    {
        PER_TRANSACTION, //!< all packets of a transaction on one channel
        PER_PACKET,      //!< packets spread over all channels
    };

    /// How successive transactions to a peer pick their channel (Multipath = PerTransaction).
    enum ChannelChoice
    {
        ROUND_ROBIN,  //!< in turn, from (own CNA + peer CNA) mod TpChannels
        RANDOM,       //!< uniformly at random per transaction
        LEAST_LOADED, //!< the channel with the fewest packets unacknowledged or still to send
    };

    /// Congestion control.
    enum CongestionControl
    {
        CC_NONE,  //!< none
        CC_CAQM,  //!< C-AQM
        CC_DCQCN, //!< DCQCN (RoCE): ECN marks, CNPs, rate decrease and recovery
        CC_SAME,  //!< RemoteCongestionControl only: as CongestionControl
    };

    /// What the endpoint tells its transport when it starts.
    struct Endpoint
    {
        uint32_t cna{0};                 //!< the endpoint's CNA
        uint32_t mtu{4096};              //!< payload bytes per packet
        uint32_t remoteMtu{0};           //!< payload bytes per packet to peers outside
                                         //!< [domainFirst, domainLast] (0: mtu)
        uint32_t domainFirst{0};         //!< first CNA of the endpoint's own domain
        uint32_t domainLast{0xFFFFFFFF}; //!< last CNA of the endpoint's own domain
        double maxRateBps{0};            //!< the most one channel may send (C-AQM ceiling)
        double remoteMaxRateBps{0};      //!< the same toward peers outside the domain (0: as
                                         //!< maxRateBps)
    };

    /// Hands a packet to the endpoint's way out: (packet sized with all its headers, destination
    /// CNA, flow key, C-AQM flags, UB_PKT_* flags, carries Write/Send data, its header fields);
    /// false if the injection buffer is full.
    typedef Callback<bool,
                     Ptr<Packet>,
                     uint32_t,
                     uint32_t,
                     uint8_t,
                     uint8_t,
                     bool,
                     const UbTpFields&>
        InjectCallback;
    /// Hands accepted DATA to the transaction layer: (packet, its info: source, UB_PKT_* flags and
    /// header fields).
    typedef Callback<void, Ptr<Packet>, const UbPacketInfo&> DeliverCallback;
    /// Asks to be called (OnInjectionRoom) when the injection buffer has room again.
    typedef Callback<void> WaitCallback;

    /// Counters.
    struct Stats
    {
        uint64_t dataSent{0};        //!< DATA packets sent, retransmissions included
        uint64_t retransmitted{0};   //!< DATA packets sent again
        uint64_t acksSent{0};        //!< ACK, NAK and SACK packets sent
        uint64_t timeouts{0};        //!< retransmission timer expiries
        uint64_t duplicates{0};      //!< DATA packets received twice (dropped)
        uint64_t outOfWindow{0};     //!< DATA packets dropped as beyond the receive window
        uint64_t lost{0};            //!< CTP/UTP: PSNs that never arrived (so far)
        uint64_t delivered{0};       //!< DATA packets handed to the transaction layer
        uint64_t congestionMarks{0}; //!< ACKs that carried a C-AQM congestion mark
        uint64_t cnpsSent{0};        //!< DCQCN: congestion notification packets sent
        uint64_t cnpsReceived{0};    //!< DCQCN: CNPs received (each a rate decrease)
    };

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    UbTransport();
    ~UbTransport() override;

    UbTransport(const UbTransport&) = delete;
    UbTransport& operator=(const UbTransport&) = delete;

    /**
     * \brief Join the transport to the layer above (the controller does it when it starts).
     * \param inject where packets go down
     * \param deliver where accepted DATA goes up
     * \param waitForRoom how to wait for room in the injection buffer
     */
    void SetCallbacks(InjectCallback inject, DeliverCallback deliver, WaitCallback waitForRoom);

    /**
     * \brief Start: check the attributes and take what the endpoint is. Aborts with a message
     * naming the attribute if one is out of range.
     * \param endpoint the endpoint's CNA, packet sizes, domain and rate ceiling
     */
    void Start(const Endpoint& endpoint);

    /// \return the transport service
    Mode GetMode() const
    {
        return m_mode;
    }

    /// \return the channels one transaction's packets are spread over: TpChannels with
    /// PerPacket multipath, else 1
    uint32_t GetSprayWidth() const
    {
        return m_multipath == PER_PACKET ? m_channels : 1;
    }

    /**
     * \brief Queue a message toward a peer and try to send.
     * \param dst peer CNA
     * \param msg the message
     */
    void Send(uint32_t dst, const UbTpMessage& msg);

    /**
     * \brief A packet from the network.
     * \param packet the packet (its headers travel as info.tp)
     * \param info its info: source CNA, the C-AQM flags and hint the switches left on it, the
     * UB_PKT_* flags its sender set (acknowledgements inherit them), its header fields
     */
    void Receive(Ptr<Packet> packet, const UbPacketInfo& info);

    /**
     * \brief Bytes of a transport packet's headers, which its size counts but which are not
     * serialized into it: network (12), transport (16, a SACK 24), and for DATA transaction
     * (16) and memory (16, when it has one).
     * \param tp the packet's header fields
     * \return header bytes
     */
    static uint32_t HeaderBytes(const UbTpFields& tp);

    /**
     * \param peer peer CNA
     * \param index channel index
     * \return the C-AQM sending rate of a channel (b/s), 0 if the channel does not exist
     */
    double GetRate(uint32_t peer, uint32_t index) const;

    /// Send what the windows and the endpoint's injection buffer allow.
    void Pump();

    /// The endpoint's injection buffer has room again (after WaitForInjectionRoom).
    void OnInjectionRoom();

    /// \return the counters
    const Stats& GetStats() const;
    /// \return peers with channel state
    uint32_t GetNPeers() const;
    /// \return DATA packets sent and not yet acknowledged, over all channels
    uint64_t GetUnacked() const;
    /**
     * \brief Describe the channels with packets unacknowledged or waiting to be sent, one line
     * each (for the watchdog's report).
     * \param os where to write \param limit the most lines \return channels with such packets
     */
    uint32_t DescribePending(std::ostream& os, uint32_t limit) const;

    /// Hand the next DATA packet accepted up twice, as a transport bug would: for the tests of
    /// UbInvariants only.
    void DuplicateNextDeliveryForTest()
    {
        m_duplicateNext = true;
    }

    /// \return bytes of transport state (channels, descriptor rings, queues)
    uint64_t GetMemoryBytes() const;
    /**
     * \brief Use fixed random streams (ChannelChoice = Random).
     * \param stream first stream index
     * \return streams used (1)
     */
    int64_t AssignStreams(int64_t stream);

  protected:
    void DoDispose() override;

  private:
    /// What is needed to (re)build one DATA packet.
    struct Desc
    {
        uint32_t psn{0};
        uint32_t offset{0};
        uint32_t len{0};
        uint32_t lengthField{0};
        uint64_t address{0};
        uint64_t operand[2]{0, 0};
        int64_t sentPs{0}; //!< last (re)transmission, for RTT samples
        uint16_t tassn{0};
        uint8_t taOpcode{0};
        uint8_t order{0};
        uint8_t operandBytes{0};
        uint8_t flags{0}; //!< UB_PKT_* flags
        bool memHeader{false};
        bool last{false};
        bool sacked{false};
        bool resent{false};        //!< selective repeat: already resent for this SACK round
        bool retransmitted{false}; //!< sent more than once (no RTT sample: Karn)
    };

    /// Round-trip estimate as RFC 6298 keeps it (SRTT, RTTVAR), in picoseconds.
    struct RttEstimator
    {
        int64_t srttPs{-1};  //!< smoothed round-trip time (-1: no sample yet)
        int64_t rttvarPs{0}; //!< round-trip time variation

        /// \param r a round-trip sample (ps): the first sets SRTT = R, RTTVAR = R/2; later ones
        /// move RTTVAR by 1/4 and SRTT by 1/8 (RFC 6298 section 2)
        void Sample(int64_t r);
    };

    /// DCQCN state of a channel (both ends), made only once congestion was seen.
    struct DcqcnState
    {
        double alpha{1};        //!< sender: congestion estimate (starts at 1, as the paper's)
        double targetBps{0};    //!< sender: the rate before the latest decrease (R_T)
        int64_t alphaPs{0};     //!< sender: start of the current alpha-update period
        int64_t timerPs{0};     //!< sender: start of the current rate-increase period
        uint64_t bytes{0};      //!< sender: bytes since the byte counter last expired
        uint32_t timerStage{0}; //!< sender: rate-increase timer expiries since the decrease
        uint32_t byteStage{0};  //!< sender: byte-counter expiries since the decrease
        bool limited{false};    //!< sender: below the line rate
        int64_t lastCnpPs{-1};  //!< receiver: when the latest CNP went out
    };

    struct Peer;

    /// A TP channel: sender and receiver halves toward one peer.
    struct Channel
    {
        uint32_t peer{0};
        uint32_t index{0};
        // sender
        uint32_t nextPsn{0};    //!< next new PSN
        uint32_t sndUna{0};     //!< oldest unacknowledged PSN
        uint32_t sndNxt{0};     //!< next PSN to (re)transmit (go-back-N)
        std::vector<Desc> ring; //!< unacked descriptors, ring buffer (power-of-two capacity)
        uint32_t ringHead{0};
        std::vector<uint32_t> resendQueue; //!< selective repeat: PSNs to resend
        std::vector<UbTpMessage> queue;    //!< messages to send (PER_TRANSACTION)
        uint32_t queueHead{0};
        int64_t rtoStartPs{-1}; //!< when the retransmission timer started (-1: stopped)
        uint32_t rtoBackoff{1};
        RttEstimator* rtt{nullptr}; //!< the peer's round-trip estimate (shared by its channels)
        Peer* owner{nullptr};       //!< the peer whose channel it is
        EventId rtoEvent;
        bool active{false};
        // receiver
        uint32_t expected{0}; //!< next in-order PSN
        uint64_t bitmap{0};   //!< selective repeat: bit i = PSN expected + 1 + i arrived
        uint32_t sinceAck{0};
        int64_t firstUnackedPs{-1}; //!< receiver: arrival of the oldest packet not yet acked
        EventId ackEvent;
        bool nakSent{false};
        // Congestion control (C-AQM, DCQCN)
        uint8_t cc{CC_NONE};               //!< the channel's CongestionControl
        double lineBps{0};                 //!< the most it may send
        std::unique_ptr<DcqcnState> dcqcn; //!< DCQCN state, made at the first mark
        double rateBps{0};                 //!< sender: current rate (0 = not paced)
        int64_t nextSendPs{0};             //!< sender: earliest next packet
        EventId paceEvent;
        bool ccSeen{false};      //!< receiver: CC-capable data since the last ACK
        bool ccCongested{false}; //!< receiver: a congestion mark since the last ACK
        uint16_t ccHint{0xFFFF}; //!< receiver: smallest hint since the last ACK
        uint8_t replyFlags{0};   //!< receiver: UB_PKT_* flags of the latest DATA (ACKs copy them)
    };

    /// Channels and shared queue toward one peer.
    struct Peer
    {
        std::vector<Channel> channels;
        RttEstimator rtt;                //!< round trips to this peer, over all its channels
        std::vector<UbTpMessage> shared; //!< messages to spread (PER_PACKET)
        uint32_t sharedHead{0};
        uint32_t nextChannel{0}; //!< PER_PACKET: the channel after the one that took the
                                 //!< group's last packet; otherwise the next in turn
        uint32_t mtu{0};         //!< payload bytes per packet to this peer
        bool rotated{false};     //!< nextChannel seeded from the two CNAs
    };

    enum SendResult
    {
        SENT,
        NOTHING,
        BLOCKED
    };

    Peer& GetPeer(uint32_t cna);
    Channel& GetChannel(uint32_t cna, uint32_t index);
    SendResult TrySendOne(Channel& ch);
    bool NextNewSegment(Channel& ch, Desc& d, bool commit);
    bool InjectData(Channel& ch, const Desc& d);
    bool InjectAck(Channel& ch, uint8_t opcode);
    void Activate(Channel& ch);
    void ArmTimer(Channel& ch);
    void OnTimer(uint32_t peer, uint32_t index);
    void OnAck(Channel& ch,
               uint8_t opcode,
               uint32_t ackPsn24,
               uint64_t sack,
               uint8_t flags,
               uint16_t hint);
    void OnData(Channel& ch, Ptr<Packet> packet, const UbPacketInfo& info);
    bool Paced(Channel& ch);
    void OnCnp(Channel& ch);
    void DcqcnAdvance(Channel& ch, int64_t now);
    void DcqcnIncrease(Channel& ch);
    bool InjectCnp(Channel& ch);
    void AckOrDelay(Channel& ch, bool now);
    void OnAckTimer(uint32_t peer, uint32_t index);
    void Sent(Channel& ch, uint32_t bytes);
    uint32_t FlowKey(const Channel& ch) const;
    uint32_t ChooseChannel(Peer& p, uint32_t dst);
    uint32_t Backlog(const Channel& ch, uint32_t mtu) const;
    Desc& RingAt(Channel& ch, uint32_t psn);
    uint32_t Unacked(const Channel& ch) const;
    uint32_t Window() const;
    int64_t RtoPs(const Channel& ch) const;
    int64_t DeadlinePs(const Channel& ch) const;

    std::string Where() const;

    // Attributes
    Mode m_mode{RTP};
    Retransmission m_retransmission{GO_BACK_N};
    Multipath m_multipath{PER_TRANSACTION};
    ChannelChoice m_channelChoice{ROUND_ROBIN};
    Ptr<UniformRandomVariable> m_channelRng; //!< ChannelChoice = Random
    uint32_t m_channels{4};
    uint32_t m_window{256};
    uint32_t m_ackEvery{8};
    Time m_ackDelay;
    Time m_rto;
    Time m_maxRto;
    int64_t m_maxRtoPs{0}; //!< the RTO's ceiling in force (MaxRetransmitTimeout, or its default)
    CongestionControl m_cc{CC_NONE};
    double m_caqmIncrease{0.05};
    double m_caqmMinRate{0.01};
    CongestionControl m_remoteCc{CC_SAME};
    double m_dcqcnG{1.0 / 256};
    Time m_dcqcnAlphaPeriod;
    Time m_dcqcnIncreasePeriod;
    uint64_t m_dcqcnByteCounter{10000000};
    uint32_t m_dcqcnF{5};
    DataRate m_dcqcnAi;
    DataRate m_dcqcnHai;
    DataRate m_dcqcnMinRate;
    Time m_cnpInterval;

    // From the endpoint, at Start
    Endpoint m_endpoint;
    bool m_paced{false}; //!< some channel may be paced (C-AQM or DCQCN)
    InjectCallback m_inject;
    DeliverCallback m_deliver;
    WaitCallback m_waitForRoom;

    std::unordered_map<uint32_t, Peer> m_peers; //!< node-based: channels keep pointers into it
    Peer* m_lastPeer{nullptr};                  //!< the peer GetPeer found last
    uint32_t m_lastPeerCna{0};                  //!< its CNA
    RttEstimator m_rtt;             //!< round trips to every peer (a new peer starts from it)
    std::vector<Channel*> m_active; //!< channels with something to send
    /**
     * \brief A packet of a size, shared: a transport packet's bytes are virtual and nothing
     * writes into it, so packets of one size can be one Packet (a small cache by size).
     * \param bytes size
     * \return the packet
     */
    Ptr<Packet> SizedPacket(uint32_t bytes);
    std::array<Ptr<Packet>, 8> m_sized; //!< SizedPacket's cache, by size modulo 8
    uint32_t m_rr{0};
    std::vector<std::pair<Channel*, uint8_t>>
        m_pendingAcks; //!< acknowledgements refused by a full buffer
    bool m_pumping{false};
    bool m_waitingRoom{false};
    Stats m_stats;
    bool m_duplicateNext{false}; //!< DuplicateNextDeliveryForTest
    /// Count a DATA packet delivered and hand it to the transaction layer.
    void DeliverUp(Ptr<Packet> packet, const UbPacketInfo& info);
};

} // namespace ns3

#endif /* UB_TRANSPORT_H */
