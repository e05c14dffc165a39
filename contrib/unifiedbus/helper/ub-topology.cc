/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-topology.h"

#include "ub-topology-routing.h"

#include "ns3/abort.h"
#include "ns3/ub-error.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

namespace ns3
{

namespace
{

/// Bounds on a link's values in a topology file. A lane faster than 10 Tb/s sends a 20-B flit in
/// under 16 ps, where whole picoseconds lose the rate; one slower than 1 Mb/s makes a 4 GiB
/// transfer outlast ns-3's 64-bit picosecond clock. A cable of 100 km (about 0.5 ms) or a delay
/// of 1 s is beyond any fabric these systems build; larger values are typing mistakes.
constexpr uint64_t MIN_LANE_BPS = 1000000;
constexpr uint64_t MAX_LANE_BPS = 10000000000000;
constexpr double MAX_LENGTH_M = 100000;
constexpr int64_t MAX_DELAY_PS = 1000000000000;

/// Parse "<number><unit>" with unit among `units` (scale factors); false if malformed.
bool
ParseScaled(const std::string& text,
            const std::vector<std::pair<std::string, double>>& units,
            double& out)
{
    const char* s = text.c_str();
    char* end = nullptr;
    double v = std::strtod(s, &end);
    if (end == s || !std::isfinite(v) || v < 0)
    {
        return false;
    }
    std::string unit(end);
    for (const auto& [name, scale] : units)
    {
        if (unit == name)
        {
            out = v * scale;
            return true;
        }
    }
    return false;
}

bool
ParseRate(const std::string& text, uint64_t& bps)
{
    double v = 0;
    if (!ParseScaled(text,
                     {{"bps", 1.0},
                      {"Kbps", 1e3},
                      {"Mbps", 1e6},
                      {"Gbps", 1e9},
                      {"Tbps", 1e12},
                      {"kbps", 1e3}},
                     v) ||
        v < 1 || v > 1e18)
    {
        return false;
    }
    bps = static_cast<uint64_t>(std::llround(v));
    return true;
}

bool
ParseTimePs(const std::string& text, int64_t& ps)
{
    double v = 0;
    if (!ParseScaled(text, {{"ps", 1.0}, {"ns", 1e3}, {"us", 1e6}, {"ms", 1e9}, {"s", 1e12}}, v))
    {
        return false;
    }
    if (v > 1e18)
    {
        return false; // beyond any bound, and beyond llround's range
    }
    ps = static_cast<int64_t>(std::llround(v));
    return true;
}

bool
ParseUnsigned(const std::string& text, uint64_t max, uint64_t& out)
{
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
        text.size() > 12)
    {
        return false;
    }
    out = std::stoull(text);
    return out <= max;
}

bool
ParseKind(const std::string& text, UbTopology::Kind& kind)
{
    static const std::pair<const char*, UbTopology::Kind> kinds[] = {
        {"npu", UbTopology::NPU},
        {"gpu", UbTopology::GPU},
        {"cpu", UbTopology::CPU},
        {"endpoint", UbTopology::ENDPOINT},
        {"switch", UbTopology::SWITCH},
    };
    for (const auto& [name, k] : kinds)
    {
        if (text == name)
        {
            kind = k;
            return true;
        }
    }
    return false;
}

std::string
FormatRate(uint64_t bps)
{
    std::ostringstream os;
    if (bps % 1000000000ULL == 0)
    {
        os << bps / 1000000000ULL << "Gbps";
    }
    else if (bps % 1000000ULL == 0)
    {
        os << bps / 1000000ULL << "Mbps";
    }
    else
    {
        os << bps << "bps";
    }
    return os.str();
}

} // namespace

UbTopology::UbTopology(std::string name)
    : m_name(std::move(name))
{
}

const char*
UbTopology::KindName(Kind kind)
{
    switch (kind)
    {
    case NPU:
        return "npu";
    case GPU:
        return "gpu";
    case CPU:
        return "cpu";
    case ENDPOINT:
        return "endpoint";
    case SWITCH:
        return "switch";
    }
    return "?";
}

