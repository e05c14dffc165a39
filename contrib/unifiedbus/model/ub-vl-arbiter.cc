/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-vl-arbiter.h"

#include "ns3/abort.h"

namespace ns3
{

uint8_t
UbStrictPriorityArbiter::Select(const UbVlArbiterInput& in, UbVlArbiterState& st) const
{
    // Highest set bit of the eligible mask.
    return static_cast<uint8_t>(31 - __builtin_clz(in.eligible));
}

const UbStrictPriorityArbiter*
UbStrictPriorityArbiter::Get()
{
    static const UbStrictPriorityArbiter instance;
    return &instance;
}

uint8_t
UbDwrrArbiter::Select(const UbVlArbiterInput& in, UbVlArbiterState& st) const
{
    // Each visit to an eligible VL adds one quantum; the number of visits needed is bounded by
    // the largest head packet over the smallest quantum, so the loop always ends.
    for (uint32_t guard = 0; guard < 1u << 20; ++guard)
    {
        uint8_t c = st.current;
        uint32_t bit = 1u << c;
        if ((in.eligible & bit) == 0)
        {
            if ((in.waiting & bit) == 0)
            {
                st.deficit[c] = 0; // an empty VL forfeits its deficit
            }
            st.current = static_cast<uint8_t>((c + 1) % in.nVl);
            st.fresh = false;
            continue;
        }
        if (!st.fresh)
        {
            st.deficit[c] += st.quantum[c];
            st.fresh = true;
        }
        if (st.deficit[c] >= static_cast<int64_t>(in.headBytes[c]))
        {
            st.deficit[c] -= in.headBytes[c];
            return c;
        }
        st.current = static_cast<uint8_t>((c + 1) % in.nVl);
        st.fresh = false;
    }
    NS_FATAL_ERROR("UbDwrrArbiter: no VL selected; a DWRR quantum is zero");
}

const UbDwrrArbiter*
UbDwrrArbiter::Get()
{
    static const UbDwrrArbiter instance;
    return &instance;
}

} // namespace ns3
