/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * An event scheduler that fetches the memory of the next event while the current one runs.
 */
#ifndef UB_SCHEDULER_H
#define UB_SCHEDULER_H

#include "ns3/event-impl.h"
#include "ns3/scheduler.h"
#include "ns3/simulator-impl.h"
#include "ns3/simulator.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief What an event's handler reads first, for UbScheduler to fetch ahead: an object (its
 * first `bytes`) and a second object (its first two cache lines). Only prefetches: a wrong or
 * stale hint costs a little time, never a different result.
 */
struct UbHint
{
    const void* object{nullptr}; //!< read first (null: no hint)
    uint32_t bytes{0};           //!< bytes of it, from its start (up to 1,024)
    const void* other{nullptr};  //!< a second object, or null
};

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
 * for memory. When this scheduler hands out an event it issues prefetches for the two that run
 * after it: their event objects, and what their handlers read first where the code that
 * scheduled them named it (a UbHint, given to UbSchedule: e.g. the port a packet arrives at and
 * the packet). Those reads then overlap the current event's work instead of stalling the next.
 *
 * Events run in the order of every ns-3 scheduler (time, then insertion), so results are the
 * same as under MapScheduler or PriorityQueueScheduler, to the bit. A hint is only a prefetch:
 * a wrong or stale one costs a little time, never a different result. In distributed order
 * (SetDistributedOrder; the distributed simulator's runs, doc/distributed.md) the events of one
 * time run in an order that does not hang on which process made them: link messages first.
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
     * \brief The simulation time without a call into the simulator: inside an event, the time of
     * the event this scheduler handed out last, which is what the simulator set its clock to
     * (Simulator::Now() is an out-of-line call, and a second one that checks the simulator
     * exists, on every use). Before this scheduler has handed out an event, and under another
     * scheduler, Simulator::Now().
     * \return the current simulation time
     */
    static Time Now()
    {
        return s_clock ? TimeStep(s_nowTs) : Simulator::Now();
    }

    /**
     * \brief Schedule an event as Simulator::Schedule does, but straight to the simulator
     * implementation running this scheduler (once it has handed out an event; until then, and
     * under another scheduler, through Simulator::Schedule).
     * \param delay delay \param event the event, whose one reference the simulator takes
     * \return its id
     */
    static EventId Schedule(const Time& delay, EventImpl* event)
    {
        return s_clock ? Impl()->Schedule(delay, event)
                       : Simulator::Schedule(delay, Ptr<EventImpl>(event, false));
    }

    /**
     * \brief As Schedule, in a context (Simulator::ScheduleWithContext).
     * \param context the context \param delay delay \param event the event
     */
    static void ScheduleWithContext(uint32_t context, const Time& delay, EventImpl* event)
    {
        if (s_clock)
        {
            Impl()->ScheduleWithContext(context, delay, event);
        }
        else
        {
            Simulator::ScheduleWithContext(context, delay, event);
        }
    }

    /**
     * \brief Name what the handler of the next event scheduled reads first; call right before
     * Simulator::Schedule (UbSchedule does). Under another scheduler the hint is never read.
     * \param hint the hint
     */
    static void Hint(const UbHint& hint)
    {
        s_hint = hint;
    }

    /// \name The order of one time's events, the same however the network is split
    /// @{
    /**
     * \brief Order the events of one time so that every node sees its own in the same order
     * whichever process runs it and its neighbours (doc/distributed.md): first the messages
     * arriving over links, by the link direction they cross (SetNextLinkKey), then the rest in
     * the order they were made. Off by default: events of one time then run in the order they
     * were made, as under every ns-3 scheduler. Set before the simulation makes its first
     * event; it holds for the process.
     * \param on whether to
     */
    static void SetDistributedOrder(bool on)
    {
        s_distributed = on;
        s_ownTie = on ? uint64_t{OWN_EVENT} << 32 : 0;
        s_nextTie = s_ownTie;
    }

    /// \return whether events of one time run in distributed order
    static bool IsDistributedOrder()
    {
        return s_distributed;
    }

    /**
     * \brief In distributed order, the next event made is the effect of a message crossing
     * link direction `key` (below 2^32 - 1; ignored otherwise). Call right before scheduling it.
     * \param key the link direction (UbChannel: twice the link's id, plus the sending end)
     */
    static void SetNextLinkKey(uint32_t key)
    {
        if (s_distributed)
        {
            TieNext(key); // out of line: the usual order's packet path stays as small as it was
        }
    }

    /// @}

  private:
    static constexpr uint32_t OWN_EVENT = 0xFFFFFFFFu; //!< the tie of an event that is no message
    /// SetNextLinkKey in distributed order \param key the link direction
    static void TieNext(uint32_t key);

    /// \return the simulator running this scheduler's events (found on first use, while it runs)
    static SimulatorImpl* Impl()
    {
        if (s_impl == nullptr)
        {
            s_impl = PeekPointer(Simulator::GetImplementation());
        }
        return s_impl;
    }

    /// A pending event and the memory its handler reads first (48 bytes).
    struct Node
    {
        uint64_t ts;          //!< the event's time
        uint64_t order;       //!< at one time: tie << 32 | insertion number (tie: 0, or in
                              //!< distributed order a link key or OWN_EVENT)
        EventImpl* impl;      //!< the event
        const void* object;   //!< what its handler reads first (UbHint::object)
        const void* other;    //!< UbHint::other
        uint32_t context;     //!< its context
        uint32_t objectBytes; //!< UbHint::bytes
    };

    /// \param a,b nodes \return a runs before b: by time, then tie, then insertion
    static bool Before(const Node& a, const Node& b)
    {
        return a.ts < b.ts || (a.ts == b.ts && a.order < b.order);
    }

    /// \param n node \return its event's insertion number
    static uint32_t Uid(const Node& n)
    {
        return static_cast<uint32_t>(n.order);
    }

    /// \param n node \return it as an ns-3 scheduler event
    static Event ToEvent(const Node& n);
    /// \param n node to file in its bucket, the current run or the far heap
    void File(const Node& n);
    /// Make the current run hold the earliest events (the next non-empty bucket, sorted).
    void Settle() const;
    /// The current run emptied while m_late holds events: they become the run.
    void RunLate();

    /// \return the next event's node, the current run settled: the run's back or m_late's top
    const Node& Next() const
    {
        const std::vector<Node>& run = m_buckets[m_current % BUCKETS];
        return !m_late.empty() && Before(m_late.front(), run.back()) ? m_late.front() : run.back();
    }

    /// Take the next event's node out, m_late not empty (after Settle). \param run the current
    /// run \return it
    Node TakeLate(std::vector<Node>& run);
    /// Make bucket b, before the current one, current (an event filed there after a peek past
    /// it): the far end of the window moves back with it. \param b the bucket
    void Rewind(uint64_t b);
    /// Issue prefetches for the events that run next.
    void PrefetchNext() const;
    /// \param n a node whose event's memory to fetch (the event and its hint's objects)
    static void Prefetch(const Node& n);

    static constexpr uint32_t BUCKET_SHIFT = 10; //!< a bucket spans 2^10 ps (1.024 ns)
    static constexpr uint32_t BUCKETS = 4096;    //!< buckets in the window (4.19 us)
    /// Events a bucket keeps room for once drained (64 x 48 B: the window at most 12 MiB)
    static constexpr std::size_t KEPT_CAPACITY = 64;
    /// A sorted run this short takes a newcomer in its place (a small move); a longer one, in
    /// m_late (a burst of one time would move thousands)
    static constexpr std::size_t SHORT_RUN = 64;

    // The window of buckets ahead of the current one, each an unsorted list of the events of its
    // 1.024 ns; the current bucket sorted latest first (the next event at its back), with the
    // events filed into it since in m_late; events past the window in a heap. Mutable:
    // PeekNext settles the current run.
    mutable std::vector<std::vector<Node>> m_buckets; //!< by (ts >> BUCKET_SHIFT) % BUCKETS
    mutable std::vector<uint64_t> m_occupied;         //!< one bit per non-empty bucket
    mutable std::vector<Node> m_far;                  //!< beyond the window: a heap, earliest first
    // Events filed into the current bucket once it is sorted: a heap, earliest first, so that
    // filing one costs a push instead of moving the run's earlier events (which a burst of one
    // time, a symmetric fabric's usual case, makes thousands). Empty whenever the current run
    // is (RunLate), so that only taking an event looks at it.
    mutable std::vector<Node> m_late;            //!< late arrivals in the current bucket
    mutable uint64_t m_current{0};               //!< absolute number of the current bucket
    mutable std::size_t m_inBuckets{0};          //!< events in the buckets (current included)
    mutable bool m_sorted{false};                //!< the current bucket is sorted
    mutable const EventImpl* m_fetched{nullptr}; //!< the event last fetched two ahead
    uint64_t m_lastTs{0};                        //!< the time of the event handed out last

    static inline UbHint s_hint{};           //!< hint for the next Insert
    static inline bool s_distributed{false}; //!< SetDistributedOrder
    static inline uint64_t s_ownTie{0};      //!< an own event's tie, shifted into Node::order
    static inline uint64_t s_nextTie{0};     //!< the next Insert's, shifted
    // The scheduler that handed out the running event (null before the first, and once it is
    // gone), its simulator, and that event's time.
    static inline const UbScheduler* s_clock{nullptr}; //!< the running simulation's scheduler
    static inline SimulatorImpl* s_impl{nullptr};      //!< its simulator implementation
    static inline uint64_t s_nowTs{0};                 //!< the running event's time
};

