/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-controller-helper.h"

#include "ns3/abort.h"
#include "ns3/node.h"
#include "ns3/ub-controller.h"
#include "ns3/ub-switch.h"
#include "ns3/ub-transport.h"

namespace ns3
{

UbControllerHelper::UbControllerHelper()
{
    m_factory.SetTypeId("ns3::UbController");
    m_transportFactory.SetTypeId("ns3::UbTransport");
}

void
UbControllerHelper::SetTransportAttribute(const std::string& name, const AttributeValue& value)
{
    m_transportFactory.Set(name, value);
}

void
UbControllerHelper::SetAttribute(const std::string& name, const AttributeValue& value)
{
    m_factory.Set(name, value);
}

Ptr<UbController>
UbControllerHelper::Install(Ptr<Node> node) const
{
    Ptr<UbController> c = node->GetObject<UbController>();
    if (c)
    {
        return c;
    }
    NS_ABORT_MSG_IF(!node->GetObject<UbSwitch>(),
                    "UbControllerHelper: node " << node->GetId()
                                                << " has no UbSwitch; install UB links with "
                                                   "UbHelper first");
    c = m_factory.Create<UbController>();
    node->AggregateObject(c);
    if (!node->GetObject<UbTransport>())
    {
        node->AggregateObject(m_transportFactory.Create<UbTransport>());
    }
    return c;
}

Ptr<UbController>
UbControllerHelper::CreatePrototype() const
{
    return m_factory.Create<UbController>();
}

Ptr<UbTransport>
UbControllerHelper::CreateTransportPrototype() const
{
    return m_transportFactory.Create<UbTransport>();
}

void
UbControllerHelper::Install(const NodeContainer& nodes) const
{
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        Install(*it);
    }
}

UbTransport::Stats
UbControllerHelper::SumTransportStats(const NodeContainer& nodes)
{
    UbTransport::Stats sum;
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        Ptr<UbController> c = (*it)->GetObject<UbController>();
        if (!c)
        {
            continue;
        }
        const UbTransport::Stats& s = c->GetTransportStats();
        sum.dataSent += s.dataSent;
        sum.retransmitted += s.retransmitted;
        sum.acksSent += s.acksSent;
        sum.timeouts += s.timeouts;
        sum.duplicates += s.duplicates;
        sum.outOfWindow += s.outOfWindow;
        sum.lost += s.lost;
        sum.delivered += s.delivered;
        sum.congestionMarks += s.congestionMarks;
        sum.cnpsSent += s.cnpsSent;
        sum.cnpsReceived += s.cnpsReceived;
    }
    return sum;
}

} // namespace ns3
