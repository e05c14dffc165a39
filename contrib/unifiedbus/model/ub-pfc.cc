/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-pfc.h"

#include "ub-compat.h"
#include "ub-scheduler.h"

#include "ns3/simulator.h"

#include <algorithm>

namespace ns3
{

void
UbPfc::Init(uint8_t nVl, uint32_t xoffCells, uint32_t xonCells, Callback<void> check)
{
    m_xoff = xoffCells;
    m_xon = xonCells;
    m_pausedPeer.assign(nVl, false);
    m_check = check;
}

void
UbPfc::Dispose()
{
    m_checkEvent.Cancel();
    m_check = Callback<void>();
}

void
UbPfc::Send(int64_t atPs, uint8_t vl, bool pause, Host& host)
{
    m_pausedPeer[vl] = pause;
    pause ? ++m_pauseSent : ++m_resumeSent;
    host.SendPfcFrame(atPs, vl, pause);
}

void
UbPfc::OnCharged(int64_t nowPs, uint8_t vl, const UbCreditReceiver& buffer, Host& host)
{
    if (!m_pausedPeer[vl] && buffer.GetUsed(vl) >= m_xoff)
    {
        Send(nowPs, vl, true, host);
        ScheduleCheck(vl, buffer); // releases already known may bring it down to XON
    }
}

void
UbPfc::OnFreed(int64_t atPs, uint8_t vl, uint32_t used, Host& host)
{
    if (m_pausedPeer[vl] && used <= m_xon)
    {
        Send(atPs, vl, false, host);
    }
}

void
UbPfc::OnReleaseScheduled(uint8_t vl, const UbCreditReceiver& buffer)
{
    if (m_pausedPeer[vl])
    {
        ScheduleCheck(vl, buffer);
    }
}

void
UbPfc::RecheckPaused(const UbCreditReceiver& buffer)
{
    for (uint8_t v = 0; v < m_pausedPeer.size(); ++v)
    {
        if (m_pausedPeer[v])
        {
            ScheduleCheck(v, buffer);
        }
    }
}

void
UbPfc::ScheduleCheck(uint8_t vl, const UbCreditReceiver& buffer)
{
    // When will the VL's occupancy fall to XON, given the releases already known?
    int64_t when = buffer.TimeUsedFallsTo(vl, m_xon);
    if (when == UB_NEVER_PS)
    {
        return;
    }
    int64_t now = UbScheduler::Now().GetPicoSeconds();
    when = std::max(when, now);
    if (UbIsPending(m_checkEvent) && m_checkEvent.GetTs() <= static_cast<uint64_t>(when))
    {
        return;
    }
    m_checkEvent.Cancel();
    m_checkEvent = Simulator::Schedule(PicoSeconds(when - now), &UbPfc::RunCheck, this);
}

void
UbPfc::RunCheck()
{
    m_check();
}

void
UbPfc::Received(uint8_t vl, int64_t atPs, bool pause)
{
    if (m_windows.empty())
    {
        m_windows.resize(m_pausedPeer.size());
    }
    auto& w = m_windows[vl];
    if (pause)
    {
        ++m_pauseReceived;
        w.emplace_back(atPs, UB_NEVER_PS);
        return;
    }
    if (!w.empty() && w.back().second == UB_NEVER_PS)
    {
        w.back().second = atPs;
    }
}

bool
UbPfc::PausedAt(uint8_t vl, int64_t atPs, int64_t nowPs)
{
    if (m_windows.empty())
    {
        return false;
    }
    auto& w = m_windows[vl];
    while (!w.empty() && w.front().second <= nowPs)
    {
        w.erase(w.begin()); // windows that ended; at most a few are kept
    }
    for (const auto& [from, to] : w)
    {
        if (from <= atPs && atPs < to)
        {
            return true;
        }
    }
    return false;
}

int64_t
UbPfc::ResumePs(uint8_t vl, int64_t atPs) const
{
    int64_t t = atPs;
    if (m_windows.empty())
    {
        return t;
    }
    for (const auto& [from, to] : m_windows[vl])
    {
        if (from <= t && t < to)
        {
            t = to; // windows are in time order; a later one may start right after
        }
    }
    return t;
}

} // namespace ns3