UbTopology
UbTopology::Load(const std::string& path)
{
    std::ifstream in(path);
    UB_INPUT_ERROR_IF(!in,
                      "topology file '" << path
                                        << "' cannot be read: check the path (see doc/topology.md "
                                           "for the format)");
    return Parse(in, path);
}

UbTopology
UbTopology::Parse(std::istream& in, const std::string& source, uint64_t maxNodes)
{
    UbTopology t(source);
    std::string raw;
    int lineNo = 0;
    auto fail = [&](const std::string& what) {
        UB_INPUT_ERROR("topology file '" << source << "' line " << lineNo << ": " << what);
    };
    while (std::getline(in, raw))
    {
        ++lineNo;
        std::string line = raw.substr(0, raw.find('#'));
        std::istringstream ls(line);
        std::vector<std::string> w;
        for (std::string tok; ls >> tok;)
        {
            w.push_back(tok);
        }
        if (w.empty())
        {
            continue;
        }
        const std::string& cmd = w[0];
        if (cmd == "topology")
        {
            if (w.size() != 2)
            {
                fail("'topology' takes one name, as in 'topology my-pod'");
            }
            t.m_name = w[1];
        }
        else if (cmd == "vlpolicy")
        {
            UbTopologyRouting::VlPolicy policy;
            if (w.size() != 2 || !UbTopologyRouting::VlPolicyFromName(w[1], policy))
            {
                fail("'vlpolicy' takes from-sl or final-hop-vl1, as in 'vlpolicy final-hop-vl1'");
            }
            t.m_vlPolicy = UbTopologyRouting::VlPolicyName(policy);
        }
        else if (cmd == "node" || cmd == "nodes")
        {
            bool many = (cmd == "nodes");
            std::size_t need = many ? 4 : 3;
            if (w.size() < need || w.size() > need + 1 ||
                (w.size() == need + 1 && w[need] != "forward"))
            {
                fail(many ? "write 'nodes <prefix> <count> <kind> [forward]'"
                          : "write 'node <name> <kind> [forward]'");
            }
            Kind kind;
            if (!ParseKind(w[need - 1], kind))
            {
                fail("unknown node kind '" + w[need - 1] +
                     "'; use npu, gpu, cpu, endpoint or switch");
            }
            bool fwd = (w.size() == need + 1);
            if (fwd && kind == SWITCH)
            {
                fail("'forward' is for endpoints; switches always forward");
            }
            uint64_t count = 1;
            if (many && (!ParseUnsigned(w[2], maxNodes, count) || count == 0))
            {
                fail("node count '" + w[2] + "' is not a whole number from 1 to " +
                     std::to_string(maxNodes));
            }
            if (t.GetNNodes() + count > maxNodes)
            {
                fail("more than " + std::to_string(maxNodes) + " nodes in all");
            }
            for (uint64_t i = 0; i < count; ++i)
            {
                std::string name = many ? w[1] + std::to_string(i) : w[1];
                if (t.FindNode(name) != UINT32_MAX)
                {
                    fail("node '" + name + "' is declared twice; give each node its own name");
                }
                t.AddNode(name, kind, fwd);
            }
        }
        else if (cmd == "link")
        {
            if (w.size() < 3)
            {
                fail("write 'link <a> <b> [lanes=N] [rate=112Gbps] [length=M] [delay=T] "
                     "[tier=N] [count=N]'");
            }
            uint32_t a = t.FindNode(w[1]);
            uint32_t b = t.FindNode(w[2]);
            for (const auto* n : {&w[1], &w[2]})
            {
                if (t.FindNode(*n) == UINT32_MAX)
                {
                    fail("unknown node '" + *n + "'; declare it with 'node " + *n +
                         " <kind>' before linking it");
                }
            }
            if (a == b)
            {
                fail("node '" + w[1] + "' is linked to itself; a link joins two nodes");
            }
            Link l;
            l.a = a;
            l.b = b;
            uint64_t count = 1;
            for (std::size_t i = 3; i < w.size(); ++i)
            {
                auto eq = w[i].find('=');
                if (eq == std::string::npos)
                {
                    fail("link option '" + w[i] + "' is not key=value");
                }
                std::string key = w[i].substr(0, eq);
                std::string val = w[i].substr(eq + 1);
                uint64_t u = 0;
                if (key == "lanes")
                {
                    if (!ParseUnsigned(val, 8, u) || (u != 1 && u != 2 && u != 4 && u != 8))
                    {
                        fail("lanes='" + val +
                             "' must be 1, 2, 4 or 8 (a UB port's lanes; count=N links the "
                             "nodes with N ports)");
                    }
                    l.lanes = static_cast<uint16_t>(u);
                }
                else if (key == "rate")
                {
                    if (!ParseRate(val, l.laneRateBps) || l.laneRateBps < MIN_LANE_BPS ||
                        l.laneRateBps > MAX_LANE_BPS)
                    {
                        fail("rate='" + val +
                             "' is not a lane rate from 1Mbps to 10Tbps, such as 112Gbps");
                    }
                }
                else if (key == "length")
                {
                    double m = 0;
                    if (!ParseScaled(val, {{"", 1.0}, {"m", 1.0}}, m) || m > MAX_LENGTH_M)
                    {
                        fail("length='" + val +
                             "' is not a length in metres from 0 to 100000, such as 2.5");
                    }
                    l.lengthM = m;
                }
                else if (key == "delay")
                {
                    if (!ParseTimePs(val, l.delayPs) || l.delayPs > MAX_DELAY_PS)
                    {
                        fail("delay='" + val + "' is not a time from 0 to 1s, such as 5ns");
                    }
                }
                else if (key == "tier")
                {
                    if (!ParseUnsigned(val, 255, u))
                    {
                        fail("tier='" + val + "' must be a whole number from 0 to 255");
                    }
                    l.tier = static_cast<uint8_t>(u);
                }
                else if (key == "class")
                {
                    if (!ParseUnsigned(val, 15, u))
                    {
                        fail("class='" + val + "' must be a whole number from 0 to 15");
                    }
                    l.cls = static_cast<uint8_t>(u);
                }
                else if (key == "cost")
                {
                    if (!ParseUnsigned(val, 65535, u) || u == 0)
                    {
                        fail("cost='" + val + "' must be a whole number from 1 to 65535");
                    }
                    l.cost = static_cast<uint16_t>(u);
                }
                else if (key == "count")
                {
                    if (!ParseUnsigned(val, 1024, count) || count == 0)
                    {
                        fail("count='" + val + "' must be a whole number from 1 to 1024");
                    }
                }
                else
                {
                    fail("unknown link option '" + key +
                         "'; use lanes, rate, length, delay, tier, count, class or cost");
                }
            }
            for (uint64_t i = 0; i < count; ++i)
            {
                uint32_t id = t.AddLink(l.a, l.b, l.lanes, l.laneRateBps, l.tier, l.lengthM);
                t.m_links[id].delayPs = l.delayPs;
                t.m_links[id].cls = l.cls;
                t.m_links[id].cost = l.cost;
            }
        }
        else
        {
            fail("unknown statement '" + cmd + "'; use topology, vlpolicy, node, nodes or link");
        }
    }
    if (t.GetNNodes() == 0)
    {
        UB_INPUT_ERROR("topology file '" << source
                                         << "' declares no nodes; add 'node <name> <kind>' lines");
    }
    return t;
}