/**
 * \ingroup unifiedbus
 * \brief Blocks of one size for the packet path's events, reused last-freed-first: a packet's
 * passage frees one event and makes the next, whose memory is then still in the cache, and a
 * burst of injections takes blocks from a list instead of malloc's slower bins. Blocks go back
 * to the list, never to malloc: the list holds at most the most events ever pending at once.
 * One list per block size for the whole process (ns-3 runs a simulation on one thread).
 */
template <std::size_t Size>
class UbEventPool
{
  public:
    /// \return a block of Size bytes
    static void* Get()
    {
        if (s_free == nullptr)
        {
            Grow();
        }
        void* p = s_free;
        s_free = *static_cast<void**>(p);
        return p;
    }

    /// \param p a block from Get, free again
    static void Put(void* p)
    {
        *static_cast<void**>(p) = s_free;
        s_free = p;
    }

  private:
    /// Add a slab of blocks to the list.
    static void Grow()
    {
        constexpr std::size_t BLOCK = (Size + 15) / 16 * 16;
        constexpr std::size_t COUNT = 64;
        auto* slab = static_cast<char*>(::operator new(BLOCK* COUNT));
        for (std::size_t i = COUNT; i > 0; --i)
        {
            Put(slab + (i - 1) * BLOCK);
        }
    }

