/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-watchdog.h"

#include "ub-controller.h"
#include "ub-net-device.h"
#include "ub-scheduler.h"
#include "ub-switch.h"
#include "ub-transport.h"

#include "ns3/global-value.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbWatchdog");

namespace
{

GlobalValue g_ubWatchdogSpan(
    "UbWatchdogSpan",
    "The UB watchdog stops a run when nothing was delivered for this long while work waits "
    "(RTP retransmitting, say); 0 means 10 ms, or 64 packet times of the slowest port if longer",
    TimeValue(Seconds(0)),
    MakeTimeChecker(Seconds(0)));

/// What the watchdog knows of the current run.
struct State
{
    uint64_t deliveries{0}; //!< UbSwitch::GetDeliveriesInProcess at the last change seen
    int64_t sincePs{-1};    //!< when that change was seen (-1: not yet polled)
    int64_t spanPs{-1};     //!< the span (-1: not yet worked out)
    bool stopped{false};
    std::string report;
};

State&
GetState()
{
    static State s;
    return s;
}

/// A channel: (node, output port, VL).
struct Chan
{
    uint32_t node;
    uint32_t port;
    uint8_t vl;

    bool operator<(const Chan& o) const
    {
        return node != o.node ? node < o.node : port != o.port ? port < o.port : vl < o.vl;
    }

    bool operator==(const Chan& o) const
    {
        return node == o.node && port == o.port && vl == o.vl;
    }
};

std::string
Name(const Chan& c)
{
    std::ostringstream os;
    os << "node " << c.node << " port " << c.port << " VL " << +c.vl;
    return os.str();
}

/// What a blocked channel is and waits for.
struct Blocked
{
    std::string line;     //!< its description
    Chan buffer{0, 0, 0}; //!< the downstream buffer: (node, input port, VL)
    uint64_t used{0};     //!< cells in that buffer's reserve
    uint64_t poolUsed{0}; //!< cells in that port's shared pool
    std::set<Chan> deps;  //!< channels whose queued packets hold the buffer
    bool relief{false};   //!< credits, packets or releases are on their way
    uint64_t packets{0};  //!< packets waiting
};

} // namespace

Time
UbWatchdog::GetSpan()
{
    State& s = GetState();
    if (s.spanPs >= 0)
    {
        return PicoSeconds(s.spanPs);
    }
    TimeValue v;
    g_ubWatchdogSpan.GetValue(v);
    int64_t span = v.Get().GetPicoSeconds();
    if (span == 0)
    {
        span = MilliSeconds(10).GetPicoSeconds();
        for (UbSwitch* sw : UbSwitch::GetAll())
        {
            for (uint32_t i = 0; sw && i < sw->GetNPorts(); ++i)
            {
                Ptr<UbNetDevice> dev = sw->GetPort(i);
                if (dev && dev->GetRateBps() > 0)
                {
                    Time t = dev->GetSerializationTime(dev->GetWireBytes(dev->GetMtu()));
                    span = std::max(span, 64 * t.GetPicoSeconds());
                }
            }
        }
    }
    s.spanPs = span;
    return PicoSeconds(span);
}

bool
UbWatchdog::Poll()
{
    State& s = GetState();
    if (s.stopped)
    {
        return true;
    }
    const uint64_t d = UbSwitch::GetDeliveriesInProcess();
    const int64_t now = UbScheduler::Now().GetPicoSeconds();
    if (s.sincePs < 0 || d != s.deliveries)
    {
        s.deliveries = d;
        s.sincePs = now;
        return false;
    }
    const int64_t span = GetSpan().GetPicoSeconds();
    if (now - s.sincePs < span)
    {
        return false;
    }
    std::ostringstream os;
    os << "UB watchdog: nothing was delivered from " << s.sincePs / 1e6 << " us to "
       << now / 1e6 << " us (UbWatchdogSpan " << span / 1e9
       << " ms) while work waits; the run stops here (raise UbWatchdogSpan, e.g. "
       << "--UbWatchdogSpan=1s, if it should go on).\n";
    uint32_t lines = 0;
    std::ostringstream flows;
    for (UbSwitch* sw : UbSwitch::GetAll())
    {
        if (Ptr<UbTransport> tp =
                sw && sw->GetNode() ? sw->GetNode()->GetObject<UbTransport>() : nullptr)
        {
            lines += tp->DescribePending(flows, lines < 20 ? 20 - lines : 0);
        }
    }
    if (lines > 0)
    {
        os << "Transport channels waiting (" << lines << "):\n"
           << flows.str() << (lines > 20 ? "  ...\n" : "");
    }
    os << FindDeadlock();
    s.report = os.str();
    s.stopped = true;
    std::cout.flush();
    std::cerr << s.report << std::flush;
    Simulator::Stop();
    return true;
}

bool
UbWatchdog::HasStopped()
{
    return GetState().stopped;
}

const std::string&
UbWatchdog::GetReport()
{
    return GetState().report;
}

void
UbWatchdog::Reset()
{
    GetState() = State{};
}

