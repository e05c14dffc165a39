/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-channel.h"

#include "ub-credit.h"
#include "ub-invariants.h"
#include "ub-net-device.h"
#include "ub-scheduler.h"

#include "ns3/abort.h"
#include "ns3/double.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/simulator.h"

#include <cmath>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbChannel");
NS_OBJECT_ENSURE_REGISTERED(UbChannel);

TypeId
UbChannel::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::UbChannel")
            .SetParent<Channel>()
            .SetGroupName("UnifiedBus")
            .AddConstructor<UbChannel>()
            .AddAttribute("Delay",
                          "Fixed one-way delay of the link (time), added to Length x "
                          "PropagationDelayPerMeter.",
                          TimeValue(NanoSeconds(0)),
                          MakeTimeAccessor(&UbChannel::m_delay),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("Length",
                          "Cable length (metres); 0 means the Delay attribute alone sets the "
                          "propagation delay.",
                          DoubleValue(0.0),
                          MakeDoubleAccessor(&UbChannel::m_lengthM),
                          MakeDoubleChecker<double>(0.0, 1e6))
            .AddAttribute("PropagationDelayPerMeter",
                          "Propagation delay per metre of cable (time). Default 5 ns/m: signals "
                          "travel at about 0.67 c in fibre and in twinax copper.",
                          TimeValue(NanoSeconds(5)),
                          MakeTimeAccessor(&UbChannel::m_delayPerMeter),
                          MakeTimeChecker(Time(0)));
    return tid;
}

namespace
{
uint32_t g_nextLinkId = 0; //!< the next channel's default number
} // namespace

UbChannel::UbChannel()
    : m_id(g_nextLinkId++)
{
}

void
UbChannel::SetLinkId(uint32_t id)
{
    NS_ABORT_MSG_IF(id >= 0x7FFFFFFFu,
                    "UbChannel::SetLinkId: link number " << id << " is too large (below 2^31 - 1)");
    m_id = id;
}

uint32_t
UbChannel::GetLinkId() const
{
    return m_id;
}

UbChannel::~UbChannel() = default;

void
UbChannel::DoDispose()
{
    UbInvariants::AtDispose(); // the first of the model's objects to go checks the run
    m_devices[0] = nullptr;
    m_devices[1] = nullptr;
    m_carrier = CarrierCallback();
    Channel::DoDispose();
}

uint32_t
UbChannel::Attach(Ptr<UbNetDevice> device)
{
    NS_ABORT_MSG_IF(m_nDevices >= 2,
                    "UbChannel: a UB link joins exactly two devices; node "
                        << device->GetNode()->GetId() << " tried to attach a third");
    m_devices[m_nDevices] = device;
    m_context[m_nDevices] = device->GetNode() ? device->GetNode()->GetId() : 0;
    m_blocked[m_nDevices] = device->m_creditBlocked;
    return m_nDevices++;
}

std::size_t
UbChannel::GetNDevices() const
{
    return m_nDevices;
}

Ptr<NetDevice>
UbChannel::GetDevice(std::size_t i) const
{
    NS_ABORT_MSG_IF(i >= m_nDevices, "UbChannel::GetDevice: index " << i << " out of range");
    return m_devices[i];
}

Ptr<UbNetDevice>
UbChannel::GetPeer(Ptr<const UbNetDevice> device) const
{
    if (m_nDevices < 2)
    {
        return nullptr;
    }
    return m_devices[0] == device ? m_devices[1] : m_devices[0];
}

Time
UbChannel::GetPropagationDelay() const
{
    int64_t perMeterPs = m_delayPerMeter.GetPicoSeconds();
    auto cablePs = static_cast<int64_t>(std::llround(m_lengthM * static_cast<double>(perMeterPs)));
    return m_delay + PicoSeconds(cablePs);
}

UbLinkParams
UbChannel::GetAnnouncement(uint32_t end) const
{
    NS_ABORT_MSG_IF(end >= m_nDevices, "UbChannel: no device at end " << end << " of the link");
    return m_devices[end]->GetLinkParams();
}

void
UbChannel::SetCarrier(CarrierCallback carrier)
{
    m_carrier = carrier;
}

bool
UbChannel::IsLocal() const
{
    return m_carrier.IsNull() && !UbScheduler::IsDistributedOrder();
}

void
UbChannel::Send(uint32_t from, const UbLinkMessage& m)
{
    if (!m_carrier.IsNull())
    {
        UbLinkMessage stamped = m;
        stamped.sentPs = UbScheduler::Now().GetPicoSeconds();
        m_carrier(1 - from, stamped);
        return;
    }
    Deliver(1 - from, m);
}

