/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * UbController, part 2 of 2: the target side. Requests arrive, wait for their order (NO, RO,
 * SO), execute against the target's memory and notify, and respond after TargetLatency. Part 1
 * (ub-controller.cc) holds the configuration, the initiator side and the completions.
 */
#include "ub-controller.h"
#include "ub-transaction-header.h"
#include "ub-transport-header.h"

#include "ns3/log.h"
#include "ns3/simulator.h"

#include <algorithm>
#include <cstring>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbControllerTarget");

namespace
{
using TH = UbTransactionHeader;
} // namespace

void
UbController::OnRequest(uint32_t src,
                        Ptr<Packet> packet,
                        uint32_t dataBytes,
                        const UbTpFields& th,
                        uint8_t flags)
{
    const uint8_t opcode = th.taOpcode;
    const uint64_t address = th.memHeader ? th.word : 0;
    // Requests come in runs from one initiator: remember the last one (sources are never
    // erased while the controller runs, and the map's nodes do not move).
    if (!m_lastSource || m_lastSourceCna != src)
    {
        m_lastSource = &m_sources[src];
        m_lastSourceCna = src;
    }
    Source& s = *m_lastSource;
    uint32_t seq = TH::UnwrapTassn(s.lowest, th.tassn);
    if (static_cast<int32_t>(seq - s.lowest) < 0)
    {
        ++m_duplicateRequests; // a transaction that already executed (cannot happen with RTP)
        return;
    }
    TargetTxn& t = s.txns[seq];
    if (t.complete)
    {
        ++m_duplicateRequests; // all of it had arrived (cannot happen with RTP)
    }
    if (t.received == 0 && !t.complete)
    {
        t.taOpcode = opcode;
        t.order = th.order;
        t.flags = flags;
        t.length = th.length;
        t.address = address - th.offset;
    }
    if (opcode == TH::ATOMIC_CAS || opcode == TH::ATOMIC_FADD)
    {
        uint8_t buf[16] = {};
        packet->CopyData(buf, std::min<uint32_t>(dataBytes, 16));
        std::memcpy(t.operand, buf, sizeof(buf));
        t.complete = true;
    }
    else if (opcode == TH::READ)
    {
        t.complete = true;
    }
    else
    {
        t.received += dataBytes;
        t.complete = t.received >= t.length;
    }
    if (t.complete)
    {
        TryExecute(src, s);
    }
}

void
UbController::TryExecute(uint32_t src, Source& s)
{
    uint32_t expect = s.lowest;
    bool gap = false;
    bool pendingSo = false;
    bool pendingAny = false;
    for (auto& [seq, t] : s.txns)
    {
        if (seq != expect)
        {
            gap = true; // an earlier transaction has not shown up yet
        }
        expect = seq + 1;
        if (t.complete && !t.executed)
        {
            auto o = static_cast<UbOrder>(t.order);
            bool can = o == UbOrder::NO || (o == UbOrder::RO && !gap && !pendingSo) ||
                       (o == UbOrder::SO && !gap && !pendingAny);
            if (can)
            {
                Execute(src, seq, t);
            }
        }
        if (!t.executed)
        {
            pendingAny = true;
            pendingSo = pendingSo || static_cast<UbOrder>(t.order) == UbOrder::SO;
        }
    }
    while (!s.txns.empty() && s.txns.begin()->first == s.lowest && s.txns.begin()->second.executed)
    {
        s.txns.erase(s.txns.begin());
        ++s.lowest;
    }
}

void
UbController::Execute(uint32_t src, uint32_t seq, TargetTxn& t)
{
    t.executed = true;
    ++m_executed;
    m_executeTrace(src,
                   static_cast<uint16_t>(seq),
                   TH::OpOf(t.taOpcode),
                   static_cast<UbOrder>(t.order));
    uint64_t result = 0;
    uint8_t response = TH::TAACK;
    uint32_t length = 0;
    switch (t.taOpcode)
    {
    case TH::READ:
        response = TH::READ_RESPONSE;
        length = t.length;
        break;
    case TH::ATOMIC_CAS: {
        uint64_t& v = m_atomicMemory[t.address];
        result = v;
        if (v == t.operand[0])
        {
            v = t.operand[1];
        }
        response = TH::ATOMIC_RESPONSE;
        break;
    }
    case TH::ATOMIC_FADD: {
        uint64_t& v = m_atomicMemory[t.address];
        result = v;
        v += t.operand[0];
        response = TH::ATOMIC_RESPONSE;
        break;
    }
    case TH::SEND:
    case TH::WRITE_NOTIFY:
        if (!m_notify.IsNull())
        {
            m_notify(src, TH::OpOf(t.taOpcode), t.length, t.address);
        }
        break;
    default:
        break;
    }
    auto tassn = static_cast<uint16_t>(seq);
    const Time serve = IsRemote(src) && !m_remoteTargetLatency.IsNegative() ? m_remoteTargetLatency
                                                                            : m_targetLatency;
    if (serve.IsZero())
    {
        Respond(src, response, tassn, length, result, t.flags);
    }
    else
    {
        Simulator::Schedule(serve,
                            &UbController::Respond,
                            this,
                            src,
                            response,
                            tassn,
                            length,
                            result,
                            t.flags);
    }
}

void
UbController::Respond(uint32_t src,
                      uint8_t opcode,
                      uint16_t tassn,
                      uint32_t length,
                      uint64_t result,
                      uint8_t flags)
{
    UbTpMessage m;
    m.taOpcode = opcode;
    m.flags = flags;
    m.tassn = tassn;
    m.lengthField = length;
    if (opcode == TH::READ_RESPONSE)
    {
        m.dataBytes = length;
    }
    else if (opcode == TH::ATOMIC_RESPONSE)
    {
        m.operandBytes = 8;
        m.operand[0] = result;
    }
    m_transport->Send(src, m);
}

uint64_t
UbController::GetAtomicValue(uint64_t address) const
{
    auto it = m_atomicMemory.find(address);
    return it == m_atomicMemory.end() ? 0 : it->second;
}

uint64_t
UbController::GetDuplicateRequests() const
{
    return m_duplicateRequests;
}

uint64_t
UbController::GetExecuted() const
{
    return m_executed;
}

} // namespace ns3
