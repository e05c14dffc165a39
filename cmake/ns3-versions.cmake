# The differences between the installed ns-3 releases the standalone build supports, in one place
# (the C++ side of them is contrib/unifiedbus/model/ub-compat.h).
#
#   Debian's ns-3 3.37 (the default): targets ns3::libcore, ns3::libnetwork, ...; C++17.
#   PyPI's ns3 3.44 wheel (./ubsim setup --python=wheel): targets ns3::core, ns3::network, ...;
#     C++20; its CMake files list include folders of the machine it was built on (/usr/include/gtk-3.0,
#     /opt/python/...), which CMake refuses when they do not exist here.

set(UB_NS3_VERSION "${ns3_VERSION}")
if(NOT UB_NS3_VERSION)
  set(UB_NS3_VERSION 3.37)
endif()

# The release, for UbNs3Version() and ub-compat.h: the wheel has no ns3/version-defines.h, and the
# compiler would find Debian's (3.37) in /usr/include instead.
string(REPLACE "." ";" _ub_v "${UB_NS3_VERSION}")
list(GET _ub_v 0 _ub_major)
list(GET _ub_v 1 _ub_minor)
add_compile_definitions(UB_NS3_VERSION_MAJOR=${_ub_major} UB_NS3_VERSION_MINOR=${_ub_minor})

# ns-3 moved to C++20 in release 3.40 (its headers use C++20 from then on).
if(UB_NS3_VERSION VERSION_GREATER_EQUAL 3.40)
  set(CMAKE_CXX_STANDARD 20)
else()
  set(CMAKE_CXX_STANDARD 17)
endif()
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)

# Keep only the include folders and library files of the imported ns-3 targets that exist on
# this machine (the wheel's libraries find their own copies of GSL and libxml2 through their
# RPATH; nothing here links those directly).
foreach(_mod core network stats applications point-to-point internet traffic-control bridge csma mpi
        flow-monitor mobility)
  foreach(_t ns3::lib${_mod} ns3::${_mod})
    if(TARGET ${_t})
      foreach(_prop INTERFACE_INCLUDE_DIRECTORIES INTERFACE_LINK_LIBRARIES)
        get_target_property(_items ${_t} ${_prop})
        if(_items)
          set(_keep)
          foreach(_i ${_items})
            if(IS_ABSOLUTE "${_i}" AND NOT EXISTS "${_i}")
              continue()
            endif()
            # An ns-3 outside /usr (the wheel) must not pull /usr/include's ns-3 headers (Debian's)
            # in ahead of the compiler's own search order.
            if(_prop STREQUAL INTERFACE_INCLUDE_DIRECTORIES AND NOT "${ns3_DIR}" MATCHES "^/usr/"
               AND "${_i}" MATCHES "^/usr/(local/)?include/?$|^/usr/local/?$")
              continue()
            endif()
            list(APPEND _keep "${_i}")
          endforeach()
          set_target_properties(${_t} PROPERTIES ${_prop} "${_keep}")
        endif()
      endforeach()
    endif()
  endforeach()
endforeach()
message(STATUS "ns3-unifiedbus: ns-3 ${UB_NS3_VERSION} from ${ns3_DIR}, C++${CMAKE_CXX_STANDARD}")
