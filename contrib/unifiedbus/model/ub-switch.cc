/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-switch.h"

#include "ub-compat.h"
#include "ub-error.h"
#include "ub-invariants.h"
#include "ub-net-device.h"
#include "ub-network-header.h"
#include "ub-scheduler.h"
#include "ub-watchdog.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/data-rate.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/pointer.h"
#include "ns3/simulator.h"
#include "ns3/trace-source-accessor.h"
#include "ns3/uinteger.h"

#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbSwitch");
NS_OBJECT_ENSURE_REGISTERED(UbSwitch);

namespace
{
constexpr uint32_t CNA_UNSET = 0xFFFFFFFF;

inline uint64_t
VoqKey(uint32_t inPort, uint32_t outPort, uint8_t vl)
{
    return (static_cast<uint64_t>(inPort) << 32) | (static_cast<uint64_t>(outPort) << 8) | vl;
}
} // namespace

TypeId
UbSwitch::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::UbSwitch")
            .SetParent<Object>()
            .SetGroupName("UnifiedBus")
            .AddConstructor<UbSwitch>()
            .AddAttribute("Cna",
                          "Compact network address of this node (24 bits); by default the node id.",
                          UintegerValue(CNA_UNSET),
                          MakeUintegerAccessor(&UbSwitch::m_cna),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("PipelineLatency",
                          "Time from a packet's header (cut-through) or tail (store-and-forward) "
                          "arriving to it being eligible for an output, and from its tail arriving "
                          "to its delivery to this node's endpoint (time). Default 100 ns: an "
                          "assumption in the range of cut-through switch ASICs; calibrated per "
                          "preset.",
                          TimeValue(NanoSeconds(100)),
                          MakeTimeAccessor(&UbSwitch::m_pipelineLatency),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("ForwardingMode",
                          "CutThrough (forward after the first flit; UB Base Spec 2.0 section "
                          "4.8.3 allows it) or StoreAndForward.",
                          EnumValue(UbSwitch::CUT_THROUGH),
                          UbMakeEnumAccessor(&UbSwitch::m_mode),
                          MakeEnumChecker(UbSwitch::CUT_THROUGH,
                                          "CutThrough",
                                          UbSwitch::STORE_AND_FORWARD,
                                          "StoreAndForward"))
            .AddAttribute("InjectionBufferBytes",
                          "Bytes this node's endpoint may have waiting in the switch, per service "
                          "level and per network port of the node (an endpoint with 14 ports "
                          "gets 14 times this), before Send refuses (bytes; one packet is always "
                          "accepted).",
                          UintegerValue(65536),
                          MakeUintegerAccessor(&UbSwitch::m_injectionBufferBytes),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("ReductionRate",
                          "Throughput of the switch's reduction engine for in-network "
                          "collectives (NVLink SHARP-like; UbCollectiveHelper::"
                          "InstallSwitchReducers), counted in reduced output bytes: a piece "
                          "of B bytes reduced from every rank's copy keeps the engine busy "
                          "B x 8 / rate (0: no limit).",
                          DataRateValue(DataRate(0)),
                          MakeDataRateAccessor(&UbSwitch::m_reductionRate),
                          MakeDataRateChecker())
            .AddAttribute("ConcurrentReductions",
                          "Pieces the switch reduces at once for in-network collectives: a "
                          "piece's inputs may arrive only once the piece this many before it "
                          "has been reduced and returned to its head (0: UbInNetworkBuilder::"
                          "DefaultWindow, 16, whatever the rank count: enough ld_reduce in "
                          "flight to cover their round trip; an assumption measured in "
                          "doc/collectives.md).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbSwitch::m_concurrentReductions),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("SourceDetours",
                          "Whether the endpoint's own packets may take the source-only "
                          "(non-minimal, detour) candidates of a route. Collectives that place "
                          "their traffic on direct links themselves (UbCollectiveEngine "
                          "MULTI_RING, MULTI_PATH) turn it off while they run.",
                          BooleanValue(true),
                          MakeBooleanAccessor(&UbSwitch::m_sourceDetours),
                          MakeBooleanChecker())
            .AddAttribute("EcnThreshold",
                          "ECN marking (RoCE-like fabrics): a packet queued behind at least this "
                          "many bytes for its output and VL is marked Congestion Experienced "
                          "(bytes; 0 = no marking), RED's K_min with EcnMaxThreshold. Marks are "
                          "counted (GetEcnMarks) and carried to the receiver in "
                          "UbPacketInfo::cc; DCQCN senders react to them.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbSwitch::m_ecnThreshold),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("EcnMaxThreshold",
                          "RED marking as DCQCN's switches do (K_max, bytes): between "
                          "EcnThreshold and this the probability of a mark rises linearly from 0 "
                          "to EcnMaxProbability, above it every packet is marked. 0 (or not above "
                          "EcnThreshold): mark every packet above EcnThreshold.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbSwitch::m_ecnMaxThreshold),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("EcnMaxProbability",
                          "RED's P_max: the probability of a mark at EcnMaxThreshold (0..1).",
                          DoubleValue(0.01),
                          MakeDoubleAccessor(&UbSwitch::m_ecnPmax),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("CaqmQueueThreshold",
                          "C-AQM: bytes waiting for an output above which the switch marks "
                          "packets of C-AQM senders congested (C bit) and writes a rate hint. "
                          "Default 8 KiB: two 4-KiB packets, near the 'near-zero queue' goal; "
                          "an assumption.",
                          UintegerValue(8192),
                          MakeUintegerAccessor(&UbSwitch::m_caqmThreshold),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("CaqmEta",
                          "C-AQM: the hint is (Eta x port rate - drain rate) / inputs waiting for "
                          "the output, where the drain rate empties the excess queue in "
                          "CaqmDrainTime "
                          "(0 < Eta <= 1). Default 0.97: a 3 % margin keeps the queue drained; an "
                          "assumption.",
                          DoubleValue(0.97),
                          MakeDoubleAccessor(&UbSwitch::m_caqmEta),
                          MakeDoubleChecker<double>(0.01, 1.0))
            .AddAttribute("CaqmDrainTime",
                          "C-AQM: time within which the hint aims to drain the bytes above the "
                          "threshold (time). Default 20 us: an assumption, chosen with the 16-to-1 "
                          "incast of the tests.",
                          TimeValue(MicroSeconds(20)),
                          MakeTimeAccessor(&UbSwitch::m_caqmDrainTime),
                          MakeTimeChecker(PicoSeconds(1)))
            .AddAttribute("CaqmMinShare",
                          "C-AQM: the hints never go below this fraction of the port rate shared "
                          "among the waiting inputs (0..1). Default 0.25: an assumption, chosen "
                          "with the 16-to-1 incast of the tests.",
                          DoubleValue(0.25),
                          MakeDoubleAccessor(&UbSwitch::m_caqmMinShare),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("RoutingTable",
                          "The routing table of this node.",
                          PointerValue(),
                          MakePointerAccessor(&UbSwitch::m_routing),
                          MakePointerChecker<UbRoutingTable>())
            .AddTraceSource("Deliver",
                            "A packet was delivered to this node's endpoint.",
                            MakeTraceSourceAccessor(&UbSwitch::m_deliverTrace),
                            "ns3::UbSwitch::PacketInfoTracedCallback")
            .AddTraceSource("Inject",
                            "This node's endpoint injected a packet.",
                            MakeTraceSourceAccessor(&UbSwitch::m_injectTrace),
                            "ns3::UbSwitch::PacketInfoTracedCallback");
    return tid;
}

UbSwitch::UbSwitch()
    : m_routing(CreateObject<UbRoutingTable>())
{
    UbEnsurePicoseconds();
    if (UbInvariants::IsEndDone())
    {
        // The first switch of a new simulation: the end-of-run checks start afresh, and the
        // switches the last one disposed leave the list.
        UbWatchdog::Reset();
        UbInvariants::Reset();
        std::size_t n = 0;
        for (UbSwitch* sw : s_all)
        {
            if (sw != nullptr)
            {
                sw->m_registryIndex = static_cast<uint32_t>(n);
                s_all[n++] = sw;
            }
        }
        s_all.resize(n);
    }
    m_registryIndex = static_cast<uint32_t>(s_all.size());
    s_all.push_back(this);
}

UbSwitch::~UbSwitch()
{
    Unregister();
}

void
UbSwitch::Unregister()
{
    if (m_registryIndex < s_all.size() && s_all[m_registryIndex] == this)
    {
        s_all[m_registryIndex] = nullptr;
    }
}

void
UbSwitch::NotifyNewAggregate()
{
    if (!m_node)
    {
        Ptr<Node> node = GetObject<Node>();
        if (node)
        {
            m_node = node;
            if (m_cna == CNA_UNSET)
            {
                m_cna = node->GetId();
            }
        }
    }
    Object::NotifyNewAggregate();
}

void
UbSwitch::DoDispose()
{
    // Simulator::Destroy disposes the nodes: the first of the model's objects to go checks the
    // run's invariants while every switch, port and controller is still whole.
    UbInvariants::AtDispose();
    Unregister();
    for (auto& [key, voq] : m_voqs)
    {
        for (Queued* q = voq->head; q != nullptr;)
        {
            Queued* next = q->next;
            delete q;
            q = next;
        }
        delete voq;
    }
    m_voqs.clear();
    m_ports.clear();
    m_rxCallbacks.clear();
    m_readyWaiters.clear();
    m_routing = nullptr;
    m_node = nullptr;
    Object::DoDispose();
}

std::string
UbSwitch::Where() const
{
    std::ostringstream os;
    os << "UbSwitch node " << (m_node ? static_cast<int64_t>(m_node->GetId()) : -1) << " (CNA "
       << m_cna << ")";
    return os.str();
}

void
UbSwitch::DoInitialize()
{
    UB_INPUT_ERROR_IF(m_cna > UbNetworkHeader::MAX_CNA,
                      Where() << ": Cna=" << m_cna << " does not fit 24 bits");
    for (auto& p : m_ports)
    {
        p.vl.resize(p.dev->GetVlCount());
    }
    // Every route must name an existing port and a VL that port has (checked once per interval
    // of destinations: a whole SuperPoD's destinations share a few).
    m_routing->ForEachIntervalRoute([this](uint32_t dst, const UbRouteCandidate& c) {
        UB_INPUT_ERROR_IF(c.port >= m_ports.size(),
                          Where() << ": route to destination " << dst << " uses port " << c.port
                                  << " but the node has " << m_ports.size() << " ports");
        uint8_t n = m_ports[c.port].dev->GetVlCount();
        UB_INPUT_ERROR_IF(c.vl != UB_VL_FROM_SL && c.vl >= n,
                          "UbNetDevice node " << m_node->GetId() << " port " << c.port
                                              << ": route to destination " << dst << " uses VL "
                                              << +c.vl << " beyond VlCount=" << +n << "; use VL 0.."
                                              << n - 1 << " or raise VlCount");
    });
    Object::DoInitialize();
}

uint32_t
UbSwitch::AddPort(Ptr<UbNetDevice> dev)
{
    auto index = static_cast<uint32_t>(m_ports.size());
    Port p;
    p.dev = dev;
    p.vl.resize(dev->GetVlCount());
    m_ports.push_back(std::move(p));
    dev->SetPortQueues(this, index);
    return index;
}

uint32_t
UbSwitch::GetNPorts() const
{
    return static_cast<uint32_t>(m_ports.size());
}

Ptr<UbNetDevice>
UbSwitch::GetPort(uint32_t i) const
{
    UB_INPUT_ERROR_IF(i >= m_ports.size(), Where() << ": no port " << i);
    return m_ports[i].dev;
}

uint32_t
UbSwitch::GetCna() const
{
    return m_cna;
}

void
UbSwitch::SetCna(uint32_t cna)
{
    UB_INPUT_ERROR_IF(cna > UbNetworkHeader::MAX_CNA,
                      Where() << ": CNA " << cna << " exceeds 24 bits");
    m_cna = cna;
}

Ptr<UbRoutingTable>
UbSwitch::GetRoutingTable() const
{
    return m_routing;
}

Time
UbSwitch::GetPipelineLatency() const
{
    return m_pipelineLatency;
}

bool
UbSwitch::IsCutThrough() const
{
    return m_mode == CUT_THROUGH;
}

Ptr<Node>
UbSwitch::GetNode() const
{
    return m_node;
}

// ---------------------------------------------------------------------------------------------
// Local port

bool
UbSwitch::Send(Ptr<Packet> packet, uint32_t dst, uint8_t sl, uint32_t flowKey)
{
    return SendAfter(packet, dst, sl, flowKey, Time(0), 0);
}

bool
UbSwitch::SendAfter(Ptr<Packet> packet,
                    uint32_t dst,
                    uint8_t sl,
                    uint32_t flowKey,
                    Time delay,
                    uint8_t nlp,
                    uint8_t cc,
                    uint8_t flags)
{
    if (!HasRoom(sl, dst, packet->GetSize() + UbNetworkHeader::SIZE))
    {
        return false;
    }
    UbNetworkHeader h;
    h.SetSource(m_cna);
    h.SetDestination(dst);
    h.SetServiceLevel(sl);
    h.SetLoadBalance(static_cast<uint8_t>(flowKey & 0xFF));
    h.SetNextProtocol(nlp);
    packet->AddHeader(h);
    UbPacketInfo info = NewInfo(dst, sl, nlp, cc, flags);
    return Inject(packet, info, flowKey, delay);
}

bool
UbSwitch::SendFields(Ptr<Packet> packet,
                     uint32_t dst,
                     uint8_t sl,
                     uint32_t flowKey,
                     Time delay,
                     uint8_t nlp,
                     uint8_t cc,
                     uint8_t flags,
                     const UbTpFields& tp)
{
    if (!HasRoom(sl, dst, packet->GetSize()))
    {
        return false;
    }
    UbPacketInfo info = NewInfo(dst, sl, nlp, cc, flags);
    info.tp = tp;
    return Inject(packet, info, flowKey, delay);
}

bool
UbSwitch::HasRoom(uint8_t sl, uint32_t dst, uint32_t bytes) const
{
    UB_INPUT_ERROR_IF(sl > 15, Where() << ": service level " << +sl << " is invalid; use 0..15");
    UB_INPUT_ERROR_IF(dst > UbNetworkHeader::MAX_CNA,
                      Where() << ": destination CNA " << dst << " does not fit 24 bits");
    const uint32_t queued = m_injectionQueued[sl];
    return queued == 0 || queued + bytes <= InjectionBudget();
}

UbPacketInfo
UbSwitch::NewInfo(uint32_t dst, uint8_t sl, uint8_t nlp, uint8_t cc, uint8_t flags)
{
    UbPacketInfo info;
    info.dst = dst;
    info.sl = sl;
    info.nlp = nlp;
    info.cc = cc;
    info.flags = flags;
    return info;
}

bool
UbSwitch::Inject(Ptr<Packet> packet, UbPacketInfo& info, uint32_t flowKey, Time delay)
{
    // The packet now counts its network header.
    info.src = m_cna;
    info.flowHash = UbFlowHash(flowKey, m_cna, info.dst);
    info.lbf = static_cast<uint8_t>(flowKey & 0xFF);
    m_injectionQueued[info.sl] += packet->GetSize();
    ++m_injected;
    ++m_inPipeline;
    m_injectTrace(packet, info);
    Time ready = delay + m_pipelineLatency;
    if (ready.IsZero())
    {
        InjectReady(packet, info);
    }
    else
    {
        UbSchedule(ready,
                   UbHint{nullptr, 0, PeekPointer(packet)},
                   &UbSwitch::InjectReady,
                   this,
                   packet,
                   info);
    }
    return true;
}

void
UbSwitch::InjectReady(Ptr<Packet> packet, UbPacketInfo info)
{
    --m_inPipeline;
    if (info.dst == m_cna)
    {
        m_injectionQueued[info.sl] -= packet->GetSize();
        NotifyReady(info.sl);
        Deliver(UB_LOCAL_PORT, packet, info);
        return;
    }
    Route(UB_LOCAL_PORT, packet, info, UbScheduler::Now());
}

uint32_t
UbSwitch::GetInjectionQueuedBytes() const
{
    uint32_t total = 0;
    for (uint32_t q : m_injectionQueued)
    {
        total += q;
    }
    return total;
}

uint32_t
UbSwitch::GetInjectionQueuedBytes(uint8_t sl) const
{
    return m_injectionQueued[sl & 0xF];
}

uint64_t
UbSwitch::InjectionBudget() const
{
    // Per port: an endpoint's send buffering grows with its ports (each port's transmit queue),
    // and a budget shared by 14 mesh outputs but sized for one would starve all but a few.
    return static_cast<uint64_t>(m_injectionBufferBytes) * std::max<std::size_t>(1, m_ports.size());
}

void
UbSwitch::NotifyWhenReady(uint8_t sl, Callback<void> cb)
{
    m_readyWaiters.emplace_back(sl & 0xF, cb);
}

void
UbSwitch::NotifyReady(uint8_t sl)
{
    // Hysteresis: wake a waiting sender when its SL's queue is down to half, not on every
    // departure, so that a refill costs one event for several packets.
    if (m_readyWaiters.empty() || m_notifyScheduled ||
        2 * static_cast<uint64_t>(m_injectionQueued[sl]) > InjectionBudget())
    {
        return;
    }
    // Run the waiters from a fresh event: they may Send, which must not re-enter a port that is
    // in the middle of starting a packet.
    m_notifyScheduled = true;
    Simulator::ScheduleNow([this]() {
        m_notifyScheduled = false;
        std::vector<std::pair<uint8_t, Callback<void>>> waiters;
        waiters.swap(m_readyWaiters);
        for (auto& [waiterSl, cb] : waiters)
        {
            if (2 * static_cast<uint64_t>(m_injectionQueued[waiterSl]) > InjectionBudget())
            {
                m_readyWaiters.emplace_back(waiterSl, cb); // its own SL is still full
                continue;
            }
            cb();
        }
    });
}

void
UbSwitch::AddReceiveCallback(ReceiveCallback cb)
{
    m_rxCallbacks.push_back(cb);
}

void
UbSwitch::Deliver(uint32_t inPort, Ptr<Packet> packet, UbPacketInfo info)
{
    if (inPort != UB_LOCAL_PORT)
    {
        m_ports[inPort].dev->RegisterRelease(UbScheduler::Now(),
                                             info.vl,
                                             info.reservedCells,
                                             info.sharedCells);
    }
    ++m_delivered;
    ++s_deliveries;
    if (m_duplicateNext)
    {
        m_duplicateNext = false;
        Deliver(UB_LOCAL_PORT, packet, info); // tests of UbInvariants: delivered twice
    }
    NS_LOG_LOGIC(Where() << ": delivered " << packet->GetSize() << " B from CNA " << info.src);
    m_deliverTrace(packet, info);
    for (auto& cb : m_rxCallbacks)
    {
        cb(packet, info);
    }
}

void
UbSwitch::DeliverAtTail(uint32_t inPort, Ptr<Packet> packet, UbPacketInfo info)
{
    --m_inPipeline;
    Deliver(inPort, packet, info);
}

// ---------------------------------------------------------------------------------------------
// Forwarding

void
UbSwitch::ReceiveFromPort(uint32_t inPort,
                          Ptr<Packet> packet,
                          const UbPacketInfo& info,
                          Time tailReady)
{
    if (info.dst == m_cna)
    {
        Time now = UbScheduler::Now();
        if (tailReady > now)
        {
            ++m_inPipeline;
            UbSchedule(tailReady - now,
                       UbHint{nullptr, 0, PeekPointer(packet)},
                       &UbSwitch::DeliverAtTail,
                       this,
                       inPort,
                       packet,
                       info);
        }
        else
        {
            Deliver(inPort, packet, info);
        }
        return;
    }
    Route(inPort, packet, info, tailReady);
}

void
UbSwitch::Route(uint32_t inPort, Ptr<Packet> packet, UbPacketInfo info, Time tailReady)
{
    uint32_t n = 0;
    const UbRouteCandidate* cands = m_routing->Lookup(info.dst, n);
    if (n == 0)
    {
        std::ostringstream from;
        if (inPort == UB_LOCAL_PORT)
        {
            from << "injected here";
        }
        else
        {
            from << "arrived on port " << inPort;
        }
        UB_INPUT_ERROR(Where() << ": no route to destination CNA " << info.dst
                               << " (packet from CNA " << info.src << ", " << from.str()
                               << "); the destination is unknown here: add a route with "
                                  "UbRoutingTable::AddRoute or run UbRoutingHelper");
    }
    if ((inPort != UB_LOCAL_PORT || !m_sourceDetours || (info.flags & UB_PKT_MINIMAL)) &&
        (cands[n - 1].flags & UbRouteCandidate::SOURCE_ONLY))
    {
        // Packets in transit (and the endpoint's own, without SourceDetours) take only the
        // candidates listed before the source-only ones.
        uint32_t k = 0;
        while (k < n && !(cands[k].flags & UbRouteCandidate::SOURCE_ONLY))
        {
            ++k;
        }
        UB_INPUT_ERROR_IF(k == 0,
                          Where() << ": the route to destination " << info.dst
                                  << " has only source-only candidates, but a packet "
                                  << (inPort == UB_LOCAL_PORT
                                          ? std::string("injected with "
                                                        "SourceDetours off")
                                          : "arrived on port " + std::to_string(inPort))
                                  << " may not take them; give it a minimal route");
        n = k;
    }
    const UbRouteCandidate& c = cands[m_routing->Select(cands, n, info, *this)];
    NS_LOG_LOGIC(Where() << ": packet to CNA " << info.dst << " from "
                         << (inPort == UB_LOCAL_PORT ? std::string("the endpoint")
                                                     : "port " + std::to_string(inPort))
                         << " -> port " << c.port << " (" << n << " candidates)");
    UB_INPUT_ERROR_IF(c.port >= m_ports.size(),
                      Where() << ": route to destination " << info.dst << " uses port " << c.port
                              << " but the node has " << m_ports.size() << " ports");
    Port& out = m_ports[c.port];
    UB_INPUT_ERROR_IF(c.vl != UB_VL_FROM_SL && c.vl + c.vlSpan > out.vl.size(),
                      "UbNetDevice node " << m_node->GetId() << " port " << c.port
                                          << ": route to destination " << info.dst << " uses VL "
                                          << c.vl + c.vlSpan - 1
                                          << " beyond VlCount=" << out.vl.size());
    uint8_t outVl = (c.vl == UB_VL_FROM_SL) ? out.dev->SlToVl(info.sl)
                    : c.vlSpan > 1          ? AllocateVl(out, c.vl, c.vlSpan, info)
                                            : c.vl;
    UB_INPUT_ERROR_IF(outVl >= out.vl.size(),
                      "UbNetDevice node " << m_node->GetId() << " port " << c.port
                                          << ": route to destination " << info.dst << " uses VL "
                                          << +outVl << " beyond VlCount=" << out.vl.size());
    UB_INPUT_ERROR_IF(packet->GetSize() > out.dev->GetMtu(),
                      Where() << ": a " << packet->GetSize() << "-B packet to destination "
                              << info.dst << " is routed out of port " << c.port
                              << ", whose Mtu is " << out.dev->GetMtu()
                              << " B; lower UbController::Mtu or RemoteMtu, or route it elsewhere");
    UbBufferCharge charge;
    charge.inPort = inPort;
    charge.vl = info.vl;
    charge.reservedCells = info.reservedCells;
    charge.sharedCells = info.sharedCells;
    charge.sl = info.sl;
    charge.bytes = packet->GetSize();
    info.vl = outVl;
    Forward(charge, packet, info, tailReady, c.port);
}

uint8_t
UbSwitch::AllocateVl(Port& out, uint8_t first, uint8_t span, const UbPacketInfo& info)
{
    UbRoutingTable::VlAllocation mode = m_routing->GetVlAllocation();
    if (mode == UbRoutingTable::VL_AUTO && info.nlp != 0)
    {
        // A transport's packets must stay in order (go-back-N), and on one VL every flow gets
        // its round-robin share of the output. With the flows hashed over the class (Flow) a
        // 64-NPU All-to-All on the 8 x 8 mesh ran 5 % faster but DWRR split each output evenly
        // between VLs with uneven numbers of flows, and some waited past RTP's 100-us timeout;
        // with Free its packets overtook one another and go-back-N resent a sixth of them.
        return first;
    }
    if (mode == UbRoutingTable::VL_FLOW)
    {
        // The flow keeps one VL of the class at this hop, so its packets stay in order.
        return static_cast<uint8_t>(first + (info.flowHash >> 8) % span);
    }
    // VL allocation per hop, as a virtual-channel allocator does: any VL of the class will do, so
    // take the one with the least ahead of the packet: bytes waiting for it here and bytes of the
    // downstream buffer this port's packets still hold (a VL whose buffer has room before one
    // that is full). The lowest VL on a tie. Credits that have come back count first.
    out.dev->GetCredits(first);
    uint8_t best = first;
    uint64_t bestLoad = UINT64_MAX;
    for (uint8_t v = first; v < first + span; ++v)
    {
        uint64_t load = out.vl[v].bytes + out.dev->GetCreditLoadBytes(v);
        if (load < bestLoad)
        {
            best = v;
            bestLoad = load;
        }
    }
    return best;
}

void
UbSwitch::Forward(const UbBufferCharge& charge,
                  Ptr<Packet> packet,
                  UbPacketInfo info,
                  Time tailReady,
                  uint32_t outPort)
{
    Port& out = m_ports[outPort];
    uint32_t bytes = packet->GetSize();
    if (info.cc & UB_CC_CAPABLE)
    {
        CaqmMark(out, out.vl[info.vl], info);
    }
    if (m_ecnThreshold != 0 && out.vl[info.vl].bytes >= m_ecnThreshold &&
        EcnMark(out.vl[info.vl].bytes))
    {
        info.cc |= UB_CC_ECN_CE;
        ++m_ecnMarks;
    }
    // Fast path: nothing waits for this output and it can start now; no queue is touched.
    if (out.waitingMask == 0 && out.dev->CanStartNow(info.vl, bytes))
    {
        Time end = out.dev->Transmit(packet, info, tailReady);
        Departed(charge, end);
        return;
    }
    uint64_t key = VoqKey(charge.inPort, outPort, info.vl);
    OutVl& o = out.vl[info.vl];
    Voq*& voq = m_voqs[key];
    if (voq == nullptr)
    {
        voq = new Voq;
        voq->key = key;
        ++o.voqs;
        if (o.rr == nullptr)
        {
            voq->next = voq;
            voq->prev = voq;
            o.rr = voq;
        }
        else
        {
            // Join the ring just before the VOQ served next: last in this round.
            voq->next = o.rr;
            voq->prev = o.rr->prev;
            o.rr->prev->next = voq;
            o.rr->prev = voq;
        }
    }
    auto* q = new Queued{packet, info, tailReady, nullptr, charge};
    if (voq->tail)
    {
        voq->tail->next = q;
    }
    else
    {
        voq->head = q;
    }
    voq->tail = q;
    ++o.packets;
    o.bytes += bytes;
    QueueChange(out, bytes);
    out.waitingMask |= 1u << info.vl;
    ++m_queuedPackets;
    out.dev->NotifyQueued();
}

uint32_t
UbSwitch::GetWaitingMask(uint32_t port) const
{
    return m_ports[port].waitingMask;
}

uint32_t
UbSwitch::PeekHeadBytes(uint32_t port, uint8_t vl) const
{
    return m_ports[port].vl[vl].rr->head->packet->GetSize();
}

UbSwitch::Queued*
UbSwitch::TakeHead(Port& out, uint8_t vl)
{
    OutVl& o = out.vl[vl];
    Voq* voq = o.rr;
    Queued* q = voq->head;
    voq->head = q->next;
    uint32_t bytes = q->packet->GetSize();
    --o.packets;
    o.bytes -= bytes;
    QueueChange(out, -static_cast<int64_t>(bytes));
    --m_queuedPackets;
    if (voq->head == nullptr)
    {
        if (voq->next == voq)
        {
            o.rr = nullptr;
        }
        else
        {
            voq->prev->next = voq->next;
            voq->next->prev = voq->prev;
            o.rr = voq->next;
        }
        m_voqs.erase(voq->key);
        --o.voqs;
        delete voq;
    }
    else
    {
        o.rr = voq->next; // round robin: one packet per input per turn
    }
    if (o.packets == 0)
    {
        out.waitingMask &= ~(1u << vl);
    }
    return q;
}

UbQueuedPacket
UbSwitch::PopHead(uint32_t port, uint8_t vl)
{
    Queued* q = TakeHead(m_ports[port], vl);
    UbQueuedPacket p{q->packet, q->info, q->tailReady, q->charge};
    delete q;
    return p;
}

uint32_t
UbSwitch::FlushPort(uint32_t port)
{
    UB_INPUT_ERROR_IF(port >= m_ports.size(),
                      Where() << ": FlushPort(" << port << "): no such port");
    Port& out = m_ports[port];
    uint32_t n = 0;
    for (uint8_t v = 0; v < out.vl.size(); ++v)
    {
        while (out.vl[v].rr != nullptr)
        {
            Queued* q = TakeHead(out, v);
            Departed(q->charge, UbScheduler::Now());
            delete q;
            ++n;
        }
    }
    m_flushed += n;
    NS_LOG_INFO(Where() << ": port " << port << " flushed, " << n << " packets lost");
    return n;
}

bool
UbSwitch::EcnMark(uint64_t queued)
{
    if (m_ecnMaxThreshold <= m_ecnThreshold || queued >= m_ecnMaxThreshold)
    {
        return true;
    }
    if (!m_ecnRng)
    {
        // Made only when RED marking is used, so that other random streams keep their numbers.
        m_ecnRng = CreateObject<UniformRandomVariable>();
    }
    const double p = m_ecnPmax * static_cast<double>(queued - m_ecnThreshold) /
                     (m_ecnMaxThreshold - m_ecnThreshold);
    return m_ecnRng->GetValue() < p;
}

uint64_t
UbSwitch::GetEcnMarks() const
{
    return m_ecnMarks;
}

uint64_t
UbSwitch::GetFlushedPackets() const
{
    return m_flushed;
}

void
UbSwitch::Departed(const UbBufferCharge& c, Time end)
{
    if (c.inPort == UB_LOCAL_PORT)
    {
        m_injectionQueued[c.sl] -= c.bytes;
        NotifyReady(c.sl);
        return;
    }
    m_ports[c.inPort].dev->RegisterRelease(end, c.vl, c.reservedCells, c.sharedCells);
}

uint64_t
UbSwitch::GetOutputLoad(uint32_t port, uint8_t vl, uint8_t sl) const
{
    const Port& p = m_ports[port];
    uint8_t v = (vl == UB_VL_FROM_SL) ? p.dev->SlToVl(sl) : vl;
    uint64_t queued = v < p.vl.size() ? p.vl[v].bytes : 0;
    // Time to drain, so that ports of different rates compare fairly: what waits here and what
    // this port's packets hold downstream, at the port's rate, plus what is still on the wire.
    uint64_t bytes = queued + p.dev->GetCreditLoadBytes(v);
    unsigned __int128 ps =
        static_cast<unsigned __int128>(bytes) * 8u * 1000000000000ull / p.dev->GetRateBps();
    int64_t busy = p.dev->GetTxFreeTime().GetPicoSeconds() - UbScheduler::Now().GetPicoSeconds();
    return static_cast<uint64_t>(ps) + static_cast<uint64_t>(std::max<int64_t>(busy, 0));
}

void
UbSwitch::QueueChange(Port& port, int64_t delta)
{
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    port.queueIntegral += static_cast<long double>(port.queuedBytes) * (now - port.queueSincePs);
    port.queueSincePs = now;
    port.queuedBytes = static_cast<uint64_t>(static_cast<int64_t>(port.queuedBytes) + delta);
}

void
UbSwitch::CaqmMark(Port& out, const OutVl& o, UbPacketInfo& info) const
{
    // C-AQM (facts 1.5): a port that cannot grant more rate sets the C bit and writes a rate
    // hint.
    if (o.bytes <= m_caqmThreshold)
    {
        return;
    }
    // The hint shares what the port can give, less what it needs to drain its standing queue
    // within CaqmDrainTime, among the inputs waiting for it; at least CaqmMinShare of the fair
    // share, so that no sender stops.
    double rate = static_cast<double>(out.dev->GetRateBps());
    double inputs = std::max<uint32_t>(1, o.voqs);
    double drain =
        static_cast<double>(o.bytes - m_caqmThreshold) * 8.0 / m_caqmDrainTime.GetSeconds();
    double share = std::max(m_caqmEta * rate - drain, m_caqmMinShare * rate) / inputs;
    auto hint = static_cast<uint32_t>(std::max(1.0, share / 1e8));
    info.cc |= UB_CC_CONGESTED;
    info.hint = static_cast<uint16_t>(std::min<uint32_t>({hint, info.hint, 0xFFFF}));
}

uint64_t
UbSwitch::GetQueuedBytes(uint32_t port) const
{
    return m_ports.at(port).queuedBytes;
}

double
UbSwitch::GetMeanQueuedBytes(uint32_t port) const
{
    const Port& p = m_ports.at(port);
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    long double integral =
        p.queueIntegral + static_cast<long double>(p.queuedBytes) * (now - p.queueSincePs);
    return now > 0 ? static_cast<double>(integral / now) : 0.0;
}

double
UbSwitch::GetQueueIntegral(uint32_t port) const
{
    const Port& p = m_ports.at(port);
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    long double integral =
        p.queueIntegral + static_cast<long double>(p.queuedBytes) * (now - p.queueSincePs);
    return static_cast<double>(integral * 1e-12L);
}

uint64_t
UbSwitch::GetQueuedPackets() const
{
    return m_queuedPackets;
}

uint64_t
UbSwitch::GetDeliveredPackets() const
{
    return m_delivered;
}

uint64_t
UbSwitch::GetInjectedPackets() const
{
    return m_injected;
}

uint64_t
UbSwitch::GetIdleMemoryBytes() const
{
    uint64_t bytes = sizeof(UbSwitch) + m_ports.capacity() * sizeof(Port) +
                     m_routing->GetMemoryBytes() + m_voqs.bucket_count() * sizeof(void*);
    for (const auto& p : m_ports)
    {
        bytes += p.vl.capacity() * sizeof(OutVl);
    }
    return bytes;
}

} // namespace ns3
