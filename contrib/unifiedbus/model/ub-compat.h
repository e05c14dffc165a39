/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The one place where differences between ns-3 releases are absorbed. The module is developed
 * against Debian's ns-3.37 and must also compile against later releases (the PyPI ns3 wheel is
 * 3.44) and inside an ns-3 source tree's contrib/ folder.
 */
#ifndef UB_COMPAT_H
#define UB_COMPAT_H

#include "ns3/abort.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"

#if __has_include("ns3/version-defines.h")
#include "ns3/version-defines.h"
#endif

#ifndef NS3_VERSION_MAJOR
#define NS3_VERSION_MAJOR 3
#endif
#ifndef NS3_VERSION_MINOR
#define NS3_VERSION_MINOR 0
#endif

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ns3
{

/// ns-3 release the module was compiled against, as "3.37".
inline std::string
UbNs3Version()
{
    return std::to_string(NS3_VERSION_MAJOR) + "." + std::to_string(NS3_VERSION_MINOR);
}

/// Version of ns3-unifiedbus (kept in step with the top-level CMake project version).
inline const char*
UbModuleVersion()
{
    return "0.1.0";
}

/// Time in integer picoseconds (the module's unit of exact arithmetic).
inline int64_t
UbToPs(const Time& t)
{
    return t.GetPicoSeconds();
}

/// Integer picoseconds to Time, exact when the resolution is picoseconds.
inline Time
UbFromPs(int64_t ps)
{
    return PicoSeconds(ps);
}

/**
 * \brief Switch ns-3 to picosecond time resolution, once, before the simulation starts.
 *
 * UB serialization times are exact integers of picoseconds (a 20-byte flit at 448 Gb/s lasts
 * 357 ps), so the module needs Time::PS. ns-3 allows one resolution change, before
 * Simulator::Run; UB objects call this from their constructors. A program that calls
 * Time::SetResolution itself must choose Time::PS.
 */
void UbEnsurePicoseconds();

/**
 * \brief Give string options their whole value, spaces included; call after CommandLine::Parse.
 *
 * ns-3 3.37's CommandLine reads a std::string option with operator>>, which stops at the first
 * space: "--label=Atlas-950-like SuperPoD" gives "Atlas-950-like". For each (name, variable)
 * this sets the variable from the last "--name=value" in argv, all of the value.
 *
 * \param argc the program's argc
 * \param argv the program's argv
 * \param options option names (without "--") and the variables CommandLine::AddValue bound
 */
void UbWholeStringOptions(int argc,
                          char* argv[],
                          const std::vector<std::pair<std::string, std::string*>>& options);

} // namespace ns3

#endif /* UB_COMPAT_H */
