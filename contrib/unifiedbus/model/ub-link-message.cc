/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-link-message.h"

#include "ub-transaction-header.h"
#include "ub-transaction.h"

#include <cstring>

namespace ns3
{

namespace
{
constexpr uint32_t MAGIC = 0x55424c4d; // "UBLM"

/// FNV-1a over a packet's serialized bytes: ns-3's Packet constructor trusts the sizes inside
/// them (garbage crashes it: found by ./ubsim fuzz link-message), so only bytes that match the
/// check their sender wrote reach it.
uint64_t
PacketCheck(const std::vector<uint8_t>& p)
{
    uint64_t h = 1469598103934665603ull;
    for (uint8_t b : p)
    {
        h = (h ^ b) * 1099511628211ull;
    }
    return h;
}

/// Appends fixed-width little-endian fields.
class Writer
{
  public:
    template <typename T>
    void Put(T v)
    {
        uint8_t b[sizeof(T)];
        std::memcpy(b, &v, sizeof(T));
        m_out.insert(m_out.end(), b, b + sizeof(T));
    }

    void PutBytes(const std::vector<uint8_t>& v)
    {
        Put<uint32_t>(static_cast<uint32_t>(v.size()));
        m_out.insert(m_out.end(), v.begin(), v.end());
    }

    std::vector<uint8_t> m_out;
};

/// Reads what Writer wrote, refusing to read past the end.
class Reader
{
  public:
    explicit Reader(const std::vector<uint8_t>& in)
        : m_in(in)
    {
    }

    template <typename T>
    bool Get(T& v)
    {
        if (m_pos + sizeof(T) > m_in.size())
        {
            return false;
        }
        std::memcpy(&v, m_in.data() + m_pos, sizeof(T));
        m_pos += sizeof(T);
        return true;
    }

    bool GetBytes(std::vector<uint8_t>& v)
    {
        uint32_t n = 0;
        if (!Get(n) || m_pos + n > m_in.size())
        {
            return false;
        }
        v.assign(m_in.begin() + static_cast<std::ptrdiff_t>(m_pos),
                 m_in.begin() + static_cast<std::ptrdiff_t>(m_pos + n));
        m_pos += n;
        return true;
    }

    bool AtEnd() const
    {
        return m_pos == m_in.size();
    }

