/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * UbNetDevice, part 3 of 3: statistics (counters, credits, occupancy, memory) and the NetDevice
 * interface. The packet path is in ub-net-device.cc, the configuration in
 * ub-net-device-config.cc.
 */
#include "ub-channel.h"
#include "ub-net-device.h"
#include "ub-scheduler.h"

#include "ns3/abort.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/simulator.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbNetDeviceInfo");

uint64_t
UbNetDevice::GetLosslessViolations(uint8_t vl) const
{
    if (!m_violations)
    {
        return 0;
    }
    if (vl < UB_MAX_VLS)
    {
        return m_violations[vl];
    }
    uint64_t total = 0;
    for (uint8_t v = 0; v < UB_MAX_VLS; ++v)
    {
        total += m_violations[v];
    }
    return total;
}

uint64_t
UbNetDevice::GetPauseFramesSent() const
{
    return m_pfc ? m_pfc->GetPauseSent() : 0;
}

uint64_t
UbNetDevice::GetResumeFramesSent() const
{
    return m_pfc ? m_pfc->GetResumeSent() : 0;
}

uint64_t
UbNetDevice::GetPauseFramesReceived() const
{
    return m_pfc ? m_pfc->GetPauseReceived() : 0;
}

uint32_t
UbNetDevice::GetPfcXoffCells() const
{
    return m_pfc ? m_pfc->GetXoffCells() : 0;
}

int64_t
UbNetDevice::GetCredits(uint8_t vl)
{
    if (!m_ready)
    {
        Initialize();
    }
    if (m_fcMode == CREDIT)
    {
        AbsorbCredits(UbScheduler::Now().GetPicoSeconds());
    }
    return m_credits.GetCredits(vl);
}

uint32_t
UbNetDevice::GetInitialCredits(uint8_t vl) const
{
    if (m_fcMode != CREDIT || m_channel == nullptr)
    {
        return 0;
    }
    if (m_ready)
    {
        return m_credits.GetInitial(vl);
    }
    UbLinkParams peer = m_channel->GetAnnouncement(1 - m_end);
    return vl == UB_MAX_VLS ? peer.sharedBufferCells : peer.vlBufferCells;
}

uint32_t
UbNetDevice::GetRxOccupancy(uint8_t vl)
{
    if (!m_ready)
    {
        return 0;
    }
    ResolveRx(UbScheduler::Now().GetPicoSeconds());
    return vl == UB_MAX_VLS ? m_rxBuffer.GetSharedUsed() : m_rxBuffer.GetUsed(vl);
}

uint64_t
UbNetDevice::GetCreditLoadBytes(uint8_t vl) const
{
    if (m_fcMode != CREDIT || !m_ready)
    {
        return 0;
    }
    return static_cast<uint64_t>(m_credits.GetHeldCells(vl)) * GetCellBytes();
}

uint64_t
UbNetDevice::GetDropCount() const
{
    return m_drops;
}

uint64_t
UbNetDevice::GetTxPackets() const
{
    return m_txPackets;
}

uint64_t
UbNetDevice::GetTxWireBytes() const
{
    return m_txWireBytes;
}

uint64_t
UbNetDevice::GetRxPackets() const
{
    return m_rxPackets;
}

uint64_t
UbNetDevice::GetInjectedErrors() const
{
    return m_errors.Get(UbLinkErrorModel::INJECTED);
}

uint64_t
UbNetDevice::GetLinkRetries() const
{
    return m_errors.Get(UbLinkErrorModel::RETRIES);
}

uint64_t
UbNetDevice::GetCorruptedDrops() const
{
    return m_errors.Get(UbLinkErrorModel::CORRUPT_DROPS);
}

void
UbNetDevice::SetLinkDown()
{
    if (!m_fault.SetDown())
    {
        return;
    }
    NS_LOG_INFO(Where() << ": link down");
    m_attemptEvent.Cancel();
}

bool
UbNetDevice::IsLinkDown() const
{
    return m_fault.IsDown();
}

uint64_t
UbNetDevice::GetFaultDrops() const
{
    return m_fault.GetDrops();
}

void
UbNetDevice::SetActiveLanes(uint8_t lanes)
{
    std::string bad = UbLinkFault::CheckLanes(lanes, m_lanes);
    NS_ABORT_MSG_IF(!bad.empty(), Where() << ": " << bad);
    if (!m_ready)
    {
        Initialize();
    }
    m_lanes = lanes;
    m_rateBps = ComputeRateBps();
    m_flitPs = SerPs(m_flitSize);
    m_creditFramePs = SerPs(m_creditFrameBytes);
    NS_LOG_INFO(Where() << ": " << +lanes << " lanes left, " << m_rateBps << " b/s");
    // The other end plans link-retry replays from this end's request time: tell it.
    UbLinkMessage m;
    m.kind = UbLinkMessage::PARAMS;
    m.atPs = UbScheduler::Now().GetPicoSeconds() + m_linkPs;
    m.params = GetLinkParams();
    SendMessage(m);
}

uint64_t
UbNetDevice::GetCreditFramesSent()
{
    if (m_ready)
    {
        ResolveRx(UbScheduler::Now().GetPicoSeconds());
    }
    return m_creditFrames;
}

uint64_t
UbNetDevice::GetPiggybackedCreditReturns() const
{
    return m_piggybacked;
}

Time
UbNetDevice::GetTxFreeTime() const
{
    return PicoSeconds(m_txFreePs);
}

Time
UbNetDevice::GetBusyTime() const
{
    return PicoSeconds(m_busyPs);
}

