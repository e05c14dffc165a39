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
#include "ns3/enum.h"
#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"

// The release: from the standalone build's CMake (cmake/ns3-versions.cmake), else from the ns-3
// tree's own version-defines.h (an in-tree build). The PyPI wheel has no version-defines.h.
#if !defined(UB_NS3_VERSION_MAJOR) || !defined(UB_NS3_VERSION_MINOR)
#if __has_include("ns3/version-defines.h")
#include "ns3/version-defines.h"
#define UB_NS3_VERSION_MAJOR NS3_VERSION_MAJOR
#define UB_NS3_VERSION_MINOR NS3_VERSION_MINOR
#else
#define UB_NS3_VERSION_MAJOR 3
#define UB_NS3_VERSION_MINOR 0
#endif
#endif

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace ns3
{

/// ns-3 release the module was compiled against, as "3.37" (compiled into the library, so that
/// code that parses this header elsewhere, such as cppyy, reports the library's release).
std::string UbNs3Version();

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

namespace ub_compat
{
/// True when the argument is a class template (ns-3 made EnumValue one after 3.37).
template <template <typename> class T>
constexpr bool
IsClassTemplate(int)
{
    return true;
}

/// False when the argument is a class.
template <typename T>
constexpr bool
IsClassTemplate(long)
{
    return false;
}

/// Whether EventId has IsPending (ns-3 3.42 renamed IsRunning so, and deprecated the old name).
template <typename T, typename = void>
struct HasIsPending : std::false_type
{
};

/// Specialization for a type with IsPending().
template <typename T>
struct HasIsPending<T, std::void_t<decltype(std::declval<const T&>().IsPending())>> : std::true_type
{
};

/// The enum type of a pointer to an enum data member.
template <typename M>
struct MemberType;

/// Specialization for E C::*.
template <typename C, typename E>
struct MemberType<E C::*>
{
    using type = E; //!< the member's type
};
} // namespace ub_compat

/**
 * \brief MakeEnumAccessor for an enum data member, in any ns-3 release.
 *
 * ns-3 3.37's EnumValue holds an int and MakeEnumAccessor(&C::m) deduces everything; later
 * releases (the 3.44 wheel) made EnumValue a class template and MakeEnumAccessor<E> needs the
 * enum type, which is taken here from the member.
 *
 * \param member pointer to the enum data member
 * \return the accessor
 */
template <typename M>
Ptr<const AttributeAccessor>
UbMakeEnumAccessor(M member)
{
    using E = typename ub_compat::MemberType<M>::type;
    if constexpr (ub_compat::IsClassTemplate<EnumValue>(0))
    {
        return MakeEnumAccessor<E>(member);
    }
    else
    {
        return MakeEnumAccessor(member);
    }
}

/**
 * \brief Whether an event is scheduled and has neither run nor been cancelled, in any release.
 *
 * ns-3 3.37 calls this EventId::IsRunning; 3.42 renamed it IsPending and deprecated the old
 * name (the PyPI wheel 3.44 warns on it).
 *
 * \tparam E EventId (a template parameter so that only the branch the release has is compiled)
 * \param event the event
 * \return true while the event is pending
 */
template <typename E = EventId>
bool
UbIsPending(const E& event)
{
    if constexpr (ub_compat::HasIsPending<E>::value)
    {
        return event.IsPending();
    }
    else
    {
        return event.IsRunning();
    }
}

} // namespace ns3

#endif /* UB_COMPAT_H */
