/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-net-device.h"

#include "ub-channel.h"
#include "ub-compat.h"
#include "ub-network-header.h"
#include "ub-switch.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/trace-source-accessor.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbNetDevice");
NS_OBJECT_ENSURE_REGISTERED(UbNetDevice);

namespace
{
constexpr int64_t NEVER = std::numeric_limits<int64_t>::max();

/// Later release first out of std::push_heap/pop_heap, i.e. a min-heap on time.
struct ReleaseLater
{
    template <typename R>
    bool operator()(const R& a, const R& b) const
    {
        return a.atPs > b.atPs;
    }
};

/// Parse "a,b,c" into unsigned integers; returns false on a malformed list.
bool
ParseList(const std::string& s, std::vector<uint32_t>& out)
{
    out.clear();
    if (s.empty())
    {
        return true;
    }
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
    {
        if (item.empty() || item.find_first_not_of("0123456789 ") != std::string::npos)
        {
            return false;
        }
        out.push_back(static_cast<uint32_t>(std::stoul(item)));
    }
    return true;
}
} // namespace

TypeId
UbNetDevice::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::UbNetDevice")
            .SetParent<NetDevice>()
            .SetGroupName("UnifiedBus")
            .AddConstructor<UbNetDevice>()
            // Physical layer
            .AddAttribute("Lanes",
                          "Transmit lanes of this direction: 1, 2, 4 or 8 (UB ports; the two "
                          "directions of a link may differ). Default 4: Ascend 950 groups its 72 "
                          "SerDes lanes into 18 x4 ports (Ascend 950 whitepaper section 3).",
                          UintegerValue(4),
                          MakeUintegerAccessor(&UbNetDevice::m_lanes),
                          MakeUintegerChecker<uint8_t>())
            .AddAttribute("LaneRate",
                          "Signalling rate of one lane (bit/s). Default 112 Gb/s: Ascend 950 "
                          "HiLink SerDes (Ascend 950 whitepaper section 3).",
                          DataRateValue(DataRate("112Gbps")),
                          MakeDataRateAccessor(&UbNetDevice::m_laneRate),
                          MakeDataRateChecker())
            .AddAttribute("EncodingEfficiency",
                          "Fraction of the lane rate left for flits after line coding and FEC "
                          "(0 < e <= 1). Default 0.9375 = 120/128, the RS(128,120) FEC of UB's "
                          "default FEC mode (UB Base Spec 2.0 section 3.2); the vendor-defined "
                          "alignment-marker overhead is left out.",
                          DoubleValue(0.9375),
                          MakeDoubleAccessor(&UbNetDevice::m_encodingEfficiency),
                          MakeDoubleChecker<double>())
            .AddAttribute("PhyLatency",
                          "Fixed latency of the PHY/FEC path of this direction, transmitter and "
                          "receiver together (time). Default 20 ns: an assumption for UB's "
                          "low-latency FEC modes; calibrated per preset.",
                          TimeValue(NanoSeconds(20)),
                          MakeTimeAccessor(&UbNetDevice::m_phyLatency),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("FlitSize",
                          "Flit size (bytes): 20 for UB (UB Base Spec 2.0 section 1.6), 16 for "
                          "NVLink-like links. Packets are framed in whole flits.",
                          UintegerValue(20),
                          MakeUintegerAccessor(&UbNetDevice::m_flitSize),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("Framing",
                          "Data-link framing: UbCrc (UB Base Spec 2.0 section 4.3, CRC mode: LPH "
                          "4 B, a 4-B BCRC per 32-flit block, LBH 2 B per later block), UbNoCrc "
                          "(LPH, LBH, 1-B END; needs FEC) or Fixed (DlOverhead bytes per packet, "
                          "for non-UB links).",
                          EnumValue(UbNetDevice::UB_CRC),
                          MakeEnumAccessor(&UbNetDevice::m_framing),
                          MakeEnumChecker(UbNetDevice::UB_CRC,
                                          "UbCrc",
                                          UbNetDevice::UB_NO_CRC,
                                          "UbNoCrc",
                                          UbNetDevice::FIXED,
                                          "Fixed"))
            .AddAttribute("DlOverhead",
                          "Bytes the data link adds to every packet before flit rounding, used "
                          "when Framing is Fixed (bytes).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbNetDevice::m_dlOverhead),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("Mtu",
                          "Largest network packet (bytes, network header included). Default "
                          "4156 = 4096-B payload + NTH 12 + RTPH 16 + BTAH 16 + MAETAH 16 "
                          "(unifiedbus-facts section 1.4).",
                          UintegerValue(4156),
                          MakeUintegerAccessor(&UbNetDevice::SetMtu, &UbNetDevice::GetMtu),
                          MakeUintegerChecker<uint16_t>())
            // Flow control
            .AddAttribute("FlowControl",
                          "Link-level flow control: Credit (lossless, default), Pfc (priority "
                          "flow control per VL, lossless, RoCE-like) or None (drop-tail receive "
                          "buffers, drops counted).",
                          EnumValue(UbNetDevice::CREDIT),
                          MakeEnumAccessor(&UbNetDevice::m_fcMode),
                          MakeEnumChecker(UbNetDevice::CREDIT,
                                          "Credit",
                                          UbNetDevice::NONE,
                                          "None",
                                          UbNetDevice::PFC,
                                          "Pfc"))
            .AddAttribute("LosslessViolation",
                          "What a lossless port (FlowControl Credit or Pfc) does when a packet "
                          "arrives to a full receive buffer, which is a model bug: Abort (stop the "
                          "run with a message naming the node, port and VL) or Count (count it "
                          "per VL, drop the packet, return its cells and go on; for tests that "
                          "assert the count is zero).",
                          EnumValue(UbNetDevice::ABORT),
                          MakeEnumAccessor(&UbNetDevice::m_losslessCheck),
                          MakeEnumChecker(UbNetDevice::ABORT, "Abort", UbNetDevice::COUNT, "Count"))
            .AddAttribute("PfcXoff",
                          "PFC: occupancy of a VL's receive buffer at which the port sends PAUSE "
                          "(bytes; 0 = the buffer less the headroom that what is already on its "
                          "way can fill). A value that leaves less headroom stops the run.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbNetDevice::m_pfcXoffBytes),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("PfcXon",
                          "PFC: occupancy at which a paused VL is resumed (bytes; 0 = XOFF less "
                          "two maximum packets).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbNetDevice::m_pfcXonBytes),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("PauseFrameBytes",
                          "PFC: wire size of a PAUSE frame (bytes). Default 84: a 64-B MAC "
                          "control frame (IEEE 802.1Qbb) + 8-B preamble + 12-B inter-frame gap.",
                          UintegerValue(84),
                          MakeUintegerAccessor(&UbNetDevice::m_pauseFrameBytes),
                          MakeUintegerChecker<uint32_t>(1, 100000))
            .AddAttribute("FlitsPerCell",
                          "Flits per credit cell (the credit unit; UB Base Spec 2.0 section 1.6 "
                          "makes it configurable, 1..128). Default 8 (160-B cells), the spec's "
                          "default FLOW_CTRL_SIZE (section 4.6).",
                          UintegerValue(8),
                          MakeUintegerAccessor(&UbNetDevice::m_flitsPerCell),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("VlBufferCells",
                          "Receive buffer reserved for each VL (cells). Default 512 cells "
                          "(80 KiB at 160-B cells): enough for full rate at 400 Gb/s over about "
                          "150 m of cable; an assumption.",
                          UintegerValue(512),
                          MakeUintegerAccessor(&UbNetDevice::m_vlBufferCells),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("SharedBufferCells",
                          "Receive buffer shared by all VLs beyond their reserve (cells); 0 for "
                          "none. A VL uses its reserve first, then the shared pool.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbNetDevice::m_sharedBufferCells),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("CreditReturnGrain",
                          "Freed cells a receiver gathers before it sends a credit frame (cells; "
                          "1 = a frame per released packet, the spec's default "
                          "CTRL_CREDIT_GRAIN_SIZE).",
                          UintegerValue(1),
                          MakeUintegerAccessor(&UbNetDevice::m_creditGrain),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("CreditReturnTimeout",
                          "Longest time freed cells wait for the grain to fill before they are "
                          "returned anyway (time), so that an idle link gets every credit back. "
                          "The spec states no such timer; this is the model's.",
                          TimeValue(NanoSeconds(100)),
                          MakeTimeAccessor(&UbNetDevice::m_creditTimeout),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("CreditFrameBytes",
                          "Wire size of one credit frame (bytes). Default 40: UB's Crd_Ack "
                          "control block is 2 flits (UB Base Spec 2.0 section 4.4).",
                          UintegerValue(40),
                          MakeUintegerAccessor(&UbNetDevice::m_creditFrameBytes),
                          MakeUintegerChecker<uint32_t>())
            // Virtual lanes
            .AddAttribute("VlCount",
                          "Number of VLs (1..16). Default 2: UB-Mesh's routing is deadlock-free "
                          "with 2 VLs (arXiv 2503.20377).",
                          UintegerValue(2),
                          MakeUintegerAccessor(&UbNetDevice::m_vlCount),
                          MakeUintegerChecker<uint8_t>())
            .AddAttribute("SlToVl",
                          "SL-to-VL map as a comma-separated list, entry i = VL of SL i; SLs not "
                          "listed map to SL mod VlCount.",
                          StringValue(""),
                          MakeStringAccessor(&UbNetDevice::m_slToVlString),
                          MakeStringChecker())
            .AddAttribute("VlArbitration",
                          "Output VL arbitration: StrictPriority (highest VL first) or Dwrr.",
                          EnumValue(UbNetDevice::STRICT_PRIORITY),
                          MakeEnumAccessor(&UbNetDevice::m_arbitration),
                          MakeEnumChecker(UbNetDevice::STRICT_PRIORITY,
                                          "StrictPriority",
                                          UbNetDevice::DWRR,
                                          "Dwrr"))
            .AddAttribute("VlWeights",
                          "DWRR weights as a comma-separated list, entry i = weight of VL i "
                          "(missing entries weigh 1).",
                          StringValue(""),
                          MakeStringAccessor(&UbNetDevice::m_vlWeightsString),
                          MakeStringChecker())
            .AddAttribute("DwrrQuantum",
                          "DWRR quantum of weight 1 (bytes); 0 = the wire size of one maximum "
                          "packet.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbNetDevice::m_quantumBytes),
                          MakeUintegerChecker<uint32_t>())
            // Errors and link-level retry
            .AddAttribute("PacketErrorRate",
                          "Probability that a packet sent on this direction arrives corrupted "
                          "(fails the receiver's CRC) (0 <= p < 1).",
                          DoubleValue(0.0),
                          MakeDoubleAccessor(&UbNetDevice::m_packetErrorRate),
                          MakeDoubleChecker<double>())
            .AddAttribute("BitErrorRate",
                          "Residual bit error rate after FEC on this direction: a packet of n wire "
                          "bits errs with 1 - (1 - BER)^n, on top of PacketErrorRate.",
                          DoubleValue(0.0),
                          MakeDoubleAccessor(&UbNetDevice::m_bitErrorRate),
                          MakeDoubleChecker<double>())
            .AddAttribute("ErrorBurstLength",
                          "Mean length of error bursts in packets: after an error the next "
                          "packet errs with probability 1 - 1/length (1 = independent errors).",
                          DoubleValue(1.0),
                          MakeDoubleAccessor(&UbNetDevice::m_errorBurstLength),
                          MakeDoubleChecker<double>())
            .AddAttribute("LinkRetry",
                          "Link-level retry (UB Base Spec 2.0 section 4.7): a corrupted packet is "
                          "replayed from the sender's retry buffer after a Retry_Req_Set and a "
                          "Retry_Ack_Set; off, it is dropped and counted.",
                          BooleanValue(true),
                          MakeBooleanAccessor(&UbNetDevice::m_linkRetry),
                          MakeBooleanChecker())
            .AddAttribute("RetrySetFlits",
                          "Flits of a retry request or acknowledgement set: 1 Retry_Idle + 32 "
                          "Retry_Req (or Retry_Ack) blocks of one flit (UB Base Spec 2.0 4.7.3).",
                          UintegerValue(33),
                          MakeUintegerAccessor(&UbNetDevice::m_retryFlits),
                          MakeUintegerChecker<uint32_t>())
            // Traces (names of ns-3's point-to-point device, plus UB's own)
            .AddTraceSource("MacTx",
                            "A packet was taken from the switch for transmission.",
                            MakeTraceSourceAccessor(&UbNetDevice::m_macTxTrace),
                            "ns3::Packet::TracedCallback")
            .AddTraceSource("MacRx",
                            "A packet was accepted into the receive buffer.",
                            MakeTraceSourceAccessor(&UbNetDevice::m_macRxTrace),
                            "ns3::Packet::TracedCallback")
            .AddTraceSource("PhyTxBegin",
                            "A packet starts on the wire.",
                            MakeTraceSourceAccessor(&UbNetDevice::m_phyTxBeginTrace),
                            "ns3::Packet::TracedCallback")
            .AddTraceSource("PhyTxEnd",
                            "A packet's tail left the wire (an event is scheduled for it only "
                            "while this trace has a sink).",
                            MakeTraceSourceAccessor(&UbNetDevice::m_phyTxEndTrace),
                            "ns3::Packet::TracedCallback")
            .AddTraceSource("PhyRxEnd",
                            "A packet's tail was received, pipeline latency included (an event "
                            "is scheduled for it only while this trace has a sink).",
                            MakeTraceSourceAccessor(&UbNetDevice::m_phyRxEndTrace),
                            "ns3::Packet::TracedCallback")
            .AddTraceSource("PhyRxDrop",
                            "A packet was dropped: the receive buffer was full (FlowControl "
                            "None).",
                            MakeTraceSourceAccessor(&UbNetDevice::m_phyRxDropTrace),
                            "ns3::Packet::TracedCallback")
            .AddTraceSource("CreditStall",
                            "A VL has a packet waiting but not enough credits (true), or got "
                            "them (false).",
                            MakeTraceSourceAccessor(&UbNetDevice::m_creditStallTrace),
                            "ns3::UbNetDevice::CreditStallTracedCallback")
            .AddTraceSource("CreditReturn",
                            "Credits reached this (sending) port; the time argument is when.",
                            MakeTraceSourceAccessor(&UbNetDevice::m_creditReturnTrace),
                            "ns3::UbNetDevice::CreditReturnTracedCallback")
            .AddTraceSource("VlOccupancy",
                            "Receive-buffer occupancy of a VL changed (cells in use); the time "
                            "argument is when (decreases may be reported after the fact).",
                            MakeTraceSourceAccessor(&UbNetDevice::m_vlOccupancyTrace),
                            "ns3::UbNetDevice::VlOccupancyTracedCallback");
    return tid;
}

UbNetDevice::UbNetDevice()
{
    UbEnsurePicoseconds();
}

UbNetDevice::~UbNetDevice() = default;

void
UbNetDevice::DoDispose()
{
    m_attemptEvent.Cancel();
    m_node = nullptr;
    m_channel = nullptr;
    m_switch = nullptr;
    m_peer = nullptr;
    m_rxCallback =
        MakeNullCallback<bool, Ptr<NetDevice>, Ptr<const Packet>, uint16_t, const Address&>();
    m_promiscCallback = MakeNullCallback<bool,
                                         Ptr<NetDevice>,
                                         Ptr<const Packet>,
                                         uint16_t,
                                         const Address&,
                                         const Address&,
                                         PacketType>();
    NetDevice::DoDispose();
}

std::string
UbNetDevice::Where() const
{
    std::ostringstream os;
    os << "UbNetDevice node " << (m_node ? static_cast<int64_t>(m_node->GetId()) : -1) << " port "
       << m_port;
    return os.str();
}

void
UbNetDevice::Validate() const
{
    const std::string w = Where();
    NS_ABORT_MSG_IF(m_lanes != 1 && m_lanes != 2 && m_lanes != 4 && m_lanes != 8,
                    w << ": Lanes=" << +m_lanes << " is invalid; set Lanes to 1, 2, 4 or 8");
    NS_ABORT_MSG_IF(m_laneRate.GetBitRate() == 0,
                    w << ": LaneRate=0 is invalid; give a positive rate such as 112Gbps");
    NS_ABORT_MSG_IF(m_encodingEfficiency <= 0.0 || m_encodingEfficiency > 1.0,
                    w << ": EncodingEfficiency=" << m_encodingEfficiency
                      << " is invalid; it must be in (0, 1]");
    NS_ABORT_MSG_IF(m_flitSize == 0, w << ": FlitSize=0 is invalid; use 20 (UB) or 16 (NVLink)");
    NS_ABORT_MSG_IF(m_flitsPerCell == 0, w << ": FlitsPerCell=0 is invalid; use 1 or more");
    NS_ABORT_MSG_IF(m_vlCount == 0 || m_vlCount > UB_MAX_VLS,
                    w << ": VlCount=" << +m_vlCount << " is invalid; use 1 to 16");
    NS_ABORT_MSG_IF(m_mtu == 0, w << ": Mtu=0 is invalid");
    NS_ABORT_MSG_IF(m_mtu > GetMaxFramedPacket(),
                    w << ": Mtu=" << m_mtu << " exceeds the largest packet the framing carries ("
                      << GetMaxFramedPacket() << " B in 16 blocks of 32 flits)");
    NS_ABORT_MSG_IF(m_framing != FIXED && m_flitSize < 8,
                    w << ": FlitSize=" << m_flitSize << " is too small for UB framing");
    NS_ABORT_MSG_IF(m_creditFrameBytes == 0 && m_fcMode == CREDIT,
                    w << ": CreditFrameBytes=0 is invalid; a credit frame takes wire time");
    NS_ABORT_MSG_IF(m_creditGrain == 0, w << ": CreditReturnGrain=0 is invalid; use 1 or more");
    NS_ABORT_MSG_IF(m_creditGrain > 1 && m_creditTimeout.IsZero(),
                    w << ": CreditReturnGrain=" << m_creditGrain
                      << " needs CreditReturnTimeout > 0, or credits below the grain would never "
                         "return");
    uint32_t maxCells = GetCells(m_mtu);
    NS_ABORT_MSG_IF(m_vlBufferCells < maxCells,
                    w << ": VlBufferCells=" << m_vlBufferCells << " ("
                      << static_cast<uint64_t>(m_vlBufferCells) * GetCellBytes()
                      << " B) is smaller than one maximum packet (Mtu " << m_mtu
                      << " B = " << GetFlits(m_mtu) << " flits = " << maxCells
                      << " cells); raise VlBufferCells to at least " << maxCells);
    std::vector<uint32_t> map;
    NS_ABORT_MSG_IF(!ParseList(m_slToVlString, map),
                    w << ": SlToVl=\"" << m_slToVlString
                      << "\" is malformed; give comma-separated VL numbers such as \"0,0,1,1\"");
    NS_ABORT_MSG_IF(map.size() > 16,
                    w << ": SlToVl has " << map.size() << " entries; there are only 16 SLs");
    for (std::size_t sl = 0; sl < map.size(); ++sl)
    {
        NS_ABORT_MSG_IF(map[sl] >= m_vlCount,
                        w << ": SlToVl maps SL " << sl << " to VL " << map[sl]
                          << ", beyond VlCount=" << +m_vlCount << "; use VL 0.." << m_vlCount - 1
                          << " or raise VlCount");
    }
    std::vector<uint32_t> weights;
    NS_ABORT_MSG_IF(!ParseList(m_vlWeightsString, weights),
                    w << ": VlWeights=\"" << m_vlWeightsString
                      << "\" is malformed; give comma-separated integers such as \"1,3\"");
    NS_ABORT_MSG_IF(weights.size() > m_vlCount,
                    w << ": VlWeights has " << weights.size()
                      << " entries for VlCount=" << +m_vlCount);
    for (std::size_t v = 0; v < weights.size(); ++v)
    {
        NS_ABORT_MSG_IF(weights[v] == 0,
                        w << ": VlWeights gives VL " << v << " weight 0; weights must be >= 1");
    }
    NS_ABORT_MSG_IF(m_packetErrorRate < 0 || m_packetErrorRate >= 1,
                    w << ": PacketErrorRate=" << m_packetErrorRate << " is invalid; use [0, 1)");
    NS_ABORT_MSG_IF(m_bitErrorRate < 0 || m_bitErrorRate >= 1,
                    w << ": BitErrorRate=" << m_bitErrorRate << " is invalid; use [0, 1)");
    NS_ABORT_MSG_IF(m_errorBurstLength < 1,
                    w << ": ErrorBurstLength=" << m_errorBurstLength
                      << " is invalid; use 1 (independent errors) or more");
    NS_ABORT_MSG_IF(!m_channel, w << ": not attached to a UbChannel; install links with UbHelper");
    NS_ABORT_MSG_IF(m_switch == nullptr,
                    w << ": not a port of a UbSwitch; install links with UbHelper");
    Ptr<UbNetDevice> peer = m_channel->GetPeer(this);
    NS_ABORT_MSG_IF(!peer, w << ": the link has no device at the other end");
    NS_ABORT_MSG_IF(peer->m_flitSize != m_flitSize || peer->m_flitsPerCell != m_flitsPerCell,
                    w << ": FlitSize/FlitsPerCell " << m_flitSize << "/" << m_flitsPerCell
                      << " differ from the peer (" << peer->Where() << ": " << peer->m_flitSize
                      << "/" << peer->m_flitsPerCell
                      << "); both ends of a link must count credits in the same cells");
    NS_ABORT_MSG_IF(peer->m_vlCount != m_vlCount,
                    w << ": VlCount=" << +m_vlCount << " differs from the peer (" << peer->Where()
                      << ": " << +peer->m_vlCount << "); both ends of a link need the same VLs");
    NS_ABORT_MSG_IF(peer->m_fcMode != m_fcMode,
                    w << ": FlowControl differs from the peer (" << peer->Where()
                      << "); both ends of a link need the same mode");
}

void
UbNetDevice::DoInitialize()
{
    if (m_ready)
    {
        return;
    }
    Validate();
    NS_ABORT_MSG_IF(Time::GetResolution() != Time::PS,
                    Where() << ": ns-3 time resolution is not picoseconds; do not call "
                               "Time::SetResolution after creating UB objects");
    Ptr<UbNetDevice> peer = m_channel->GetPeer(this);
    m_peer = PeekPointer(peer);

    long double rate = static_cast<long double>(m_lanes) *
                       static_cast<long double>(m_laneRate.GetBitRate()) * m_encodingEfficiency;
    m_rateBps = static_cast<uint64_t>(std::llround(rate));
    NS_ABORT_MSG_IF(m_rateBps == 0, Where() << ": the transmit rate rounds to 0 b/s");
    m_flitPs = SerPs(m_flitSize);
    m_creditFramePs = SerPs(m_creditFrameBytes);
    m_linkPs = m_phyLatency.GetPicoSeconds() + m_channel->GetPropagationDelay().GetPicoSeconds();

    UbSwitch* peerSwitch = peer->m_switch;
    m_peerPipelinePs = peerSwitch->GetPipelineLatency().GetPicoSeconds();
    m_peerCutThrough = peerSwitch->IsCutThrough();
    m_peerCna = peerSwitch->GetCna();
    m_peerNodeId = peer->GetNode()->GetId();

    std::vector<uint32_t> map;
    ParseList(m_slToVlString, map);
    for (uint32_t sl = 0; sl < 16; ++sl)
    {
        m_slToVl[sl] = static_cast<uint8_t>(sl < map.size() ? map[sl] : sl % m_vlCount);
    }

    m_vl.assign(m_vlCount, VlState{});
    m_vlInitial = peer->m_vlBufferCells;
    if (m_fcMode == CREDIT)
    {
        for (auto& s : m_vl)
        {
            s.credits = static_cast<int32_t>(peer->m_vlBufferCells);
        }
        m_sharedCredits = static_cast<int32_t>(peer->m_sharedBufferCells);
    }
    m_sharedInitial = peer->m_sharedBufferCells;
    if (m_fcMode == PFC)
    {
        m_pfc = std::make_unique<PfcState>();
        m_pfc->pauseFramePs = SerPs(m_pauseFrameBytes);
        uint32_t headroom = PfcHeadroomCells();
        uint32_t cellBytes = GetCellBytes();
        NS_ABORT_MSG_IF(headroom + GetCells(m_mtu) > m_vlBufferCells,
                        Where() << ": PFC needs " << headroom + GetCells(m_mtu)
                                << " cells per VL (headroom for what is on its way when PAUSE is "
                                   "sent, plus one packet) but VlBufferCells="
                                << m_vlBufferCells << "; raise VlBufferCells to at least "
                                << headroom + GetCells(m_mtu));
        uint32_t maxXoff = m_vlBufferCells - headroom;
        m_pfc->xoffCells = m_pfcXoffBytes ? (m_pfcXoffBytes + cellBytes - 1) / cellBytes : maxXoff;
        NS_ABORT_MSG_IF(m_pfc->xoffCells > maxXoff,
                        Where() << ": PfcXoff=" << m_pfcXoffBytes << " B leaves less than the "
                                << headroom * cellBytes
                                << " B of headroom PFC needs here; set PfcXoff <= "
                                << maxXoff * cellBytes << " or raise VlBufferCells");
        uint32_t twoPackets = 2 * GetCells(m_mtu);
        m_pfc->xonCells = m_pfcXonBytes
                              ? m_pfcXonBytes / cellBytes
                              : (m_pfc->xoffCells > twoPackets ? m_pfc->xoffCells - twoPackets : 0);
        NS_ABORT_MSG_IF(m_pfc->xonCells >= m_pfc->xoffCells,
                        Where() << ": PfcXon=" << m_pfc->xonCells * cellBytes
                                << " B must be below PfcXoff=" << m_pfc->xoffCells * cellBytes
                                << " B");
    }

    if (m_arbitration == DWRR)
    {
        std::vector<uint32_t> weights;
        ParseList(m_vlWeightsString, weights);
        uint32_t base = m_quantumBytes ? m_quantumBytes : GetWireBytes(m_mtu);
        m_deficit.assign(m_vlCount, 0);
        m_quantum.assign(m_vlCount, base);
        for (std::size_t v = 0; v < weights.size(); ++v)
        {
            m_quantum[v] = weights[v] * base;
        }
        m_arbState.deficit = m_deficit.data();
        m_arbState.quantum = m_quantum.data();
        m_arbiter = UbDwrrArbiter::Get();
    }
    else
    {
        m_arbiter = UbStrictPriorityArbiter::Get();
    }
    m_errorsOn = m_packetErrorRate > 0 || m_bitErrorRate > 0;
    if (m_errorsOn && !m_errorRng)
    {
        m_errorRng = CreateObject<UniformRandomVariable>();
    }
    m_ready = true;
    NetDevice::DoInitialize();
}

// ---------------------------------------------------------------------------------------------
// Link arithmetic

int64_t
UbNetDevice::SerPs(uint64_t wireBytes) const
{
    uint64_t rate = m_rateBps;
    if (rate == 0)
    {
        long double r = static_cast<long double>(m_lanes) *
                        static_cast<long double>(m_laneRate.GetBitRate()) * m_encodingEfficiency;
        rate = static_cast<uint64_t>(std::llround(r));
        NS_ABORT_MSG_IF(rate == 0, Where() << ": the transmit rate is 0 b/s");
    }
    unsigned __int128 num = static_cast<unsigned __int128>(wireBytes) * 8u * 1000000000000ull;
    return static_cast<int64_t>((num + rate - 1) / rate);
}

uint64_t
UbNetDevice::GetRateBps() const
{
    if (m_rateBps)
    {
        return m_rateBps;
    }
    long double r = static_cast<long double>(m_lanes) *
                    static_cast<long double>(m_laneRate.GetBitRate()) * m_encodingEfficiency;
    return static_cast<uint64_t>(std::llround(r));
}

uint32_t
UbNetDevice::GetFlits(uint32_t packetBytes) const
{
    const uint32_t f = m_flitSize;
    if (m_framing == FIXED)
    {
        return (packetBytes + m_dlOverhead + f - 1) / f;
    }
    // UB blocks of at most 32 flits: LPH (4 B) in the first, LBH (2 B) in each later one; in CRC
    // mode a BCRC (4 B) ends every block, in non-CRC mode an END byte ends the packet.
    const uint32_t block = 32 * f;
    const uint32_t trailer = (m_framing == UB_CRC) ? 4 : 0;
    const uint32_t end = (m_framing == UB_CRC) ? 0 : 1;
    uint32_t header = 4;
    uint32_t flits = 0;
    uint32_t rest = packetBytes;
    while (rest + header + trailer + end > block)
    {
        uint32_t capacity = block - header - trailer;
        rest -= std::min(rest, capacity);
        flits += 32;
        header = 2;
    }
    return flits + (rest + header + trailer + end + f - 1) / f;
}

uint32_t
UbNetDevice::GetMaxFramedPacket() const
{
    if (m_framing == FIXED)
    {
        return std::numeric_limits<uint16_t>::max();
    }
    const uint32_t block = 32 * m_flitSize;
    const uint32_t trailer = (m_framing == UB_CRC) ? 4 : 0;
    const uint32_t end = (m_framing == UB_CRC) ? 0 : 1;
    // 16 blocks at most per data-link packet.
    return (block - 4 - trailer) + 15 * (block - 2 - trailer) - end;
}

uint32_t
UbNetDevice::GetWireBytes(uint32_t packetBytes) const
{
    return GetFlits(packetBytes) * m_flitSize;
}

uint32_t
UbNetDevice::GetCells(uint32_t packetBytes) const
{
    return (GetFlits(packetBytes) + m_flitsPerCell - 1) / m_flitsPerCell;
}

Time
UbNetDevice::GetSerializationTime(uint32_t wireBytes) const
{
    return PicoSeconds(SerPs(wireBytes));
}

Time
UbNetDevice::GetPhyLatency() const
{
    return m_phyLatency;
}

uint32_t
UbNetDevice::GetCellBytes() const
{
    return m_flitSize * m_flitsPerCell;
}

uint32_t
UbNetDevice::GetFlitSize() const
{
    return m_flitSize;
}

uint8_t
UbNetDevice::GetVlCount() const
{
    return m_vlCount;
}

uint8_t
UbNetDevice::SlToVl(uint8_t sl) const
{
    return m_slToVl[sl & 0xF];
}

UbNetDevice::FlowControlMode
UbNetDevice::GetFlowControlMode() const
{
    return m_fcMode;
}

uint32_t
UbNetDevice::GetVlBufferCells() const
{
    return m_vlBufferCells;
}

// ---------------------------------------------------------------------------------------------
// Receiver side: buffer accounting and credit return

void
UbNetDevice::RegisterRelease(Time at, uint8_t vl, uint32_t reservedCells, uint32_t sharedCells)
{
    m_releases.push_back(Release{at.GetPicoSeconds(), reservedCells, sharedCells, vl});
    std::push_heap(m_releases.begin(), m_releases.end(), ReleaseLater());
    if (m_fcMode == CREDIT && m_peer != nullptr && m_peer->m_creditBlocked)
    {
        m_peer->ScheduleAttempt();
    }
    else if (m_fcMode == PFC && m_vl[vl].pfcPausedPeer)
    {
        SchedulePfcCheck(vl);
    }
}

void
UbNetDevice::ResolveRx(int64_t nowPs)
{
    const int64_t timeoutPs = m_creditTimeout.GetPicoSeconds();
    while (true)
    {
        int64_t tRel = m_releases.empty() ? NEVER : m_releases.front().atPs;
        int64_t tDead = NEVER;
        uint8_t deadVl = 0;
        if (m_accPending != 0)
        {
            for (uint8_t v = 0; v < m_vlCount; ++v)
            {
                const VlState& s = m_vl[v];
                if (s.accReserved + s.accShared != 0 && s.accSincePs + timeoutPs < tDead)
                {
                    tDead = s.accSincePs + timeoutPs;
                    deadVl = v;
                }
            }
        }
        if (std::min(tRel, tDead) > nowPs)
        {
            return;
        }
        if (tDead < tRel)
        {
            --m_accPending;
            EmitCreditFrame(tDead, deadVl);
            continue;
        }
        std::pop_heap(m_releases.begin(), m_releases.end(), ReleaseLater());
        Release r = m_releases.back();
        m_releases.pop_back();
        VlState& s = m_vl[r.vl];
        s.rxUsed -= r.reservedCells;
        m_rxSharedUsed -= r.sharedCells;
        if (!m_vlOccupancyTrace.IsEmpty())
        {
            m_vlOccupancyTrace(PicoSeconds(r.atPs), r.vl, s.rxUsed);
        }
        if (m_fcMode == PFC && s.pfcPausedPeer && s.rxUsed <= m_pfc->xonCells)
        {
            EmitPfc(r.atPs, r.vl, false);
        }
        if (m_fcMode != CREDIT)
        {
            continue;
        }
        bool wasEmpty = (s.accReserved + s.accShared) == 0;
        if (wasEmpty)
        {
            s.accSincePs = r.atPs;
        }
        s.accReserved += r.reservedCells;
        s.accShared += r.sharedCells;
        if (s.accReserved + s.accShared >= m_creditGrain)
        {
            if (!wasEmpty)
            {
                --m_accPending;
            }
            EmitCreditFrame(r.atPs, r.vl);
        }
        else if (wasEmpty)
        {
            ++m_accPending;
        }
    }
}

void
UbNetDevice::EmitCreditFrame(int64_t atPs, uint8_t vl)
{
    VlState& s = m_vl[vl];
    CreditArrival a{0, s.accReserved, s.accShared, vl};
    s.accReserved = 0;
    s.accShared = 0;
    // A control frame never preempts a data packet already on the wire, and goes before any
    // packet decided after it was due.
    // A Crd_Ack block counts at most 63 units per VL (6-bit fields, UB Base Spec 2.0 section
    // 4.4), so a larger return takes several blocks.
    uint32_t frames = (a.reservedCells + a.sharedCells + 62) / 63;
    int64_t send = std::max({atPs, m_ctrlFreePs, m_txFreePs});
    m_ctrlFreePs = send + frames * m_creditFramePs;
    m_creditFrames += frames;
    a.atPs = m_ctrlFreePs + m_linkPs;
    NS_LOG_LOGIC(Where() << " VL " << +vl << ": return " << a.reservedCells << "+" << a.sharedCells
                         << " cells, sent at " << send << " ps, arriving " << a.atPs << " ps");
    m_peer->PushCreditArrival(a);
}

void
UbNetDevice::Receive(Ptr<Packet> packet, UbPacketInfo info, Time tailReady)
{
    int64_t now = Simulator::Now().GetPicoSeconds();
    NS_LOG_FUNCTION(this << packet << +info.vl << tailReady);
    if (m_down)
    {
        ++m_faultDrops;
        m_phyRxDropTrace(packet);
        return;
    }
    ResolveRx(now);
    NS_ABORT_MSG_IF(info.vl >= m_vlCount,
                    Where() << ": packet arrived on VL " << +info.vl
                            << " beyond VlCount=" << +m_vlCount);
    VlState& s = m_vl[info.vl];
    if (m_fcMode == CREDIT)
    {
        if (s.rxUsed + info.reservedCells > m_vlBufferCells ||
            m_rxSharedUsed + info.sharedCells > m_sharedBufferCells)
        {
            std::ostringstream what;
            what << "UB lossless violation at " << Where() << " VL " << +info.vl << ": a packet of "
                 << info.reservedCells + info.sharedCells
                 << " cells arrived to a full buffer (VL reserve " << s.rxUsed << "/"
                 << m_vlBufferCells << " cells, shared " << m_rxSharedUsed << "/"
                 << m_sharedBufferCells << "). This is a model bug: please report it.";
            LosslessViolation(packet, info.vl, what.str());
            // The sender spent the cells: give them back at once so that its credits stay true.
            s.rxUsed += info.reservedCells;
            m_rxSharedUsed += info.sharedCells;
            RegisterRelease(Simulator::Now(), info.vl, info.reservedCells, info.sharedCells);
            return;
        }
    }
    else if (m_fcMode == PFC)
    {
        uint32_t cells = GetCells(packet->GetSize());
        if (s.rxUsed + cells > m_vlBufferCells)
        {
            std::ostringstream what;
            what << "UB lossless violation under PFC at " << Where() << " VL " << +info.vl
                 << ": a packet of " << cells << " cells arrived to a full buffer (" << s.rxUsed
                 << "/" << m_vlBufferCells << " cells, XOFF at " << m_pfc->xoffCells
                 << "). The PFC headroom was too small: this is a model bug, please report it.";
            LosslessViolation(packet, info.vl, what.str());
            return;
        }
        info.reservedCells = cells;
        info.sharedCells = 0;
    }
    else
    {
        uint32_t cells = GetCells(packet->GetSize());
        uint32_t sh = std::min(cells, m_sharedBufferCells - m_rxSharedUsed);
        uint32_t res = cells - sh;
        if (s.rxUsed + res > m_vlBufferCells)
        {
            NS_LOG_LOGIC(Where() << " VL " << +info.vl << ": drop, buffer full");
            ++m_drops;
            m_phyRxDropTrace(packet);
            return;
        }
        info.reservedCells = res;
        info.sharedCells = sh;
    }
    s.rxUsed += info.reservedCells;
    m_rxSharedUsed += info.sharedCells;
    if (m_fcMode == PFC && !s.pfcPausedPeer && s.rxUsed >= m_pfc->xoffCells)
    {
        EmitPfc(now, info.vl, true);
    }
    ++m_rxPackets;
    m_macRxTrace(packet);
    if (!m_vlOccupancyTrace.IsEmpty())
    {
        m_vlOccupancyTrace(Simulator::Now(), info.vl, s.rxUsed);
    }
    if (!m_phyRxEndTrace.IsEmpty())
    {
        Simulator::Schedule(tailReady - Simulator::Now(), &UbNetDevice::FirePhyRxEnd, this, packet);
    }
    m_switch->ReceiveFromPort(m_port, packet, info, tailReady);
}

void
UbNetDevice::LosslessViolation(Ptr<Packet> packet, uint8_t vl, const std::string& what)
{
    if (m_losslessCheck == ABORT)
    {
        NS_FATAL_ERROR(what);
    }
    if (!m_violations)
    {
        m_violations = std::make_unique<uint64_t[]>(UB_MAX_VLS);
    }
    ++m_violations[vl];
    NS_LOG_WARN(what << " (counted: LosslessViolation=Count)");
    m_phyRxDropTrace(packet);
}

uint64_t
UbNetDevice::GetLosslessViolations(uint8_t vl) const
{
    if (!m_violations)
    {
        return 0;
    }
    if (vl < UB_MAX_VLS)
    {
        return m_violations[vl];
    }
    uint64_t total = 0;
    for (uint8_t v = 0; v < UB_MAX_VLS; ++v)
    {
        total += m_violations[v];
    }
    return total;
}

void
UbNetDevice::ReceiveCorrupted(Ptr<Packet> packet, UbPacketInfo info)
{
    // The cells were spent by the sender; charge and free them at once so that the credits
    // come back, and count the loss.
    if (m_down)
    {
        ++m_faultDrops;
        m_phyRxDropTrace(packet);
        return;
    }
    int64_t now = Simulator::Now().GetPicoSeconds();
    ResolveRx(now);
    VlState& s = m_vl[info.vl];
    s.rxUsed += info.reservedCells;
    m_rxSharedUsed += info.sharedCells;
    RegisterRelease(Simulator::Now(), info.vl, info.reservedCells, info.sharedCells);
    ++m_corruptDrops;
    NS_LOG_LOGIC(Where() << " VL " << +info.vl << ": CRC error, packet dropped");
    m_phyRxDropTrace(packet);
}

bool
UbNetDevice::DrawError(uint32_t wireBytes)
{
    double p = m_packetErrorRate;
    if (m_bitErrorRate > 0)
    {
        p = 1.0 - (1.0 - p) * std::pow(1.0 - m_bitErrorRate, 8.0 * wireBytes);
    }
    if (m_inBurst)
    {
        // Gilbert-style bursts: after an error, each next packet errs with 1 - 1/BurstLength.
        p = std::max(p, 1.0 - 1.0 / m_errorBurstLength);
    }
    bool error = m_errorRng->GetValue() < p;
    m_inBurst = error && m_errorBurstLength > 1.0;
    return error;
}

int64_t
UbNetDevice::AssignStreams(int64_t stream)
{
    if (!m_errorRng)
    {
        m_errorRng = CreateObject<UniformRandomVariable>();
    }
    m_errorRng->SetStream(stream);
    return 1;
}

void
UbNetDevice::FirePhyRxEnd(Ptr<const Packet> p)
{
    m_phyRxEndTrace(p);
}

// ---------------------------------------------------------------------------------------------
// Sender side: credits and transmission

void
UbNetDevice::PushCreditArrival(const CreditArrival& a)
{
    m_incoming.push_back(a);
    if (m_creditBlocked && !m_absorbing)
    {
        ScheduleAttempt();
    }
}

void
UbNetDevice::AbsorbCredits(int64_t nowPs)
{
    m_absorbing = true;
    m_peer->ResolveRx(nowPs);
    m_absorbing = false;
    while (m_incomingHead < m_incoming.size() && m_incoming[m_incomingHead].atPs <= nowPs)
    {
        const CreditArrival& a = m_incoming[m_incomingHead++];
        VlState& s = m_vl[a.vl];
        s.credits += static_cast<int32_t>(a.reservedCells);
        m_sharedCredits += static_cast<int32_t>(a.sharedCells);
        NS_ABORT_MSG_IF(s.credits > static_cast<int32_t>(m_vlInitial) ||
                            m_sharedCredits > static_cast<int32_t>(m_sharedInitial),
                        Where() << " VL " << +a.vl
                                << ": credits exceed the peer's buffer; a model bug");
        if (!m_creditReturnTrace.IsEmpty())
        {
            m_creditReturnTrace(a.vl, a.reservedCells, a.sharedCells, PicoSeconds(a.atPs));
        }
        if (m_stallMask != 0)
        {
            for (uint32_t mask = m_stallMask; mask != 0; mask &= mask - 1)
            {
                auto v = static_cast<uint8_t>(__builtin_ctz(mask));
                if (HeadFits(v, m_switch->PeekHeadBytes(m_port, v)))
                {
                    EndStall(v, a.atPs);
                }
            }
        }
    }
    if (m_incomingHead == m_incoming.size())
    {
        m_incoming.clear();
        m_incomingHead = 0;
    }
    else if (m_incomingHead > 32 && 2 * m_incomingHead > m_incoming.size())
    {
        m_incoming.erase(m_incoming.begin(),
                         m_incoming.begin() + static_cast<std::ptrdiff_t>(m_incomingHead));
        m_incomingHead = 0;
    }
}

bool
UbNetDevice::HeadFits(uint8_t vl, uint32_t packetBytes) const
{
    return static_cast<int64_t>(m_vl[vl].credits) + m_sharedCredits >=
           static_cast<int64_t>(GetCells(packetBytes));
}

bool
UbNetDevice::FitsBy(uint8_t vl, uint32_t packetBytes, int64_t atPs) const
{
    int64_t credits = static_cast<int64_t>(m_vl[vl].credits) + m_sharedCredits;
    for (std::size_t i = m_incomingHead; i < m_incoming.size() && m_incoming[i].atPs <= atPs; ++i)
    {
        const CreditArrival& a = m_incoming[i];
        credits += a.sharedCells + (a.vl == vl ? a.reservedCells : 0);
    }
    return credits >= static_cast<int64_t>(GetCells(packetBytes));
}

void
UbNetDevice::MarkStall(uint8_t vl, int64_t sincePs)
{
    VlState& s = m_vl[vl];
    m_stallMask |= 1u << vl;
    s.stallSincePs = sincePs;
    s.stallAnnounced = false;
    if (m_creditStallTrace.IsEmpty())
    {
        return;
    }
    int64_t now = Simulator::Now().GetPicoSeconds();
    if (sincePs <= now)
    {
        AnnounceStall(vl, sincePs);
    }
    else
    {
        Simulator::Schedule(PicoSeconds(sincePs - now),
                            &UbNetDevice::AnnounceStall,
                            this,
                            vl,
                            sincePs);
    }
}

void
UbNetDevice::AnnounceStall(uint8_t vl, int64_t sincePs)
{
    VlState& s = m_vl[vl];
    if ((m_stallMask & (1u << vl)) != 0 && s.stallSincePs == sincePs && !s.stallAnnounced)
    {
        s.stallAnnounced = true;
        m_creditStallTrace(vl, true);
    }
}

void
UbNetDevice::EndStall(uint8_t vl, int64_t atPs)
{
    // A stall predicted for a future time is withdrawn if the credits come before it begins.
    VlState& s = m_vl[vl];
    m_stallMask &= ~(1u << vl);
    if (atPs > s.stallSincePs)
    {
        s.stallTotalPs += atPs - s.stallSincePs;
    }
    s.stallSincePs = -1;
    if (s.stallAnnounced)
    {
        s.stallAnnounced = false;
        m_creditStallTrace(vl, false);
    }
}

int64_t
UbNetDevice::NextCreditLowerBoundPs() const
{
    int64_t best = m_releases.empty() ? NEVER : m_releases.front().atPs;
    if (m_accPending != 0)
    {
        int64_t timeoutPs = m_creditTimeout.GetPicoSeconds();
        for (const auto& s : m_vl)
        {
            if (s.accReserved + s.accShared != 0)
            {
                best = std::min(best, s.accSincePs + timeoutPs);
            }
        }
    }
    if (best == NEVER)
    {
        return NEVER;
    }
    return std::max(best, m_ctrlFreePs) + m_creditFramePs + m_linkPs;
}

void
UbNetDevice::ScheduleAttempt()
{
    if (m_down)
    {
        m_attemptEvent.Cancel();
        return;
    }
    // One event per decision: the next time the port can start a packet, which is when the wire
    // frees, or later if no waiting VL will have the credits for its head packet by then.
    int64_t now = Simulator::Now().GetPicoSeconds();
    uint32_t waiting = m_switch->GetWaitingMask(m_port);
    if (waiting == 0)
    {
        m_creditBlocked = false;
        m_attemptEvent.Cancel();
        return;
    }
    int64_t target = std::max(now, m_txFreePs);
    if (m_fcMode == CREDIT)
    {
        bool any = false;
        for (uint32_t mask = waiting; mask != 0; mask &= mask - 1)
        {
            auto v = static_cast<uint8_t>(__builtin_ctz(mask));
            if (FitsBy(v, m_switch->PeekHeadBytes(m_port, v), target))
            {
                any = true;
            }
            else if ((m_stallMask & (1u << v)) == 0)
            {
                MarkStall(v, target);
            }
        }
        m_creditBlocked = !any;
        if (!any)
        {
            int64_t tc = m_peer->NextCreditLowerBoundPs();
            for (std::size_t i = m_incomingHead; i < m_incoming.size(); ++i)
            {
                if (m_incoming[i].atPs > target)
                {
                    tc = std::min(tc, m_incoming[i].atPs);
                    break;
                }
            }
            if (tc == NEVER)
            {
                // Nothing is on its way; the peer calls back when it schedules a release.
                m_attemptEvent.Cancel();
                return;
            }
            target = std::max(target, tc);
        }
    }
    else if (m_fcMode == PFC)
    {
        int64_t resume = NEVER;
        for (uint32_t mask = waiting; mask != 0; mask &= mask - 1)
        {
            auto v = static_cast<uint8_t>(__builtin_ctz(mask));
            resume = std::min(resume, PfcResumePs(v, target));
        }
        if (resume == NEVER)
        {
            // Every waiting VL is paused with no XON on its way; the XON calls back.
            m_attemptEvent.Cancel();
            return;
        }
        target = std::max(target, resume);
    }
    if (!m_attemptEvent.IsExpired())
    {
        if (m_attemptEvent.GetTs() == static_cast<uint64_t>(target))
        {
            return;
        }
        m_attemptEvent.Cancel();
    }
    m_attemptEvent =
        Simulator::Schedule(PicoSeconds(target - now), &UbNetDevice::TryTransmit, this);
}

void
UbNetDevice::NotifyQueued()
{
    if (m_txFreePs > Simulator::Now().GetPicoSeconds())
    {
        ScheduleAttempt();
        return;
    }
    TryTransmit();
}

bool
UbNetDevice::CanStartNow(uint8_t vl, uint32_t packetBytes)
{
    if (!m_ready)
    {
        Initialize();
    }
    int64_t now = Simulator::Now().GetPicoSeconds();
    if (m_down || m_txFreePs > now || m_switch->GetWaitingMask(m_port) != 0)
    {
        return false;
    }
    if (m_fcMode == PFC)
    {
        return !PfcPausedAt(vl, now);
    }
    if (m_fcMode != CREDIT)
    {
        return true;
    }
    AbsorbCredits(now);
    return HeadFits(vl, packetBytes);
}

void
UbNetDevice::TryTransmit()
{
    if (m_down)
    {
        return; // a failed link sends nothing; the switch flushes its queue at detection
    }
    int64_t now = Simulator::Now().GetPicoSeconds();
    if (m_txFreePs > now)
    {
        ScheduleAttempt();
        return;
    }
    uint32_t waiting = m_switch->GetWaitingMask(m_port);
    if (waiting == 0)
    {
        m_creditBlocked = false;
        return;
    }
    if (m_fcMode == CREDIT)
    {
        AbsorbCredits(now);
    }
    uint32_t heads[UB_MAX_VLS];
    uint32_t eligible = 0;
    for (uint32_t mask = waiting; mask != 0; mask &= mask - 1)
    {
        auto v = static_cast<uint8_t>(__builtin_ctz(mask));
        uint32_t bytes = m_switch->PeekHeadBytes(m_port, v);
        heads[v] = GetWireBytes(bytes); // arbiters weigh what the packet costs on the wire
        bool ok =
            m_fcMode == CREDIT ? HeadFits(v, bytes) : (m_fcMode != PFC || !PfcPausedAt(v, now));
        if (ok)
        {
            eligible |= 1u << v;
            if (m_stallMask & (1u << v))
            {
                EndStall(v, now);
            }
        }
        else if (m_fcMode == CREDIT && (m_stallMask & (1u << v)) == 0)
        {
            MarkStall(v, now);
        }
    }
    if (eligible == 0)
    {
        NS_LOG_LOGIC(Where() << ": waiting for credits, VLs 0x" << std::hex << waiting << std::dec);
        ScheduleAttempt();
        return;
    }
    m_creditBlocked = false;
    UbVlArbiterInput in;
    in.eligible = eligible;
    in.waiting = waiting;
    in.headBytes = heads;
    in.nVl = m_vlCount;
    uint8_t vl = m_arbiter->Select(in, m_arbState);
    m_switch->TransmitHead(m_port, vl);
    ScheduleAttempt();
}

Time
UbNetDevice::Transmit(Ptr<Packet> packet, UbPacketInfo& info, Time tailReady)
{
    if (!m_ready)
    {
        Initialize();
    }
    int64_t now = Simulator::Now().GetPicoSeconds();
    ResolveRx(now); // credit frames already due go first
    uint32_t bytes = packet->GetSize();
    uint32_t wire = GetWireBytes(bytes);
    int64_t start = std::max({now, m_ctrlFreePs, m_txFreePs});
    int64_t end = std::max(start + SerPs(wire), tailReady.GetPicoSeconds() + m_flitPs);
    if (m_fcMode == CREDIT)
    {
        // Sharing mode spends the shared pool first, then the VL's reserve (UB Base Spec 2.0
        // section 4.6.1.3).
        auto cells = static_cast<int32_t>(GetCells(bytes));
        VlState& s = m_vl[info.vl];
        int32_t sh = std::min(cells, m_sharedCredits);
        int32_t res = cells - sh;
        NS_ABORT_MSG_IF(res > s.credits,
                        Where() << " VL " << +info.vl << ": transmit without credits; a model bug");
        s.credits -= res;
        m_sharedCredits -= sh;
        info.reservedCells = static_cast<uint32_t>(res);
        info.sharedCells = static_cast<uint32_t>(sh);
    }
    else
    {
        info.reservedCells = 0;
        info.sharedCells = 0;
    }
    // Link errors, drawn when the packet starts. With link-level retry the receiver finds the
    // CRC error at the tail, asks for a replay (Retry_Req_Set) over the reverse direction, and
    // this port answers (Retry_Ack_Set) and sends the packet again (go-back-N from it: nothing
    // sent after it counts). Without retry the packet is lost at the receiver.
    bool corrupted = false;
    if (m_errorsOn)
    {
        int64_t retryRequestPs = m_peer->SerPs(static_cast<uint64_t>(m_retryFlits) * m_flitSize);
        int64_t retryAckPs = SerPs(static_cast<uint64_t>(m_retryFlits) * m_flitSize);
        while (DrawError(wire))
        {
            ++m_injectedErrors;
            if (!m_linkRetry)
            {
                corrupted = true;
                break;
            }
            ++m_retries;
            m_busyPs += end - start;
            int64_t detect = end + m_linkPs;
            int64_t replay = detect + retryRequestPs + m_peer->m_linkPs + retryAckPs;
            start = replay;
            end = replay + SerPs(wire);
        }
    }
    NS_LOG_LOGIC(Where() << " VL " << +info.vl << ": " << bytes << " B (" << wire
                         << " B on the wire) from " << start << " to " << end << " ps to CNA "
                         << info.dst << (corrupted ? " (corrupted)" : ""));
    m_txFreePs = end;
    m_busyPs += end - start;
    ++m_txPackets;
    m_txWireBytes += wire;
    m_macTxTrace(packet);
    m_phyTxBeginTrace(packet);
    if (!m_phyTxEndTrace.IsEmpty())
    {
        Simulator::Schedule(PicoSeconds(end - now), &UbNetDevice::FirePhyTxEnd, this, packet);
    }

    // One event: the packet becomes ready at the next node. The last hop always delivers at
    // the tail, since the endpoint takes the whole packet.
    int64_t tailReadyAtPeer = end + m_linkPs + m_peerPipelinePs;
    if (corrupted)
    {
        // The receiver's CRC check fails at the tail; it drops the packet and frees its cells.
        Simulator::ScheduleWithContext(m_peerNodeId,
                                       PicoSeconds(end + m_linkPs - now),
                                       &UbNetDevice::ReceiveCorrupted,
                                       m_peer,
                                       packet,
                                       info);
        return PicoSeconds(end);
    }
    int64_t ready = (m_peerCutThrough && info.dst != m_peerCna)
                        ? start + m_flitPs + m_linkPs + m_peerPipelinePs
                        : tailReadyAtPeer;
    Simulator::ScheduleWithContext(m_peerNodeId,
                                   PicoSeconds(ready - now),
                                   &UbNetDevice::Receive,
                                   m_peer,
                                   packet,
                                   info,
                                   PicoSeconds(tailReadyAtPeer));
    return PicoSeconds(end);
}

void
UbNetDevice::FirePhyTxEnd(Ptr<const Packet> p)
{
    m_phyTxEndTrace(p);
}

// ---------------------------------------------------------------------------------------------
// Priority flow control (FlowControl = Pfc)

uint32_t
UbNetDevice::PfcHeadroomCells() const
{
    // After this port decides to pause a VL, the PAUSE waits for the packet this port is sending
    // (one maximum packet at its rate), takes its own time on the wire and the reverse link's
    // latency; the peer keeps sending meanwhile, finishes a packet it started just before the
    // PAUSE arrived, and what is already on the forward link still lands here.
    Ptr<UbNetDevice> peer = m_channel->GetPeer(this);
    long double peerRate = static_cast<long double>(peer->m_lanes) *
                           static_cast<long double>(peer->m_laneRate.GetBitRate()) *
                           peer->m_encodingEfficiency;
    int64_t prop = m_channel->GetPropagationDelay().GetPicoSeconds();
    // A packet is charged to this buffer after this switch's pipeline latency, so what is in
    // the pipeline is on its way too.
    int64_t ps = SerPs(GetWireBytes(m_mtu)) + SerPs(m_pauseFrameBytes) +
                 m_phyLatency.GetPicoSeconds() + prop + peer->m_phyLatency.GetPicoSeconds() + prop +
                 m_switch->GetPipelineLatency().GetPicoSeconds();
    long double bytes = peerRate * static_cast<long double>(ps) / 8e12L;
    auto packets = static_cast<uint32_t>(std::ceil(bytes / GetWireBytes(m_mtu))) + 1;
    return packets * GetCells(m_mtu);
}

void
UbNetDevice::EmitPfc(int64_t atPs, uint8_t vl, bool pause)
{
    // A PAUSE or XON frame waits for the packet on the wire, like a credit frame.
    int64_t send = std::max({atPs, m_ctrlFreePs, m_txFreePs});
    m_ctrlFreePs = send + m_pfc->pauseFramePs;
    int64_t arrive = m_ctrlFreePs + m_linkPs;
    m_vl[vl].pfcPausedPeer = pause;
    pause ? ++m_pfc->pauseSent : ++m_pfc->resumeSent;
    NS_LOG_LOGIC(Where() << " VL " << +vl << ": " << (pause ? "PAUSE" : "XON") << " sent at "
                         << send << " ps (occupancy " << m_vl[vl].rxUsed << " cells)");
    m_peer->PushPfc(vl, arrive, pause);
    if (pause)
    {
        SchedulePfcCheck(vl); // releases already known may bring it down to XON
    }
}

void
UbNetDevice::PushPfc(uint8_t vl, int64_t atPs, bool pause)
{
    if (m_pfc->windows.empty())
    {
        m_pfc->windows.resize(m_vlCount);
    }
    auto& w = m_pfc->windows[vl];
    if (pause)
    {
        ++m_pfc->pauseReceived;
        w.emplace_back(atPs, NEVER);
        return;
    }
    if (!w.empty() && w.back().second == NEVER)
    {
        w.back().second = atPs;
    }
    ScheduleAttempt();
}

bool
UbNetDevice::PfcPausedAt(uint8_t vl, int64_t atPs)
{
    if (m_pfc->windows.empty())
    {
        return false;
    }
    auto& w = m_pfc->windows[vl];
    int64_t now = Simulator::Now().GetPicoSeconds();
    while (!w.empty() && w.front().second <= now)
    {
        w.erase(w.begin()); // windows that ended; at most a few are kept
    }
    for (const auto& [from, to] : w)
    {
        if (from <= atPs && atPs < to)
        {
            return true;
        }
    }
    return false;
}

int64_t
UbNetDevice::PfcResumePs(uint8_t vl, int64_t atPs)
{
    int64_t t = atPs;
    if (m_pfc->windows.empty())
    {
        return t;
    }
    for (const auto& [from, to] : m_pfc->windows[vl])
    {
        if (from <= t && t < to)
        {
            t = to; // windows are in time order; a later one may start right after
        }
    }
    return t;
}

void
UbNetDevice::SchedulePfcCheck(uint8_t vl)
{
    // When will VL vl's occupancy fall to XON, given the releases already known?
    const VlState& s = m_vl[vl];
    std::vector<std::pair<int64_t, uint32_t>> rel;
    for (const auto& r : m_releases)
    {
        if (r.vl == vl)
        {
            rel.emplace_back(r.atPs, r.reservedCells);
        }
    }
    std::sort(rel.begin(), rel.end());
    int64_t occ = s.rxUsed;
    int64_t when = NEVER;
    for (const auto& [at, cells] : rel)
    {
        occ -= cells;
        if (occ <= static_cast<int64_t>(m_pfc->xonCells))
        {
            when = at;
            break;
        }
    }
    if (when == NEVER)
    {
        return;
    }
    int64_t now = Simulator::Now().GetPicoSeconds();
    when = std::max(when, now);
    if (m_pfc->checkEvent.IsRunning() && m_pfc->checkEvent.GetTs() <= static_cast<uint64_t>(when))
    {
        return;
    }
    m_pfc->checkEvent.Cancel();
    m_pfc->checkEvent = Simulator::Schedule(PicoSeconds(when - now), &UbNetDevice::PfcCheck, this);
}

void
UbNetDevice::PfcCheck()
{
    ResolveRx(Simulator::Now().GetPicoSeconds());
    for (uint8_t v = 0; v < m_vlCount; ++v)
    {
        if (m_vl[v].pfcPausedPeer)
        {
            SchedulePfcCheck(v);
        }
    }
}

uint64_t
UbNetDevice::GetPauseFramesSent() const
{
    return m_pfc ? m_pfc->pauseSent : 0;
}

uint64_t
UbNetDevice::GetResumeFramesSent() const
{
    return m_pfc ? m_pfc->resumeSent : 0;
}

uint64_t
UbNetDevice::GetPauseFramesReceived() const
{
    return m_pfc ? m_pfc->pauseReceived : 0;
}

uint32_t
UbNetDevice::GetPfcXoffCells() const
{
    return m_pfc ? m_pfc->xoffCells : 0;
}

// ---------------------------------------------------------------------------------------------
// Statistics

int64_t
UbNetDevice::GetCredits(uint8_t vl)
{
    if (!m_ready)
    {
        Initialize();
    }
    if (m_fcMode == CREDIT)
    {
        AbsorbCredits(Simulator::Now().GetPicoSeconds());
    }
    return vl == UB_MAX_VLS ? m_sharedCredits : m_vl.at(vl).credits;
}

uint32_t
UbNetDevice::GetInitialCredits(uint8_t vl) const
{
    if (m_fcMode != CREDIT || m_channel == nullptr)
    {
        return 0;
    }
    Ptr<UbNetDevice> peer = m_channel->GetPeer(this);
    return vl == UB_MAX_VLS ? peer->m_sharedBufferCells : peer->m_vlBufferCells;
}

uint32_t
UbNetDevice::GetRxOccupancy(uint8_t vl)
{
    if (!m_ready)
    {
        return 0;
    }
    ResolveRx(Simulator::Now().GetPicoSeconds());
    return vl == UB_MAX_VLS ? m_rxSharedUsed : m_vl.at(vl).rxUsed;
}

uint64_t
UbNetDevice::GetCreditLoadBytes(uint8_t vl) const
{
    if (m_fcMode != CREDIT || !m_ready)
    {
        return 0;
    }
    int64_t used = static_cast<int64_t>(m_vlInitial) - m_vl[vl].credits;
    return static_cast<uint64_t>(std::max<int64_t>(used, 0)) * GetCellBytes();
}

uint64_t
UbNetDevice::GetDropCount() const
{
    return m_drops;
}

uint64_t
UbNetDevice::GetTxPackets() const
{
    return m_txPackets;
}

uint64_t
UbNetDevice::GetTxWireBytes() const
{
    return m_txWireBytes;
}

uint64_t
UbNetDevice::GetRxPackets() const
{
    return m_rxPackets;
}

uint64_t
UbNetDevice::GetInjectedErrors() const
{
    return m_injectedErrors;
}

uint64_t
UbNetDevice::GetLinkRetries() const
{
    return m_retries;
}

uint64_t
UbNetDevice::GetCorruptedDrops() const
{
    return m_corruptDrops;
}

void
UbNetDevice::SetLinkDown()
{
    if (m_down)
    {
        return;
    }
    NS_LOG_INFO(Where() << ": link down");
    m_down = true;
    m_attemptEvent.Cancel();
}

bool
UbNetDevice::IsLinkDown() const
{
    return m_down;
}

uint64_t
UbNetDevice::GetFaultDrops() const
{
    return m_faultDrops;
}

void
UbNetDevice::SetActiveLanes(uint8_t lanes)
{
    NS_ABORT_MSG_IF(lanes == 0 || lanes > m_lanes,
                    Where() << ": SetActiveLanes(" << +lanes << ") must keep 1 to " << +m_lanes
                            << " lanes");
    if (!m_ready)
    {
        Initialize();
    }
    m_lanes = lanes;
    long double rate = static_cast<long double>(m_lanes) *
                       static_cast<long double>(m_laneRate.GetBitRate()) * m_encodingEfficiency;
    m_rateBps = static_cast<uint64_t>(std::llround(rate));
    m_flitPs = SerPs(m_flitSize);
    m_creditFramePs = SerPs(m_creditFrameBytes);
    NS_LOG_INFO(Where() << ": " << +lanes << " lanes left, " << m_rateBps << " b/s");
}

uint64_t
UbNetDevice::GetCreditFramesSent() const
{
    return m_creditFrames;
}

Time
UbNetDevice::GetTxFreeTime() const
{
    return PicoSeconds(m_txFreePs);
}

Time
UbNetDevice::GetBusyTime() const
{
    return PicoSeconds(m_busyPs);
}

Time
UbNetDevice::GetCreditStallTime(uint8_t vl) const
{
    if (vl >= m_vl.size())
    {
        return Time(0);
    }
    const VlState& s = m_vl[vl];
    int64_t total = s.stallTotalPs;
    int64_t now = Simulator::Now().GetPicoSeconds();
    if (s.stallSincePs >= 0 && now > s.stallSincePs) // a predicted stall may not have begun yet
    {
        total += now - s.stallSincePs;
    }
    return PicoSeconds(total);
}

uint64_t
UbNetDevice::GetIdleMemoryBytes() const
{
    return sizeof(UbNetDevice) + m_vl.capacity() * sizeof(VlState) +
           m_releases.capacity() * sizeof(Release) + m_incoming.capacity() * sizeof(CreditArrival) +
           m_deficit.capacity() * sizeof(int64_t) + m_quantum.capacity() * sizeof(uint32_t) +
           sizeof(UbChannel) / 2;
}

// ---------------------------------------------------------------------------------------------
// NetDevice boilerplate

void
UbNetDevice::Attach(Ptr<UbChannel> channel)
{
    m_channel = channel;
    channel->Attach(this);
}

void
UbNetDevice::SetSwitch(UbSwitch* sw, uint32_t index)
{
    m_switch = sw;
    m_port = index;
}

uint32_t
UbNetDevice::GetPortIndex() const
{
    return m_port;
}

Ptr<UbNetDevice>
UbNetDevice::GetPeer() const
{
    return m_channel ? m_channel->GetPeer(this) : nullptr;
}

void
UbNetDevice::SetIfIndex(const uint32_t index)
{
    m_ifIndex = index;
}

uint32_t
UbNetDevice::GetIfIndex() const
{
    return m_ifIndex;
}

Ptr<Channel>
UbNetDevice::GetChannel() const
{
    return m_channel;
}

void
UbNetDevice::SetAddress(Address address)
{
    m_address = Mac48Address::ConvertFrom(address);
}

Address
UbNetDevice::GetAddress() const
{
    return m_address;
}

bool
UbNetDevice::SetMtu(const uint16_t mtu)
{
    m_mtu = mtu;
    return true;
}

uint16_t
UbNetDevice::GetMtu() const
{
    return m_mtu;
}

bool
UbNetDevice::IsLinkUp() const
{
    return m_channel != nullptr;
}

void
UbNetDevice::AddLinkChangeCallback(Callback<void> callback)
{
}

bool
UbNetDevice::IsBroadcast() const
{
    return false;
}

Address
UbNetDevice::GetBroadcast() const
{
    return Mac48Address::GetBroadcast();
}

bool
UbNetDevice::IsMulticast() const
{
    return false;
}

Address
UbNetDevice::GetMulticast(Ipv4Address multicastGroup) const
{
    return Mac48Address::GetMulticast(multicastGroup);
}

Address
UbNetDevice::GetMulticast(Ipv6Address addr) const
{
    return Mac48Address::GetMulticast(addr);
}

bool
UbNetDevice::IsBridge() const
{
    return false;
}

bool
UbNetDevice::IsPointToPoint() const
{
    return true;
}

bool
UbNetDevice::Send(Ptr<Packet> packet, const Address& dest, uint16_t protocolNumber)
{
    NS_ABORT_MSG_IF(m_switch == nullptr || !m_channel,
                    Where() << ": Send before the port is installed on a UbSwitch and a link");
    Ptr<UbNetDevice> peer = m_channel->GetPeer(this);
    return m_switch->Send(packet, peer->m_switch->GetCna(), 0, protocolNumber);
}

bool
UbNetDevice::SendFrom(Ptr<Packet> packet,
                      const Address& source,
                      const Address& dest,
                      uint16_t protocolNumber)
{
    return Send(packet, dest, protocolNumber);
}

Ptr<Node>
UbNetDevice::GetNode() const
{
    return m_node;
}

void
UbNetDevice::SetNode(Ptr<Node> node)
{
    m_node = node;
}

bool
UbNetDevice::NeedsArp() const
{
    return false;
}

void
UbNetDevice::SetReceiveCallback(NetDevice::ReceiveCallback cb)
{
    m_rxCallback = cb;
}

void
UbNetDevice::SetPromiscReceiveCallback(PromiscReceiveCallback cb)
{
    m_promiscCallback = cb;
}

bool
UbNetDevice::SupportsSendFrom() const
{
    return false;
}

} // namespace ns3