void
UbChannel::SendCredit(uint32_t from, const UbCreditReturn& r)
{
    if (!m_carrier.IsNull() || UbScheduler::IsDistributedOrder())
    {
        UbLinkMessage m;
        m.kind = UbLinkMessage::CREDIT;
        m.vl = r.vl;
        m.sentPs = UbScheduler::Now().GetPicoSeconds();
        m.atPs = r.atPs;
        m.reservedCells = r.reservedCells;
        m.sharedCells = r.sharedCells;
        if (m_carrier.IsNull())
        {
            Deliver(1 - from, m); // distributed order, in this process
        }
        else
        {
            m_carrier(1 - from, m);
        }
        return;
    }
    m_devices[1 - from]->ReceiveCredit(r);
}

void
UbChannel::SendData(uint32_t from,
                    Ptr<Packet> packet,
                    const UbPacketInfo& info,
                    int64_t nowPs,
                    int64_t readyPs,
                    int64_t tailPs)
{
    if (!m_carrier.IsNull())
    {
        UbLinkMessage m;
        m.kind = UbLinkMessage::DATA;
        m.vl = info.vl;
        m.sentPs = nowPs;
        m.atPs = readyPs;
        m.tailPs = tailPs;
        m.packet = packet;
        m.info = info;
        m_carrier(1 - from, m);
        return;
    }
    // The arrival reads the port and the packet first: UbScheduler fetches them ahead.
    UbNetDevice* to = PeekPointer(m_devices[1 - from]);
    UbScheduler::SetNextLinkKey(2 * m_id + from);
    UbScheduleWithContext(m_context[1 - from],
                          PicoSeconds(readyPs - nowPs),
                          to->ArrivalHint(PeekPointer(packet)),
                          &UbNetDevice::Receive,
                          to,
                          packet,
                          info,
                          PicoSeconds(tailPs));
}

void
UbChannel::Deliver(uint32_t to, const UbLinkMessage& m)
{
    NS_ABORT_MSG_IF(to >= m_nDevices, "UbChannel: no device at end " << to << " of the link");
    UbNetDevice* dev = PeekPointer(m_devices[to]);
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    // Packets and retry requests take effect in an event at their time; the other messages are
    // handed over now and applied when due, but in distributed order every message takes effect
    // in an event at its time, keyed by the direction it crossed.
    const bool distributed = UbScheduler::IsDistributedOrder();
    NS_ABORT_MSG_IF(distributed && m.atPs < now,
                    "UbChannel: a " << m.KindName() << " message for " << m.atPs
                                    << " ps reached its end at " << now
                                    << " ps, after its time (a carrier delivered it too late)");
    UbScheduler::SetNextLinkKey(2 * m_id + (1 - to));
    switch (m.kind)
    {
    case UbLinkMessage::DATA:
        UbScheduleWithContext(m_context[to],
                              PicoSeconds(m.atPs - now),
                              dev->ArrivalHint(PeekPointer(m.packet)),
                              &UbNetDevice::Receive,
                              dev,
                              m.packet,
                              m.info,
                              PicoSeconds(m.tailPs));
        break;
    case UbLinkMessage::CREDIT:
        if (distributed)
        {
            // A pooled event, as a packet's: in distributed order every credit return is one.
            UbScheduleWithContext(m_context[to],
                                  PicoSeconds(m.atPs - now),
                                  UbHint{},
                                  &UbNetDevice::ReceiveCredit,
                                  dev,
                                  UbCreditReturn{m.atPs, m.reservedCells, m.sharedCells, m.vl});
            break;
        }
        dev->ReceiveCredit(UbCreditReturn{m.atPs, m.reservedCells, m.sharedCells, m.vl});
        break;
    default:
        if (distributed || m.kind == UbLinkMessage::CORRUPTED ||
            m.kind == UbLinkMessage::CORRUPTED_RETRY || m.kind == UbLinkMessage::RETRY_REQUEST)
        {
            Simulator::ScheduleWithContext(m_context[to],
                                           PicoSeconds(m.atPs - now),
                                           &UbNetDevice::ReceiveMessage,
                                           dev,
                                           m);
            break;
        }
        dev->ReceiveMessage(m);
        break;
    }
}

void
UbChannel::Pull(uint32_t end, int64_t nowPs)
{
    // The device calls this only on a local link (its cached IsLocal).
    if (m_carrier.IsNull() && m_nDevices == 2)
    {
        m_devices[1 - end]->FlushReturns(nowPs);
    }
}

int64_t
UbChannel::NextArrivalBound(uint32_t end) const
{
    if (!m_carrier.IsNull() || m_nDevices < 2) // (only on a local link, as Pull)
    {
        return UB_NEVER_PS;
    }
    return m_devices[1 - end]->NextReturnArrivalBound();
}

void
UbChannel::NotifyPending(uint32_t from)
{
    if (m_carrier.IsNull() && m_nDevices == 2 && m_blocked[1 - from]) // (as Pull)
    {
        m_devices[1 - from]->OnPeerReturnPending();
    }
}

} // namespace ns3
