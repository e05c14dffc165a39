/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * UbController, part 1 of 2: configuration, the initiator side (issue, start, completion, loss
 * timers) and the joints with the transport and the switch. The target side (ordering,
 * execution, responses) is in part 2, ub-controller-target.cc.
 */
#include "ub-controller.h"

#include "ub-compat.h"
#include "ub-error.h"
#include "ub-invariants.h"
#include "ub-net-device.h"
#include "ub-network-header.h"
#include "ub-scheduler.h"
#include "ub-switch.h"
#include "ub-transaction-header.h"
#include "ub-transport-header.h"

#include "ns3/abort.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/log.h"
#include "ns3/node-list.h"
#include "ns3/node.h"
#include "ns3/simulator.h"
#include "ns3/trace-source-accessor.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbController");
NS_OBJECT_ENSURE_REGISTERED(UbController);

namespace
{
using TH = UbTransactionHeader;

/// Headers a packet carries above the network header (transport + transaction [+ MAETAH]).
constexpr uint32_t TP_TA = UbTransportHeader::SIZE + UbTransactionHeader::SIZE;

inline uint64_t
TassnKey(uint32_t peer, uint16_t tassn)
{
    return (static_cast<uint64_t>(peer) << 16) | tassn;
}
} // namespace

TypeId
UbController::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::UbController")
            .SetParent<Object>()
            .SetGroupName("UnifiedBus")
            .AddConstructor<UbController>()
            .AddAttribute("Mtu",
                          "Payload bytes per packet: 256, 512, 1024, 2048, 4096 or 8192 (the URMA "
                          "MTU values, openEuler urma_types.h).",
                          UintegerValue(4096),
                          MakeUintegerAccessor(&UbController::m_mtu),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("RemoteMtu",
                          "Payload bytes per packet to endpoints outside this endpoint's domain "
                          "(CNAs outside [DomainFirst, DomainLast]), e.g. across a scale-out "
                          "network whose packets are larger than the domain's (0 = Mtu). "
                          "UbTopologyHelper sets it, and the domain, from a class-1 preset.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbController::m_remoteMtu),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("RemoteInitiatorLatency",
                          "InitiatorLatency toward endpoints outside the domain (see RemoteMtu): "
                          "the scale-out NIC's issue path instead of the endpoint's own. "
                          "Negative = InitiatorLatency. UbTopologyHelper sets it from a class-1 "
                          "preset.",
                          TimeValue(PicoSeconds(-1)),
                          MakeTimeAccessor(&UbController::m_remoteInitiatorLatency),
                          MakeTimeChecker())
            .AddAttribute("RemoteTargetLatency",
                          "TargetLatency for requests from endpoints outside the domain. "
                          "Negative = TargetLatency.",
                          TimeValue(PicoSeconds(-1)),
                          MakeTimeAccessor(&UbController::m_remoteTargetLatency),
                          MakeTimeChecker())
            .AddAttribute("DomainFirst",
                          "First CNA of this endpoint's domain (see RemoteMtu).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbController::m_domainFirst),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("DomainLast",
                          "Last CNA of this endpoint's domain (see RemoteMtu).",
                          UintegerValue(0xFFFFFFFF),
                          MakeUintegerAccessor(&UbController::m_domainLast),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("EndpointBandwidth",
                          "Rate at which the endpoint hands packets to its node's switch (bit/s; "
                          "0 = unlimited). Default 8064 Gb/s: Ascend 950's UB IO, 72 lanes x 112 "
                          "Gb/s per direction (Ascend 950 whitepaper).",
                          DataRateValue(DataRate("8064Gbps")),
                          MakeDataRateAccessor(&UbController::m_endpointBandwidth),
                          MakeDataRateChecker())
            .AddAttribute("RemoteEndpointBandwidth",
                          "The most one transport channel to an endpoint outside the domain may "
                          "send, the ceiling of its congestion control (bit/s; 0 = as "
                          "EndpointBandwidth). UbTopologyHelper sets it from a class-1 preset's "
                          "EndpointBandwidth: a scale-out NIC port.",
                          DataRateValue(DataRate(0)),
                          MakeDataRateAccessor(&UbController::m_remoteEndpointBandwidth),
                          MakeDataRateChecker())
            .AddAttribute("WriteBandwidth",
                          "Rate at which the endpoint's write path produces Write and Send data "
                          "packets, headers included (bit/s; 0 = no limit beyond "
                          "EndpointBandwidth). Presets calibrate it where measured Writes are "
                          "slower than Reads.",
                          DataRateValue(DataRate(0)),
                          MakeDataRateAccessor(&UbController::m_writeBandwidth),
                          MakeDataRateChecker())
            .AddAttribute("InitiatorLatency",
                          "Time from an operation's call to its first packet leaving the endpoint "
                          "(time). Default 200 ns: an assumption; presets calibrate it.",
                          TimeValue(NanoSeconds(200)),
                          MakeTimeAccessor(&UbController::m_initiatorLatency),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("TargetLatency",
                          "Time from a transaction executing at its target to its response "
                          "leaving (memory access and processing) (time). Default 300 ns: an "
                          "assumption; presets calibrate it.",
                          TimeValue(NanoSeconds(300)),
                          MakeTimeAccessor(&UbController::m_targetLatency),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("IssueInterval",
                          "Least time between two transactions this endpoint's issue engine "
                          "takes, in call order: its message rate (one work request per "
                          "interval). A transaction starts its InitiatorLatency after the engine "
                          "took it, at the call or IssueInterval after the one before, whichever "
                          "is later. 0 (default) = no limit.",
                          TimeValue(Time(0)),
                          MakeTimeAccessor(&UbController::m_issueInterval),
                          MakeTimeChecker(Time(0), MilliSeconds(1)))
            .AddAttribute("InNetworkRate",
                          "Rate at which this endpoint moves the data of in-network (NVLink "
                          "SHARP-like) AllReduce: the reads of its copy that the switches' "
                          "ld_reduce make and its own multimem.st of the sums, one piece after "
                          "another in the order they become ready (UbInNetworkBuilder). It is "
                          "what limits NVLS in NVIDIA's measurements: their busbw follows "
                          "rate / (1 + 1/N) x 2 (N - 1) / N per GPU (doc/collectives.md). "
                          "0 (default) = no limit.",
                          DataRateValue(DataRate(0)),
                          MakeDataRateAccessor(&UbController::m_inNetworkRate),
                          MakeDataRateChecker())
            .AddAttribute("MaxOutstanding",
                          "Transactions in flight at once (1..32768); more wait in order.",
                          UintegerValue(1024),
                          MakeUintegerAccessor(&UbController::m_maxOutstanding),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("LossTimeout",
                          "CTP/UTP: a transaction not complete this long after its data could "
                          "have left the endpoint, and after the last packet the endpoint sent "
                          "to the same destination, is reported lost (time). The data's time is "
                          "twice its bytes at the endpoint's bandwidth.",
                          TimeValue(MicroSeconds(100)),
                          MakeTimeAccessor(&UbController::m_lossTimeout),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("ServiceLevel",
                          "Service level of this endpoint's packets (0..15).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbController::m_sl),
                          MakeUintegerChecker<uint8_t>(0, 15))
            .AddTraceSource("TransactionExecute",
                            "A transaction executed at this target: (initiator CNA, TASSN, "
                            "operation, order). TASSNs count up from 0 per initiator and target "
                            "in issue order.",
                            MakeTraceSourceAccessor(&UbController::m_executeTrace),
                            "ns3::UbController::ExecuteTracedCallback")
            .AddTraceSource("TransactionComplete",
                            "A transaction completed (or was declared lost).",
                            MakeTraceSourceAccessor(&UbController::m_completeTrace),
                            "ns3::UbController::CompletionTracedCallback");
    return tid;
}

UbController::UbController()
{
    UbEnsurePicoseconds();
}

UbController::~UbController() = default;

std::string
UbController::Where() const
{
    std::ostringstream os;
    os << "UbController node " << (m_node ? static_cast<int64_t>(m_node->GetId()) : -1);
    if (m_switch)
    {
        os << " (CNA " << m_switch->GetCna() << ")";
    }
    return os.str();
}

void
UbController::NotifyNewAggregate()
{
    if (!m_node)
    {
        m_node = GetObject<Node>();
    }
    Object::NotifyNewAggregate();
}

void
UbController::DoDispose()
{
    UbInvariants::AtDispose(); // the first of the model's objects to go checks the run
    m_transport = nullptr;     // disposed with the node it is aggregated to
    m_lossEvent.Cancel();
    m_txns.clear();
    m_byTassn.clear();
    m_sources.clear();
    m_lastSource = nullptr;
    m_node = nullptr;
    m_switch = nullptr;
    Object::DoDispose();
}

void
UbController::DoInitialize()
{
    if (m_ready)
    {
        return;
    }
    UB_INPUT_ERROR_IF(!m_node, "UbController: not aggregated to a node; use UbControllerHelper");
    Ptr<UbSwitch> sw = m_node->GetObject<UbSwitch>();
    UB_INPUT_ERROR_IF(!sw,
                      "UbController node " << m_node->GetId()
                                           << ": the node has no UbSwitch; install UB links with "
                                              "UbHelper before the controller");
    m_switch = PeekPointer(sw);
    const std::string w = Where();
    static const uint32_t mtus[] = {256, 512, 1024, 2048, 4096, 8192};
    UB_INPUT_ERROR_IF(std::find(std::begin(mtus), std::end(mtus), m_mtu) == std::end(mtus),
                      w << ": Mtu=" << m_mtu
                        << " is invalid; use 256, 512, 1024, 2048, 4096 or 8192 (URMA MTU values)");
    UB_INPUT_ERROR_IF(m_remoteMtu != 0 &&
                          std::find(std::begin(mtus), std::end(mtus), m_remoteMtu) ==
                              std::end(mtus),
                      w << ": RemoteMtu=" << m_remoteMtu
                        << " is invalid; use 0 (= Mtu), 256, 512, 1024, 2048, 4096 or 8192");
    UB_INPUT_ERROR_IF(m_domainFirst > m_domainLast,
                      w << ": DomainFirst=" << m_domainFirst << " is above DomainLast="
                        << m_domainLast << "; give the domain's first and last CNA");
    UB_INPUT_ERROR_IF(m_maxOutstanding == 0 || m_maxOutstanding > 32768,
                      w << ": MaxOutstanding=" << m_maxOutstanding << " is invalid; use 1..32768");
    // The largest packet (a Write: payload + transport + transaction + MAETAH + network header)
    // must fit every port of the node.
    uint32_t largest = m_mtu + TP_TA + UbMemoryHeader::SIZE + UbNetworkHeader::SIZE;
    for (uint32_t p = 0; p < m_switch->GetNPorts(); ++p)
    {
        uint16_t portMtu = m_switch->GetPort(p)->GetMtu();
        UB_INPUT_ERROR_IF(largest > portMtu,
                          w << ": Mtu=" << m_mtu << " B of payload makes " << largest
                            << "-B packets, larger than the Mtu " << portMtu << " B of port " << p
                            << "; raise UbNetDevice::Mtu to at least " << largest
                            << " or lower UbController::Mtu");
    }
    // The transport beside this controller (UbControllerHelper installs it with its attributes)
    // is joined to it by callbacks and started with what this endpoint is.
    m_transport = GetTransport();
    m_transport->SetCallbacks(MakeCallback(&UbController::InjectFromTransport, this),
                              MakeCallback(&UbController::DeliverFromTransport, this),
                              MakeCallback(&UbController::WaitForInjectionRoom, this));
    UbTransport::Endpoint e;
    e.cna = m_switch->GetCna();
    e.mtu = m_mtu;
    e.remoteMtu = m_remoteMtu;
    e.domainFirst = m_domainFirst;
    e.domainLast = m_domainLast;
    // A channel may send at most what the endpoint and its fastest port can carry.
    double maxRate = m_endpointBandwidth.GetBitRate() ? m_endpointBandwidth.GetBitRate() : 1e15;
    double portRate = 0;
    for (uint32_t p = 0; p < m_switch->GetNPorts(); ++p)
    {
        portRate = std::max(portRate, static_cast<double>(m_switch->GetPort(p)->GetRateBps()));
    }
    e.maxRateBps = std::min(maxRate, portRate > 0 ? portRate : maxRate);
    e.remoteMaxRateBps =
        std::min(e.maxRateBps, static_cast<double>(m_remoteEndpointBandwidth.GetBitRate()));
    m_transport->Start(e);
    m_switch->AddReceiveCallback(MakeCallback(&UbController::OnSwitchReceive, this));
    m_ready = true;
    Object::DoInitialize();
}

// ---------------------------------------------------------------------------------------------
// Initiator

uint64_t
UbController::Write(uint32_t dst, uint64_t bytes, UbOrder order, UbCompletionCallback cb)
{
    return Issue(UbOp::WRITE, dst, bytes, order, cb, 0, 0, 0);
}

uint64_t
UbController::WriteWithNotify(uint32_t dst, uint64_t bytes, UbOrder order, UbCompletionCallback cb)
{
    return Issue(UbOp::WRITE_NOTIFY, dst, bytes, order, cb, 0, 0, 0);
}

uint64_t
UbController::WriteWithNotify(uint32_t dst,
                              uint64_t bytes,
                              UbOrder order,
                              UbCompletionCallback cb,
                              const UbIssueOptions& options,
                              uint64_t address)
{
    return Issue(UbOp::WRITE_NOTIFY, dst, bytes, order, cb, address, 0, 0, options);
}

uint64_t
UbController::Read(uint32_t dst, uint64_t bytes, UbOrder order, UbCompletionCallback cb)
{
    return Issue(UbOp::READ, dst, bytes, order, cb, 0, 0, 0);
}

uint64_t
UbController::Send(uint32_t dst, uint64_t bytes, UbOrder order, UbCompletionCallback cb)
{
    return Issue(UbOp::SEND, dst, bytes, order, cb, 0, 0, 0);
}

uint64_t
UbController::AtomicCompareSwap(uint32_t dst,
                                uint64_t address,
                                uint64_t compare,
                                uint64_t swap,
                                UbOrder order,
                                UbCompletionCallback cb)
{
    return Issue(UbOp::ATOMIC_CAS, dst, 8, order, cb, address, compare, swap);
}

uint64_t
UbController::AtomicFetchAdd(uint32_t dst,
                             uint64_t address,
                             uint64_t add,
                             UbOrder order,
                             UbCompletionCallback cb)
{
    return Issue(UbOp::ATOMIC_FADD, dst, 8, order, cb, address, add, 0);
}

void
UbController::CheckDestination(uint32_t dst, const char* what) const
{
    // Node ids and CNAs usually coincide; otherwise search the node list.
    Ptr<Node> target;
    if (dst < NodeList::GetNNodes() &&
        NodeList::GetNode(dst)->GetSystemId() != m_node->GetSystemId())
    {
        return; // split over processes: another process builds that node, and checks it
    }
    if (dst < NodeList::GetNNodes())
    {
        Ptr<UbSwitch> sw = NodeList::GetNode(dst)->GetObject<UbSwitch>();
        if (sw && sw->GetCna() == dst)
        {
            target = NodeList::GetNode(dst);
        }
    }
    for (uint32_t i = 0; !target && i < NodeList::GetNNodes(); ++i)
    {
        Ptr<UbSwitch> sw = NodeList::GetNode(i)->GetObject<UbSwitch>();
        if (sw && sw->GetCna() == dst)
        {
            target = NodeList::GetNode(i);
        }
    }
    UB_INPUT_ERROR_IF(!target,
                      Where() << ": " << what << " to CNA " << dst
                              << ", but no UB node has that CNA");
    UB_INPUT_ERROR_IF(!target->GetObject<UbController>(),
                      Where() << ": " << what << " to CNA " << dst << " (node " << target->GetId()
                              << "), which has no UbController; install one with "
                                 "UbControllerHelper");
}

uint64_t
UbController::Issue(UbOp op,
                    uint32_t dst,
                    uint64_t bytes,
                    UbOrder order,
                    UbCompletionCallback cb,
                    uint64_t address,
                    uint64_t operand0,
                    uint64_t operand1,
                    const UbIssueOptions& options)
{
    if (!m_ready)
    {
        Initialize();
    }
    UB_INPUT_ERROR_IF(bytes == 0,
                      Where() << ": " << UbOpName(op) << " of 0 bytes to CNA " << dst
                              << "; an operation moves at least 1 byte");
    UB_INPUT_ERROR_IF(bytes > 0xFFFFFFFFull,
                      Where() << ": " << UbOpName(op) << " of " << bytes << " bytes to CNA " << dst
                              << " exceeds 4 GiB - 1 per transaction; split it");
    UB_INPUT_ERROR_IF(dst == m_switch->GetCna(),
                      Where() << ": " << UbOpName(op) << " to itself (CNA " << dst << ")");
    CheckDestination(dst, UbOpName(op));
    uint64_t id = (static_cast<uint64_t>(m_node->GetId()) << 40) | m_nextId++;
    Txn& t = m_txns[id];
    t.id = id;
    t.op = op;
    t.order = order;
    t.dst = dst;
    t.bytes = bytes;
    t.address = address;
    t.operand[0] = operand0;
    t.operand[1] = operand1;
    t.issuedPs = UbScheduler::Now().GetPicoSeconds();
    t.issuePs = options.initiatorLatency.GetPicoSeconds();
    t.flags = options.packetFlags;
    t.cb = cb;
    if (m_outstanding < m_maxOutstanding && m_queuedHead == m_queued.size())
    {
        ++m_outstanding;
        t.started = true;
        Time issue = StartDelay(dst, t.issuePs);
        if (issue.IsZero())
        {
            Start(id);
        }
        else
        {
            Simulator::Schedule(issue, &UbController::Start, this, id);
        }
    }
    else
    {
        m_queued.push_back(id);
    }
    return id;
}

bool
UbController::IsRemote(uint32_t cna) const
{
    return cna < m_domainFirst || cna > m_domainLast;
}

Time
UbController::InitiatorLatencyTo(uint32_t dst, int64_t issuePs) const
{
    if (IsRemote(dst) && !m_remoteInitiatorLatency.IsNegative())
    {
        return m_remoteInitiatorLatency;
    }
    return issuePs >= 0 ? PicoSeconds(issuePs) : m_initiatorLatency;
}

Time
UbController::StartDelay(uint32_t dst, int64_t issuePs)
{
    Time latency = InitiatorLatencyTo(dst, issuePs);
    if (m_issueInterval.IsZero())
    {
        return latency;
    }
    // The issue engine takes the work requests in call order, one per interval; each then
    // takes its own latency, so a slow path (a scale-out NIC's) does not hold up the next.
    const int64_t now = UbScheduler::Now().GetPicoSeconds();
    const int64_t taken = std::max(now, m_nextTakePs);
    m_nextTakePs = taken + m_issueInterval.GetPicoSeconds();
    return PicoSeconds(taken - now) + latency;
}

void
UbController::StartQueued()
{
    while (m_outstanding < m_maxOutstanding && m_queuedHead < m_queued.size())
    {
        uint64_t id = m_queued[m_queuedHead++];
        ++m_outstanding;
        m_txns[id].started = true;
        const Txn& t = m_txns[id];
        Simulator::Schedule(StartDelay(t.dst, t.issuePs), &UbController::Start, this, id);
    }
    if (m_queuedHead == m_queued.size())
    {
        m_queued.clear();
        m_queuedHead = 0;
    }
}

void
UbController::Start(uint64_t id)
{
    Txn& t = m_txns[id];
    t.tassn = m_nextTassn[t.dst]++;
    m_byTassn[TassnKey(t.dst, t.tassn)] = id;
    UbTpMessage m;
    m.taOpcode = TH::OpcodeOf(t.op);
    m.order = static_cast<uint8_t>(t.order);
    m.tassn = t.tassn;
    m.address = t.address;
    m.flags = t.flags;
    switch (t.op)
    {
    case UbOp::WRITE:
    case UbOp::WRITE_NOTIFY:
        m.dataBytes = static_cast<uint32_t>(t.bytes);
        m.lengthField = m.dataBytes;
        m.memHeader = true;
        break;
    case UbOp::SEND:
        m.dataBytes = static_cast<uint32_t>(t.bytes);
        m.lengthField = m.dataBytes;
        break;
    case UbOp::READ:
        m.lengthField = static_cast<uint32_t>(t.bytes); // bytes requested
        m.memHeader = true;
        break;
    case UbOp::ATOMIC_CAS:
        m.operandBytes = 16;
        m.operand[0] = t.operand[0];
        m.operand[1] = t.operand[1];
        m.lengthField = 8;
        m.memHeader = true;
        break;
    case UbOp::ATOMIC_FADD:
        m.operandBytes = 8;
        m.operand[0] = t.operand[0];
        m.lengthField = 8;
        m.memHeader = true;
        break;
    }
    if (m_transport->GetMode() != UbTransport::RTP && !m_lossTimeout.IsZero())
    {
        // A large transfer legitimately takes its bytes' time at the endpoint's bandwidth, plus
        // header and flit overheads: allow twice that.
        uint64_t rate = m_endpointBandwidth.GetBitRate();
        if (m_writeBandwidth.GetBitRate() > 0 &&
            (rate == 0 || m_writeBandwidth.GetBitRate() < rate))
        {
            rate = m_writeBandwidth.GetBitRate();
        }
        int64_t wirePs = rate ? static_cast<int64_t>(static_cast<double>(t.bytes) * 16e12 /
                                                     static_cast<double>(rate))
                              : 0;
        m_lossDeadlines.emplace_back(UbScheduler::Now().GetPicoSeconds() +
                                         m_lossTimeout.GetPicoSeconds() + wirePs,
                                     id);
        std::push_heap(m_lossDeadlines.begin(), m_lossDeadlines.end(), std::greater<>());
        ArmLossTimer();
    }
    m_transport->Send(t.dst, m);
}

void
UbController::Complete(uint64_t id, bool ok, uint64_t result)
{
    auto it = m_txns.find(id);
    if (it == m_txns.end())
    {
        return;
    }
    Txn& t = it->second;
    UbTransactionRecord r;
    r.id = id;
    r.op = t.op;
    r.order = t.order;
    r.src = m_switch->GetCna();
    r.dst = t.dst;
    r.bytes = t.bytes;
    r.issued = PicoSeconds(t.issuedPs);
    r.completed = UbScheduler::Now();
    r.ok = ok;
    r.result = result;
    UbCompletionCallback cb = t.cb;
    m_byTassn.erase(TassnKey(t.dst, t.tassn));
    m_txns.erase(it);
    --m_outstanding;
    ok ? ++m_completed : ++m_failed;
    m_completeTrace(r);
    if (!cb.IsNull())
    {
        cb(r);
    }
    StartQueued();
}

void
UbController::ArmLossTimer()
{
    if (m_lossDeadlines.empty() || !m_lossEvent.IsExpired())
    {
        return;
    }
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    m_lossEvent =
        Simulator::Schedule(PicoSeconds(std::max<int64_t>(0, m_lossDeadlines.front().first - now)),
                            &UbController::OnLossTimer,
                            this);
}

void
UbController::OnLossTimer()
{
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    while (!m_lossDeadlines.empty() && m_lossDeadlines.front().first <= now)
    {
        uint64_t id = m_lossDeadlines.front().second;
        std::pop_heap(m_lossDeadlines.begin(), m_lossDeadlines.end(), std::greater<>());
        m_lossDeadlines.pop_back();
        auto it = m_txns.find(id);
        if (it != m_txns.end())
        {
            // Still sending toward its destination (a slow path, back-pressure): not lost yet.
            auto last = m_lastSentToPs.find(it->second.dst);
            if (last != m_lastSentToPs.end() && last->second + m_lossTimeout.GetPicoSeconds() > now)
            {
                m_lossDeadlines.emplace_back(last->second + m_lossTimeout.GetPicoSeconds(), id);
                std::push_heap(m_lossDeadlines.begin(), m_lossDeadlines.end(), std::greater<>());
                continue;
            }
            NS_LOG_LOGIC(Where() << ": transaction " << id << " lost");
            Complete(id, false, 0);
        }
    }
    ArmLossTimer();
}

// ---------------------------------------------------------------------------------------------
// Egress and reception

int64_t
UbController::EndpointSerPs(uint32_t bytes) const
{
    uint64_t rate = m_endpointBandwidth.GetBitRate();
    if (rate == 0)
    {
        return 0;
    }
    unsigned __int128 num = static_cast<unsigned __int128>(bytes) * 8u * 1000000000000ull;
    return static_cast<int64_t>((num + rate - 1) / rate);
}

bool
UbController::InjectFromTransport(Ptr<Packet> packet,
                                  uint32_t dst,
                                  uint32_t flowKey,
                                  uint8_t cc,
                                  uint8_t flags,
                                  bool writeData,
                                  const UbTpFields& tp)
{
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    uint32_t bytes = packet->GetSize();
    int64_t ready = now;
    int64_t writeFree = m_writeFreePs;
    if (writeData && m_writeBandwidth.GetBitRate() > 0)
    {
        // The endpoint's write path produces Write/Send data at WriteBandwidth.
        unsigned __int128 num = static_cast<unsigned __int128>(bytes) * 8u * 1000000000000ull;
        uint64_t rate = m_writeBandwidth.GetBitRate();
        writeFree = std::max(now, m_writeFreePs) + static_cast<int64_t>((num + rate - 1) / rate);
        ready = writeFree;
    }
    int64_t start = std::max(ready, m_egressFreePs);
    int64_t end = start + EndpointSerPs(bytes);
    if (!m_switch->SendFields(packet,
                              dst,
                              m_sl,
                              flowKey,
                              PicoSeconds(end - now),
                              NLP_TRANSPORT,
                              cc,
                              flags,
                              tp))
    {
        return false;
    }
    m_egressFreePs = end;
    m_writeFreePs = writeFree;
    if (m_transport->GetMode() != UbTransport::RTP)
    {
        m_lastSentToPs[dst] = end; // progress toward dst: loss deadlines wait for it
    }
    return true;
}

void
UbController::WaitForInjectionRoom()
{
    m_switch->NotifyWhenReady(m_sl, Callback<void>([this]() { m_transport->OnInjectionRoom(); }));
}

void
UbController::OnSwitchReceive(Ptr<Packet> packet, const UbPacketInfo& info)
{
    if (info.nlp != NLP_TRANSPORT || !m_transport)
    {
        return;
    }
    // Its headers travel as fields: nothing to copy or remove, so other receivers on the node
    // see the packet as it came.
    m_transport->Receive(packet, info);
}

void
UbController::DeliverFromTransport(Ptr<Packet> packet, const UbPacketInfo& info)
{
    const UbTpFields& th = info.tp;
    const uint32_t data = packet->GetSize() - UbTransport::HeaderBytes(th);
    if (th.taOpcode == TH::TAACK || th.taOpcode == TH::READ_RESPONSE ||
        th.taOpcode == TH::ATOMIC_RESPONSE)
    {
        OnResponse(info.src, packet, data, th);
    }
    else
    {
        OnRequest(info.src, packet, data, th, info.flags);
    }
}

void
UbController::OnResponse(uint32_t src, Ptr<Packet> packet, uint32_t dataBytes, const UbTpFields& th)
{
    const uint8_t opcode = th.taOpcode;
    auto it = m_byTassn.find(TassnKey(src, th.tassn));
    if (it == m_byTassn.end())
    {
        return; // late response of a transaction already declared lost
    }
    uint64_t id = it->second;
    Txn& t = m_txns[id];
    if (opcode == TH::READ_RESPONSE)
    {
        t.received += dataBytes;
        if (t.received >= t.bytes)
        {
            Complete(id, true, 0);
        }
        return;
    }
    uint64_t result = 0;
    if (opcode == TH::ATOMIC_RESPONSE && dataBytes >= 8)
    {
        packet->CopyData(reinterpret_cast<uint8_t*>(&result), 8);
    }
    Complete(id, true, result);
}

// ---------------------------------------------------------------------------------------------
// Target

// ---------------------------------------------------------------------------------------------
// Accessors

void
UbController::SetNotifyCallback(NotifyCallback cb)
{
    m_notify = cb;
}

uint32_t
UbController::GetCna() const
{
    if (m_switch)
    {
        return m_switch->GetCna();
    }
    Ptr<UbSwitch> sw = m_node ? m_node->GetObject<UbSwitch>() : nullptr;
    return sw ? sw->GetCna() : 0;
}

uint32_t
UbController::GetOutstanding() const
{
    return m_outstanding;
}

uint32_t
UbController::GetQueued() const
{
    return static_cast<uint32_t>(m_queued.size() - m_queuedHead);
}

uint64_t
UbController::GetCompleted() const
{
    return m_completed;
}

uint64_t
UbController::GetFailed() const
{
    return m_failed;
}

const UbTransport::Stats&
UbController::GetTransportStats() const
{
    static const UbTransport::Stats empty;
    return m_transport ? m_transport->GetStats() : empty;
}

uint64_t
UbController::GetStateBytes() const
{
    uint64_t bytes = sizeof(*this) + m_txns.size() * (sizeof(Txn) + 32) + m_byTassn.size() * 32 +
                     m_queued.capacity() * sizeof(uint64_t) + m_nextTassn.size() * 24 +
                     m_atomicMemory.size() * 32 + m_lossDeadlines.capacity() * 16;
    for (const auto& [src, s] : m_sources)
    {
        bytes += sizeof(Source) + 32 + s.txns.size() * (sizeof(TargetTxn) + 48);
    }
    if (m_transport)
    {
        bytes += m_transport->GetMemoryBytes();
    }
    return bytes;
}

uint32_t
UbController::GetMtu() const
{
    return m_mtu;
}

Ptr<UbTransport>
UbController::GetTransport()
{
    if (!m_transport)
    {
        m_transport = GetObject<UbTransport>();
    }
    if (!m_transport)
    {
        // Installed without UbControllerHelper: a transport with default attributes.
        m_transport = CreateObject<UbTransport>();
        NS_ABORT_MSG_IF(!m_node, "UbController: not aggregated to a node; use UbControllerHelper");
        m_node->AggregateObject(m_transport);
    }
    return m_transport;
}

} // namespace ns3