  private:
    const std::vector<uint8_t>& m_in;
    std::size_t m_pos{0};
};

void
PutInfo(Writer& w, const UbPacketInfo& i)
{
    w.Put(i.src);
    w.Put(i.dst);
    w.Put(i.flowHash);
    w.Put(i.reservedCells);
    w.Put(i.sharedCells);
    w.Put(i.sl);
    w.Put(i.vl);
    w.Put(i.nlp);
    w.Put(i.cc);
    w.Put(i.lbf);
    w.Put(i.hint);
    w.Put(i.flags);
    w.Put(i.tp.word);
    w.Put(i.tp.psn);
    w.Put(i.tp.offset);
    w.Put(i.tp.length);
    w.Put(i.tp.tassn);
    w.Put(i.tp.hint);
    w.Put(i.tp.opcode);
    w.Put(i.tp.flags);
    w.Put(i.tp.tpn);
    w.Put(i.tp.taOpcode);
    w.Put(i.tp.order);
    w.Put(i.tp.memHeader);
}

bool
GetInfo(Reader& r, UbPacketInfo& i)
{
    return r.Get(i.src) && r.Get(i.dst) && r.Get(i.flowHash) && r.Get(i.reservedCells) &&
           r.Get(i.sharedCells) && r.Get(i.sl) && r.Get(i.vl) && r.Get(i.nlp) && r.Get(i.cc) &&
           r.Get(i.lbf) && r.Get(i.hint) && r.Get(i.flags) && r.Get(i.tp.word) && r.Get(i.tp.psn) &&
           r.Get(i.tp.offset) && r.Get(i.tp.length) && r.Get(i.tp.tassn) && r.Get(i.tp.hint) &&
           r.Get(i.tp.opcode) && r.Get(i.tp.flags) && r.Get(i.tp.tpn) && r.Get(i.tp.taOpcode) &&
           r.Get(i.tp.order) && r.Get(i.tp.memHeader);
}

/// \return "" if the fields a packet's info holds are in range, else what is not
std::string
CheckInfo(const UbPacketInfo& i)
{
    if (i.vl >= UB_MAX_VLS || i.sl > 15)
    {
        return "packet info: VL " + std::to_string(i.vl) + " or SL " + std::to_string(i.sl) +
               " out of range";
    }
    if (i.tp.taOpcode != 0 && !UbTransactionHeader::IsKnownOpcode(i.tp.taOpcode))
    {
        return "packet info: unknown transaction opcode " + std::to_string(i.tp.taOpcode);
    }
    if (i.tp.order > static_cast<uint8_t>(UbOrder::SO) || i.tp.memHeader > 1)
    {
        return "packet info: unknown order " + std::to_string(i.tp.order) + " or memory flag " +
               std::to_string(i.tp.memHeader);
    }
    return "";
}

void
PutParams(Writer& w, const UbLinkParams& p)
{
    w.Put(p.vlBufferCells);
    w.Put(p.sharedBufferCells);
    w.Put(p.flitSize);
    w.Put(p.flitsPerCell);
    w.Put(p.cna);
    w.Put(p.nodeId);
    w.Put(p.pipelinePs);
    w.Put(p.phyPs);
    w.Put(p.linkPs);
    w.Put(p.retryRequestPs);
    w.Put(p.rateBps);
    w.Put(p.vlCount);
    w.Put(p.flowControl);
    w.Put(static_cast<uint8_t>(p.cutThrough));
}

bool
GetParams(Reader& r, UbLinkParams& p)
{
    uint8_t ct = 0;
    bool ok = r.Get(p.vlBufferCells) && r.Get(p.sharedBufferCells) && r.Get(p.flitSize) &&
              r.Get(p.flitsPerCell) && r.Get(p.cna) && r.Get(p.nodeId) && r.Get(p.pipelinePs) &&
              r.Get(p.phyPs) && r.Get(p.linkPs) && r.Get(p.retryRequestPs) && r.Get(p.rateBps) &&
              r.Get(p.vlCount) && r.Get(p.flowControl) && r.Get(ct);
    p.cutThrough = ct != 0;
    return ok && ct <= 1;
}

bool
CarriesPacket(UbLinkMessage::Kind k)
{
    return k == UbLinkMessage::DATA || k == UbLinkMessage::CORRUPTED ||
           k == UbLinkMessage::CORRUPTED_RETRY;
}
} // namespace

const char*
UbLinkMessage::KindName() const
{
    switch (kind)
    {
    case DATA:
        return "DATA";
    case CORRUPTED:
        return "CORRUPTED";
    case CORRUPTED_RETRY:
        return "CORRUPTED_RETRY";
    case CREDIT:
        return "CREDIT";
    case PAUSE:
        return "PAUSE";
    case RESUME:
        return "RESUME";
    case RETRY_REQUEST:
        return "RETRY_REQUEST";
    case RETRY_ACK:
        return "RETRY_ACK";
    case PARAMS:
        return "PARAMS";
    }
    return "?";
}

std::vector<uint8_t>
UbLinkMessage::Serialize() const
{
    Writer w;
    w.Put(MAGIC);
    w.Put(static_cast<uint8_t>(kind));
    w.Put(vl);
    w.Put(sentPs);
    w.Put(atPs);
    w.Put(tailPs);
    w.Put(reservedCells);
    w.Put(sharedCells);
    if (CarriesPacket(kind))
    {
        std::vector<uint8_t> p(packet->GetSerializedSize());
        packet->Serialize(p.data(), static_cast<uint32_t>(p.size()));
        w.PutBytes(p);
        w.Put(PacketCheck(p));
        PutInfo(w, info);
    }
    if (kind == PARAMS)
    {
        PutParams(w, params);
    }
    return w.m_out;
}

bool
UbLinkMessage::Deserialize(const std::vector<uint8_t>& bytes,
                           UbLinkMessage& out,
                           std::string& error,
                           bool buildPacket)
{
    Reader r(bytes);
    UbLinkMessage m;
    uint32_t magic = 0;
    uint8_t kind = 0;
    if (!r.Get(magic) || magic != MAGIC)
    {
        error = "not a UB link message (bad magic number)";
        return false;
    }
    if (!r.Get(kind) || kind > PARAMS)
    {
        error = "unknown message kind " + std::to_string(kind);
        return false;
    }
    m.kind = static_cast<Kind>(kind);
    if (!r.Get(m.vl) || !r.Get(m.sentPs) || !r.Get(m.atPs) || !r.Get(m.tailPs) ||
        !r.Get(m.reservedCells) || !r.Get(m.sharedCells))
    {
        error = "truncated message header";
        return false;
    }
    if (m.vl >= UB_MAX_VLS)
    {
        error = "VL " + std::to_string(m.vl) + " beyond the 16 VLs";
        return false;
    }
    if (m.atPs < m.sentPs)
    {
        error = "message takes effect before it was sent";
        return false;
    }
    if (CarriesPacket(m.kind))
    {
        std::vector<uint8_t> p;
        uint64_t check = 0;
        if (!r.GetBytes(p) || p.empty() || p.size() % 4 != 0 || !r.Get(check))
        {
            error = "truncated or misaligned packet";
            return false;
        }
        if (check != PacketCheck(p))
        {
            error = "the packet's bytes do not match their check (corrupted on the way)";
            return false;
        }
        if (buildPacket)
        {
            m.packet = Create<Packet>(p.data(), static_cast<uint32_t>(p.size()), true);
        }
        if (!GetInfo(r, m.info))
        {
            error = "truncated packet info";
            return false;
        }
        error = CheckInfo(m.info);
        if (!error.empty())
        {
            return false;
        }
    }
    if (m.kind == PARAMS && !GetParams(r, m.params))
    {
        error = "truncated or malformed link parameters";
        return false;
    }
    if (!r.AtEnd())
    {
        error = "bytes left over after the message";
        return false;
    }
    out = m;
    return true;
}

} // namespace ns3
