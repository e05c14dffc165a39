/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-channel.h"

#include "ub-net-device.h"

#include "ns3/abort.h"
#include "ns3/double.h"
#include "ns3/log.h"
#include "ns3/node.h"

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

UbChannel::UbChannel() = default;

UbChannel::~UbChannel() = default;

void
UbChannel::DoDispose()
{
    m_devices[0] = nullptr;
    m_devices[1] = nullptr;
    Channel::DoDispose();
}

void
UbChannel::Attach(Ptr<UbNetDevice> device)
{
    NS_ABORT_MSG_IF(m_nDevices >= 2,
                    "UbChannel: a UB link joins exactly two devices; node "
                        << device->GetNode()->GetId() << " tried to attach a third");
    m_devices[m_nDevices++] = device;
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

} // namespace ns3
