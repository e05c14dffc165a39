/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-link-error-model.h"

#include <cmath>
#include <sstream>

namespace ns3
{

std::string
UbLinkErrorModel::Check(const std::string& where) const
{
    std::ostringstream os;
    if (packetErrorRate < 0 || packetErrorRate >= 1)
    {
        os << where << ": PacketErrorRate=" << packetErrorRate << " is invalid; use [0, 1)";
    }
    else if (bitErrorRate < 0 || bitErrorRate >= 1)
    {
        os << where << ": BitErrorRate=" << bitErrorRate << " is invalid; use [0, 1)";
    }
    else if (burstLength < 1)
    {
        os << where << ": ErrorBurstLength=" << burstLength
           << " is invalid; use 1 (independent errors) or more";
    }
    return os.str();
}

UbLinkErrorModel::State&
UbLinkErrorModel::GetState()
{
    if (!m_state)
    {
        m_state = std::make_unique<State>();
    }
    return *m_state;
}

void
UbLinkErrorModel::Init()
{
    m_on = packetErrorRate > 0 || bitErrorRate > 0;
    if (m_on && !GetState().rng)
    {
        m_state->rng = CreateObject<UniformRandomVariable>();
    }
}

bool
UbLinkErrorModel::Draw(uint32_t wireBytes)
{
    double p = packetErrorRate;
    if (bitErrorRate > 0)
    {
        p = 1.0 - (1.0 - p) * std::pow(1.0 - bitErrorRate, 8.0 * wireBytes);
    }
    State& st = *m_state;
    if (st.inBurst)
    {
        // Gilbert-style bursts: after an error, each next packet errs with 1 - 1/BurstLength.
        p = std::max(p, 1.0 - 1.0 / burstLength);
    }
    bool error = st.rng->GetValue() < p;
    st.inBurst = error && burstLength > 1.0;
    return error;
}

int64_t
UbLinkErrorModel::AssignStreams(int64_t stream)
{
    State& st = GetState();
    if (!st.rng)
    {
        st.rng = CreateObject<UniformRandomVariable>();
    }
    st.rng->SetStream(stream);
    return 1;
}

UbLinkErrorModel::Replay&
UbLinkErrorModel::StartReplay()
{
    State& st = GetState();
    st.replay = std::make_unique<Replay>();
    return *st.replay;
}

void
UbLinkErrorModel::EndReplay()
{
    if (m_state)
    {
        m_state->replay.reset();
    }
}

} // namespace ns3
