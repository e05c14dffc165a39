/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-cloudmatrix-helper.h"

#include "ub-controller-helper.h"
#include "ub-helper.h"
#include "ub-routing-helper.h"

#include "ns3/abort.h"
#include "ns3/double.h"
#include "ns3/node.h"
#include "ns3/string.h"
#include "ns3/ub-switch.h"

namespace ns3
{

UbCloudMatrixHelper::UbCloudMatrixHelper()
    : m_preset(UbPreset::Load("cm384-ub1"))
{
}

void
UbCloudMatrixHelper::SetNodes(uint32_t nodes)
{
    NS_ABORT_MSG_IF(nodes == 0,
                    "UbCloudMatrixHelper: 0 nodes; use 1 or more (48 in CloudMatrix384)");
    m_nodes = nodes;
}

void
UbCloudMatrixHelper::SetPreset(const UbPreset& preset)
{
    m_preset = preset;
}

const UbPreset&
UbCloudMatrixHelper::GetPreset() const
{
    return m_preset;
}

void
UbCloudMatrixHelper::Build()
{
    NS_ABORT_MSG_IF(m_all.GetN() > 0, "UbCloudMatrixHelper: Build called twice");
    m_dies = static_cast<uint32_t>(m_preset.GetDouble("topology::DiesPerNode"));
    m_l1 = static_cast<uint32_t>(m_preset.GetDouble("topology::L1PerNode"));
    m_l2 = static_cast<uint32_t>(m_preset.GetDouble("topology::L2PerPlane"));
    m_dieNodes.Create(m_nodes * m_dies);
    m_l1Nodes.Create(m_nodes * m_l1);
    m_l2Nodes.Create(m_l1 * m_l2);

    UbHelper ub;
    m_preset.Apply(ub);
    ub.SetChannelAttribute("Length", StringValue(m_preset.Get("topology::DieToL1CableLength")));
    for (uint32_t n = 0; n < m_nodes; ++n)
    {
        for (uint32_t d = 0; d < m_dies; ++d)
        {
            for (uint32_t k = 0; k < m_l1; ++k)
            {
                ub.Install(m_dieNodes.Get(n * m_dies + d), m_l1Nodes.Get(n * m_l1 + k));
                ++m_links;
            }
        }
    }
    ub.SetChannelAttribute("Length", StringValue(m_preset.Get("topology::L1ToL2CableLength")));
    for (uint32_t n = 0; n < m_nodes; ++n)
    {
        for (uint32_t k = 0; k < m_l1; ++k)
        {
            for (uint32_t j = 0; j < m_l2; ++j)
            {
                ub.Install(m_l1Nodes.Get(n * m_l1 + k), m_l2Nodes.Get(k * m_l2 + j));
                ++m_links;
            }
        }
    }
    StringValue dieLatency(m_preset.Get("topology::EndpointPipelineLatency"));
    StringValue switchLatency(m_preset.Get("topology::SwitchPipelineLatency"));
    for (uint32_t i = 0; i < m_dieNodes.GetN(); ++i)
    {
        m_dieNodes.Get(i)->GetObject<UbSwitch>()->SetAttribute("PipelineLatency", dieLatency);
    }
    for (NodeContainer* c : {&m_l1Nodes, &m_l2Nodes})
    {
        for (uint32_t i = 0; i < c->GetN(); ++i)
        {
            c->Get(i)->GetObject<UbSwitch>()->SetAttribute("PipelineLatency", switchLatency);
        }
    }
    m_all = NodeContainer(m_dieNodes, m_l1Nodes, m_l2Nodes);
    UbRoutingHelper::PopulateShortestPaths(m_all);
    UbControllerHelper ctl;
    m_preset.Apply(ctl);
    ctl.Install(m_dieNodes);
}

Ptr<Node>
UbCloudMatrixHelper::GetDie(uint32_t node, uint32_t die) const
{
    NS_ABORT_MSG_IF(node >= m_nodes || die >= m_dies,
                    "UbCloudMatrixHelper: no die " << die << " on node " << node << " (" << m_nodes
                                                   << " nodes x " << m_dies << " dies)");
    return m_dieNodes.Get(node * m_dies + die);
}

const NodeContainer&
UbCloudMatrixHelper::GetDies() const
{
    return m_dieNodes;
}

const NodeContainer&
UbCloudMatrixHelper::GetL1() const
{
    return m_l1Nodes;
}

const NodeContainer&
UbCloudMatrixHelper::GetL2() const
{
    return m_l2Nodes;
}

const NodeContainer&
UbCloudMatrixHelper::GetAll() const
{
    return m_all;
}

uint32_t
UbCloudMatrixHelper::GetDiesPerNode() const
{
    return m_dies;
}

uint32_t
UbCloudMatrixHelper::GetL1PerNode() const
{
    return m_l1;
}

uint32_t
UbCloudMatrixHelper::GetL2PerPlane() const
{
    return m_l2;
}

uint32_t
UbCloudMatrixHelper::GetNLinks() const
{
    return m_links;
}

} // namespace ns3
