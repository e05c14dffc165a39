/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-cloudmatrix-helper.h"

#include "ub-controller-helper.h"
#include "ub-helper.h"
#include "ub-routing-helper.h"
#include "ub-systems.h"

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
    m_dies = m_preset.GetCount("topology::DiesPerNode");
    m_l1 = m_preset.GetCount("topology::L1PerNode");
    m_l2 = m_preset.GetCount("topology::L2PerPlane");
    UbSystems::PlanarClos p = UbSystems::CloudMatrix384(m_nodes);
    p.endpoints = m_nodes * m_dies;
    p.planes = m_l1;
    p.perLeaf = m_dies;
    p.spinesPerPlane = m_l2;
    p.lanes = 0; // lanes and lane rate from the preset
    p.laneRateBps = 0;
    p.endpointLinkM = m_preset.GetNonNegative("topology::DieToL1CableLength", 100000);
    p.spineLinkM = m_preset.GetNonNegative("topology::L1ToL2CableLength", 100000);
    UbTopology t = UbSystems::BuildPlanarClos(p);
    m_links = t.GetNLinks();
    m_builder.SetPreset(m_preset);
    m_builder.Build(t);
    // Endpoints first, then the leaves plane by plane (plane k, node n: L1 chip k of node n),
    // then the spines plane by plane.
    m_dieNodes = m_builder.GetEndpoints();
    for (uint32_t n = 0; n < m_nodes; ++n)
    {
        for (uint32_t k = 0; k < m_l1; ++k)
        {
            m_l1Nodes.Add(m_builder.GetNode(p.endpoints + k * m_nodes + n));
        }
    }
    for (uint32_t i = p.endpoints + m_l1 * m_nodes; i < t.GetNNodes(); ++i)
    {
        m_l2Nodes.Add(m_builder.GetNode(i));
    }
    m_all = NodeContainer(m_dieNodes, m_l1Nodes, m_l2Nodes);
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

namespace ns3
{
const UbTopologyHelper&
UbCloudMatrixHelper::GetBuilder() const
{
    return m_builder;
}
} // namespace ns3
