/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-invariants.h"

#include "ub-channel.h"
#include "ub-controller.h"
#include "ub-net-device.h"
#include "ub-switch.h"
#include "ub-transport.h"
#include "ub-watchdog.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/global-value.h"
#include "ns3/log.h"
#include "ns3/node.h"

#include <iostream>
#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbInvariants");

namespace
{

GlobalValue g_ubCheckInvariants(
    "UbCheckInvariants",
    "Check the UB model's invariants at the end of every run (credits conserved per link and VL, "
    "no lossless violation, every packet delivered or counted lost, RTP exactly once)",
    BooleanValue(true),
    MakeBooleanChecker());

/// The end-of-run state of the current simulation.
struct EndState
{
    bool done{false};
    UbInvariantReport report;
};

/// What End() found since the last TakeTotals.
UbInvariantTotals&
GetTotals()
{
    static UbInvariantTotals t;
    return t;
}

EndState&
GetEnd()
{
    static EndState s{true, {}}; // before the first switch: nothing to check
    return s;
}

/// "node N port P"
std::string
PortName(Ptr<const UbNetDevice> d)
{
    std::ostringstream os;
    os << "node " << d->GetNode()->GetId() << " port " << d->GetPortIndex();
    return os.str();
}

/// Credit books of the direction dev -> peer, VL v (UB_MAX_VLS: the shared pool).
void
CheckBooks(Ptr<UbNetDevice> dev,
           Ptr<UbNetDevice> peer,
           uint8_t v,
           uint64_t packetsOnWire,
           UbInvariantReport& r)
{
    UbCreditBooks b;
    if (!dev->ReadCreditBooks(v, b))
    {
        return;
    }
    ++r.checks;
    const auto onWire = static_cast<int32_t>(b.spent - b.charged);
    const int64_t total = b.credits + static_cast<int64_t>(b.incoming) + onWire +
                          static_cast<int64_t>(b.used) + static_cast<int64_t>(b.unreturned);
    std::ostringstream where;
    where << PortName(dev)
          << (v == UB_MAX_VLS ? std::string(" shared pool") : " VL " + std::to_string(v)) << " -> "
          << PortName(peer);
    if (total != b.initial)
    {
        std::ostringstream os;
        os << where.str() << ": credits not conserved: held " << b.credits << " + returning "
           << b.incoming << " + on the wire " << onWire << " + in the buffer " << b.used
           << " + freed, not returned " << b.unreturned << " = " << total << " cells, not the "
           << b.initial << " announced (" << (total < b.initial ? "lost " : "created ")
           << (total < b.initial ? b.initial - total : total - b.initial) << ")";
        r.violations.push_back(os.str());
    }
    if (onWire < 0 || (packetsOnWire == 0 && onWire != 0))
    {
        std::ostringstream os;
        os << where.str() << ": " << onWire << " cells on the wire with " << packetsOnWire
           << " packet(s) there (spent " << b.spent << ", charged " << b.charged << ")";
        r.violations.push_back(os.str());
    }
}

} // namespace

std::string
UbInvariantReport::Summary() const
{
    std::ostringstream os;
    if (!ran)
    {
        return "skipped (UbCheckInvariants=false)";
    }
    if (violations.empty())
    {
        os << "passed: " << checks << " checks";
    }
    else
    {
        os << "FAILED: " << violations.size() << " violation(s) in " << checks << " checks";
    }
    if (!skipped.empty())
    {
        os << "; not checked: ";
        for (std::size_t i = 0; i < skipped.size(); ++i)
        {
            os << (i ? "; " : "") << skipped[i];
        }
    }
    if (stuckChannels > 0)
    {
        os << "; deadlock: " << stuckChannels << " channel(s) stuck";
    }
    return os.str();
}