Time
UbNetDevice::GetCreditStallTime(uint8_t vl) const
{
    return PicoSeconds(m_credits.GetStallPs(vl, UbScheduler::Now().GetPicoSeconds()));
}

uint64_t
UbNetDevice::GetIdleMemoryBytes() const
{
    uint64_t bytes = sizeof(UbNetDevice) + m_credits.GetHeapBytes() + m_rxBuffer.GetHeapBytes() +
                     sizeof(UbChannel) / 2 + m_pendingReturns.capacity() * sizeof(PendingReturn);
    if (m_dwrr)
    {
        bytes += sizeof(DwrrState) + m_dwrr->deficit.capacity() * sizeof(int64_t) +
                 m_dwrr->quantum.capacity() * sizeof(uint32_t);
    }
    return bytes;
}

void
UbNetDevice::Attach(Ptr<UbChannel> channel)
{
    m_channel = channel;
    m_end = channel->Attach(this);
}

void
UbNetDevice::SetPortQueues(UbPortQueues* queues, uint32_t index)
{
    m_queues = queues;
    m_port = index;
}

uint32_t
UbNetDevice::GetPortIndex() const
{
    return m_port;
}

Ptr<UbNetDevice>
UbNetDevice::GetPeer() const
{
    return m_channel ? m_channel->GetPeer(this) : nullptr;
}

bool
UbNetDevice::ReadCreditBooks(uint8_t vl, UbCreditBooks& books) const
{
    Ptr<UbNetDevice> peer = GetPeer();
    if (!m_ready || !peer || !peer->m_ready || !m_local || !peer->m_local ||
        UbScheduler::IsDistributedOrder() || (vl != UB_MAX_VLS && vl >= m_vlCount))
    {
        return false;
    }
    m_credits.ReadBooks(vl, books);
    peer->m_rxBuffer.ReadBooks(vl, books);
    for (uint32_t i = peer->m_pendingHead; i < peer->m_pendingReturns.size(); ++i)
    {
        const PendingReturn& r = peer->m_pendingReturns[i];
        books.unreturned += vl == UB_MAX_VLS ? r.sharedCells : (r.vl == vl ? r.reservedCells : 0);
    }
    return true;
}

void
UbNetDevice::LeakCreditsForTest(uint8_t vl, uint32_t cells)
{
    NS_ABORT_MSG_IF(!m_ready || vl >= m_vlCount, Where() << ": LeakCreditsForTest on VL " << +vl);
    m_credits.LeakForTest(vl, static_cast<int32_t>(cells));
}

void
UbNetDevice::SetIfIndex(const uint32_t index)
{
    m_ifIndex = index;
}

uint32_t
UbNetDevice::GetIfIndex() const
{
    return m_ifIndex;
}

Ptr<Channel>
UbNetDevice::GetChannel() const
{
    return m_channel;
}

void
UbNetDevice::SetAddress(Address address)
{
    m_address = Mac48Address::ConvertFrom(address);
}

Address
UbNetDevice::GetAddress() const
{
    return m_address;
}

bool
UbNetDevice::SetMtu(const uint16_t mtu)
{
    m_mtu = mtu;
    return true;
}

uint16_t
UbNetDevice::GetMtu() const
{
    return m_mtu;
}

bool
UbNetDevice::IsLinkUp() const
{
    return m_channel != nullptr;
}

void
UbNetDevice::AddLinkChangeCallback(Callback<void> callback)
{
}

bool
UbNetDevice::IsBroadcast() const
{
    return false;
}

Address
UbNetDevice::GetBroadcast() const
{
    return Mac48Address::GetBroadcast();
}

bool
UbNetDevice::IsMulticast() const
{
    return false;
}

Address
UbNetDevice::GetMulticast(Ipv4Address multicastGroup) const
{
    return Mac48Address::GetMulticast(multicastGroup);
}

Address
UbNetDevice::GetMulticast(Ipv6Address addr) const
{
    return Mac48Address::GetMulticast(addr);
}

bool
UbNetDevice::IsBridge() const
{
    return false;
}

bool
UbNetDevice::IsPointToPoint() const
{
    return true;
}

bool
UbNetDevice::Send(Ptr<Packet> packet, const Address& dest, uint16_t protocolNumber)
{
    NS_ABORT_MSG_IF(m_queues == nullptr || !m_channel || m_channel->GetNDevices() < 2,
                    Where() << ": Send before the port is installed on a UbSwitch and a link");
    uint32_t peerCna = m_ready ? m_peerCna : m_channel->GetAnnouncement(1 - m_end).cna;
    return m_queues->Send(packet, peerCna, 0, protocolNumber);
}

bool
UbNetDevice::SendFrom(Ptr<Packet> packet,
                      const Address& source,
                      const Address& dest,
                      uint16_t protocolNumber)
{
    return Send(packet, dest, protocolNumber);
}

Ptr<Node>
UbNetDevice::GetNode() const
{
    return m_node;
}

void
UbNetDevice::SetNode(Ptr<Node> node)
{
    m_node = node;
}

bool
UbNetDevice::NeedsArp() const
{
    return false;
}

void
UbNetDevice::SetReceiveCallback(NetDevice::ReceiveCallback cb)
{
    m_rxCallback = cb;
}

void
UbNetDevice::SetPromiscReceiveCallback(PromiscReceiveCallback cb)
{
    m_promiscCallback = cb;
}

bool
UbNetDevice::SupportsSendFrom() const
{
    return false;
}

} // namespace ns3
