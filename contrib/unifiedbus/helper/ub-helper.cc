/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-helper.h"

#include "ns3/abort.h"
#include "ns3/mac48-address.h"
#include "ns3/node.h"
#include "ns3/pointer.h"
#include "ns3/ub-channel.h"
#include "ns3/ub-compat.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-routing-table.h"
#include "ns3/ub-switch.h"
#include "ns3/uinteger.h"

namespace ns3
{

UbHelper::UbHelper()
{
    UbEnsurePicoseconds();
    m_deviceFactory.SetTypeId("ns3::UbNetDevice");
    m_channelFactory.SetTypeId("ns3::UbChannel");
    m_switchFactory.SetTypeId("ns3::UbSwitch");
    m_routingFactory.SetTypeId("ns3::UbRoutingTable");
}

void
UbHelper::SetDeviceAttribute(const std::string& name, const AttributeValue& value)
{
    m_deviceFactory.Set(name, value);
}

void
UbHelper::SetChannelAttribute(const std::string& name, const AttributeValue& value)
{
    m_channelFactory.Set(name, value);
}

void
UbHelper::SetSwitchAttribute(const std::string& name, const AttributeValue& value)
{
    m_switchFactory.Set(name, value);
}

void
UbHelper::SetRoutingAttribute(const std::string& name, const AttributeValue& value)
{
    m_routingFactory.Set(name, value);
}

Ptr<UbSwitch>
UbHelper::InstallSwitch(Ptr<Node> node) const
{
    Ptr<UbSwitch> sw = node->GetObject<UbSwitch>();
    if (sw)
    {
        return sw;
    }
    sw = m_switchFactory.Create<UbSwitch>();
    sw->SetAttribute("RoutingTable", PointerValue(m_routingFactory.Create<UbRoutingTable>()));
    node->AggregateObject(sw);
    return sw;
}

void
UbHelper::InstallSwitches(const NodeContainer& nodes) const
{
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        InstallSwitch(*it);
    }
}

Ptr<UbNetDevice>
UbHelper::CreateDevice(Ptr<Node> node) const
{
    Ptr<UbNetDevice> dev = m_deviceFactory.Create<UbNetDevice>();
    dev->SetAddress(Mac48Address::Allocate());
    node->AddDevice(dev);
    InstallSwitch(node)->AddPort(dev);
    return dev;
}

Ptr<UbNetDevice>
UbHelper::CreateDevicePrototype() const
{
    return m_deviceFactory.Create<UbNetDevice>();
}

Ptr<UbChannel>
UbHelper::CreateChannelPrototype() const
{
    return m_channelFactory.Create<UbChannel>();
}

Ptr<UbSwitch>
UbHelper::CreateSwitchPrototype() const
{
    Ptr<UbSwitch> sw = m_switchFactory.Create<UbSwitch>();
    sw->SetAttribute("RoutingTable", PointerValue(m_routingFactory.Create<UbRoutingTable>()));
    return sw;
}

NetDeviceContainer
UbHelper::Install(Ptr<Node> a, Ptr<Node> b) const
{
    NS_ABORT_MSG_IF(a == b, "UbHelper::Install: node " << a->GetId() << " cannot link to itself");
    Ptr<UbNetDevice> da = CreateDevice(a);
    Ptr<UbNetDevice> db = CreateDevice(b);
    Ptr<UbChannel> ch = m_channelFactory.Create<UbChannel>();
    da->Attach(ch);
    db->Attach(ch);
    NetDeviceContainer c;
    c.Add(da);
    c.Add(db);
    return c;
}

NetDeviceContainer
UbHelper::Install(const NodeContainer& pair) const
{
    NS_ABORT_MSG_IF(pair.GetN() != 2,
                    "UbHelper::Install: a link joins 2 nodes, the container holds " << pair.GetN());
    return Install(pair.Get(0), pair.Get(1));
}

int64_t
UbHelper::AssignStreams(const NodeContainer& nodes, int64_t stream)
{
    int64_t used = 0;
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        Ptr<UbSwitch> sw = (*it)->GetObject<UbSwitch>();
        for (uint32_t p = 0; sw && p < sw->GetNPorts(); ++p)
        {
            used += sw->GetPort(p)->AssignStreams(stream + used);
        }
    }
    return used;
}

NetDeviceContainer
UbHelper::InstallAsymmetric(Ptr<Node> a, Ptr<Node> b, uint8_t lanesAtoB, uint8_t lanesBtoA) const
{
    NetDeviceContainer c = Install(a, b);
    c.Get(0)->SetAttribute("Lanes", UintegerValue(lanesAtoB));
    c.Get(1)->SetAttribute("Lanes", UintegerValue(lanesBtoA));
    return c;
}

} // namespace ns3
