/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-distributed.h"

#include "ns3/abort.h"
#include "ns3/double.h"
#include "ns3/global-value.h"
#include "ns3/log.h"
#include "ns3/mpi-interface.h"
#include "ns3/mpi-receiver.h"
#include "ns3/node.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/ub-channel.h"
#include "ns3/ub-link-message.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-scheduler.h"

#include <set>
#include <vector>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbDistributed");

namespace
{
/// ns-3's largest MPI message (granted-time-window and null-message interfaces: 2,000 bytes,
/// 16 of them its own header).
constexpr uint32_t UB_MPI_MAX_BYTES = 2000 - 16;
} // namespace

void
UbDistributed::Enable(int* argc, char*** argv, const std::string& kernel)
{
    NS_ABORT_MSG_IF(kernel != "gtw" && kernel != "null",
                    "UbDistributed: kernel '" << kernel
                                              << "' is neither gtw (granted time window) nor "
                                                 "null (null messages)");
    GlobalValue::Bind("SimulatorImplementationType",
                      StringValue(kernel == "null" ? "ns3::NullMessageSimulatorImpl"
                                                   : "ns3::DistributedSimulatorImpl"));
    GlobalValue::Bind("SchedulerType", StringValue("ns3::UbScheduler"));
    MpiInterface::Enable(argc, argv);
    UbScheduler::SetDistributedOrder(true);
}

void
UbDistributed::Disable()
{
    MpiInterface::Disable();
}

uint32_t
UbDistributed::GetRank()
{
    return MpiInterface::IsEnabled() ? MpiInterface::GetSystemId() : 0;
}

uint32_t
UbDistributed::GetSize()
{
    return MpiInterface::IsEnabled() ? MpiInterface::GetSize() : 1;
}

uint32_t
UbDistributed::InstallLinks(const NodeContainer& nodes)
{
    NS_ABORT_MSG_IF(!MpiInterface::IsEnabled(),
                    "UbDistributed::InstallLinks: call UbDistributed::Enable first");
    const uint32_t rank = GetRank();
    std::set<UbChannel*> seen;
    uint32_t installed = 0;
    for (uint32_t i = 0; i < nodes.GetN(); ++i)
    {
        Ptr<Node> node = nodes.Get(i);
        for (uint32_t k = 0; k < node->GetNDevices(); ++k)
        {
            Ptr<UbNetDevice> dev = DynamicCast<UbNetDevice>(node->GetDevice(k));
            Ptr<UbChannel> ch = dev ? DynamicCast<UbChannel>(dev->GetChannel()) : nullptr;
            if (!ch || ch->GetNDevices() < 2 || !seen.insert(PeekPointer(ch)).second)
            {
                continue;
            }
            Ptr<UbNetDevice> ends[2] = {DynamicCast<UbNetDevice>(ch->GetDevice(0)),
                                        DynamicCast<UbNetDevice>(ch->GetDevice(1))};
            const uint32_t s0 = ends[0]->GetNode()->GetSystemId();
            const uint32_t s1 = ends[1]->GetNode()->GetSystemId();
            if (s0 == s1 || (s0 != rank && s1 != rank))
            {
                continue;
            }
            const uint32_t e = s0 == rank ? 0 : 1; // this rank's end
            for (const auto& d : ends)
            {
                NS_ABORT_MSG_IF(d->GetPhyLatency() < PicoSeconds(1),
                                "UbDistributed: link "
                                    << ch->GetLinkId() << " between nodes "
                                    << ends[0]->GetNode()->GetId() << " and "
                                    << ends[1]->GetNode()->GetId()
                                    << " joins two ranks but node " << d->GetNode()->GetId()
                                    << "'s end has no PHY latency; give it PhyLatency of at "
                                       "least 1 ps or keep both nodes on one rank");
            }
            // ns-3 takes its lookahead from the channels' Delay: the whole propagation there.
            const Time prop = ch->GetPropagationDelay();
            ch->SetAttribute("Length", DoubleValue(0));
            ch->SetAttribute("Delay", TimeValue(prop));
            const uint32_t peerNode = ends[1 - e]->GetNode()->GetId();
            const uint32_t peerIf = ends[1 - e]->GetIfIndex();
            const uint32_t link = ch->GetLinkId();
            const int64_t propPs = prop.GetPicoSeconds();
            ch->SetCarrier(UbChannel::CarrierCallback(
                [peerNode, peerIf, link, propPs](uint32_t, const UbLinkMessage& m) {
                    const int64_t now = Simulator::Now().GetPicoSeconds();
                    const int64_t rx = m.atPs - 1;
                    NS_ABORT_MSG_IF(rx < now + propPs,
                                    "UbDistributed: a " << m.KindName() << " message on link "
                                                        << link << " sent at " << now
                                                        << " ps takes effect at " << m.atPs
                                                        << " ps, sooner than the lookahead");
                    const std::vector<uint8_t> bytes = m.Serialize();
                    Ptr<Packet> p = Create<Packet>(bytes.data(), bytes.size());
                    NS_ABORT_MSG_IF(p->GetSerializedSize() > UB_MPI_MAX_BYTES,
                                    "UbDistributed: a " << m.KindName() << " message on link "
                                                        << link << " takes "
                                                        << p->GetSerializedSize()
                                                        << " bytes, over ns-3's MPI message "
                                                           "limit of "
                                                        << UB_MPI_MAX_BYTES);
                    MpiInterface::SendPacket(p, PicoSeconds(rx), peerNode, peerIf);
                }));
            Ptr<UbNetDevice> mine = ends[e];
            NS_ABORT_MSG_IF(mine->GetObject<MpiReceiver>(),
                            "UbDistributed::InstallLinks: node "
                                << mine->GetNode()->GetId() << "'s port " << mine->GetIfIndex()
                                << " already has an MPI receiver (called twice?)");
            Ptr<MpiReceiver> receiver = CreateObject<MpiReceiver>();
            UbChannel* raw = PeekPointer(ch);
            receiver->SetReceiveCallback(Callback<void, Ptr<Packet>>([raw, e](Ptr<Packet> p) {
                std::vector<uint8_t> bytes(p->GetSize());
                p->CopyData(bytes.data(), bytes.size());
                UbLinkMessage m;
                std::string error;
                NS_ABORT_MSG_IF(!UbLinkMessage::Deserialize(bytes, m, error),
                                "UbDistributed: a malformed message from the other rank on link "
                                    << raw->GetLinkId() << ": " << error);
                raw->Deliver(e, m);
            }));
            mine->AggregateObject(receiver);
            ++installed;
        }
    }
    return installed;
}

} // namespace ns3
