/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_FAULT_HELPER_H
#define UB_FAULT_HELPER_H

#include "ub-topology-helper.h"

#include "ns3/nstime.h"

#include <cstdint>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief Link faults on a fabric built by UbTopologyHelper: a link goes down, or loses lanes, at
 * a given time, and routes fail over after a detection time.
 *
 * When a link goes down, both of its devices stop; packets on the wire and in flight are lost
 * (UbNetDevice::GetFaultDrops). After the detection time (default 100 ns: Huawei quotes
 * "100 ns-level" fault detection and protection switching on optical paths, Huawei Connect 2025
 * keynote), every routing table is recomputed without the link, as if every node had been told
 * directly (UB-Mesh's direct notification, arXiv 2503.20377), and the packets still queued for
 * the dead ports are dropped and counted. A reliable transport (RTP) recovers every lost packet.
 *
 * Failover recomputes all-shortest-path routes (UbTopologyRouting::ShortestPaths with the
 * helper's VL policy); fabrics built with other routes (UB-Mesh's structured routes) keep theirs
 * and are refused with a message.
 */
class UbFaultHelper
{
  public:
    /// \param sys the built fabric (must outlive this helper)
    explicit UbFaultHelper(UbTopologyHelper& sys);

    /// \param t time from a failure to the new routes (default 100 ns)
    void SetDetectionTime(Time t);
    /// \param policy VL policy of the recomputed routes (default: the fabric's)
    void SetVlPolicy(UbTopologyRouting::VlPolicy policy);

    /**
     * \brief Take a link down at a given time.
     * \param link topology link index
     * \param at simulation time
     */
    void ScheduleLinkDown(uint32_t link, Time at);
    /**
     * \brief A link loses lanes at a given time (both directions keep `lanes`).
     * \param link topology link index
     * \param lanes lanes left
     * \param at simulation time
     */
    void ScheduleLaneLoss(uint32_t link, uint8_t lanes, Time at);

    /// \return packets lost to link faults so far (in flight at the failure + flushed queues)
    uint64_t GetLostPackets() const;
    /// \return packets in flight when their link failed (part of GetLostPackets)
    uint64_t GetLostInFlight() const;
    /// \return packets flushed from the dead ports' queues (part of GetLostPackets)
    uint64_t GetLostQueued() const;
    /// \return failovers done (route recomputations)
    uint32_t GetFailovers() const;

  private:
    void LinkDown(uint32_t link);
    void Failover();

    UbTopologyHelper& m_sys;
    Time m_detection;
    UbTopologyRouting::VlPolicy m_vlPolicy{UbTopologyRouting::VL_FROM_SL};
    bool m_policySet{false};
    UbTopology m_live; //!< the topology with failed links marked down
    bool m_liveInit{false};
    std::vector<uint32_t> m_down; //!< links down, awaiting or after failover
    uint64_t m_lostQueued{0};
    uint32_t m_failovers{0};
};

} // namespace ns3

#endif /* UB_FAULT_HELPER_H */
