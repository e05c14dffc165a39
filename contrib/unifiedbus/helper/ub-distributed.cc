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
#include "ns3/ub-results.h"
#include "ns3/ub-scheduler.h"

#include <algorithm>
#include <cstring>
#include <mpi.h>
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
std::string g_kernel; //!< the kernel Enable started
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
    g_kernel = kernel;
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

std::string
UbDistributed::GetKernel()
{
    return g_kernel;
}

bool
UbDistributed::IsEnabled()
{
    return MpiInterface::IsEnabled();
}

void
UbDistributed::Sum(std::vector<uint64_t>& v)
{
    if (GetSize() > 1 && !v.empty())
    {
        MPI_Allreduce(MPI_IN_PLACE,
                      v.data(),
                      static_cast<int>(v.size()),
                      MPI_UINT64_T,
                      MPI_SUM,
                      MpiInterface::GetCommunicator());
    }
}

void
UbDistributed::Max(std::vector<int64_t>& v)
{
    if (GetSize() > 1 && !v.empty())
    {
        MPI_Allreduce(MPI_IN_PLACE,
                      v.data(),
                      static_cast<int>(v.size()),
                      MPI_INT64_T,
                      MPI_MAX,
                      MpiInterface::GetCommunicator());
    }
}

namespace
{
/// Rows as bytes: numbers as they are in memory (the same machine type on every rank), strings
/// as a length and their characters.
class RowWriter
{
  public:
    template <typename T>
    void Put(const T& x)
    {
        const auto* p = reinterpret_cast<const uint8_t*>(&x);
        bytes.insert(bytes.end(), p, p + sizeof(T));
    }

    void Put(const std::string& s)
    {
        Put(static_cast<uint64_t>(s.size()));
        bytes.insert(bytes.end(), s.begin(), s.end());
    }

    std::vector<uint8_t> bytes;
};

class RowReader
{
  public:
    RowReader(const uint8_t* p, std::size_t n)
        : m_p(p),
          m_end(p + n)
    {
    }

    template <typename T>
    void Get(T& x)
    {
        NS_ABORT_MSG_IF(m_end - m_p < static_cast<std::ptrdiff_t>(sizeof(T)),
                        "UbDistributed: a rank's rows end early");
        std::memcpy(&x, m_p, sizeof(T));
        m_p += sizeof(T);
    }

    void Get(std::string& s)
    {
        uint64_t n = 0;
        Get(n);
        NS_ABORT_MSG_IF(static_cast<uint64_t>(m_end - m_p) < n,
                        "UbDistributed: a rank's rows end early");
        s.assign(reinterpret_cast<const char*>(m_p), n);
        m_p += n;
    }

    bool AtEnd() const
    {
        return m_p == m_end;
    }

  private:
    const uint8_t* m_p;
    const uint8_t* m_end;
};
} // namespace

