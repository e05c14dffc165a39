/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The libFuzzer driver of one target, chosen at build time (UB_FUZZ_TARGET: topology, preset,
 * link-message or options). ./ubsim fuzz builds and runs it.
 */
#include "ub-fuzz-targets.h"

#include <cstdlib>
#include <iostream>

#ifndef UB_FUZZ_TARGET
#error "define UB_FUZZ_TARGET as the target's name"
#endif

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size)
{
    static const ns3::ubfuzz::Target target = ns3::ubfuzz::Find(UB_FUZZ_TARGET);
    if (target == nullptr)
    {
        std::cerr << "ub-fuzz: no target '" << UB_FUZZ_TARGET << "'" << std::endl;
        std::abort();
    }
    target(data, size);
    return 0;
}
