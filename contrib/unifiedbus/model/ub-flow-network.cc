/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ub-flow-network.h"

#include "ub-compat.h"

#include "ns3/abort.h"
#include "ns3/log.h"
#include "ns3/simulator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("UbFlowNetwork");

namespace
{

/// Heap order of end times: earliest first, then the lower flow id.
struct LaterEnd
{
    template <typename E>
    bool operator()(const E& a, const E& b) const
    {
        return a.ps != b.ps ? a.ps > b.ps : a.flow > b.flow;
    }
};

/// Heap order of progressive-filling steps: lowest level first; links before flows; then by id.
struct LaterStep
{
    template <typename S>
    bool operator()(const S& a, const S& b) const
    {
        if (a.level != b.level)
        {
            return a.level > b.level;
        }
        if (a.kind != b.kind)
        {
            return a.kind > b.kind;
        }
        return a.id > b.id;
    }
};

} // namespace

UbFlowNetwork::UbFlowNetwork()
{
    // Flow ends are kept in picoseconds. At ns-3's default resolution (nanoseconds) an end less
    // than 1 ns away rounds to now, and the network would wake at the same time for ever (as the
    // unifiedbus-flow suite did under ns-3's own test-runner). UB objects switch to picoseconds
    // when they are made; a fluid network may be the only one of a program.
    UbEnsurePicoseconds();
}

UbFlowNetwork::~UbFlowNetwork()
{
    m_settleEvent.Cancel();
    m_endEvent.Cancel();
}

UbFlowNetwork::UseRows::UseRows(uint32_t links)
    : m_links(links),
      m_linkBits(1),
      m_linkMask(1)
{
    while (m_linkBits < 32 && (uint64_t{1} << m_linkBits) < links)
    {
        ++m_linkBits;
    }
    m_linkMask = m_linkBits == 32 ? UINT32_MAX : (uint32_t{1} << m_linkBits) - 1;
    m_wide = m_linkBits == 32;
}

void
UbFlowNetwork::UseRows::Reserve(uint32_t flows, std::size_t uses)
{
    m_start.reserve(static_cast<std::size_t>(flows) + 1);
    m_use.reserve(uses);
    if (m_wide)
    {
        m_wideWeight.reserve(uses);
    }
}

void
UbFlowNetwork::UseRows::Widen()
{
    m_wideWeight.resize(m_use.size());
    m_wideWeight.reserve(m_use.capacity());
    for (std::size_t k = 0; k < m_use.size(); ++k)
    {
        m_wideWeight[k] = static_cast<uint16_t>(m_use[k] >> m_linkBits);
        m_use[k] &= m_linkMask;
    }
    m_wide = true;
}

void
UbFlowNetwork::UseRows::Add(const std::vector<Use>& uses)
{
    for (const Use& u : uses)
    {
        NS_ABORT_MSG_IF(u.link >= m_links,
                        "UbFlowNetwork::MaxMinRates: a flow uses link "
                            << u.link << " of a network of " << m_links << " links");
        uint64_t bits = 0;
        std::memcpy(&bits, &u.weight, sizeof(bits));
        if (m_weights.empty() || bits != m_lastBits)
        {
            auto it = m_index.find(bits);
            if (it == m_index.end())
            {
                NS_ABORT_MSG_IF(m_weights.size() > UINT16_MAX,
                                "UbFlowNetwork::MaxMinRates: more than 65,536 distinct weights");
                it = m_index.emplace(bits, static_cast<uint16_t>(m_weights.size())).first;
                m_weights.push_back(u.weight);
                if (!m_wide && (m_weights.size() - 1) >> (32 - m_linkBits) != 0)
                {
                    Widen();
                }
            }
            m_lastBits = bits;
            m_lastIndex = it->second;
        }
        if (m_wide)
        {
            m_use.push_back(u.link);
            m_wideWeight.push_back(m_lastIndex);
        }
        else
        {
            m_use.push_back(u.link | static_cast<uint32_t>(m_lastIndex) << m_linkBits);
        }
    }
    NS_ABORT_MSG_IF(m_use.size() > UINT32_MAX,
                    "UbFlowNetwork::MaxMinRates: more than 2^32 uses of links at once");
    m_start.push_back(static_cast<uint32_t>(m_use.size()));
}

