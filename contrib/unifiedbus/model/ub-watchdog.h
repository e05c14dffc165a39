/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The watchdog: a run that cannot make progress stops with a report instead of hanging or
 * ending silently with its work undone.
 */
#ifndef UB_WATCHDOG_H
#define UB_WATCHDOG_H

#include "ns3/nstime.h"

#include <cstdint>
#include <string>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief Stops a run that cannot make progress and says why.
 *
 * It adds no event of its own, so that a run's event count and end time stay what they were.
 * Two ways a run stops making progress, and how each is caught:
 * - **A deadlock.** Channels (node, output port, VL) wait for credits that nothing can bring back:
 *   every packet holding the downstream buffer waits, in turn, for another such channel, and no
 *   packet, credit or release is on its way. No event is left, so the run ends by itself, with
 *   packets still queued. FindDeadlock proves it from the network's state (at the end of every
 *   run: UbInvariants) and names the stuck channels and the cycle of waits.
 * - **No delivery for a span while work waits** (a transaction retransmitted into a failed
 *   link without failover, say). The model's timers that run while work waits (RTP's
 *   retransmission timer) call Poll; when nothing was delivered anywhere for the span
 *   (GlobalValue UbWatchdogSpan; 0, the default, means 10 ms, or 64 packet times of the slowest
 *   port if longer), the run stops (Simulator::Stop) and the report lists the waiting
 *   transport channels and any deadlock.
 *
 * A program run through UbMain then exits with status 3; UbResults marks its row as failed.
 */
class UbWatchdog
{
  public:
    /**
     * \brief A timer of the model that runs while work waits calls this.
     * \return true if the watchdog stopped the run now (the caller should do nothing more)
     */
    static bool Poll();

    /// \return true if the watchdog stopped the current run (or the last one)
    static bool HasStopped();

    /// \return the report printed when it stopped the run ("" if it did not)
    static const std::string& GetReport();

    /**
     * \brief Look for a deadlock in the network's present state.
     * \param[out] stuckChannels channels found stuck (may be nullptr)
     * \return the report: the stuck channels (node, port, VL, packets waiting, credits) and a
     * cycle of waits if there is one; "" if no channel is stuck
     */
    static std::string FindDeadlock(uint32_t* stuckChannels = nullptr);

    /// \return the span without delivery after which Poll stops the run
    static Time GetSpan();

    /// A new simulation begins (UbSwitch's constructor calls it): forget the last run.
    static void Reset();
};

} // namespace ns3

#endif /* UB_WATCHDOG_H */
