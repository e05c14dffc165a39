/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-compat.h"

#include <csignal>
#include <cstring>
#include <unistd.h>

namespace ns3
{

std::string
UbNs3Version()
{
    return std::to_string(UB_NS3_VERSION_MAJOR) + "." + std::to_string(UB_NS3_VERSION_MINOR);
}

namespace
{
const char g_resolutionHelp[] =
    "ns3-unifiedbus: cannot switch ns-3 to picosecond time resolution: the program already set "
    "another resolution (or ran a simulation) before creating UB objects. ns-3 allows one "
    "Time::SetResolution call per process; make it Time::SetResolution(Time::PS), or remove it.\n";

extern "C" void
UbResolutionCrash(int)
{
    // ns-3's release build dereferences its (already freed) registry of marked times here.
    ssize_t ignored = write(STDERR_FILENO, g_resolutionHelp, sizeof(g_resolutionHelp) - 1);
    (void)ignored;
    _exit(1);
}
} // namespace

void
UbEnsurePicoseconds()
{
    if (Time::GetResolution() == Time::PS)
    {
        return;
    }
    NS_ABORT_MSG_IF(Simulator::Now().IsStrictlyPositive() || Simulator::GetEventCount() > 0,
                    "ns3-unifiedbus needs picosecond time resolution but the simulation has "
                    "already started; create UB objects (or call Time::SetResolution(Time::PS)) "
                    "before Simulator::Run");
    // ns-3 can change the resolution only once; a second change crashes inside ns-3 without a
    // word. Catch that crash long enough to say why.
    struct sigaction guard;
    struct sigaction previous;
    std::memset(&guard, 0, sizeof(guard));
    guard.sa_handler = UbResolutionCrash;
    sigaction(SIGSEGV, &guard, &previous);
    Time::SetResolution(Time::PS);
    sigaction(SIGSEGV, &previous, nullptr);
}

void
UbWholeStringOptions(int argc,
                     char* argv[],
                     const std::vector<std::pair<std::string, std::string*>>& options)
{
    for (int i = 1; i < argc; ++i)
    {
        const std::string arg = argv[i];
        for (const auto& [name, value] : options)
        {
            const std::string prefix = "--" + name + "=";
            if (arg.compare(0, prefix.size(), prefix) == 0)
            {
                *value = arg.substr(prefix.size());
            }
        }
    }
}

} // namespace ns3