void
UbTopology::Save(std::ostream& out) const
{
    out << "topology " << m_name << "\n";
    if (!m_vlPolicy.empty())
    {
        out << "vlpolicy " << m_vlPolicy << "\n";
    }
    for (const auto& n : m_nodes)
    {
        out << "node " << n.name << " " << KindName(n.kind) << (n.forwards ? " forward" : "")
            << "\n";
    }
    for (const auto& l : m_links)
    {
        out << "link " << m_nodes[l.a].name << " " << m_nodes[l.b].name;
        if (l.lanes)
        {
            out << " lanes=" << l.lanes;
        }
        if (l.laneRateBps)
        {
            out << " rate=" << FormatRate(l.laneRateBps);
        }
        if (l.lengthM >= 0)
        {
            out << " length=" << l.lengthM;
        }
        if (l.delayPs >= 0)
        {
            out << " delay=" << l.delayPs << "ps";
        }
        if (l.tier)
        {
            out << " tier=" << static_cast<int>(l.tier);
        }
        if (l.cls)
        {
            out << " class=" << static_cast<int>(l.cls);
        }
        if (l.cost != 1)
        {
            out << " cost=" << l.cost;
        }
        out << "\n";
    }
}

const std::string&
UbTopology::GetName() const
{
    return m_name;
}

