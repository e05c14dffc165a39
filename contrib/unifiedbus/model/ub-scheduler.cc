/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-scheduler.h"

#include "ns3/abort.h"
#include "ns3/event-impl.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(UbScheduler);

namespace
{
/// Ask for the cache line at p (a hint: never faults, never changes a result).
inline void
FetchLine(const void* p)
{
    __builtin_prefetch(p, 0, 3);
    // A function that only prefetches counts as free of side effects to GCC, which then drops
    // the calls to it: this empty statement is one it must keep.
    asm volatile("" : : "r"(p));
}

/// Ask for the lines of the first bytes of an object. \param p object \param bytes its bytes
inline void
FetchObject(const void* p, uint32_t bytes)
{
    if (p == nullptr)
    {
        return;
    }
    const auto at = reinterpret_cast<uintptr_t>(p);
    const auto* line = reinterpret_cast<const char*>(at & ~uintptr_t{63});
    const auto* end = reinterpret_cast<const char*>(at + std::min<uint32_t>(bytes, 1024));
    for (; line < end; line += 64)
    {
        FetchLine(line);
    }
}
} // namespace

TypeId
UbScheduler::GetTypeId()
{
    static TypeId tid = TypeId("ns3::UbScheduler")
                            .SetParent<Scheduler>()
                            .SetGroupName("UnifiedBus")
                            .AddConstructor<UbScheduler>();
    return tid;
}

UbScheduler::UbScheduler()
    : m_buckets(BUCKETS),
      m_occupied(BUCKETS / 64, 0)
{
}

UbScheduler::~UbScheduler()
{
    if (s_clock == this)
    {
        s_clock = nullptr;
        s_impl = nullptr;
    }
}

Scheduler::Event
UbScheduler::ToEvent(const Node& n)
{
    Event ev;
    ev.impl = n.impl;
    ev.key.m_ts = n.ts;
    ev.key.m_uid = Uid(n);
    ev.key.m_context = n.context;
    return ev;
}

void
UbScheduler::TieNext(uint32_t key)
{
    NS_ABORT_MSG_IF(s_clock == nullptr,
                    "UbScheduler: distributed order needs UbScheduler as the simulation's "
                    "scheduler; set SchedulerType to ns3::UbScheduler "
                    "(UbExperiment::SetDefaultScheduler)");
    NS_ABORT_MSG_IF(key == OWN_EVENT, "UbScheduler: link key " << key << " is reserved");
    s_nextTie = uint64_t{key} << 32;
}

void
UbScheduler::Insert(const Event& ev)
{
    File(Node{ev.key.m_ts,
              s_nextTie | ev.key.m_uid,
              ev.impl,
              s_hint.object,
              s_hint.other,
              ev.key.m_context,
              s_hint.bytes});
    s_hint = UbHint{};
    s_nextTie = s_ownTie;
}

void
UbScheduler::File(const Node& n)
{
    const uint64_t b = n.ts >> BUCKET_SHIFT;
    if (b >= m_current + BUCKETS)
    {
        m_far.push_back(n);
        std::push_heap(m_far.begin(), m_far.end(), [](const Node& x, const Node& y) {
            return Before(y, x);
        });
        return;
    }
    if (b < m_current)
    {
        // Time never goes back, but the current bucket may be ahead of it: ns-3's distributed
        // simulator peeks at the next event past the time it may run to, then receives earlier
        // ones from other processes.
        NS_ABORT_MSG_IF(n.ts < m_lastTs,
                        "UbScheduler: an event at " << n.ts << " ps is in the past (now "
                                                    << m_lastTs << " ps)");
        Rewind(b);
    }
    const std::size_t i = b % BUCKETS;
    std::vector<Node>& bucket = m_buckets[i];
    ++m_inBuckets;
    if (b == m_current && m_sorted)
    {
        // The current run is sorted latest first. A newcomer that runs before all of it goes to
        // its back; into a short run, to its place; any other waits beside it, in the late heap.
        if (bucket.empty() || Before(n, bucket.back()))
        {
            bucket.push_back(n);
            return;
        }
        if (bucket.size() <= SHORT_RUN)
        {
            auto later = [](const Node& x, const Node& y) { return Before(y, x); };
            bucket.insert(std::upper_bound(bucket.begin(), bucket.end(), n, later), n);
            return;
        }
        m_late.push_back(n);
        std::push_heap(m_late.begin(), m_late.end(), [](const Node& x, const Node& y) {
            return Before(y, x);
        });
        return;
    }
    bucket.push_back(n);
    m_occupied[i / 64] |= uint64_t{1} << (i % 64);
}

