/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-packet-source.h"

#include "ub-compat.h"
#include "ub-flow-tag.h"
#include "ub-switch.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/trace-source-accessor.h"
#include "ns3/uinteger.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbPacketSource");
NS_OBJECT_ENSURE_REGISTERED(UbPacketSource);

TypeId
UbPacketSource::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::UbPacketSource")
            .SetParent<Application>()
            .SetGroupName("UnifiedBus")
            .AddConstructor<UbPacketSource>()
            .AddAttribute("Destination",
                          "CNA of the destination node.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbPacketSource::m_destination),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("DestinationCount",
                          "Uniform random traffic: when > 0, each packet goes to a CNA drawn "
                          "uniformly from [DestinationFirst, DestinationFirst + DestinationCount), "
                          "the source itself only with IncludeSelf; Destination is then unused.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbPacketSource::m_destCount),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("IncludeSelf",
                          "Uniform random traffic: the source is one of the destinations, as in "
                          "the textbook's uniform traffic (Dally and Towles section 3.2); a "
                          "packet to itself goes through its own switch (pipeline latency) "
                          "without entering a link. Default false: every packet crosses the "
                          "network.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&UbPacketSource::m_includeSelf),
                          MakeBooleanChecker())
            .AddAttribute("DestinationFirst",
                          "First CNA of the random destinations (see DestinationCount).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbPacketSource::m_destFirst),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("HotspotFraction",
                          "Hotspot traffic: the fraction of packets sent to Hotspot instead of a "
                          "random destination (0 .. 1; needs DestinationCount > 0).",
                          DoubleValue(0.0),
                          MakeDoubleAccessor(&UbPacketSource::m_hotFraction),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("Hotspot",
                          "CNA of the hotspot (see HotspotFraction).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbPacketSource::m_hotspot),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("PacketSize",
                          "Bytes per packet above the network header (bytes); the switch adds "
                          "the 12-byte NTH.",
                          UintegerValue(4096),
                          MakeUintegerAccessor(&UbPacketSource::m_packetSize),
                          MakeUintegerChecker<uint32_t>(1, 65000))
            .AddAttribute("Rate",
                          "Sending rate counted in PacketSize bytes (bit/s); 0 = greedy.",
                          DataRateValue(DataRate(0)),
                          MakeDataRateAccessor(&UbPacketSource::m_rate),
                          MakeDataRateChecker())
            .AddAttribute("MaxPackets",
                          "Packets to send; 0 = until the application stops.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbPacketSource::m_maxPackets),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("ServiceLevel",
                          "Service level of the packets (0..15).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbPacketSource::m_sl),
                          MakeUintegerChecker<uint8_t>(0, 15))
            .AddAttribute("FlowId",
                          "Flow identifier (also the ECMP flow key); 0 = (node id + 1) x 4096 + "
                          "the application's index on its node.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&UbPacketSource::m_flowId),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("Arrival",
                          "Inter-arrival process when Rate > 0: Constant or Poisson.",
                          EnumValue(UbPacketSource::CONSTANT),
                          UbMakeEnumAccessor(&UbPacketSource::m_arrival),
                          MakeEnumChecker(UbPacketSource::CONSTANT,
                                          "Constant",
                                          UbPacketSource::POISSON,
                                          "Poisson"))
            .AddTraceSource("Tx",
                            "A packet was handed to the switch.",
                            MakeTraceSourceAccessor(&UbPacketSource::m_txTrace),
                            "ns3::Packet::TracedCallback");
    return tid;
}

UbPacketSource::UbPacketSource()
    : m_exp(CreateObject<ExponentialRandomVariable>()),
      m_uni(CreateObject<UniformRandomVariable>())
{
}

UbPacketSource::~UbPacketSource() = default;

void
UbPacketSource::DoDispose()
{
    m_sendEvent.Cancel();
    m_switch = nullptr;
    m_exp = nullptr;
    m_uni = nullptr;
    Application::DoDispose();
}