std::vector<double>
UbFlowNetwork::MaxMinRates(UseRows flows) const
{
    NS_ABORT_MSG_IF(flows.m_links != m_capacityOf.size(),
                    "UbFlowNetwork::MaxMinRates: rows made for "
                        << flows.m_links << " links, the network has " << m_capacityOf.size());
    const uint32_t nf = flows.GetNFlows();
    const std::vector<uint32_t>& flowStart = flows.m_start;
    flows.m_index = {};
    // The links the flows use, numbered densely in order of first use (each use's link becomes
    // its dense number, in place), and each link's flows (in compressed rows).
    std::vector<uint32_t> linkOf;
    std::vector<uint32_t> count;
    {
        std::vector<uint32_t> dense(m_capacityOf.size(), NONE);
        for (uint32_t f = 0; f < nf; ++f)
        {
            for (uint32_t k = flowStart[f]; k < flowStart[f + 1]; ++k)
            {
                const uint32_t link = flows.LinkOf(k);
                NS_ABORT_MSG_IF(!(flows.WeightOf(k) > 0),
                                "UbFlowNetwork::MaxMinRates: flow " << f << " uses link " << link
                                                                    << " with weight "
                                                                    << flows.WeightOf(k));
                uint32_t& d = dense[link];
                if (d == NONE)
                {
                    d = static_cast<uint32_t>(linkOf.size());
                    linkOf.push_back(link);
                    count.push_back(0);
                }
                flows.SetLink(k, d);
                ++count[d];
            }
        }
    }
    const auto nl = static_cast<uint32_t>(linkOf.size());
    std::vector<double> rising(nl, 0);          // weight of the link's flows still rising
    std::vector<double> residual(nl, 0);        // capacity the frozen flows leave
    std::vector<uint32_t> linkStart(nl + 1, 0); // each link's flows in `through`
    for (uint32_t l = 0; l < nl; ++l)
    {
        residual[l] = Capacity(linkOf[l]);
        linkStart[l + 1] = linkStart[l] + count[l];
    }
    linkOf = {};
    std::vector<uint32_t> through(flows.GetNUses());
    for (uint32_t f = 0; f < nf; ++f)
    {
        for (uint32_t k = flowStart[f]; k < flowStart[f + 1]; ++k)
        {
            const uint32_t l = flows.LinkOf(k);
            rising[l] += flows.WeightOf(k);
            through[linkStart[l + 1] - count[l]--] = f;
        }
    }
    count = {};
    std::vector<double> rate(nf, std::numeric_limits<double>::infinity());
    std::vector<uint8_t> frozen(nf, 0);
    // A link fills when the common rate reaches residual / rising; take them in that order. A
    // link's level only rises as flows freeze elsewhere (a flow freezes at the lowest level,
    // at most any of its links'), so its entry, made at the start, comes up no later than its
    // level: an entry below the level it has now is put back at that level.
    // Each link has one entry at a time: its id in the heap, the level it was entered at in
    // `entered`; the heap gives the lowest (level, link) first.
    std::vector<double> entered(nl);
    std::vector<uint32_t> heap(nl);
    for (uint32_t l = 0; l < nl; ++l)
    {
        entered[l] = residual[l] / rising[l];
        heap[l] = l;
    }
    auto later = [&entered](uint32_t a, uint32_t b) {
        return entered[a] > entered[b] || (entered[a] == entered[b] && a > b);
    };
    std::make_heap(heap.begin(), heap.end(), later);
    std::vector<uint8_t> full(nl, 0);
    while (!heap.empty())
    {
        std::pop_heap(heap.begin(), heap.end(), later);
        const uint32_t l = heap.back();
        heap.pop_back();
        const double level = entered[l];
        if (full[l] || rising[l] <= 1e-12)
        {
            continue;
        }
        const double now = std::max(residual[l], 0.0) / rising[l];
        if (now > level * (1 + 1e-12))
        {
            entered[l] = now; // its level rose since the entry was made
            heap.push_back(l);
            std::push_heap(heap.begin(), heap.end(), later);
            continue;
        }
        full[l] = 1;
        for (uint32_t k = linkStart[l]; k < linkStart[l + 1]; ++k)
        {
            const uint32_t f = through[k];
            if (frozen[f])
            {
                continue;
            }
            frozen[f] = 1;
            rate[f] = now;
            for (uint32_t j = flowStart[f]; j < flowStart[f + 1]; ++j)
            {
                const uint32_t d = flows.LinkOf(j);
                const double w = flows.WeightOf(j);
                residual[d] -= w * now;
                rising[d] -= w;
            }
        }
    }
    return rate;
}

