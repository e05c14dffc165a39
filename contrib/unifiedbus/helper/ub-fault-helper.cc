/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-fault-helper.h"

#include "ns3/abort.h"
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-switch.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbFaultHelper");

UbFaultHelper::UbFaultHelper(UbTopologyHelper& sys)
    : m_sys(sys),
      m_detection(NanoSeconds(100))
{
}

void
UbFaultHelper::SetDetectionTime(Time t)
{
    NS_ABORT_MSG_IF(t.IsNegative(), "UbFaultHelper: detection time must be >= 0");
    m_detection = t;
}

void
UbFaultHelper::SetVlPolicy(UbTopologyRouting::VlPolicy policy)
{
    m_vlPolicy = policy;
    m_policySet = true;
}

void
UbFaultHelper::ScheduleLinkDown(uint32_t link, Time at)
{
    NS_ABORT_MSG_IF(link >= m_sys.GetTopology().GetNLinks(),
                    "UbFaultHelper: no link " << link << " (the fabric has "
                                              << m_sys.GetTopology().GetNLinks() << ")");
    NS_ABORT_MSG_IF(!m_sys.HasComputedRoutes(),
                    "UbFaultHelper: this fabric's routes were given by its builder (e.g. UB-Mesh); "
                    "failover recomputes shortest paths, so build it with computed routes");
    Simulator::Schedule(at - Simulator::Now(), &UbFaultHelper::LinkDown, this, link);
}

void
UbFaultHelper::ScheduleLaneLoss(uint32_t link, uint8_t lanes, Time at)
{
    NS_ABORT_MSG_IF(link >= m_sys.GetTopology().GetNLinks(), "UbFaultHelper: no link " << link);
    Simulator::Schedule(at - Simulator::Now(), [this, link, lanes]() {
        for (uint32_t side = 0; side < 2; ++side)
        {
            if (Ptr<UbNetDevice> dev = m_sys.GetDevice(link, side))
            {
                dev->SetActiveLanes(lanes);
            }
        }
    });
}

void
UbFaultHelper::LinkDown(uint32_t link)
{
    NS_LOG_INFO("link " << link << " down at " << Simulator::Now().As(Time::NS));
    // Split over processes (UbTopologyHelper::SetRanks), every process takes the link down at
    // the same time: here, the ends it built.
    for (uint32_t side = 0; side < 2; ++side)
    {
        if (Ptr<UbNetDevice> dev = m_sys.GetDevice(link, side))
        {
            dev->SetLinkDown();
        }
    }
    if (!m_liveInit)
    {
        m_live = m_sys.GetTopology();
        m_liveInit = true;
    }
    m_live.SetLinkUp(link, false);
    m_down.push_back(link);
    Simulator::Schedule(m_detection, &UbFaultHelper::Failover, this);
}

void
UbFaultHelper::Failover()
{
    ++m_failovers;
    UbTopologyRouting::VlPolicy policy = m_policySet ? m_vlPolicy : m_sys.GetVlPolicy();
    m_sys.ReplaceRoutes(UbTopologyRouting::ShortestPaths(m_live, policy));
    for (uint32_t link : m_down)
    {
        const auto& l = m_live.GetLink(link);
        for (uint32_t side = 0; side < 2; ++side)
        {
            Ptr<UbNetDevice> dev = m_sys.GetDevice(link, side);
            Ptr<UbSwitch> sw = m_sys.GetNode(side == 0 ? l.a : l.b)->GetObject<UbSwitch>();
            if (dev && sw)
            {
                m_lostQueued += sw->FlushPort(dev->GetPortIndex());
            }
        }
    }
    NS_LOG_INFO("failover at " << Simulator::Now().As(Time::NS) << ": " << m_down.size()
                               << " links down, " << m_lostQueued << " queued packets dropped");
}

uint64_t
UbFaultHelper::GetLostInFlight() const
{
    uint64_t n = 0;
    for (uint32_t link : m_down)
    {
        for (uint32_t side = 0; side < 2; ++side)
        {
            if (Ptr<UbNetDevice> dev = m_sys.GetDevice(link, side))
            {
                n += dev->GetFaultDrops();
            }
        }
    }
    return n;
}

uint64_t
UbFaultHelper::GetLostQueued() const
{
    return m_lostQueued;
}

uint64_t
UbFaultHelper::GetLostPackets() const
{
    return GetLostInFlight() + GetLostQueued();
}

uint32_t
UbFaultHelper::GetFailovers() const
{
    return m_failovers;
}

} // namespace ns3