const std::string&
UbTopology::GetVlPolicy() const
{
    return m_vlPolicy;
}

void
UbTopology::SetVlPolicy(const std::string& name)
{
    UbTopologyRouting::VlPolicy policy;
    UB_INPUT_ERROR_IF(!name.empty() && !UbTopologyRouting::VlPolicyFromName(name, policy),
                      "UbTopology '" << m_name << "': VL policy '" << name
                                     << "' is not from-sl or final-hop-vl1");
    m_vlPolicy = name.empty() ? "" : UbTopologyRouting::VlPolicyName(policy);
}

void
UbTopology::SetName(const std::string& name)
{
    m_name = name;
}

uint32_t
UbTopology::AddNode(const std::string& name, Kind kind, bool forwards)
{
    UB_INPUT_ERROR_IF(name.empty() || name.find_first_of(" \t#") != std::string::npos,
                      "UbTopology: node name '" << name
                                                << "' is empty or holds a blank or '#'; use a "
                                                   "name without them");
    auto id = static_cast<uint32_t>(m_nodes.size());
    m_nodes.push_back(Node{name, kind, kind != SWITCH && forwards});
    if (!m_byName.empty() && m_byName.size() == id)
    {
        m_byName.emplace(name, id);
    }
    m_adjValid = false;
    return id;
}

uint32_t
UbTopology::AddLink(uint32_t a,
                    uint32_t b,
                    uint16_t lanes,
                    uint64_t laneRateBps,
                    uint8_t tier,
                    double lengthM)
{
    UB_INPUT_ERROR_IF(a >= m_nodes.size() || b >= m_nodes.size() || a == b,
                      "UbTopology '" << m_name << "': link " << a << " - " << b
                                     << " names a missing node or joins a node to itself ("
                                     << m_nodes.size() << " nodes)");
    Link l;
    l.a = a;
    l.b = b;
    l.lanes = lanes;
    l.laneRateBps = laneRateBps;
    l.tier = tier;
    l.lengthM = lengthM;
    m_links.push_back(l);
    m_adjValid = false;
    return static_cast<uint32_t>(m_links.size() - 1);
}

void
UbTopology::SetLinkDelay(uint32_t l, int64_t delayPs)
{
    m_links.at(l).delayPs = delayPs;
}

void
UbTopology::SetLinkRate(uint32_t l, uint16_t lanes, uint64_t laneRateBps)
{
    m_links.at(l).lanes = lanes;
    m_links.at(l).laneRateBps = laneRateBps;
}

void
UbTopology::SetLinkClass(uint32_t l, uint8_t cls, uint16_t cost)
{
    UB_INPUT_ERROR_IF(cost == 0, "UbTopology: link cost must be >= 1");
    m_links.at(l).cls = cls;
    m_links.at(l).cost = cost;
}

void
UbTopology::SetLinkUp(uint32_t l, bool up)
{
    m_links.at(l).up = up;
}

uint32_t
UbTopology::GetNNodes() const
{
    return static_cast<uint32_t>(m_nodes.size());
}

uint32_t
UbTopology::GetNLinks() const
{
    return static_cast<uint32_t>(m_links.size());
}