uint32_t
UbFlowNetwork::AddLink(double bytesPerSecond)
{
    NS_ABORT_MSG_IF(!(bytesPerSecond > 0) || !std::isfinite(bytesPerSecond),
                    "UbFlowNetwork: link " << m_capacityOf.size() << " has capacity "
                                           << bytesPerSecond
                                           << " B/s; give it a positive, finite rate");
    NS_ABORT_MSG_IF(m_capacityOf.size() >= NONE - 1, "UbFlowNetwork: more than 2^32 - 2 links");
    // A network has few distinct capacities (one per kind of link), so each link holds an
    // index into them.
    uint64_t bits = 0;
    std::memcpy(&bits, &bytesPerSecond, sizeof(bits));
    auto it = m_capacityIndex.find(bits);
    if (it == m_capacityIndex.end())
    {
        NS_ABORT_MSG_IF(m_capacities.size() > UINT16_MAX,
                        "UbFlowNetwork: link " << m_capacityOf.size()
                                               << " would be the 65,537th distinct capacity");
        it = m_capacityIndex.emplace(bits, static_cast<uint16_t>(m_capacities.size())).first;
        m_capacities.push_back(bytesPerSecond);
    }
    m_capacityOf.push_back(it->second);
    return static_cast<uint32_t>(m_capacityOf.size() - 1);
}

void
UbFlowNetwork::ReserveLinks(uint32_t links)
{
    m_capacityOf.reserve(links);
}

UbFlowNetwork::Link&
UbFlowNetwork::State(uint32_t link)
{
    if (m_slot.size() < m_capacityOf.size())
    {
        // Made at the first flow (an aggregated collective, MaxMinRates only, never needs it).
        m_slot.resize(m_capacityOf.size(), NONE);
    }
    uint32_t& slot = m_slot[link];
    if (slot == NONE)
    {
        // First use: the link's state comes into being (unused links hold only their capacity).
        slot = static_cast<uint32_t>(m_links.size());
        Link l;
        l.capacity = Capacity(link);
        m_links.push_back(l);
    }
    return m_links[slot];
}

const UbFlowNetwork::Link*
UbFlowNetwork::Peek(uint32_t link) const
{
    NS_ABORT_MSG_IF(link >= m_capacityOf.size(),
                    "UbFlowNetwork: no link " << link << " (the network has " << m_capacityOf.size()
                                              << ")");
    return link >= m_slot.size() || m_slot[link] == NONE ? nullptr : &m_links[m_slot[link]];
}

double
UbFlowNetwork::GetCapacity(uint32_t link) const
{
    NS_ABORT_MSG_IF(link >= m_capacityOf.size(),
                    "UbFlowNetwork: no link " << link << " (the network has " << m_capacityOf.size()
                                              << ")");
    return Capacity(link);
}

uint32_t
UbFlowNetwork::NewNode()
{
    if (m_freeNode != NONE)
    {
        uint32_t n = m_freeNode;
        m_freeNode = m_nodes[n].nextOfFlow;
        return n;
    }
    NS_ABORT_MSG_IF(m_nodes.size() >= NONE - 1, "UbFlowNetwork: more than 2^32 - 2 link uses");
    m_nodes.emplace_back();
    return static_cast<uint32_t>(m_nodes.size() - 1);
}

void
UbFlowNetwork::FreeNode(uint32_t n)
{
    Node& x = m_nodes[n];
    x.flow = NONE;
    x.link = NONE;
    x.nextOfFlow = m_freeNode;
    m_freeNode = n;
}