int64_t
UbPacketSource::AssignStreams(int64_t stream)
{
    m_exp->SetStream(stream);
    m_uni->SetStream(stream + 1);
    return 2;
}

uint64_t
UbPacketSource::GetSentPackets() const
{
    return m_sent;
}

uint64_t
UbPacketSource::GetSentBytes() const
{
    return m_sent * m_packetSize;
}

uint32_t
UbPacketSource::GetFlowId() const
{
    return m_flowId;
}

uint32_t
UbPacketSource::GetDestination() const
{
    return m_destination;
}

bool
UbPacketSource::Done() const
{
    return m_maxPackets != 0 && m_sent >= m_maxPackets;
}

void
UbPacketSource::StartApplication()
{
    m_switch = GetNode()->GetObject<UbSwitch>();
    NS_ABORT_MSG_IF(!m_switch,
                    "UbPacketSource on node " << GetNode()->GetId()
                                              << ": the node has no UbSwitch; install UB links "
                                                 "with UbHelper first");
    if (m_flowId == 0)
    {
        // Deterministic and unique within a run: (node id + 1) x 4096 + index of this
        // application on its node. It does not depend on what ran before in the process.
        uint32_t index = 0;
        Ptr<Node> node = GetNode();
        for (uint32_t i = 0; i < node->GetNApplications(); ++i)
        {
            if (node->GetApplication(i) == this)
            {
                index = i;
                break;
            }
        }
        m_flowId = (node->GetId() + 1) * 4096 + index;
    }
    m_running = true;
    SendNext();
}

void
UbPacketSource::StopApplication()
{
    m_running = false;
    m_sendEvent.Cancel();
}

bool
UbPacketSource::TrySendOne()
{
    Ptr<Packet> p = Create<Packet>(m_packetSize);
    UbFlowTag tag;
    tag.SetFlowId(m_flowId);
    tag.SetSendTime(Simulator::Now());
    p->AddPacketTag(tag);
    uint32_t dst = m_destination;
    if (m_destCount > 0)
    {
        if (m_hotFraction > 0 && m_uni->GetValue() < m_hotFraction)
        {
            dst = m_hotspot;
        }
        else
        {
            uint32_t self = m_switch->GetCna();
            bool selfIn = !m_includeSelf && self >= m_destFirst && self < m_destFirst + m_destCount;
            uint32_t n = m_destCount - (selfIn ? 1 : 0);
            NS_ABORT_MSG_IF(n == 0, "UbPacketSource: DestinationCount leaves no destination");
            auto k = static_cast<uint32_t>(m_uni->GetInteger(0, n - 1));
            dst = m_destFirst + k;
            if (selfIn && dst >= self)
            {
                ++dst; // skip the source itself
            }
        }
    }
    if (!m_switch->Send(p, dst, m_sl, m_flowId))
    {
        return false;
    }
    ++m_sent;
    m_txTrace(p);
    return true;
}

void
UbPacketSource::SendNext()
{
    if (!m_running || Done())
    {
        return;
    }
    if (m_rate.GetBitRate() == 0)
    {
        // Greedy: fill the injection buffer, then wait for room.
        while (m_running && !Done())
        {
            if (!TrySendOne())
            {
                m_waiting = true;
                m_switch->NotifyWhenReady(m_sl, MakeCallback(&UbPacketSource::OnReady, this));
                return;
            }
        }
        return;
    }
    if (!TrySendOne())
    {
        m_waiting = true;
        m_switch->NotifyWhenReady(m_sl, MakeCallback(&UbPacketSource::OnReady, this));
        return;
    }
    if (Done())
    {
        return;
    }
    Time gap = m_rate.CalculateBytesTxTime(m_packetSize);
    if (m_arrival == POISSON)
    {
        gap = PicoSeconds(static_cast<int64_t>(m_exp->GetValue(gap.GetPicoSeconds(), 0)));
    }
    m_sendEvent = Simulator::Schedule(gap, &UbPacketSource::SendNext, this);
}

void
UbPacketSource::OnReady()
{
    m_waiting = false;
    SendNext();
}

} // namespace ns3
