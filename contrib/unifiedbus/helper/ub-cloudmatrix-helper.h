/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_CLOUDMATRIX_HELPER_H
#define UB_CLOUDMATRIX_HELPER_H

#include "ub-preset.h"
#include "ub-topology-helper.h"

#include "ns3/node-container.h"

#include <cstdint>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief Builds the UB plane of a CloudMatrix384-like SuperPoD (Zuo et al., arXiv 2506.12708).
 *
 * Each node holds DiesPerNode NPU dies (8 Ascend 910C NPUs of 2 dies: 16) and L1PerNode on-board
 * L1 switch chips (7); every die has one link to every L1 chip of its node. The L2 tier has
 * L1PerNode independent planes of L2PerPlane chips (16); L1 chip k of every node links once to
 * every L2 chip of plane k. A die reaches a die of its node through one L1 chip and a die of
 * another node through L1 -> L2 -> L1. Dies get a UbController.
 *
 * Link, switch and controller parameters come from a preset (cm384-ub1 by default); the preset's
 * topology:: values give the cable lengths of the two tiers and the pipeline latencies of dies
 * and switch chips.
 */
class UbCloudMatrixHelper
{
  public:
    /// A CloudMatrix384 with the cm384-ub1 preset.
    UbCloudMatrixHelper();

    /// \param nodes number of nodes (48 in CloudMatrix384)
    void SetNodes(uint32_t nodes);
    /// \param preset the preset to build with
    void SetPreset(const UbPreset& preset);
    /// \return the preset
    const UbPreset& GetPreset() const;

    /// Create nodes, links, routes and controllers.
    void Build();

    /// \param node node index \param die die index \return the die's ns-3 node
    Ptr<Node> GetDie(uint32_t node, uint32_t die) const;
    /// \return every die
    const NodeContainer& GetDies() const;
    /// \return every L1 chip
    const NodeContainer& GetL1() const;
    /// \return every L2 chip
    const NodeContainer& GetL2() const;
    /// \return every node of the plane (dies, L1, L2)
    const NodeContainer& GetAll() const;
    /// \return dies per node
    uint32_t GetDiesPerNode() const;
    /// \return L1 chips per node (= planes)
    uint32_t GetL1PerNode() const;
    /// \return L2 chips per plane
    uint32_t GetL2PerPlane() const;
    /// \return links built
    uint32_t GetNLinks() const;
    /// \return the topology builder (topology, routes, deadlock report, memory report)
    const UbTopologyHelper& GetBuilder() const;

  private:
    UbPreset m_preset;
    uint32_t m_nodes{48};
    uint32_t m_dies{16};
    uint32_t m_l1{7};
    uint32_t m_l2{16};
    uint32_t m_links{0};
    NodeContainer m_dieNodes;
    NodeContainer m_l1Nodes;
    NodeContainer m_l2Nodes;
    NodeContainer m_all;
    UbTopologyHelper m_builder;
};

} // namespace ns3

#endif /* UB_CLOUDMATRIX_HELPER_H */
