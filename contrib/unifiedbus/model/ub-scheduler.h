/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * An event scheduler that fetches the memory of the next event while the current one runs.
 */
#ifndef UB_SCHEDULER_H
#define UB_SCHEDULER_H

#include "ns3/scheduler.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief ns-3 event scheduler for packet-level fabrics: a calendar queue whose next events are
 * known in order, and that asks the processor to fetch their memory while the current one runs.
 *
 * Events wait in buckets of 1.024 ns of simulated time (a calendar queue): an insertion appends
 * to its bucket, a removal takes the next event of the current bucket, sorted once when it
 * becomes current, and events more than 4.19 us ahead wait in a heap until the window reaches
 * them. A packet-level fabric's events are almost all a few hundred nanoseconds ahead, so where
 * a heap of 18,000 pending events (a 72-rank collective's packets on wires) reads a dozen
 * scattered lines per removal, this reads the next entries of one array.
 *
 * In a SuperPoD's collective thousands of ports are busy at once and a packet's passage reads a
 * port whose state has left the processor's caches since its last packet; each such read waits
 * for memory. When this scheduler hands out an event it issues prefetches for the event that
 * will run after it: the event object, and the object its handler will read first if the code
 * that scheduled it named one (UbScheduler::Hint, e.g. the device a packet arrives at and the
 * packet). Those reads then overlap the current event's work instead of stalling the next one.
 *
 * Events run in the order of every ns-3 scheduler (time, then insertion), so results are the
 * same as under MapScheduler or PriorityQueueScheduler, to the bit. A hint is only a prefetch:
 * a wrong or stale one costs a little time, never a different result.
 */
class UbScheduler : public Scheduler
{
  public:
    /// \return the TypeId ("ns3::UbScheduler")
    static TypeId GetTypeId();

    UbScheduler();
    ~UbScheduler() override;

    void Insert(const Event& ev) override;
    bool IsEmpty() const override;
    Event PeekNext() const override;
    Event RemoveNext() override;
    void Remove(const Event& ev) override;

    /**
     * \brief Name the memory the handler of the next event scheduled will read first; call right
     * before Simulator::Schedule. Under another scheduler the hint is never read.
     * \param object start of the object
     * \param bytes bytes of it to fetch, from its start (up to 1,024)
     * \param other a second object whose first two cache lines to fetch (may be null)
     */
    static void Hint(const void* object, uint32_t bytes, const void* other = nullptr)
    {
        const auto at = reinterpret_cast<uintptr_t>(object);
        const uintptr_t lines = ((at & 63) + bytes + 63) / 64; // the lines it touches
        s_hint = at == 0 ? 0 : (at & ~uintptr_t{15}) | (lines > 16 ? 15 : (lines ? lines - 1 : 0));
        s_hintOther = other;
    }

  private:
    /// A pending event and the memory its handler reads first.
    struct Node
    {
        uint64_t ts;       //!< the event's time
        uint32_t uid;      //!< its insertion number (breaks ties)
        uint32_t context;  //!< its context
        EventImpl* impl;   //!< the event
        uintptr_t hint;    //!< object address | (cache lines - 1), 0: none
        const void* other; //!< a second object (two lines), or null
    };

    /// \param a,b nodes \return a runs before b
    static bool Before(const Node& a, const Node& b)
    {
        return a.ts < b.ts || (a.ts == b.ts && a.uid < b.uid);
    }

    /// \param n node \return it as an ns-3 scheduler event
    static Event ToEvent(const Node& n);
    /// \param n node to file in its bucket, the current run or the far heap
    void File(const Node& n);
    /// Make the current run hold the earliest events (the next non-empty bucket, sorted).
    void Settle() const;
    /// Issue prefetches for the events that run next.
    void PrefetchNext() const;
    /// \param n a node whose memory to fetch
    static void Prefetch(const Node& n);

    static constexpr uint32_t BUCKET_SHIFT = 10; //!< a bucket spans 2^10 ps (1.024 ns)
    static constexpr uint32_t BUCKETS = 4096;    //!< buckets in the window (4.19 us)

    // The window of buckets ahead of the current one, each an unsorted list of the events of its
    // 1.024 ns; the current bucket sorted latest first (the next event at its back); events past
    // the window in a heap. Mutable: PeekNext settles the current run.
    mutable std::vector<std::vector<Node>> m_buckets; //!< by (ts >> BUCKET_SHIFT) % BUCKETS
    mutable std::vector<uint64_t> m_occupied;         //!< one bit per non-empty bucket
    mutable std::vector<Node> m_far;                  //!< beyond the window: a heap, earliest first
    mutable uint64_t m_current{0};                    //!< absolute number of the current bucket
    mutable std::size_t m_inBuckets{0};               //!< events in the buckets (current included)
    mutable bool m_sorted{false};                     //!< the current bucket is sorted
    mutable const EventImpl* m_fetched{nullptr};      //!< the event last fetched ahead

    static inline uintptr_t s_hint{0};              //!< hint for the next Insert
    static inline const void* s_hintOther{nullptr}; //!< its second object
};

} // namespace ns3

#endif /* UB_SCHEDULER_H */