uint32_t
UbFlowNetwork::Start(const std::vector<Use>& uses, double bytes, DoneCallback done, double maxRate)
{
    NS_ABORT_MSG_IF(!(bytes >= 0) || !std::isfinite(bytes),
                    "UbFlowNetwork: a flow of " << bytes << " bytes; give it 0 or more");
    NS_ABORT_MSG_IF(!(maxRate > 0),
                    "UbFlowNetwork: a flow's own limit is " << maxRate
                                                            << " B/s; give it a positive rate "
                                                               "(infinity for none)");
    uint32_t id;
    if (!m_freeFlows.empty())
    {
        id = m_freeFlows.back();
        m_freeFlows.pop_back();
    }
    else
    {
        NS_ABORT_MSG_IF(m_flows.size() >= NONE - 1, "UbFlowNetwork: more than 2^32 - 2 flows");
        m_flows.emplace_back();
        id = static_cast<uint32_t>(m_flows.size() - 1);
    }
    // A link named twice carries the sum of its weights: mark each link with the new node.
    ++m_epoch;
    uint32_t first = NONE;
    for (const Use& u : uses)
    {
        NS_ABORT_MSG_IF(u.link >= m_capacityOf.size(),
                        "UbFlowNetwork: a flow uses link " << u.link << ", but the network has "
                                                           << m_capacityOf.size() << " links");
        NS_ABORT_MSG_IF(!(u.weight > 0) || !std::isfinite(u.weight),
                        "UbFlowNetwork: a flow loads link " << u.link << " with weight " << u.weight
                                                            << "; give it a positive weight");
        Link& l = State(u.link);
        if (l.epoch == m_epoch)
        {
            m_nodes[l.scratch].weight += u.weight;
            continue;
        }
        uint32_t n = NewNode();
        Node& x = m_nodes[n];
        x.weight = u.weight;
        x.flow = id;
        x.link = u.link;
        x.prevOnLink = NONE;
        x.nextOnLink = l.head;
        if (l.head != NONE)
        {
            m_nodes[l.head].prevOnLink = n;
        }
        l.head = n;
        ++l.nUses;
        l.epoch = m_epoch;
        l.scratch = n;
        x.nextOfFlow = first;
        first = n;
    }
    Flow& f = m_flows[id];
    f.remaining = bytes;
    f.rate = 0;
    f.settled = 0;
    f.maxRate = maxRate;
    f.updatedPs = Simulator::Now().GetPicoSeconds();
    f.endPs = -1;
    f.firstUse = first;
    f.epoch = 0;
    ++f.version;
    f.active = true;
    f.frozen = false;
    f.reported = true;
    f.done = std::move(done);
    ++m_nActive;
    ++m_stats.flowsStarted;
    m_stats.peakFlows = std::max(m_stats.peakFlows, m_nActive);
    m_dirty.push_back(id);
    ScheduleSettle();
    return id;
}

double
UbFlowNetwork::GetRate(uint32_t flow) const
{
    NS_ABORT_MSG_IF(flow >= m_flows.size() || !m_flows[flow].active,
                    "UbFlowNetwork: no flow " << flow << " in progress");
    return m_flows[flow].rate;
}

double
UbFlowNetwork::GetRemaining(uint32_t flow) const
{
    NS_ABORT_MSG_IF(flow >= m_flows.size() || !m_flows[flow].active,
                    "UbFlowNetwork: no flow " << flow << " in progress");
    const Flow& f = m_flows[flow];
    return std::max(0.0, f.remaining - Moved(f, Simulator::Now().GetPicoSeconds()));
}

double
UbFlowNetwork::GetLoad(uint32_t link) const
{
    const Link* l = Peek(link);
    double load = 0;
    for (uint32_t n = l ? l->head : NONE; n != NONE; n = m_nodes[n].nextOnLink)
    {
        load += m_nodes[n].weight * m_flows[m_nodes[n].flow].rate;
    }
    return load;
}

void
UbFlowNetwork::ScheduleSettle()
{
    if (!UbIsPending(m_settleEvent))
    {
        m_settleEvent = Simulator::ScheduleNow(&UbFlowNetwork::Settle, this);
    }
}

void
UbFlowNetwork::Settle()
{
    SettleRates();
    if (!m_watchChanged.empty())
    {
        ReportWatched();
    }
}

void
UbFlowNetwork::MarkWatched(const Flow& f)
{
    for (uint32_t n = f.firstUse; n != NONE; n = m_nodes[n].nextOfFlow)
    {
        uint8_t& w = m_watched[m_nodes[n].link];
        if (w == 1)
        {
            w = 2;
            m_watchChanged.push_back(m_nodes[n].link);
        }
    }
}

