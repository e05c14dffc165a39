/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-traffic-helper.h"

#include "ns3/abort.h"
#include "ns3/node.h"
#include "ns3/random-variable-stream.h"
#include "ns3/ub-packet-sink.h"
#include "ns3/ub-packet-source.h"
#include "ns3/ub-switch.h"
#include "ns3/uinteger.h"

#include <numeric>
#include <vector>

namespace ns3
{

UbTrafficHelper::UbTrafficHelper()
{
    m_sourceFactory.SetTypeId("ns3::UbPacketSource");
}

void
UbTrafficHelper::SetSourceAttribute(const std::string& name, const AttributeValue& value)
{
    m_sourceFactory.Set(name, value);
}

ApplicationContainer
UbTrafficHelper::InstallSource(Ptr<Node> src, Ptr<Node> dst) const
{
    Ptr<UbSwitch> dsw = dst->GetObject<UbSwitch>();
    NS_ABORT_MSG_IF(!dsw,
                    "UbTrafficHelper: destination node " << dst->GetId()
                                                         << " has no UbSwitch; install UB links "
                                                            "first");
    Ptr<UbPacketSource> app = m_sourceFactory.Create<UbPacketSource>();
    app->SetAttribute("Destination", UintegerValue(dsw->GetCna()));
    src->AddApplication(app);
    return ApplicationContainer(app);
}

ApplicationContainer
UbTrafficHelper::InstallSinks(const NodeContainer& nodes) const
{
    ApplicationContainer c;
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        Ptr<UbPacketSink> sink = CreateObject<UbPacketSink>();
        (*it)->AddApplication(sink);
        c.Add(sink);
    }
    return c;
}

ApplicationContainer
UbTrafficHelper::InstallIncast(const NodeContainer& senders, Ptr<Node> receiver) const
{
    ApplicationContainer c;
    for (auto it = senders.Begin(); it != senders.End(); ++it)
    {
        c.Add(InstallSource(*it, receiver));
    }
    return c;
}

ApplicationContainer
UbTrafficHelper::InstallPermutation(const NodeContainer& endpoints, int64_t stream) const
{
    const auto n = static_cast<uint32_t>(endpoints.GetN());
    NS_ABORT_MSG_IF(n < 2, "UbTrafficHelper::InstallPermutation needs at least 2 endpoints");
    std::vector<uint32_t> perm(n);
    std::iota(perm.begin(), perm.end(), 0);
    Ptr<UniformRandomVariable> rng = CreateObject<UniformRandomVariable>();
    rng->SetStream(stream);
    // Sattolo: a uniformly random cyclic permutation, hence no node sends to itself.
    for (uint32_t i = n - 1; i > 0; --i)
    {
        uint32_t j = rng->GetInteger(0, i - 1);
        std::swap(perm[i], perm[j]);
    }
    ApplicationContainer c;
    for (uint32_t i = 0; i < n; ++i)
    {
        c.Add(InstallSource(endpoints.Get(i), endpoints.Get(perm[i])));
    }
    return c;
}

} // namespace ns3