    static inline void* s_free{nullptr}; //!< first free block
};

/**
 * \ingroup unifiedbus
 * \brief An event calling obj->fn(args...) whose memory comes from UbEventPool: what MakeEvent
 * makes, for the events every packet schedules. Its arguments are moved into the call (it runs
 * once), so a packet's reference count is not touched twice.
 */
template <typename T, typename... Params>
class UbPooledEvent : public EventImpl
{
  public:
    /// The member function the event calls.
    using Fn = void (T::*)(Params...);

    /// \param fn member function \param obj object \param args its arguments
    template <typename... Args>
    UbPooledEvent(Fn fn, T* obj, Args&&... args)
        : m_fn(fn),
          m_obj(obj),
          m_args(std::forward<Args>(args)...)
    {
    }

    /// \param size bytes \return a block from the pool
    static void* operator new(std::size_t size)
    {
        static_assert(sizeof(UbPooledEvent) <= 256, "a packet-path event should stay small");
        (void)size;
        return UbEventPool<sizeof(UbPooledEvent)>::Get();
    }

    /// \param p block to return to the pool
    static void operator delete(void* p)
    {
        UbEventPool<sizeof(UbPooledEvent)>::Put(p);
    }

  private:
    void Notify() override
    {
        std::apply([this](auto&... a) { (m_obj->*m_fn)(std::move(a)...); }, m_args);
    }

    Fn m_fn;                                    //!< the function
    T* m_obj;                                   //!< its object
    std::tuple<std::decay_t<Params>...> m_args; //!< its arguments
};

/**
 * \brief Schedule obj->fn(args...) after delay with a pooled event (UbPooledEvent), naming what
 * its handler reads first for UbScheduler.
 * \param delay delay \param hint the hint \param fn,obj,args the call \return the event's id
 */
template <typename T, typename... Params, typename... Args>
EventId
UbSchedule(const Time& delay, const UbHint& hint, void (T::*fn)(Params...), T* obj, Args&&... args)
{
    UbScheduler::Hint(hint);
    return UbScheduler::Schedule(
        delay,
        new UbPooledEvent<T, Params...>(fn, obj, std::forward<Args>(args)...));
}

/**
 * \brief As UbSchedule, in a context (ScheduleWithContext). \param context the context
 * \param delay delay \param hint the hint \param fn,obj,args the call
 */
template <typename T, typename... Params, typename... Args>
void
UbScheduleWithContext(uint32_t context,
                      const Time& delay,
                      const UbHint& hint,
                      void (T::*fn)(Params...),
                      T* obj,
                      Args&&... args)
{
    UbScheduler::Hint(hint);
    UbScheduler::ScheduleWithContext(
        context,
        delay,
        new UbPooledEvent<T, Params...>(fn, obj, std::forward<Args>(args)...));
}

} // namespace ns3

#endif /* UB_SCHEDULER_H */