void
UbFlowNetwork::ReportWatched()
{
    // The callback may start or stop flows (they settle in an event of their own); it sees the
    // loads of this settle.
    std::vector<uint32_t> changed;
    changed.swap(m_watchChanged);
    for (uint32_t link : changed)
    {
        m_watched[link] = 1;
        double load = 0;
        uint32_t flows = 0;
        if (const Link* l = Peek(link))
        {
            for (uint32_t n = l->head; n != NONE; n = m_nodes[n].nextOnLink)
            {
                const Flow& f = m_flows[m_nodes[n].flow];
                if (f.reported && std::isfinite(f.rate))
                {
                    load += m_nodes[n].weight * f.rate;
                    ++flows;
                }
            }
        }
        m_watch(link, load, flows);
    }
}

void
UbFlowNetwork::Watch(const std::vector<uint32_t>& links, WatchCallback changed)
{
    NS_ABORT_MSG_IF(!changed, "UbFlowNetwork::Watch: no callback");
    m_watched.assign(m_capacityOf.size(), 0);
    for (uint32_t l : links)
    {
        NS_ABORT_MSG_IF(l >= m_capacityOf.size(),
                        "UbFlowNetwork::Watch: link " << l << ", but the network has "
                                                      << m_capacityOf.size() << " links");
        m_watched[l] = 1;
    }
    m_watch = std::move(changed);
}

void
UbFlowNetwork::SetReported(uint32_t flow, bool reported)
{
    NS_ABORT_MSG_IF(flow >= m_flows.size() || !m_flows[flow].active,
                    "UbFlowNetwork: no flow " << flow << " in progress");
    Flow& f = m_flows[flow];
    if (f.reported != reported && !m_watched.empty())
    {
        MarkWatched(f);
        ScheduleSettle();
    }
    f.reported = reported;
}

void
UbFlowNetwork::Stop(uint32_t flow)
{
    NS_ABORT_MSG_IF(flow >= m_flows.size() || !m_flows[flow].active,
                    "UbFlowNetwork: no flow " << flow << " in progress to stop");
    NS_ABORT_MSG_IF(flow == m_calling,
                    "UbFlowNetwork: flow " << flow << " stopped from its own done callback");
    Finish(flow);
    m_freeFlows.push_back(flow);
    ScheduleSettle();
}

void
UbFlowNetwork::SettleRates()
{
    m_settleEvent.Cancel();
    if (m_dirty.empty() && m_dirtyLinks.empty())
    {
        return;
    }
    const int64_t now = Simulator::Now().GetPicoSeconds();
    ++m_epoch;
    m_scratchFlows.clear();
    m_levels.clear();
    auto visitLink = [this](uint32_t l) {
        Link& x = L(l);
        if (x.epoch != m_epoch)
        {
            x.epoch = m_epoch;
            x.scratch = static_cast<uint32_t>(m_levels.size());
            m_levels.push_back(Level{l, 0, x.capacity, 0, 0});
        }
    };
    auto visitFlow = [this, &visitLink](uint32_t id) {
        Flow& f = m_flows[id];
        if (!f.active || f.epoch == m_epoch)
        {
            return;
        }
        f.epoch = m_epoch;
        m_scratchFlows.push_back(id);
        for (uint32_t n = f.firstUse; n != NONE; n = m_nodes[n].nextOfFlow)
        {
            visitLink(m_nodes[n].link);
        }
    };
    if (m_incremental)
    {
        // The component of the changes: links and flows reachable through shared links; a new
        // flow that takes from no one is settled alone.
        bool any = !m_dirtyLinks.empty();
        for (uint32_t id : m_dirty)
        {
            if (m_flows[id].active && m_flows[id].epoch != m_epoch && SettleAlone(id, now))
            {
                ++m_stats.settledAlone;
                continue;
            }
            visitFlow(id);
            any = true;
        }
        if (!any)
        {
            m_dirty.clear();
            ScheduleNextEnd();
            return;
        }
        for (uint32_t l : m_dirtyLinks)
        {
            visitLink(l);
        }
        for (std::size_t i = 0; i < m_levels.size(); ++i)
        {
            for (uint32_t n = L(m_levels[i].link).head; n != NONE; n = m_nodes[n].nextOnLink)
            {
                visitFlow(m_nodes[n].flow);
            }
        }
    }
    else
    {
        for (uint32_t id = 0; id < m_flows.size(); ++id)
        {
            visitFlow(id);
        }
    }
    m_dirty.clear();
    m_dirtyLinks.clear();
    ++m_stats.settles;
    m_stats.flowsSettled += m_scratchFlows.size();
    m_stats.linksSettled += m_levels.size();
    Fill(m_scratchFlows, now);
    ScheduleNextEnd();
}

