/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * UbNetDevice, part 2 of 3: configuration. Attributes (GetTypeId) with their accessors,
 * validation, the parameters the device announces to the other end of its link, initialization,
 * and the PHY and framing arithmetic (lanes, rates, flits, cells). The packet path is in
 * ub-net-device.cc, statistics and the NetDevice interface in ub-net-device-info.cc.
 */
#include "ub-channel.h"
#include "ub-compat.h"
#include "ub-error.h"
#include "ub-list.h"
#include "ub-net-device.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/string.h"
#include "ns3/trace-source-accessor.h"
#include "ns3/uinteger.h"

#include <cmath>
#include <limits>
#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbNetDeviceConfig");
NS_OBJECT_ENSURE_REGISTERED(UbNetDevice);

namespace
{
/// "a,b,c" as unsigned 32-bit integers (the module's one list parser); false if malformed.
bool
ParseList(const std::string& s, std::vector<uint32_t>& out)
{
    std::vector<uint64_t> v;
    if (!UbParseUnsignedList(s, v, UINT32_MAX))
    {
        return false;
    }
    out.assign(v.begin(), v.end());
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
                          UbMakeEnumAccessor(&UbNetDevice::m_framing),
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
                          UbMakeEnumAccessor(&UbNetDevice::m_fcMode),
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
                          UbMakeEnumAccessor(&UbNetDevice::m_losslessCheck),
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
                          MakeUintegerAccessor(&UbNetDevice::SetVlBufferCells,
                                               &UbNetDevice::GetVlBufferCells),
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
            .AddAttribute(
                "CreditReturn",
                "How credits go back: Piggyback (default) in the link header of the "
                "next data packet on the reverse direction, a Crd_Ack carrying every "
                "VL due only when no data packet starts by the deadline (UB Base Spec "
                "2.0 section 4.4 allows both); Frames: one Crd_Ack per VL return, "
                "never in a data header (the earlier model, kept to show its cost).",
                EnumValue(UbNetDevice::PIGGYBACK),
                UbMakeEnumAccessor(&UbNetDevice::m_creditReturnMode),
                MakeEnumChecker(UbNetDevice::PIGGYBACK, "Piggyback", UbNetDevice::FRAMES, "Frames"))
            .AddAttribute("CreditPiggybackWait",
                          "Piggyback mode: how long a due credit return waits for a data packet "
                          "when the reverse wire is idle before a Crd_Ack goes (time). Default "
                          "0: waiting would lengthen the credit loop of an idle link, and under "
                          "load the wire is busy, so returns ride the next packet anyway. "
                          "[A] The spec states no such timer.",
                          TimeValue(Time(0)),
                          MakeTimeAccessor(&UbNetDevice::m_piggybackWait),
                          MakeTimeChecker(Time(0)))
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
                          MakeStringAccessor(&UbNetDevice::SetSlToVl, &UbNetDevice::GetSlToVl),
                          MakeStringChecker())
            .AddAttribute("VlArbitration",
                          "Output VL arbitration: Dwrr (deficit weighted round robin over the VL "
                          "weights; equal weights share the link byte for byte) or "
                          "StrictPriority (highest VL first, which starves the lower VLs while "
                          "a higher one is backlogged: for QoS classes, never for VLs that only "
                          "break deadlock cycles). Default Dwrr: the VLs the builders use are "
                          "dateline, escape and final-hop VLs, and each carries transit traffic "
                          "that must not wait on another.",
                          EnumValue(UbNetDevice::DWRR),
                          UbMakeEnumAccessor(&UbNetDevice::m_arbitration),
                          MakeEnumChecker(UbNetDevice::STRICT_PRIORITY,
                                          "StrictPriority",
                                          UbNetDevice::DWRR,
                                          "Dwrr"))
            .AddAttribute(
                "VlWeights",
                "DWRR weights as a comma-separated list, entry i = weight of VL i "
                "(missing entries weigh 1).",
                StringValue(""),
                MakeStringAccessor(&UbNetDevice::SetVlWeights, &UbNetDevice::GetVlWeights),
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
                          MakeDoubleAccessor(&UbNetDevice::SetPacketErrorRate,
                                             &UbNetDevice::GetPacketErrorRate),
                          MakeDoubleChecker<double>())
            .AddAttribute(
                "BitErrorRate",
                "Residual bit error rate after FEC on this direction: a packet of n wire "
                "bits errs with 1 - (1 - BER)^n, on top of PacketErrorRate.",
                DoubleValue(0.0),
                MakeDoubleAccessor(&UbNetDevice::SetBitErrorRate, &UbNetDevice::GetBitErrorRate),
                MakeDoubleChecker<double>())
            .AddAttribute("ErrorBurstLength",
                          "Mean length of error bursts in packets: after an error the next "
                          "packet errs with probability 1 - 1/length (1 = independent errors).",
                          DoubleValue(1.0),
                          MakeDoubleAccessor(&UbNetDevice::SetErrorBurstLength,
                                             &UbNetDevice::GetErrorBurstLength),
                          MakeDoubleChecker<double>())
            .AddAttribute(
                "LinkRetry",
                "Link-level retry (UB Base Spec 2.0 section 4.7): a corrupted packet is "
                "replayed from the sender's retry buffer after a Retry_Req_Set and a "
                "Retry_Ack_Set; off, it is dropped and counted.",
                BooleanValue(true),
                MakeBooleanAccessor(&UbNetDevice::SetLinkRetry, &UbNetDevice::GetLinkRetry),
                MakeBooleanChecker())
            .AddAttribute("RetrySetFlits",
                          "Flits of a retry request or acknowledgement set: 1 Retry_Idle + 32 "
                          "Retry_Req (or Retry_Ack) blocks of one flit (UB Base Spec 2.0 4.7.3).",
                          UintegerValue(33),
                          MakeUintegerAccessor(&UbNetDevice::SetRetrySetFlits,
                                               &UbNetDevice::GetRetrySetFlits),
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

std::string
UbNetDevice::Where() const
{
    std::ostringstream os;
    os << "UbNetDevice node " << (m_node ? static_cast<int64_t>(m_node->GetId()) : -1) << " port "
       << m_port;
    return os.str();
}

void
UbNetDevice::Validate(const UbLinkParams& peer) const
{
    UB_INPUT_ERROR_IF(m_lanes != 1 && m_lanes != 2 && m_lanes != 4 && m_lanes != 8,
                      Where() << ": Lanes=" << +m_lanes
                              << " is invalid; set Lanes to 1, 2, 4 or 8");
    UB_INPUT_ERROR_IF(m_laneRate.GetBitRate() == 0,
                      Where() << ": LaneRate=0 is invalid; give a positive rate such as 112Gbps");
    UB_INPUT_ERROR_IF(m_encodingEfficiency <= 0.0 || m_encodingEfficiency > 1.0,
                      Where() << ": EncodingEfficiency=" << m_encodingEfficiency
                              << " is invalid; it must be in (0, 1]");
    UB_INPUT_ERROR_IF(m_flitSize == 0,
                      Where() << ": FlitSize=0 is invalid; use 20 (UB) or 16 (NVLink)");
    UB_INPUT_ERROR_IF(m_flitsPerCell == 0, Where() << ": FlitsPerCell=0 is invalid; use 1 or more");
    UB_INPUT_ERROR_IF(m_vlCount == 0 || m_vlCount > UB_MAX_VLS,
                      Where() << ": VlCount=" << +m_vlCount << " is invalid; use 1 to 16");
    UB_INPUT_ERROR_IF(m_mtu == 0, Where() << ": Mtu=0 is invalid");
    UB_INPUT_ERROR_IF(m_mtu > GetMaxFramedPacket(),
                      Where() << ": Mtu=" << m_mtu
                              << " exceeds the largest packet the framing carries ("
                              << GetMaxFramedPacket() << " B in 16 blocks of 32 flits)");
    UB_INPUT_ERROR_IF(m_framing != FIXED && m_flitSize < 8,
                      Where() << ": FlitSize=" << m_flitSize << " is too small for UB framing");
    UB_INPUT_ERROR_IF(m_creditFrameBytes == 0 && m_fcMode == CREDIT,
                      Where() << ": CreditFrameBytes=0 is invalid; a credit frame takes wire time");
    UB_INPUT_ERROR_IF(m_creditGrain == 0,
                      Where() << ": CreditReturnGrain=0 is invalid; use 1 or more");
    UB_INPUT_ERROR_IF(
        m_creditGrain > 1 && m_creditTimeout.IsZero(),
        Where() << ": CreditReturnGrain=" << m_creditGrain
                << " needs CreditReturnTimeout > 0, or credits below the grain would never "
                   "return");
    uint32_t maxCells = GetCells(m_mtu);
    UB_INPUT_ERROR_IF(m_vlBufferCells < maxCells,
                      Where() << ": VlBufferCells=" << m_vlBufferCells << " ("
                              << static_cast<uint64_t>(m_vlBufferCells) * GetCellBytes()
                              << " B) is smaller than one maximum packet (Mtu " << m_mtu
                              << " B = " << GetFlits(m_mtu) << " flits = " << maxCells
                              << " cells); raise VlBufferCells to at least " << maxCells);
    std::vector<uint32_t> map;
    UB_INPUT_ERROR_IF(
        !ParseList(GetSlToVl(), map),
        Where() << ": SlToVl=\"" << GetSlToVl()
                << "\" is malformed; give comma-separated VL numbers such as \"0,0,1,1\"");
    UB_INPUT_ERROR_IF(map.size() > 16,
                      Where() << ": SlToVl has " << map.size()
                              << " entries; there are only 16 SLs");
    for (std::size_t sl = 0; sl < map.size(); ++sl)
    {
        UB_INPUT_ERROR_IF(map[sl] >= m_vlCount,
                          Where() << ": SlToVl maps SL " << sl << " to VL " << map[sl]
                                  << ", beyond VlCount=" << +m_vlCount << "; use VL 0.."
                                  << m_vlCount - 1 << " or raise VlCount");
    }
    std::vector<uint32_t> weights;
    UB_INPUT_ERROR_IF(!ParseList(GetVlWeights(), weights),
                      Where() << ": VlWeights=\"" << GetVlWeights()
                              << "\" is malformed; give comma-separated integers such as \"1,3\"");
    UB_INPUT_ERROR_IF(weights.size() > m_vlCount,
                      Where() << ": VlWeights has " << weights.size()
                              << " entries for VlCount=" << +m_vlCount);
    for (std::size_t v = 0; v < weights.size(); ++v)
    {
        UB_INPUT_ERROR_IF(weights[v] == 0,
                          Where() << ": VlWeights gives VL " << v
                                  << " weight 0; weights must be >= 1");
    }
    std::string errors = m_errors.Check("");
    UB_INPUT_ERROR_IF(!errors.empty(), Where() << errors);
    // What the other end announced must agree with this end.
    auto peerWhere = [&peer]() {
        return "UbNetDevice node " + std::to_string(peer.nodeId) + ", the other end of the link";
    };
    UB_INPUT_ERROR_IF(peer.flitSize != m_flitSize || peer.flitsPerCell != m_flitsPerCell,
                      Where() << ": FlitSize/FlitsPerCell " << m_flitSize << "/" << m_flitsPerCell
                              << " differ from the peer (" << peerWhere() << ": " << peer.flitSize
                              << "/" << peer.flitsPerCell
                              << "); both ends of a link must count credits in the same cells");
    UB_INPUT_ERROR_IF(peer.vlCount != m_vlCount,
                      Where() << ": VlCount=" << +m_vlCount << " differs from the peer ("
                              << peerWhere() << ": " << +peer.vlCount
                              << "); both ends of a link need the same VLs");
    UB_INPUT_ERROR_IF(peer.flowControl != m_fcMode,
                      Where() << ": FlowControl differs from the peer (" << peerWhere()
                              << "); both ends of a link need the same mode");
    // A packet the other end cannot buffer whole never gets the credits to leave: the link would
    // stall for ever without a word.
    UB_INPUT_ERROR_IF(m_fcMode == CREDIT &&
                          static_cast<uint64_t>(GetCells(m_mtu)) >
                              static_cast<uint64_t>(peer.vlBufferCells) + peer.sharedBufferCells,
                      Where() << ": Mtu=" << m_mtu << " B makes packets of " << GetCells(m_mtu)
                              << " cells, but " << peerWhere() << " buffers " << peer.vlBufferCells
                              << " cells per VL (+ " << peer.sharedBufferCells
                              << " shared); such a packet would wait for credits for ever: raise "
                                 "VlBufferCells there or lower Mtu here");
}

void
UbNetDevice::CheckConfiguration() const
{
    if (m_channel && m_queues && m_channel->GetNDevices() == 2)
    {
        Validate(m_channel->GetAnnouncement(1 - m_end));
    }
}

UbLinkParams
UbNetDevice::GetLinkParams() const
{
    NS_ABORT_MSG_IF(m_queues == nullptr,
                    Where() << ": not a port of a UbSwitch; install links with UbHelper");
    UbLinkParams p;
    p.vlBufferCells = m_vlBufferCells;
    p.sharedBufferCells = m_sharedBufferCells;
    p.flitSize = m_flitSize;
    p.flitsPerCell = m_flitsPerCell;
    p.cna = m_queues->GetCna();
    p.nodeId = m_node ? m_node->GetId() : 0;
    p.pipelinePs = m_queues->GetPipelineLatency().GetPicoSeconds();
    p.cutThrough = m_queues->IsCutThrough();
    p.phyPs = m_phyLatency.GetPicoSeconds();
    p.linkPs = p.phyPs + (m_channel ? m_channel->GetPropagationDelay().GetPicoSeconds() : 0);
    p.rateBps = GetRateBps();
    // (A port with no rate is refused by its own validation; announce no retry time then.)
    p.retryRequestPs =
        p.rateBps ? SerPs(static_cast<uint64_t>(m_errors.retrySetFlits) * m_flitSize) : 0;
    p.vlCount = m_vlCount;
    p.flowControl = static_cast<uint8_t>(m_fcMode);
    return p;
}

void
UbNetDevice::DoInitialize()
{
    if (m_ready)
    {
        return;
    }
    NS_ABORT_MSG_IF(!m_channel,
                    Where() << ": not attached to a UbChannel; install links with UbHelper");
    NS_ABORT_MSG_IF(m_queues == nullptr,
                    Where() << ": not a port of a UbSwitch; install links with UbHelper");
    NS_ABORT_MSG_IF(m_channel->GetNDevices() < 2,
                    Where() << ": the link has no device at the other end");
    UbLinkParams peer = m_channel->GetAnnouncement(1 - m_end);
    Validate(peer);
    NS_ABORT_MSG_IF(Time::GetResolution() != Time::PS,
                    Where() << ": ns-3 time resolution is not picoseconds; do not call "
                               "Time::SetResolution after creating UB objects");
    m_local = m_channel->IsLocal();

    m_rateBps = ComputeRateBps();
    UB_INPUT_ERROR_IF(m_rateBps == 0, Where() << ": the transmit rate rounds to 0 b/s");
    m_flitPs = SerPs(m_flitSize);
    m_creditFramePs = SerPs(m_creditFrameBytes);
    m_linkPs = m_phyLatency.GetPicoSeconds() + m_channel->GetPropagationDelay().GetPicoSeconds();

    m_peerPipelinePs = peer.pipelinePs;
    m_peerCutThrough = peer.cutThrough;
    m_peerCna = peer.cna;
    m_peerNodeId = peer.nodeId;
    m_peerRetryPs = peer.retryRequestPs + peer.linkPs;

    std::vector<uint32_t> map;
    ParseList(GetSlToVl(), map);
    for (uint32_t sl = 0; sl < 16; ++sl)
    {
        m_slToVl[sl] = static_cast<uint8_t>(sl < map.size() ? map[sl] : sl % m_vlCount);
    }

    m_credits.Init(m_vlCount,
                   peer.vlBufferCells,
                   peer.sharedBufferCells,
                   m_fcMode == CREDIT,
                   &m_creditStallTrace);
    m_rxBuffer.Init(m_vlCount,
                    m_vlBufferCells,
                    m_sharedBufferCells,
                    m_fcMode == CREDIT,
                    m_creditGrain,
                    m_creditTimeout.GetPicoSeconds());
    if (m_fcMode == PFC)
    {
        uint32_t headroom = PfcHeadroomCells(peer);
        uint32_t cellBytes = GetCellBytes();
        UB_INPUT_ERROR_IF(headroom + GetCells(m_mtu) > m_vlBufferCells,
                          Where() << ": PFC needs " << headroom + GetCells(m_mtu)
                                  << " cells per VL (headroom for what is on its way when PAUSE is "
                                     "sent, plus one packet) but VlBufferCells="
                                  << m_vlBufferCells << "; raise VlBufferCells to at least "
                                  << headroom + GetCells(m_mtu));
        uint32_t maxXoff = m_vlBufferCells - headroom;
        uint32_t xoff = m_pfcXoffBytes ? (m_pfcXoffBytes + cellBytes - 1) / cellBytes : maxXoff;
        UB_INPUT_ERROR_IF(xoff > maxXoff,
                          Where() << ": PfcXoff=" << m_pfcXoffBytes << " B leaves less than the "
                                  << headroom * cellBytes
                                  << " B of headroom PFC needs here; set PfcXoff <= "
                                  << maxXoff * cellBytes << " or raise VlBufferCells");
        uint32_t twoPackets = 2 * GetCells(m_mtu);
        uint32_t xon =
            m_pfcXonBytes ? m_pfcXonBytes / cellBytes : (xoff > twoPackets ? xoff - twoPackets : 0);
        UB_INPUT_ERROR_IF(xon >= xoff,
                          Where() << ": PfcXon=" << xon * cellBytes
                                  << " B must be below PfcXoff=" << xoff * cellBytes << " B");
        m_pfc = std::make_unique<UbPfc>();
        m_pfc->Init(m_vlCount, xoff, xon, MakeCallback(&UbNetDevice::PfcCheck, this));
    }

    if (m_arbitration == DWRR)
    {
        std::vector<uint32_t> weights;
        ParseList(GetVlWeights(), weights);
        uint32_t base = m_quantumBytes ? m_quantumBytes : GetWireBytes(m_mtu);
        m_dwrr = std::make_unique<DwrrState>();
        m_dwrr->deficit.assign(m_vlCount, 0);
        m_dwrr->quantum.assign(m_vlCount, base);
        for (std::size_t v = 0; v < weights.size(); ++v)
        {
            m_dwrr->quantum[v] = weights[v] * base;
        }
        m_arbState.deficit = m_dwrr->deficit.data();
        m_arbState.quantum = m_dwrr->quantum.data();
        m_arbiter = UbDwrrArbiter::Get();
    }
    else
    {
        m_arbiter = UbStrictPriorityArbiter::Get();
    }
    m_errors.Init();
    m_ready = true;
    NetDevice::DoInitialize();
}

uint32_t
UbNetDevice::PfcHeadroomCells(const UbLinkParams& peer) const
{
    // After this port decides to pause a VL, the PAUSE waits for the packet this port is sending
    // (one maximum packet at its rate), takes its own time on the wire and the reverse link's
    // latency; the peer keeps sending meanwhile, finishes a packet it started just before the
    // PAUSE arrived, and what is already on the forward link still lands here.
    auto peerRate = static_cast<long double>(peer.rateBps);
    int64_t prop = m_channel->GetPropagationDelay().GetPicoSeconds();
    // A packet is charged to this buffer after this switch's pipeline latency, so what is in
    // the pipeline is on its way too.
    int64_t ps = SerPs(GetWireBytes(m_mtu)) + SerPs(m_pauseFrameBytes) +
                 m_phyLatency.GetPicoSeconds() + prop + peer.phyPs + prop +
                 m_queues->GetPipelineLatency().GetPicoSeconds();
    long double bytes = peerRate * static_cast<long double>(ps) / 8e12L;
    auto packets = static_cast<uint32_t>(std::ceil(bytes / GetWireBytes(m_mtu))) + 1;
    return packets * GetCells(m_mtu);
}

void
UbNetDevice::SetSlToVl(std::string map)
{
    if (!m_vlStrings && map.empty())
    {
        return;
    }
    if (!m_vlStrings)
    {
        m_vlStrings = std::make_unique<VlStrings>();
    }
    m_vlStrings->slToVl = map;
}

std::string
UbNetDevice::GetSlToVl() const
{
    return m_vlStrings ? m_vlStrings->slToVl : std::string();
}

void
UbNetDevice::SetVlWeights(std::string weights)
{
    if (!m_vlStrings && weights.empty())
    {
        return;
    }
    if (!m_vlStrings)
    {
        m_vlStrings = std::make_unique<VlStrings>();
    }
    m_vlStrings->vlWeights = weights;
}

std::string
UbNetDevice::GetVlWeights() const
{
    return m_vlStrings ? m_vlStrings->vlWeights : std::string();
}

void
UbNetDevice::SetPacketErrorRate(double p)
{
    m_errors.packetErrorRate = p;
}

double
UbNetDevice::GetPacketErrorRate() const
{
    return m_errors.packetErrorRate;
}

void
UbNetDevice::SetBitErrorRate(double p)
{
    m_errors.bitErrorRate = p;
}

double
UbNetDevice::GetBitErrorRate() const
{
    return m_errors.bitErrorRate;
}

void
UbNetDevice::SetErrorBurstLength(double l)
{
    m_errors.burstLength = l;
}

double
UbNetDevice::GetErrorBurstLength() const
{
    return m_errors.burstLength;
}

void
UbNetDevice::SetLinkRetry(bool on)
{
    m_errors.linkRetry = on;
}

bool
UbNetDevice::GetLinkRetry() const
{
    return m_errors.linkRetry;
}

void
UbNetDevice::SetRetrySetFlits(uint32_t flits)
{
    m_errors.retrySetFlits = flits;
}

uint32_t
UbNetDevice::GetRetrySetFlits() const
{
    return m_errors.retrySetFlits;
}

uint64_t
UbNetDevice::ComputeRateBps() const
{
    long double r = static_cast<long double>(m_lanes) *
                    static_cast<long double>(m_laneRate.GetBitRate()) * m_encodingEfficiency;
    return static_cast<uint64_t>(std::llround(r));
}

int64_t
UbNetDevice::SerPs(uint64_t wireBytes) const
{
    uint64_t rate = m_rateBps ? m_rateBps : ComputeRateBps();
    UB_INPUT_ERROR_IF(rate == 0, Where() << ": the transmit rate is 0 b/s");
    unsigned __int128 num = static_cast<unsigned __int128>(wireBytes) * 8u * 1000000000000ull;
    return static_cast<int64_t>((num + rate - 1) / rate);
}

void
UbNetDevice::SetBackground(double share)
{
    UB_INPUT_ERROR_IF(!(share >= 0 && share < 1),
                      Where() << ": background share " << share << " is not in [0, 1)");
    m_background = share;
}

double
UbNetDevice::GetBackground() const
{
    return m_background;
}

uint64_t
UbNetDevice::GetRateBps() const
{
    return m_rateBps ? m_rateBps : ComputeRateBps();
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
    // mode a BCRC (4 B) ends every block, in non-CRC mode an END byte ends the packet. Closed
    // form of filling the blocks one by one: the first carries c1 bytes of the packet, each
    // later full block c2, and the last block what is left.
    const uint32_t block = 32 * f;
    const uint32_t trailer = (m_framing == UB_CRC) ? 4 : 0;
    const uint32_t end = (m_framing == UB_CRC) ? 0 : 1;
    if (packetBytes + 4 + trailer + end <= block)
    {
        return (packetBytes + 4 + trailer + end + f - 1) / f;
    }
    const uint32_t c1 = block - 4 - trailer;
    const uint32_t c2 = block - 2 - trailer;
    uint32_t rest = packetBytes - c1;
    uint32_t full = (rest + end > c2) ? (rest + end - 1) / c2 : 0; // later blocks filled up
    rest -= full * c2;
    return 32 * (1 + full) + (rest + 2 + trailer + end + f - 1) / f;
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

UbNetDevice::VlArbitration
UbNetDevice::GetVlArbitration() const
{
    return m_arbitration;
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

void
UbNetDevice::SetVlBufferCells(uint32_t cells)
{
    m_vlBufferCells = cells;
    if (m_ready)
    {
        // The buffer changes, but the other end keeps the credits announced when the link came
        // up: a misconfiguration that the lossless check must catch (a test uses it).
        m_rxBuffer.SetVlCells(cells);
    }
}

} // namespace ns3