const UbTopology::Node&
UbTopology::GetNode(uint32_t i) const
{
    return m_nodes.at(i);
}

const UbTopology::Link&
UbTopology::GetLink(uint32_t i) const
{
    return m_links.at(i);
}

uint32_t
UbTopology::FindNode(const std::string& name) const
{
    if (m_byName.size() != m_nodes.size())
    {
        m_byName.clear();
        for (uint32_t i = 0; i < m_nodes.size(); ++i)
        {
            m_byName.emplace(m_nodes[i].name, i);
        }
    }
    auto it = m_byName.find(name);
    return it == m_byName.end() ? UINT32_MAX : it->second;
}

bool
UbTopology::IsEndpoint(uint32_t i) const
{
    return m_nodes[i].kind != SWITCH;
}

bool
UbTopology::Forwards(uint32_t i) const
{
    return m_nodes[i].kind == SWITCH || m_nodes[i].forwards;
}

std::vector<uint32_t>
UbTopology::GetEndpoints() const
{
    std::vector<uint32_t> e;
    for (uint32_t i = 0; i < m_nodes.size(); ++i)
    {
        if (IsEndpoint(i))
        {
            e.push_back(i);
        }
    }
    return e;
}

uint32_t
UbTopology::GetNEndpoints() const
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < m_nodes.size(); ++i)
    {
        n += IsEndpoint(i) ? 1 : 0;
    }
    return n;
}

uint32_t
UbTopology::GetNSwitches() const
{
    return GetNNodes() - GetNEndpoints();
}

void
UbTopology::BuildAdjacency() const
{
    if (m_adjValid)
    {
        return;
    }
    m_start.assign(m_nodes.size() + 1, 0);
    for (const auto& l : m_links)
    {
        ++m_start[l.a + 1];
        ++m_start[l.b + 1];
    }
    for (std::size_t i = 1; i < m_start.size(); ++i)
    {
        m_start[i] += m_start[i - 1];
    }
    m_ports.assign(m_start.back(), Port{0, 0});
    std::vector<uint32_t> fill(m_start.begin(), m_start.end() - 1);
    for (uint32_t id = 0; id < m_links.size(); ++id)
    {
        const auto& l = m_links[id];
        m_ports[fill[l.a]++] = Port{l.b, id};
        m_ports[fill[l.b]++] = Port{l.a, id};
    }
    m_adjValid = true;
}

uint32_t
UbTopology::GetDegree(uint32_t i) const
{
    BuildAdjacency();
    return m_start[i + 1] - m_start[i];
}

const UbTopology::Port*
UbTopology::GetPorts(uint32_t i) const
{
    BuildAdjacency();
    return m_ports.data() + m_start[i];
}

double
UbTopology::GetNodeBandwidthBps(uint32_t i, uint16_t defaultLanes, uint64_t defaultRateBps) const
{
    double sum = 0;
    const Port* p = GetPorts(i);
    for (uint32_t k = 0; k < GetDegree(i); ++k)
    {
        const Link& l = m_links[p[k].link];
        double lanes = l.lanes ? l.lanes : defaultLanes;
        double rate = l.laneRateBps ? static_cast<double>(l.laneRateBps)
                                    : static_cast<double>(defaultRateBps);
        sum += lanes * rate;
    }
    return sum;
}

void
UbTopology::ShrinkToFit()
{
    m_nodes.shrink_to_fit();
    m_links.shrink_to_fit();
}

uint64_t
UbTopology::GetMemoryBytes() const
{
    uint64_t b = sizeof(*this) + m_nodes.capacity() * sizeof(Node) +
                 m_links.capacity() * sizeof(Link) + m_start.capacity() * sizeof(uint32_t) +
                 m_ports.capacity() * sizeof(Port);
    for (const auto& n : m_nodes)
    {
        b += n.name.capacity() > 15 ? n.name.capacity() + 1 : 0;
    }
    b += m_byName.size() * (sizeof(std::string) + 2 * sizeof(void*) + sizeof(uint32_t));
    return b;
}

} // namespace ns3