void
UbFlowNetwork::Fill(const std::vector<uint32_t>& flows, int64_t nowPs)
{
    // Progressive filling: every flow still rising has rate `level`; a link is full at the level
    // where its residual capacity is used by its rising weight.
    std::vector<Step>& heap = m_steps;
    heap.clear();
    for (Level& v : m_levels)
    {
        uint32_t rising = 0;
        double weight = 0;
        for (uint32_t n = L(v.link).head; n != NONE; n = m_nodes[n].nextOnLink)
        {
            weight += m_nodes[n].weight;
            ++rising;
        }
        v.rising = weight;
        v.count = rising;
        if (rising > 0)
        {
            heap.push_back(Step{v.residual / v.rising, 0, v.link, 0});
        }
    }
    for (uint32_t id : flows)
    {
        Flow& f = m_flows[id];
        f.frozen = false;
        if (f.firstUse == NONE)
        {
            // Nothing but its own limit holds it back.
            f.frozen = true;
            f.settled = f.maxRate;
        }
        else if (std::isfinite(f.maxRate))
        {
            heap.push_back(Step{f.maxRate, 1, id, 0});
        }
    }
    std::make_heap(heap.begin(), heap.end(), LaterStep());
    double level = 0;
    // A link's level only rises as flows on it are fixed ((r - w t) / (W - w) >= r / W when
    // t <= r / W), so an entry in the heap is a lower bound of its link's level: a fixed flow
    // only marks its links (a new version), and a link whose entry comes up marked is filed
    // again at its level then.
    auto freeze = [this, &level](uint32_t id) {
        Flow& f = m_flows[id];
        f.frozen = true;
        f.settled = level;
        for (uint32_t n = f.firstUse; n != NONE; n = m_nodes[n].nextOfFlow)
        {
            const Node& x = m_nodes[n];
            Level& v = m_levels[L(x.link).scratch];
            v.residual -= x.weight * level;
            v.rising -= x.weight;
            --v.count;
            ++v.version;
        }
    };
    while (!heap.empty())
    {
        std::pop_heap(heap.begin(), heap.end(), LaterStep());
        const Step s = heap.back();
        heap.pop_back();
        if (s.kind == 0)
        {
            Level& v = m_levels[L(s.id).scratch];
            if (v.count == 0 || !(v.rising > 0))
            {
                continue;
            }
            if (v.version != s.version)
            {
                const double at = std::max(level, std::max(0.0, v.residual) / v.rising);
                heap.push_back(Step{at, 0, s.id, v.version});
                std::push_heap(heap.begin(), heap.end(), LaterStep());
                continue;
            }
            level = std::max(level, s.level);
            for (uint32_t n = L(s.id).head; n != NONE; n = m_nodes[n].nextOnLink)
            {
                if (!m_flows[m_nodes[n].flow].frozen)
                {
                    freeze(m_nodes[n].flow);
                }
            }
        }
        else if (!m_flows[s.id].frozen)
        {
            level = std::max(level, s.level);
            freeze(s.id);
        }
    }
    for (uint32_t id : flows)
    {
        ApplyRate(id, m_flows[id].settled, nowPs);
    }
}

void
UbFlowNetwork::ApplyRate(uint32_t id, double rate, int64_t nowPs)
{
    Flow& f = m_flows[id];
    if (rate == f.rate && f.endPs >= 0)
    {
        return; // unchanged: its bytes and end time stand as they were
    }
    f.remaining = std::max(0.0, f.remaining - Moved(f, nowPs));
    f.updatedPs = nowPs;
    if (!m_watched.empty())
    {
        MarkWatched(f);
    }
    if (std::isfinite(rate))
    {
        for (uint32_t n = f.firstUse; n != NONE; n = m_nodes[n].nextOfFlow)
        {
            Link& l = L(m_nodes[n].link);
            Carry(l, nowPs);
            l.load += m_nodes[n].weight * (rate - f.rate);
        }
    }
    f.rate = rate;
    int64_t endPs = nowPs;
    if (f.remaining > 0 && std::isfinite(f.rate))
    {
        NS_ABORT_MSG_IF(!(f.rate > 0),
                        "UbFlowNetwork: flow " << id << " got no rate (a link of no "
                                               << "capacity?); every link needs one");
        endPs += static_cast<int64_t>(std::ceil(f.remaining / f.rate * 1e12));
    }
    SetEnd(id, endPs);
}

