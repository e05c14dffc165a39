/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-packet-source.h"

#include "ub-flow-tag.h"
#include "ub-switch.h"

#include "ns3/abort.h"
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
                          MakeEnumAccessor(&UbPacketSource::m_arrival),
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
    : m_exp(CreateObject<ExponentialRandomVariable>())
{
}

UbPacketSource::~UbPacketSource() = default;

void
UbPacketSource::DoDispose()
{
    m_sendEvent.Cancel();
    m_switch = nullptr;
    m_exp = nullptr;
    Application::DoDispose();
}

int64_t
UbPacketSource::AssignStreams(int64_t stream)
{
    m_exp->SetStream(stream);
    return 1;
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
    if (!m_switch->Send(p, m_destination, m_sl, m_flowId))
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