void
UbDistributed::GatherRows(UbResults& results, std::size_t ports, std::size_t flows)
{
    if (GetSize() <= 1)
    {
        return;
    }
    const auto& myPorts = results.GetPorts();
    const auto& myFlows = results.GetFlows();
    RowWriter w;
    w.Put(static_cast<uint64_t>(myPorts.size() - std::min(ports, myPorts.size())));
    for (std::size_t i = ports; i < myPorts.size(); ++i)
    {
        const UbResults::PortRow& r = myPorts[i];
        w.Put(r.node);
        w.Put(r.port);
        w.Put(r.peerNode);
        w.Put(r.txPackets);
        w.Put(r.txBytes);
        w.Put(r.busyS);
        w.Put(r.utilization);
        w.Put(r.creditStallS);
        w.Put(r.creditFrames);
        w.Put(r.drops);
        w.Put(r.scope);
    }
    w.Put(static_cast<uint64_t>(myFlows.size() - std::min(flows, myFlows.size())));
    for (std::size_t i = flows; i < myFlows.size(); ++i)
    {
        const UbResults::FlowRow& r = myFlows[i];
        w.Put(r.flowId);
        w.Put(r.src);
        w.Put(r.dst);
        w.Put(r.sl);
        w.Put(r.packets);
        w.Put(r.bytes);
        for (double x : {r.firstTxS,
                         r.firstRxS,
                         r.lastRxS,
                         r.throughputGbps,
                         r.latMeanNs,
                         r.latP50Ns,
                         r.latP99Ns,
                         r.latMaxNs})
        {
            w.Put(x);
        }
        w.Put(r.scope);
    }
    const int size = static_cast<int>(GetSize());
    const int rank = static_cast<int>(GetRank());
    NS_ABORT_MSG_IF(w.bytes.size() > static_cast<std::size_t>(INT32_MAX),
                    "UbDistributed: rank " << rank << "'s rows take over 2 GiB");
    int mine = static_cast<int>(w.bytes.size());
    std::vector<int> counts(size);
    MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MpiInterface::GetCommunicator());
    std::vector<int> offsets(size, 0);
    std::size_t total = 0;
    for (int r = 0; r < size; ++r)
    {
        offsets[r] = static_cast<int>(total);
        total += static_cast<std::size_t>(counts[r]);
    }
    NS_ABORT_MSG_IF(rank == 0 && total > static_cast<std::size_t>(INT32_MAX),
                    "UbDistributed: the ranks' rows take over 2 GiB");
    std::vector<uint8_t> all(rank == 0 ? total : 0);
    MPI_Gatherv(w.bytes.data(),
                mine,
                MPI_BYTE,
                all.data(),
                counts.data(),
                offsets.data(),
                MPI_BYTE,
                0,
                MpiInterface::GetCommunicator());
    results.TruncateRows(ports, flows);
    if (rank != 0)
    {
        return;
    }
    std::vector<UbResults::PortRow> portRows;
    std::vector<UbResults::FlowRow> flowRows;
    for (int from = 0; from < size; ++from)
    {
        RowReader rd(all.data() + offsets[from], static_cast<std::size_t>(counts[from]));
        uint64_t n = 0;
        rd.Get(n);
        for (uint64_t i = 0; i < n; ++i)
        {
            UbResults::PortRow r;
            rd.Get(r.node);
            rd.Get(r.port);
            rd.Get(r.peerNode);
            rd.Get(r.txPackets);
            rd.Get(r.txBytes);
            rd.Get(r.busyS);
            rd.Get(r.utilization);
            rd.Get(r.creditStallS);
            rd.Get(r.creditFrames);
            rd.Get(r.drops);
            rd.Get(r.scope);
            portRows.push_back(std::move(r));
        }
        rd.Get(n);
        for (uint64_t i = 0; i < n; ++i)
        {
            UbResults::FlowRow r;
            rd.Get(r.flowId);
            rd.Get(r.src);
            rd.Get(r.dst);
            rd.Get(r.sl);
            rd.Get(r.packets);
            rd.Get(r.bytes);
            for (double* x : {&r.firstTxS,
                              &r.firstRxS,
                              &r.lastRxS,
                              &r.throughputGbps,
                              &r.latMeanNs,
                              &r.latP50Ns,
                              &r.latP99Ns,
                              &r.latMaxNs})
            {
                rd.Get(*x);
            }
            rd.Get(r.scope);
            flowRows.push_back(std::move(r));
        }
        NS_ABORT_MSG_IF(!rd.AtEnd(), "UbDistributed: rank " << from << "'s rows run on");
    }
    std::stable_sort(portRows.begin(),
                     portRows.end(),
                     [](const UbResults::PortRow& a, const UbResults::PortRow& b) {
                         return a.node != b.node ? a.node < b.node : a.port < b.port;
                     });
    for (const auto& r : portRows)
    {
        results.AddPort(r);
    }
    for (const auto& r : flowRows)
    {
        results.AddFlow(r);
    }
}

uint32_t
UbDistributed::InstallLinks(const NodeContainer& nodes,
                            const std::function<uint32_t(uint32_t, uint32_t)>& ifIndexOf)
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
                                    << ends[1]->GetNode()->GetId() << " joins two ranks but node "
                                    << d->GetNode()->GetId()
                                    << "'s end has no PHY latency; give it PhyLatency of at "
                                       "least 1 ps or keep both nodes on one rank");
            }
            // ns-3 takes its lookahead from the channels' Delay: the whole propagation there.
            const Time prop = ch->GetPropagationDelay();
            ch->SetAttribute("Length", DoubleValue(0));
            ch->SetAttribute("Delay", TimeValue(prop));
            const uint32_t peerNode = ends[1 - e]->GetNode()->GetId();
            const uint32_t link = ch->GetLinkId();
            const uint32_t peerIf =
                ifIndexOf ? ifIndexOf(link, peerNode) : ends[1 - e]->GetIfIndex();
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