void
UbFlowNetwork::Carry(Link& l, int64_t nowPs)
{
    if (nowPs != l.carriedPs)
    {
        l.carried += l.load * static_cast<double>(nowPs - l.carriedPs) * 1e-12;
        l.carriedPs = nowPs;
    }
}

double
UbFlowNetwork::GetCarried(uint32_t link) const
{
    const Link* p = Peek(link);
    if (!p)
    {
        return 0;
    }
    const Link& l = *p;
    const int64_t now = Simulator::Now().GetPicoSeconds();
    return l.carried + l.load * static_cast<double>(now - l.carriedPs) * 1e-12;
}

bool
UbFlowNetwork::Saturated(const Link& l) const
{
    return l.load >= l.capacity * (1 - 1e-9);
}

bool
UbFlowNetwork::SettleAlone(uint32_t id, int64_t nowPs)
{
    // A new flow whose tightest link is its own takes its rate from no one: the level at
    // which progressive filling would fix it is that link's capacity over its weight (or the
    // flow's limit), computed as Fill computes it.
    const Flow& f = m_flows[id];
    double rate = f.maxRate;
    bool own = true; // the tightest constraint so far is the flow's own
    for (uint32_t n = f.firstUse; n != NONE; n = m_nodes[n].nextOfFlow)
    {
        const Node& x = m_nodes[n];
        const Link& l = L(x.link);
        if (l.nUses == 1)
        {
            const double r = l.capacity / x.weight;
            if (r < rate)
            {
                rate = r;
                own = true;
            }
            continue;
        }
        const double room = (l.capacity * (1 - 1e-9) - l.load) / x.weight;
        if (room <= rate)
        {
            rate = room;
            own = false;
        }
    }
    if (!own || !(rate > 0) || !std::isfinite(rate))
    {
        return false;
    }
    ApplyRate(id, rate, nowPs);
    return true;
}

double
UbFlowNetwork::Moved(const Flow& f, int64_t nowPs) const
{
    return nowPs == f.updatedPs ? 0.0 : f.rate * static_cast<double>(nowPs - f.updatedPs) * 1e-12;
}

void
UbFlowNetwork::SetEnd(uint32_t flow, int64_t endPs)
{
    Flow& f = m_flows[flow];
    f.endPs = endPs;
    ++f.version;
    m_ends.push_back(End{endPs, flow, f.version});
    std::push_heap(m_ends.begin(), m_ends.end(), LaterEnd());
}

void
UbFlowNetwork::ScheduleNextEnd()
{
    // Stale entries (a flow whose end time moved) are dropped when they reach the top, and the
    // heap is rebuilt when they outnumber the live ones.
    if (m_ends.size() > 2 * static_cast<std::size_t>(m_nActive) + 1024)
    {
        std::vector<End> live;
        live.reserve(m_nActive);
        for (const End& e : m_ends)
        {
            const Flow& f = m_flows[e.flow];
            if (f.active && f.version == e.version)
            {
                live.push_back(e);
            }
        }
        m_ends.swap(live);
        std::make_heap(m_ends.begin(), m_ends.end(), LaterEnd());
    }
    while (!m_ends.empty())
    {
        const End& e = m_ends.front();
        const Flow& f = m_flows[e.flow];
        if (f.active && f.version == e.version)
        {
            break;
        }
        std::pop_heap(m_ends.begin(), m_ends.end(), LaterEnd());
        m_ends.pop_back();
    }
    if (m_ends.empty())
    {
        m_endEvent.Cancel();
        m_endEventPs = -1;
        return;
    }
    const int64_t at = m_ends.front().ps;
    if (UbIsPending(m_endEvent) && m_endEventPs == at)
    {
        return;
    }
    m_endEvent.Cancel();
    m_endEventPs = at;
    m_endEvent = Simulator::Schedule(PicoSeconds(at - Simulator::Now().GetPicoSeconds()),
                                     &UbFlowNetwork::OnEnd,
                                     this);
}