std::string
UbInvariantTotals::Summary() const
{
    std::ostringstream os;
    if (simulations == 0)
    {
        return skipped > 0 ? "skipped (UbCheckInvariants=false)"
                           : "nothing to check (no packet-level network)";
    }
    if (checks == 0)
    {
        os << "nothing to check (no packet-level network)";
    }
    else if (violations == 0)
    {
        os << "passed: " << checks << " checks";
    }
    else
    {
        os << "FAILED: " << violations << " of " << checks << " checks (" << first << ")";
    }
    if (simulations > 1)
    {
        os << " in " << simulations << " simulations";
    }
    if (skipped > 0)
    {
        os << "; " << skipped << " simulation(s) skipped (UbCheckInvariants=false)";
    }
    if (deadlocks > 0)
    {
        os << "; " << deadlocks << " ended deadlocked (" << stuckChannels << " channels stuck)";
    }
    if (watchdogStops > 0)
    {
        os << "; " << watchdogStops << " stopped by the watchdog";
    }
    return os.str();
}

bool
UbInvariants::IsEnabled()
{
    BooleanValue v;
    g_ubCheckInvariants.GetValue(v);
    return v.Get();
}

UbInvariantReport
UbInvariants::Check()
{
    UbInvariantReport r;
    r.ran = true;
    uint64_t executed = 0;
    uint64_t completed = 0;
    uint64_t unfinished = 0;
    bool controllers = false;
    bool allRtp = true;
    uint32_t remoteLinks = 0;
    for (UbSwitch* sw : UbSwitch::GetAll())
    {
        Ptr<Node> node = sw ? sw->GetNode() : nullptr;
        if (!node)
        {
            continue;
        }
        uint64_t rx = 0;
        uint64_t tx = 0;
        for (uint32_t p = 0; p < sw->GetNPorts(); ++p)
        {
            Ptr<UbNetDevice> dev = sw->GetPort(p);
            if (!dev)
            {
                continue;
            }
            rx += dev->GetRxPackets();
            tx += dev->GetTxPackets();
            const UbNetDevice::FlowControlMode fc = dev->GetFlowControlMode();
            if (fc != UbNetDevice::NONE)
            {
                ++r.checks;
                for (uint8_t v = 0; v < dev->GetVlCount(); ++v)
                {
                    if (uint64_t n = dev->GetLosslessViolations(v))
                    {
                        std::ostringstream os;
                        os << PortName(dev) << " VL " << +v << ": " << n
                           << " packet(s) arrived to a full buffer of a lossless link "
                              "(UbNetDevice::LosslessViolation=Count let the run go on)";
                        r.violations.push_back(os.str());
                    }
                }
            }
            Ptr<UbNetDevice> peer = dev->GetPeer();
            Ptr<UbChannel> ch = DynamicCast<UbChannel>(dev->GetChannel());
            if (!peer || !ch)
            {
                continue;
            }
            if (!ch->IsLocal())
            {
                ++remoteLinks;
                continue;
            }
            if (dev->IsLinkDown() || peer->IsLinkDown())
            {
                continue; // what was on the wire is counted as lost by the far end
            }
            ++r.checks;
            const uint64_t arrived = peer->GetRxPackets() + peer->GetDropCount() +
                                     peer->GetLosslessViolations() + peer->GetCorruptedDrops() +
                                     peer->GetFaultDrops();
            if (arrived > dev->GetTxPackets())
            {
                std::ostringstream os;
                os << PortName(dev) << " -> " << PortName(peer) << ": the far end took " << arrived
                   << " packet(s) (received or dropped), more than the " << dev->GetTxPackets()
                   << " sent";
                r.violations.push_back(os.str());
            }
            const uint64_t onWire = dev->GetTxPackets() - std::min(arrived, dev->GetTxPackets());
            if (fc == UbNetDevice::CREDIT)
            {
                for (uint8_t v = 0; v < dev->GetVlCount(); ++v)
                {
                    CheckBooks(dev, peer, v, onWire, r);
                }
                CheckBooks(dev, peer, UB_MAX_VLS, onWire, r);
            }
        }
        // Every packet that came into the node went out, waits, or was counted.
        ++r.checks;
        const uint64_t in = sw->GetInjectedPackets() + rx;
        const uint64_t out = sw->GetDeliveredPackets() + tx + sw->GetQueuedPackets() +
                             sw->GetPipelinePackets() + sw->GetFlushedPackets();
        if (in != out)
        {
            std::ostringstream os;
            os << "node " << node->GetId() << " (CNA " << sw->GetCna() << "): packets in "
               << "(injected " << sw->GetInjectedPackets() << " + received " << rx << ") = " << in
               << ", but out (delivered " << sw->GetDeliveredPackets() << " + sent " << tx
               << " + queued " << sw->GetQueuedPackets() << " + in the pipeline "
               << sw->GetPipelinePackets() << " + flushed " << sw->GetFlushedPackets()
               << ") = " << out << (in < out ? ": packets appeared" : ": packets vanished");
            r.violations.push_back(os.str());
        }
        Ptr<UbController> ctl = node->GetObject<UbController>();
        Ptr<UbTransport> tp = node->GetObject<UbTransport>();
        if (ctl && tp)
        {
            controllers = true;
            executed += ctl->GetExecuted();
            completed += ctl->GetCompleted();
            unfinished += ctl->GetFailed() + ctl->GetOutstanding();
            if (tp->GetMode() != UbTransport::RTP)
            {
                allRtp = false;
                continue;
            }
            ++r.checks;
            if (uint64_t dup = ctl->GetDuplicateRequests())
            {
                std::ostringstream os;
                os << "node " << node->GetId() << " (CNA " << sw->GetCna() << "): " << dup
                   << " request packet(s) arrived for a transaction that had all its packets "
                      "or had executed; RTP delivers each packet exactly once";
                r.violations.push_back(os.str());
            }
        }
    }
    if (remoteLinks > 0)
    {
        r.skipped.push_back(std::to_string(remoteLinks) +
                            " link direction(s) whose far end is in another process");
    }
    if (controllers && allRtp && remoteLinks == 0)
    {
        ++r.checks;
        if (executed < completed || executed > completed + unfinished)
        {
            std::ostringstream os;
            os << "RTP transactions: " << executed << " executed at their targets, but "
               << completed << " completed and " << unfinished
               << " failed or outstanding at their initiators (each executes exactly once)";
            r.violations.push_back(os.str());
        }
    }
    else if (controllers && !allRtp)
    {
        r.skipped.push_back("exactly-once over all endpoints (some use CTP or UTP)");
    }
    return r;
}