void
UbScheduler::Rewind(uint64_t b)
{
    // The window's end moves back with its start: the events it no longer covers wait in the
    // far heap. The current run stays in its bucket and is sorted again when it comes up.
    // The late arrivals go back to their bucket, which is sorted again when it comes up.
    std::vector<Node>& current = m_buckets[m_current % BUCKETS];
    current.insert(current.end(), m_late.begin(), m_late.end());
    m_late.clear();
    const uint64_t from = std::max(m_current, b + BUCKETS);
    for (uint64_t x = from; x < m_current + BUCKETS; ++x)
    {
        const std::size_t k = x % BUCKETS;
        std::vector<Node>& bucket = m_buckets[k];
        for (const Node& n : bucket)
        {
            m_far.push_back(n);
            std::push_heap(m_far.begin(), m_far.end(), [](const Node& p, const Node& q) {
                return Before(q, p);
            });
        }
        m_inBuckets -= bucket.size();
        bucket.clear();
        m_occupied[k / 64] &= ~(uint64_t{1} << (k % 64));
    }
    m_current = b;
    m_sorted = false;
}

void
UbScheduler::Settle() const
{
    std::vector<Node>* run = &m_buckets[m_current % BUCKETS];
    if (m_sorted && !run->empty())
    {
        return;
    }
    auto later = [](const Node& x, const Node& y) { return Before(y, x); };
    while (run->empty())
    {
        // Move to the next occupied bucket (a bucket emptied by Remove may still be marked).
        m_sorted = false;
        const std::size_t i = m_current % BUCKETS;
        m_occupied[i / 64] &= ~(uint64_t{1} << (i % 64));
        if (run->capacity() > KEPT_CAPACITY)
        {
            // A burst's bucket gives its memory back: kept, the window's 4,096 buckets would
            // each hold the largest burst it ever filed (140 of 376 MB at 4 x 256 NPUs).
            std::vector<Node>().swap(*run);
        }
        if (m_inBuckets == 0)
        {
            if (m_far.empty())
            {
                return;
            }
            m_current = m_far.front().ts >> BUCKET_SHIFT; // jump to the far heap's first
        }
        else
        {
            // One word of the bitmap at a time.
            uint64_t b = m_current + 1;
            while (true)
            {
                const std::size_t j = b % BUCKETS;
                const uint64_t word = m_occupied[j / 64] >> (j % 64);
                if (word != 0)
                {
                    b += __builtin_ctzll(word);
                    break;
                }
                b += 64 - j % 64;
            }
            m_current = b;
        }
        // The window moved: file the far events it now covers.
        while (!m_far.empty() && (m_far.front().ts >> BUCKET_SHIFT) < m_current + BUCKETS)
        {
            std::pop_heap(m_far.begin(), m_far.end(), later);
            const Node n = m_far.back();
            m_far.pop_back();
            const std::size_t k = (n.ts >> BUCKET_SHIFT) % BUCKETS;
            m_buckets[k].push_back(n);
            m_occupied[k / 64] |= uint64_t{1} << (k % 64);
            ++m_inBuckets;
        }
        run = &m_buckets[m_current % BUCKETS];
    }
    // Events are mostly filed in time order, so a bucket is often already earliest first: then
    // reversing it gives the same order as sorting it, for less work ((time, order) is unique).
    if (std::is_sorted(run->begin(), run->end(), &UbScheduler::Before))
    {
        std::reverse(run->begin(), run->end());
    }
    else
    {
        std::sort(run->begin(), run->end(), later);
    }
    m_sorted = true;
}

bool
UbScheduler::IsEmpty() const
{
    return m_inBuckets == 0 && m_far.empty();
}

Scheduler::Event
UbScheduler::PeekNext() const
{
    if (IsEmpty())
    {
        // ns-3's null-message kernel asks for the next event's time while it handles its own
        // null message, which may have been the last event: none is as far as time goes (so its
        // guarantee to the other processes is its safe time). Nothing runs this.
        Event none;
        none.impl = nullptr;
        none.key.m_ts = static_cast<uint64_t>(INT64_MAX);
        none.key.m_uid = UINT32_MAX;
        none.key.m_context = UINT32_MAX;
        return none;
    }
    Settle();
    return ToEvent(Next());
}

