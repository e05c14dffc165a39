/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-packet-sink.h"

#include "ub-flow-tag.h"
#include "ub-network-header.h"
#include "ub-switch.h"

#include "ns3/abort.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/trace-source-accessor.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbPacketSink");
NS_OBJECT_ENSURE_REGISTERED(UbPacketSink);

TypeId
UbPacketSink::GetTypeId()
{
    static TypeId tid = TypeId("ns3::UbPacketSink")
                            .SetParent<Application>()
                            .SetGroupName("UnifiedBus")
                            .AddConstructor<UbPacketSink>()
                            .AddTraceSource("Rx",
                                            "A packet arrived: (packet, latency).",
                                            MakeTraceSourceAccessor(&UbPacketSink::m_rxTrace),
                                            "ns3::UbPacketSink::RxTracedCallback");
    return tid;
}

UbPacketSink::UbPacketSink() = default;

UbPacketSink::~UbPacketSink() = default;

void
UbPacketSink::DoInitialize()
{
    Ptr<UbSwitch> sw = GetNode()->GetObject<UbSwitch>();
    NS_ABORT_MSG_IF(!sw,
                    "UbPacketSink on node " << GetNode()->GetId()
                                            << ": the node has no UbSwitch; install UB links with "
                                               "UbHelper first");
    if (!m_registered)
    {
        sw->AddReceiveCallback(MakeCallback(&UbPacketSink::Receive, this));
        m_registered = true;
    }
    Application::DoInitialize();
}

void
UbPacketSink::StartApplication()
{
    m_running = true;
}

void
UbPacketSink::StopApplication()
{
    m_running = false;
}

void
UbPacketSink::Receive(Ptr<Packet> packet, const UbPacketInfo& info)
{
    if (!m_running)
    {
        return;
    }
    Time now = Simulator::Now();
    UbFlowTag tag;
    bool tagged = packet->PeekPacketTag(tag);
    uint32_t bytes = packet->GetSize() - UbNetworkHeader::SIZE;
    FlowStats& f = m_flows[tagged ? tag.GetFlowId() : 0];
    if (f.packets == 0)
    {
        f.src = info.src;
        f.dst = info.dst;
        f.sl = info.sl;
        f.firstRx = now;
        f.firstTx = tagged ? tag.GetSendTime() : now;
    }
    ++f.packets;
    f.bytes += bytes;
    f.lastRx = now;
    ++m_packets;
    m_bytes += bytes;
    Time latency = tagged ? now - tag.GetSendTime() : Time(0);
    if (tagged)
    {
        f.latency.Add(latency.GetPicoSeconds());
        m_latency.Add(latency.GetPicoSeconds());
    }
    m_rxTrace(packet, latency);
}

const std::map<uint32_t, UbPacketSink::FlowStats>&
UbPacketSink::GetFlows() const
{
    return m_flows;
}

uint64_t
UbPacketSink::GetReceivedPackets() const
{
    return m_packets;
}

uint64_t
UbPacketSink::GetReceivedBytes() const
{
    return m_bytes;
}

const UbHistogram&
UbPacketSink::GetLatency() const
{
    return m_latency;
}

} // namespace ns3