void
UbFlowNetwork::OnEnd()
{
    const int64_t now = Simulator::Now().GetPicoSeconds();
    m_endEventPs = -1;
    std::vector<std::pair<uint32_t, DoneCallback>> ended;
    while (!m_ends.empty() && m_ends.front().ps <= now)
    {
        const End e = m_ends.front();
        std::pop_heap(m_ends.begin(), m_ends.end(), LaterEnd());
        m_ends.pop_back();
        Flow& f = m_flows[e.flow];
        if (!f.active || f.version != e.version)
        {
            continue;
        }
        ended.emplace_back(e.flow, std::move(f.done));
    }
    // Each callback may carry its flow on (Continue); the others leave the network after it.
    std::vector<uint32_t> finished;
    for (auto& [id, done] : ended)
    {
        m_calling = id;
        m_continued = false;
        if (done)
        {
            done(id);
        }
        m_calling = NONE;
        ++m_stats.flowsEnded;
        if (!m_continued)
        {
            Finish(id);
            finished.push_back(id);
        }
    }
    for (uint32_t id : finished)
    {
        m_freeFlows.push_back(id);
    }
    Settle();
    ScheduleNextEnd();
}

void
UbFlowNetwork::Finish(uint32_t flow)
{
    Flow& f = m_flows[flow];
    if (!m_watched.empty())
    {
        MarkWatched(f);
    }
    for (uint32_t n = f.firstUse; n != NONE;)
    {
        Node& x = m_nodes[n];
        const uint32_t next = x.nextOfFlow;
        Link& l = L(x.link);
        if (x.prevOnLink != NONE)
        {
            m_nodes[x.prevOnLink].nextOnLink = x.nextOnLink;
        }
        else
        {
            l.head = x.nextOnLink;
        }
        if (x.nextOnLink != NONE)
        {
            m_nodes[x.nextOnLink].prevOnLink = x.prevOnLink;
        }
        // Its links matter to the others only where it shared a full link with them.
        if (!m_incremental || (l.nUses > 1 && Saturated(l)))
        {
            m_dirtyLinks.push_back(x.link);
        }
        if (std::isfinite(f.rate))
        {
            Carry(l, Simulator::Now().GetPicoSeconds());
            l.load -= x.weight * f.rate;
        }
        --l.nUses;
        FreeNode(n);
        n = next;
    }
    f.firstUse = NONE;
    f.active = false;
    f.rate = 0;
    f.remaining = 0;
    f.endPs = -1;
    ++f.version;
    --m_nActive;
}

void
UbFlowNetwork::Continue(uint32_t flow, double bytes, DoneCallback done)
{
    NS_ABORT_MSG_IF(flow != m_calling,
                    "UbFlowNetwork::Continue: flow " << flow
                                                     << " is not the flow whose end is being "
                                                        "reported; call it from that flow's "
                                                        "callback");
    NS_ABORT_MSG_IF(!(bytes >= 0) || !std::isfinite(bytes),
                    "UbFlowNetwork: a flow of " << bytes << " bytes; give it 0 or more");
    // The same links, weights and limit: every rate stays the max-min allocation it was.
    Flow& f = m_flows[flow];
    const int64_t now = Simulator::Now().GetPicoSeconds();
    f.remaining = bytes;
    f.updatedPs = now;
    f.done = std::move(done);
    m_continued = true;
    ++m_stats.flowsStarted;
    int64_t endPs = now;
    if (bytes > 0 && std::isfinite(f.rate))
    {
        endPs += static_cast<int64_t>(std::ceil(bytes / f.rate * 1e12));
    }
    SetEnd(flow, endPs);
}

uint64_t
UbFlowNetwork::GetMemoryBytes() const
{
    return m_links.capacity() * sizeof(Link) + m_capacityOf.capacity() * sizeof(uint16_t) +
           m_capacities.capacity() * sizeof(double) + m_slot.capacity() * sizeof(uint32_t) +
           m_nodes.capacity() * sizeof(Node) + m_flows.capacity() * sizeof(Flow) +
           m_freeFlows.capacity() * sizeof(uint32_t) + m_ends.capacity() * sizeof(End) +
           m_dirty.capacity() * sizeof(uint32_t) + m_dirtyLinks.capacity() * sizeof(uint32_t) +
           m_scratchFlows.capacity() * sizeof(uint32_t) + m_levels.capacity() * sizeof(Level) +
           m_steps.capacity() * sizeof(Step) + m_watched.capacity() +
           m_watchChanged.capacity() * sizeof(uint32_t);
}

} // namespace ns3