UbScheduler::Node
UbScheduler::TakeLate(std::vector<Node>& run)
{
    Node n;
    if (Before(run.back(), m_late.front()))
    {
        n = run.back();
        run.pop_back();
        if (run.empty())
        {
            RunLate();
        }
        return n;
    }
    std::pop_heap(m_late.begin(), m_late.end(), [](const Node& x, const Node& y) {
        return Before(y, x);
    });
    n = m_late.back();
    m_late.pop_back();
    return n;
}

void
UbScheduler::RunLate()
{
    std::vector<Node>& run = m_buckets[m_current % BUCKETS];
    run.swap(m_late);
    std::sort(run.begin(), run.end(), [](const Node& x, const Node& y) { return Before(y, x); });
}

Scheduler::Event
UbScheduler::RemoveNext()
{
    NS_ABORT_MSG_IF(IsEmpty(), "UbScheduler: no event to remove");
    Settle();
    std::vector<Node>& run = m_buckets[m_current % BUCKETS];
    Event next;
    if (__builtin_expect(m_late.empty(), 1))
    {
        // The usual case, kept as short as it was before m_late.
        next = ToEvent(run.back());
        run.pop_back();
    }
    else
    {
        next = ToEvent(TakeLate(run));
    }
    --m_inBuckets;
    // Not a call into the simulator here: it also drains its pending events through this while
    // it is destroyed (UbScheduler::Schedule finds it instead).
    s_clock = this;
    s_nowTs = next.key.m_ts;
    m_lastTs = next.key.m_ts;
    PrefetchNext();
    return next;
}

void
UbScheduler::Remove(const Event& ev)
{
    const uint64_t b = ev.key.m_ts >> BUCKET_SHIFT;
    auto same = [&ev](const Node& n) { return Uid(n) == ev.key.m_uid; };
    if (b < m_current + BUCKETS)
    {
        std::vector<Node>& bucket = m_buckets[b % BUCKETS];
        auto it = std::find_if(bucket.begin(), bucket.end(), same);
        if (it != bucket.end())
        {
            bucket.erase(it); // keeps the current run's order
            --m_inBuckets;
            if (bucket.empty() && !m_late.empty() && b == m_current)
            {
                RunLate();
            }
            return;
        }
        auto late = std::find_if(m_late.begin(), m_late.end(), same);
        if (late != m_late.end())
        {
            m_late.erase(late);
            std::make_heap(m_late.begin(), m_late.end(), [](const Node& x, const Node& y) {
                return Before(y, x);
            });
            --m_inBuckets;
            return;
        }
    }
    auto it = std::find_if(m_far.begin(), m_far.end(), same);
    NS_ABORT_MSG_IF(it == m_far.end(),
                    "UbScheduler: event " << ev.key.m_uid << " to remove is not pending");
    m_far.erase(it);
    std::make_heap(m_far.begin(), m_far.end(), [](const Node& x, const Node& y) {
        return Before(y, x);
    });
}

void
UbScheduler::Prefetch(const Node& n)
{
    FetchObject(n.impl, 128); // an event with its bound arguments
    if (n.object)
    {
        FetchObject(n.object, n.objectBytes);
    }
    if (n.other)
    {
        FetchObject(n.other, 128);
    }
}

void
UbScheduler::PrefetchNext() const
{
    // The event after the next one, so that its memory has the whole of the next event's run to
    // arrive; and the next one too if it was not fetched as such (it was filed since, or its
    // bucket just became current). (A step deeper, the port the last arrival at a port left by
    // and its link's other end, fetched one event ahead: no gain measured, dropped.)
    // (Late arrivals are not looked at: each was filed by a recent event, and looking costs the
    // usual order's every event.)
    const std::vector<Node>& run = m_buckets[m_current % BUCKETS];
    const std::size_t size = run.size();
    if (size >= 1 && run[size - 1].impl != m_fetched)
    {
        Prefetch(run[size - 1]);
    }
    if (size >= 2)
    {
        Prefetch(run[size - 2]);
        m_fetched = run[size - 2].impl;
    }
}

} // namespace ns3