std::string
UbWatchdog::FindDeadlock(uint32_t* stuckChannels)
{
    if (stuckChannels)
    {
        *stuckChannels = 0;
    }

    // Per (node, input port, input VL): the channels whose queued packets hold cells of that
    // input's reserve, and how many; per (node, input port, UB_MAX_VLS): the shared cells.
    struct Holders
    {
        std::set<Chan> chans;
        uint64_t cells{0};
    };

    std::map<Chan, Holders> held;
    std::map<Chan, Blocked> blocked;
    for (UbSwitch* sw : UbSwitch::GetAll())
    {
        if (!sw || !sw->GetNode())
        {
            continue;
        }
        const uint32_t node = sw->GetNode()->GetId();
        for (uint32_t p = 0; p < sw->GetNPorts(); ++p)
        {
            for (uint32_t mask = sw->GetWaitingMask(p); mask != 0; mask &= mask - 1)
            {
                auto v = static_cast<uint8_t>(__builtin_ctz(mask));
                const Chan c{node, p, v};
                uint64_t packets = 0;
                sw->ForEachWaiting(p, v, [&](const UbBufferCharge& ch, uint32_t) {
                    ++packets;
                    if (ch.inPort == UB_LOCAL_PORT)
                    {
                        return;
                    }
                    Holders& h = held[Chan{node, ch.inPort, ch.vl}];
                    h.chans.insert(c);
                    h.cells += ch.reservedCells;
                    held[Chan{node, ch.inPort, UB_MAX_VLS}].cells += ch.sharedCells;
                });
                Ptr<UbNetDevice> dev = sw->GetPort(p);
                Ptr<UbNetDevice> peer = dev ? dev->GetPeer() : nullptr;
                UbCreditBooks b;
                UbCreditBooks pool;
                if (!peer || dev->GetFlowControlMode() != UbNetDevice::CREDIT ||
                    dev->IsLinkDown() || peer->IsLinkDown() || !dev->ReadCreditBooks(v, b) ||
                    !dev->ReadCreditBooks(UB_MAX_VLS, pool))
                {
                    continue; // not a credit wait this analysis can follow
                }
                const uint32_t head = dev->GetCells(sw->PeekHeadBytes(p, v));
                if (b.credits + pool.credits >= static_cast<int64_t>(head))
                {
                    continue; // it can start (the run was stopped, not stuck)
                }
                Blocked& k = blocked[c];
                k.packets = packets;
                k.buffer = Chan{peer->GetNode()->GetId(), peer->GetPortIndex(), v};
                k.used = b.used;
                k.poolUsed = pool.used;
                k.relief = b.incoming + pool.incoming + b.unreturned + pool.unreturned > 0 ||
                           b.spent != b.charged || pool.spent != pool.charged;
                std::ostringstream line;
                line << Name(c) << " -> node " << k.buffer.node << " port " << k.buffer.port << ": "
                     << packets << " packet(s) waiting, the head needs " << head
                     << " cells, credits " << b.credits << " of " << b.initial;
                if (pool.initial > 0)
                {
                    line << " (shared pool " << pool.credits << " of " << pool.initial << ")";
                }
                k.line = line.str();
            }
        }
    }
    // What holds each blocked channel's downstream buffer; cells there that no queued packet
    // holds are on their way out (a packet on a wire or being delivered): relief.
    for (auto& [c, k] : blocked)
    {
        const Holders& h = held[k.buffer];
        const Holders& hp = held[Chan{k.buffer.node, k.buffer.port, UB_MAX_VLS}];
        k.deps = h.chans;
        if (k.used > h.cells || k.poolUsed > hp.cells)
        {
            k.relief = true;
        }
    }
    // Stuck: blocked, no relief, and everything holding its buffer is stuck too. Remove what can
    // move until nothing changes; what is left cannot move.
    std::set<Chan> stuck;
    for (const auto& [c, k] : blocked)
    {
        if (!k.relief)
        {
            stuck.insert(c);
        }
    }
    bool changed = true;
    while (changed)
    {
        changed = false;
        for (auto it = stuck.begin(); it != stuck.end();)
        {
            const Blocked& k = blocked[*it];
            bool moves = std::any_of(k.deps.begin(), k.deps.end(), [&](const Chan& d) {
                return stuck.count(d) == 0;
            });
            if (moves)
            {
                it = stuck.erase(it);
                changed = true;
            }
            else
            {
                ++it;
            }
        }
    }
    if (stuck.empty())
    {
        return "";
    }
    if (stuckChannels)
    {
        *stuckChannels = static_cast<uint32_t>(stuck.size());
    }
    uint64_t packets = 0;
    for (const Chan& c : stuck)
    {
        packets += blocked[c].packets;
    }
    std::ostringstream os;
    os << "UB deadlock: " << stuck.size() << " channel(s) wait, with " << packets
       << " packet(s), for credits that nothing can bring back:\n";
    uint32_t shown = 0;
    for (const Chan& c : stuck)
    {
        if (shown++ == 20)
        {
            os << "  ...\n";
            break;
        }
        os << "  " << blocked[c].line << "\n";
    }
    // A cycle of waits: from the first stuck channel with a dependency, follow the smallest one.
    for (const Chan& start : stuck)
    {
        if (blocked[start].deps.empty())
        {
            continue;
        }
        std::vector<Chan> path;
        Chan c = start;
        while (std::find(path.begin(), path.end(), c) == path.end() && !blocked[c].deps.empty())
        {
            path.push_back(c);
            c = *blocked[c].deps.begin(); // every dependency of a stuck channel is stuck
        }
        if (std::find(path.begin(), path.end(), c) == path.end())
        {
            continue; // the chain ends at a buffer no packet holds
        }
        os << "Cycle of waits: ";
        for (auto it = std::find(path.begin(), path.end(), c); it != path.end(); ++it)
        {
            os << Name(*it) << " -> ";
        }
        os << Name(c) << "\n";
        break;
    }
    for (const Chan& c : stuck)
    {
        if (blocked[c].deps.empty())
        {
            os << "No packet holds the buffer " << Name(c)
               << " waits for: its credits were lost.\n";
            break;
        }
    }
    return os.str();
}

} // namespace ns3