const UbInvariantReport&
UbInvariants::End()
{
    EndState& s = GetEnd();
    if (s.done)
    {
        return s.report;
    }
    s.done = true;
    UbInvariantTotals& t = GetTotals();
    t.watchdogStops += UbWatchdog::HasStopped() ? 1 : 0;
    if (!IsEnabled())
    {
        s.report = UbInvariantReport{};
        ++t.skipped;
        return s.report;
    }
    s.report = Check();
    s.report.deadlock = UbWatchdog::FindDeadlock(&s.report.stuckChannels);
    ++t.simulations;
    t.checks += s.report.checks;
    t.violations += s.report.violations.size();
    if (t.first.empty() && !s.report.violations.empty())
    {
        t.first = s.report.violations.front();
    }
    if (s.report.stuckChannels > 0 && t.deadlocks++ == 0)
    {
        t.stuckChannels = s.report.stuckChannels;
    }
    if (!s.report.Ok())
    {
        std::cout.flush();
        std::cerr << "UB invariants " << s.report.Summary() << ":\n";
        for (const std::string& v : s.report.violations)
        {
            std::cerr << "  " << v << "\n";
        }
        std::cerr << "This is a model bug: please report it." << std::endl;
    }
    if (!s.report.deadlock.empty() && !UbWatchdog::HasStopped())
    {
        std::cout.flush();
        std::cerr << "The run ended with packets stuck. " << s.report.deadlock << std::flush;
    }
    return s.report;
}

void
UbInvariants::AtDispose()
{
    if (GetEnd().done)
    {
        return;
    }
    const UbInvariantReport& r = End();
    NS_ABORT_MSG_IF(!r.Ok(),
                    "UB invariants " << r.Summary() << " at the end of the run (listed above)");
}

UbInvariantTotals
UbInvariants::TakeTotals()
{
    End();
    UbInvariantTotals t = GetTotals();
    GetTotals() = UbInvariantTotals{};
    return t;
}

void
UbInvariants::SkipEnd()
{
    GetEnd().done = true;
}

bool
UbInvariants::IsEndDone()
{
    return GetEnd().done;
}

void
UbInvariants::Reset()
{
    GetEnd() = EndState{};
}

} // namespace ns3
