/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Invariants checked at the end of every run: credits conserved per link and VL, no lossless
 * violation, every packet delivered or counted lost, every RTP transaction executed once.
 */
#ifndef UB_INVARIANTS_H
#define UB_INVARIANTS_H

#include <cstdint>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief What UbInvariants::Check found.
 */
struct UbInvariantReport
{
    bool ran{false};                     //!< the checks ran (false: UbCheckInvariants=false)
    uint64_t checks{0};                  //!< checks made (one per link direction and VL, ...)
    std::vector<std::string> violations; //!< one line each, naming node, port and VL
    std::vector<std::string> skipped;    //!< what could not be checked here, and why
    std::string deadlock;                //!< UbWatchdog::FindDeadlock at the end ("" if none)
    uint32_t stuckChannels{0};           //!< channels that deadlock holds

    /// \return true if no check failed
    bool Ok() const
    {
        return violations.empty();
    }

    /// \return one line: "passed: N checks", "FAILED: k of N checks", or why they were skipped
    std::string Summary() const;
};

/**
 * \ingroup unifiedbus
 * \brief What the end-of-run checks found over the simulations of a program since the last
 * UbInvariants::TakeTotals (a program may run several: one per collective size, say).
 */
struct UbInvariantTotals
{
    uint32_t simulations{0};   //!< simulations checked at their end
    uint32_t skipped{0};       //!< simulations whose checks were off (UbCheckInvariants=false)
    uint64_t checks{0};        //!< checks made
    uint64_t violations{0};    //!< checks failed
    std::string first;         //!< the first violation
    uint32_t deadlocks{0};     //!< simulations that ended deadlocked
    uint32_t stuckChannels{0}; //!< channels stuck in the first of them
    uint32_t watchdogStops{0}; //!< simulations the watchdog stopped

    /// \return one line: "passed: N checks in S simulation(s)", "FAILED: ...", "skipped ..."
    std::string Summary() const;
};

/**
 * \ingroup unifiedbus
 * \brief The model's invariants, checked over every node of the simulation.
 *
 * - **Credits are conserved** on every link direction and VL, and in the shared pool: the
 *   sender's credits + credits returned and not yet absorbed + cells on the wire (spent by the
 *   sender, not yet charged by the receiver) + cells in the receiver's buffer + cells freed and
 *   not yet returned = the buffer the receiver announced. Exact at any time, not only once the
 *   network has drained.
 * - **No lossless violation** on a port with credit or PFC flow control (UbNetDevice::LosslessViolation=Count
 *   lets a run go on after one; this check still reports it).
 * - **Every packet is delivered or counted lost.** Per node: injected + received = delivered +
 *   sent + queued + in the pipeline + flushed at a failover. Per link direction: sent = received +
 *   dropped (lossy buffer, CRC, link down, lossless violation) + on the wire, never negative.
 * - **Every RTP transaction executes exactly once:** no request packet reaches a target twice,
 *   and over all endpoints, completed <= executed <= completed + failed + outstanding.
 *
 * End(), run once per simulation: by UbResults::Commit (the row records the summary), or else
 * when the first of the model's switches, ports, channels, controllers and transports is
 * disposed (Simulator::Destroy). GlobalValue UbCheckInvariants
 * (default true, in every build: it costs one pass over the ports) turns it off. A violation is
 * a model bug: End() prints every line; at Simulator::Destroy the run aborts. A deadlock found
 * at the end (UbWatchdog::FindDeadlock) is printed and recorded.
 */
class UbInvariants
{
  public:
    /// \return the report of every check, over the nodes of this simulation
    static UbInvariantReport Check();

    /**
     * \brief The end-of-run check: Check() and FindDeadlock once per simulation (later calls
     * return the same report), printed on stderr when something failed or is stuck.
     * \return the report (ran = false if UbCheckInvariants is false)
     */
    static const UbInvariantReport& End();

    /**
     * \brief End() for the current simulation if it has not run, then what every End() found
     * since the last call; the totals start again from zero.
     * \return the totals
     */
    static UbInvariantTotals TakeTotals();

    /// \return the value of GlobalValue UbCheckInvariants
    static bool IsEnabled();

    /// UbNetDevice::DoDispose calls this: End(), and an abort if an invariant failed.
    static void AtDispose();

    /// A test broke an invariant on purpose and checked it: nothing to do at the end.
    static void SkipEnd();

    /// \return true once End() ran (or SkipEnd was called) for the current simulation
    static bool IsEndDone();

    /// A new simulation begins (the constructor of its first UbSwitch calls it).
    static void Reset();
};

} // namespace ns3

#endif /* UB_INVARIANTS_H */
