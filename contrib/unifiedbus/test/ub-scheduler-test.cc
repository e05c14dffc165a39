/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * UbScheduler runs events in the order every ns-3 scheduler does (time, then insertion):
 *  - through its Scheduler interface, against a sort of the same keys: events in one bucket, in
 *    many, past the window (the far heap), with ties, removals and insertions between removals,
 *    and in bursts of hundreds per bucket, filed into while it runs (the late heap), including a
 *    burst removed whole while late events wait;
 *  - the same when, as under ns-3's distributed kernels, events are inserted after a peek that
 *    moved the window ahead, earlier than the event peeked at (UbScheduler::Rewind);
 *  - under the simulator, a workload that schedules from its events (zero delays, ties, delays
 *    past the window, cancellations and removals) runs the same events at the same times in the
 *    same order as under ns-3's MapScheduler, and in (time, insertion) order; in every event,
 *    and before the first, UbScheduler::Now() (the packet path's clock) is Simulator::Now();
 *  - a pooled event (UbSchedule) calls its function once, with its arguments, when the
 *    simulator runs it, releases them after, and is not called when cancelled; its memory is
 *    reused by the next one;
 *  - a simulator destroyed with events pending, whether it ran or not, releases them.
 */
#include "ns3/event-impl.h"
#include "ns3/make-event.h"
#include "ns3/object-factory.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/test.h"
#include "ns3/ub-compat.h"
#include "ns3/ub-scheduler.h"

#include <algorithm>
#include <random>
#include <vector>

using namespace ns3;

namespace
{

void
Nothing()
{
}

class UbSchedulerKeysTestCase : public TestCase
{
  public:
    /// \param burst most events fall in a few buckets, hundreds to each (a symmetric fabric's
    /// bursts of one time: events filed into the running bucket wait beside it, in m_late)
    UbSchedulerKeysTestCase(bool burst)
        : TestCase(burst ? "in bursts of hundreds of events per bucket, the scheduler hands out "
                           "events by time, then insertion, as a sort does"
                         : "the scheduler hands out events by time, then insertion, as a sort "
                           "does"),
          m_burst(burst)
    {
    }

  private:
    void DoRun() override
    {
        Ptr<UbScheduler> s = CreateObject<UbScheduler>();
        std::mt19937_64 rng(7);
        std::vector<Ptr<EventImpl>> impls; // keep the bodies alive
        std::vector<Scheduler::Event> pending;
        uint32_t uid = 0;
        uint64_t now = 0;
        auto add = [&](uint64_t ts) {
            Scheduler::Event ev;
            impls.push_back(
                Ptr<EventImpl>(MakeEvent(&Nothing), false)); // MakeEvent holds one reference
            ev.impl = PeekPointer(impls.back());
            ev.key.m_ts = ts;
            ev.key.m_uid = ++uid;
            ev.key.m_context = uid % 5;
            s->Insert(ev);
            pending.push_back(ev);
        };
        // Delays: within a bucket (under 1,024 ps), across the window (4.19 us), past it, and
        // equal to an earlier one's (ties broken by insertion).
        auto delay = [&rng, this]() -> uint64_t {
            if (m_burst && rng() % 8 != 0)
            {
                // Within the bucket or the next three, on 16 distinct times each.
                return (rng() % 64) * 64;
            }
            switch (rng() % 5)
            {
            case 0:
                return 0;
            case 1:
                return rng() % 1024;
            case 2:
                return rng() % 4'000'000;
            case 3:
                return rng() % 50'000'000;
            default:
                return (rng() % 8) * 1024;
            }
        };
        uint64_t handedOut = 0;
        uint64_t removed = 0;
        for (int i = 0; i < 2000; ++i)
        {
            add(now + delay());
        }
        while (!s->IsEmpty())
        {
            if (rng() % 17 == 0 && pending.size() > 1)
            {
                // Remove one that is not the next (as Simulator::Remove does).
                std::size_t k = rng() % pending.size();
                if (m_burst && rng() % 2 == 0)
                {
                    // One of the last filed: often one waiting beside the running bucket.
                    k = pending.size() - 1 - rng() % std::min<std::size_t>(pending.size(), 8);
                }
                s->Remove(pending[k]);
                pending.erase(pending.begin() + k);
                ++removed;
                continue;
            }
            auto first = std::min_element(
                pending.begin(),
                pending.end(),
                [](const Scheduler::Event& a, const Scheduler::Event& b) { return a.key < b.key; });
            Scheduler::Event peek = s->PeekNext();
            Scheduler::Event next = s->RemoveNext();
            NS_TEST_ASSERT_MSG_EQ(peek.key.m_uid, next.key.m_uid, "PeekNext named another event");
            NS_TEST_ASSERT_MSG_EQ(next.key.m_uid, first->key.m_uid, "event out of order");
            NS_TEST_ASSERT_MSG_EQ(next.key.m_ts, first->key.m_ts, "time changed");
            NS_TEST_ASSERT_MSG_EQ(next.key.m_context, first->key.m_context, "context changed");
            NS_TEST_ASSERT_MSG_EQ(next.impl, first->impl, "body changed");
            pending.erase(first);
            now = next.key.m_ts;
            ++handedOut;
            // Events scheduled by the one that runs: up to three, from now.
            if (uid < 20000)
            {
                for (uint64_t k = rng() % 4; k > 0; --k)
                {
                    add(now + delay());
                }
            }
        }
        NS_TEST_ASSERT_MSG_EQ(pending.empty(), true, "events left behind");
        NS_TEST_ASSERT_MSG_EQ(handedOut + removed, uid, "events lost");
        NS_TEST_ASSERT_MSG_GT(handedOut, 15000u, "too few events to mean anything");
        NS_TEST_ASSERT_MSG_GT(removed, 500u, "too few removals to mean anything");
    }

    bool m_burst; //!< most events in a few buckets
};

/**
 * A long sorted run (a burst in one bucket) whose events are all removed while events filed into
 * its bucket after it was sorted wait beside it: those run next, in (time, insertion) order, and
 * so does an event filed after them.
 */
class UbSchedulerLateTestCase : public TestCase
{
  public:
    UbSchedulerLateTestCase()
        : TestCase("events filed into a sorted burst run in order after the burst is removed")
    {
    }

  private:
    void DoRun() override
    {
        Ptr<UbScheduler> s = CreateObject<UbScheduler>();
        std::vector<Ptr<EventImpl>> impls;
        uint32_t uid = 0;
        auto make = [&](uint64_t ts) {
            Scheduler::Event ev;
            impls.push_back(
                Ptr<EventImpl>(MakeEvent(&Nothing), false)); // MakeEvent holds one reference
            ev.impl = PeekPointer(impls.back());
            ev.key.m_ts = ts;
            ev.key.m_uid = ++uid;
            ev.key.m_context = 0;
            s->Insert(ev);
            return ev;
        };
        // 200 events at 0, 2, ..., 398 ps: one bucket, a run longer than one kept sorted by
        // moving its events.
        std::vector<Scheduler::Event> burst;
        for (uint64_t i = 0; i < 200; ++i)
        {
            burst.push_back(make(2 * i));
        }
        NS_TEST_ASSERT_MSG_EQ(s->PeekNext().key.m_uid, 1u, "the burst's first is next");
        // Filed after the sort, later than the run's first: 901, 701, 501 ps (reverse order),
        // then a tie at 501 ps that must follow its elder.
        const uint32_t at901 = make(901).key.m_uid;
        const uint32_t at701 = make(701).key.m_uid;
        const uint32_t at501 = make(501).key.m_uid;
        const uint32_t tie501 = make(501).key.m_uid;
        for (const Scheduler::Event& ev : burst)
        {
            s->Remove(ev);
        }
        const uint32_t at600 = make(600).key.m_uid; // filed into the run the late ones became
        const std::vector<std::pair<uint32_t, uint64_t>> expected{{at501, 501},
                                                                  {tie501, 501},
                                                                  {at600, 600},
                                                                  {at701, 701},
                                                                  {at901, 901}};
        for (const auto& [id, ts] : expected)
        {
            NS_TEST_ASSERT_MSG_EQ(s->IsEmpty(), false, "an event was lost");
            NS_TEST_ASSERT_MSG_EQ(s->PeekNext().key.m_uid, id, "PeekNext out of order");
            const Scheduler::Event next = s->RemoveNext();
            NS_TEST_ASSERT_MSG_EQ(next.key.m_uid, id, "out of order");
            NS_TEST_ASSERT_MSG_EQ(next.key.m_ts, ts, "time changed");
        }
        NS_TEST_ASSERT_MSG_EQ(s->IsEmpty(), true, "events left behind");
    }
};

/**
 * ns-3's distributed kernels peek at the next event past the time they may run to, which moves
 * the calendar's window ahead, and then insert events from other processes that are earlier than
 * it but not earlier than the last event handed out. The scheduler moves its window back
 * (UbScheduler::Rewind) and still hands out every event in (time, insertion) order.
 */
class UbSchedulerRewindTestCase : public TestCase
{
  public:
    UbSchedulerRewindTestCase()
        : TestCase("events inserted before the one peeked at (distributed kernels) keep the order")
    {
    }

  private:
    void DoRun() override
    {
        Ptr<UbScheduler> s = CreateObject<UbScheduler>();
        std::mt19937_64 rng(23);
        std::vector<Ptr<EventImpl>> impls;
        std::vector<Scheduler::Event> pending;
        uint32_t uid = 0;
        uint64_t now = 0;
        uint32_t rewinds = 0; // insertions in a bucket before the one peeked at (Rewind)
        uint32_t far = 0;     // of them, a window or more before it
        auto add = [&](uint64_t ts) {
            Scheduler::Event ev;
            impls.push_back(
                Ptr<EventImpl>(MakeEvent(&Nothing), false)); // MakeEvent holds one reference
            ev.impl = PeekPointer(impls.back());
            ev.key.m_ts = ts;
            ev.key.m_uid = ++uid;
            ev.key.m_context = 0;
            s->Insert(ev);
            pending.push_back(ev);
        };
        // Few events far apart: peeking jumps the window over whole windows (4.19 us).
        for (int i = 0; i < 8; ++i)
        {
            add(rng() % 200'000'000);
        }
        uint64_t handedOut = 0;
        while (!s->IsEmpty())
        {
            const Scheduler::Event peek = s->PeekNext();
            if (rng() % 2 == 0 && uid < 20000 && pending.size() < 16)
            {
                // Events from "another process": from now (ties with the last event handed out
                // included) up to the one peeked at, often a window or more before it.
                for (uint64_t k = 1 + rng() % 3; k > 0; --k)
                {
                    const uint64_t span = peek.key.m_ts - now + 1;
                    const uint64_t ts = rng() % 4 == 0 ? now : now + rng() % span;
                    rewinds += (ts >> 10) < (peek.key.m_ts >> 10) ? 1 : 0;
                    far += peek.key.m_ts - ts >= 4'194'304 ? 1 : 0;
                    add(ts);
                }
                continue; // peek again
            }
            auto first = std::min_element(
                pending.begin(),
                pending.end(),
                [](const Scheduler::Event& a, const Scheduler::Event& b) { return a.key < b.key; });
            const Scheduler::Event next = s->RemoveNext();
            NS_TEST_ASSERT_MSG_EQ(next.key.m_uid, first->key.m_uid, "event out of order");
            NS_TEST_ASSERT_MSG_EQ(next.key.m_ts, first->key.m_ts, "time changed");
            NS_TEST_ASSERT_MSG_EQ(next.impl, first->impl, "body changed");
            pending.erase(first);
            now = next.key.m_ts;
            ++handedOut;
            while (uid < 20000 && pending.size() < 8)
            {
                add(now + rng() % 100'000'000); // the run goes on, sparsely: peeks jump ahead
            }
        }
        NS_TEST_ASSERT_MSG_EQ(pending.empty(), true, "events left behind");
        NS_TEST_ASSERT_MSG_EQ(handedOut, uid, "events lost");
        NS_TEST_ASSERT_MSG_GT(handedOut, 15000u, "too few events to mean anything");
        NS_TEST_ASSERT_MSG_GT(rewinds,
                              1000u,
                              "too few insertions before the peek to mean anything");
        NS_TEST_ASSERT_MSG_GT(far, 100u, "too few insertions a window back to mean anything");
    }
};

/// A workload that schedules from its events; records what ran, when, in which order.
class Workload
{
  public:
    struct Ran
    {
        uint64_t ts;
        uint32_t id;    //!< the workload's own number for the event (in scheduling order)
        uint32_t order; //!< when it was scheduled among all the workload's events
    };

    std::vector<Ran> Run(const std::string& scheduler)
    {
        ObjectFactory f;
        f.SetTypeId(scheduler);
        Simulator::SetScheduler(f);
        m_rng.seed(11);
        m_ran.clear();
        m_next = 0;
        m_pending.clear();
        m_clockOff = UbScheduler::Now() != Simulator::Now() ? 1 : 0; // before any event ran
        for (int i = 0; i < 200; ++i)
        {
            Add(PicoSeconds(m_rng() % 5000));
        }
        Simulator::Run();
        Simulator::Destroy();
        return m_ran;
    }

  private:
    void Add(Time delay)
    {
        uint32_t id = m_next++;
        m_pending.push_back(Simulator::Schedule(delay, &Workload::Fire, this, id));
    }

    void Fire(uint32_t id)
    {
        m_ran.push_back(Ran{static_cast<uint64_t>(Simulator::Now().GetPicoSeconds()), id, id});
        m_clockOff += UbScheduler::Now() != Simulator::Now() ? 1 : 0;
        if (m_next > 30000)
        {
            return;
        }
        for (uint32_t k = m_rng() % 4; k > 0; --k)
        {
            switch (m_rng() % 6)
            {
            case 0:
                Add(Time(0));
                break;
            case 1:
                Add(PicoSeconds(m_rng() % 1024));
                break;
            case 2:
                Add(PicoSeconds(m_rng() % 3'000'000));
                break;
            case 3:
                Add(NanoSeconds(5000 + m_rng() % 100'000)); // past the 4.19-us window
                break;
            default:
                Add(PicoSeconds(512 * (m_rng() % 4))); // ties with others
                break;
            }
        }
        if (m_rng() % 9 == 0 && !m_pending.empty())
        {
            EventId& e = m_pending[m_rng() % m_pending.size()];
            if (m_rng() % 2)
            {
                Simulator::Cancel(e);
            }
            else
            {
                Simulator::Remove(e);
            }
        }
    }

  public:
    /// \return events (and the start) at which UbScheduler::Now() was not Simulator::Now()
    uint32_t ClockOff() const
    {
        return m_clockOff;
    }

  private:
    std::mt19937_64 m_rng;
    uint32_t m_clockOff{0};
    std::vector<Ran> m_ran;
    std::vector<EventId> m_pending;
    uint32_t m_next{0};
};

class UbSchedulerSimulatorTestCase : public TestCase
{
  public:
    UbSchedulerSimulatorTestCase()
        : TestCase("under the simulator, the same events at the same times as MapScheduler, and "
                   "UbScheduler::Now() is the simulator's time")
    {
    }

  private:
    void DoRun() override
    {
        Workload w;
        std::vector<Workload::Ran> map = w.Run("ns3::MapScheduler");
        NS_TEST_EXPECT_MSG_EQ(w.ClockOff(), 0u, "UbScheduler::Now() under MapScheduler");
        std::vector<Workload::Ran> ub = w.Run("ns3::UbScheduler");
        NS_TEST_EXPECT_MSG_EQ(w.ClockOff(), 0u, "UbScheduler::Now() is not the simulator's time");
        NS_TEST_ASSERT_MSG_GT(map.size(), 20000u, "too few events to mean anything");
        NS_TEST_ASSERT_MSG_EQ(ub.size(), map.size(), "another number of events ran");
        for (std::size_t i = 0; i < std::min(ub.size(), map.size()); ++i)
        {
            NS_TEST_ASSERT_MSG_EQ(ub[i].id, map[i].id, "event " << i << " differs");
            NS_TEST_ASSERT_MSG_EQ(ub[i].ts, map[i].ts, "event " << i << " ran at another time");
            if (i > 0)
            {
                // The rule itself: time, then the order of scheduling.
                bool inOrder = ub[i - 1].ts < ub[i].ts ||
                               (ub[i - 1].ts == ub[i].ts && ub[i - 1].order < ub[i].order);
                NS_TEST_ASSERT_MSG_EQ(inOrder, true, "event " << i << " out of order");
            }
        }
        // Run destroyed the simulator: the next one takes the program's SchedulerType again.
    }
};

/// Receives pooled events.
class Receiver
{
  public:
    void Take(Ptr<Packet> p, uint32_t tag, Time sent)
    {
        ++calls;
        sumTags += tag;
        lastSize = p->GetSize();
        lastDelayPs = (Simulator::Now() - sent).GetPicoSeconds();
    }

    uint32_t calls{0};
    uint64_t sumTags{0};
    uint32_t lastSize{0};
    int64_t lastDelayPs{0};
};

class UbPooledEventTestCase : public TestCase
{
  public:
    UbPooledEventTestCase()
        : TestCase("a pooled event calls its function once with its arguments and releases them")
    {
    }

  private:
    void DoRun() override
    {
        Receiver r;
        Ptr<Packet> p = Create<Packet>(321);
        const uint32_t before = p->GetReferenceCount();
        const void* last = nullptr; // the block of the event that runs last
        const void* next = nullptr; // the block of the event made after that
        {
            EventId a = UbSchedule(PicoSeconds(700),
                                   UbHint{&r, sizeof(r), PeekPointer(p)},
                                   &Receiver::Take,
                                   &r,
                                   p,
                                   5u,
                                   Time(0));
            EventId b = UbSchedule(PicoSeconds(900), UbHint{}, &Receiver::Take, &r, p, 7u, Time(0));
            last = b.PeekEventImpl();
            EventId c =
                UbSchedule(PicoSeconds(800), UbHint{}, &Receiver::Take, &r, p, 100u, Time(0));
            NS_TEST_ASSERT_MSG_EQ(p->GetReferenceCount(),
                                  before + 3,
                                  "each event holds the packet");
            c.Cancel();
        }
        Simulator::Run();
        NS_TEST_ASSERT_MSG_EQ(r.calls, 2u, "two events ran (the cancelled one did not)");
        NS_TEST_ASSERT_MSG_EQ(r.sumTags, 12u, "their arguments");
        NS_TEST_ASSERT_MSG_EQ(r.lastSize, 321u, "the packet");
        NS_TEST_ASSERT_MSG_EQ(r.lastDelayPs, 900, "at its time");
        NS_TEST_ASSERT_MSG_EQ(p->GetReferenceCount(), before, "the events released the packet");
        {
            EventId d = UbSchedule(PicoSeconds(1), UbHint{}, &Receiver::Take, &r, p, 1u, Time(0));
            next = d.PeekEventImpl();
        }
        Simulator::Run();
        Simulator::Destroy();
        NS_TEST_ASSERT_MSG_EQ(r.calls, 3u, "the third ran");
        // The pool hands out the block freed last: the event that ran last (at 900 ps).
        NS_TEST_ASSERT_MSG_EQ(next, last, "the freed block was not reused first");
    }
};

/**
 * A simulator destroyed with events pending drains them through the scheduler while it is
 * destroyed: the scheduler must not call into the simulator then (a first version of
 * UbScheduler::Now looked the simulator up at its first removal and freed it twice when a
 * program built a system and never ran it).
 */
class UbSchedulerDestroyTestCase : public TestCase
{
  public:
    UbSchedulerDestroyTestCase()
        : TestCase("a simulator destroyed with events pending, run or never run, releases them")
    {
    }

  private:
    void DoRun() override
    {
        Receiver r;
        Ptr<Packet> p = Create<Packet>(64);
        const uint32_t before = p->GetReferenceCount();
        for (bool run : {false, true})
        {
            UbSchedule(PicoSeconds(10), UbHint{}, &Receiver::Take, &r, p, 1u, Time(0));
            UbSchedule(MicroSeconds(50), UbHint{}, &Receiver::Take, &r, p, 2u, Time(0));
            if (run)
            {
                Simulator::Stop(PicoSeconds(20));
                Simulator::Run();
            }
            NS_TEST_EXPECT_MSG_EQ(UbScheduler::Now(), Simulator::Now(), "the clock");
            Simulator::Destroy();
            NS_TEST_EXPECT_MSG_EQ(p->GetReferenceCount(),
                                  before,
                                  (run ? "run" : "never run") << ": pending events not released");
        }
        NS_TEST_EXPECT_MSG_EQ(r.calls, 1u, "only the event before the stop ran");
    }
};

class UbSchedulerTestSuite : public TestSuite
{
  public:
    UbSchedulerTestSuite()
        : TestSuite("unifiedbus-scheduler", TestSuite::Type::UNIT)
    {
        AddTestCase(new UbSchedulerKeysTestCase(false));
        AddTestCase(new UbSchedulerKeysTestCase(true));
        AddTestCase(new UbSchedulerLateTestCase);
        AddTestCase(new UbSchedulerRewindTestCase);
        AddTestCase(new UbSchedulerSimulatorTestCase);
        AddTestCase(new UbPooledEventTestCase);
        AddTestCase(new UbSchedulerDestroyTestCase);
    }

  private:
    void DoSetup() override
    {
        // These cases make no UB object, which would switch ns-3 to picoseconds; ns-3's own
        // test-runner (test.py) leaves the resolution at nanoseconds, where the pooled event's
        // 700 to 900 ps are all 0. ub-test-runner sets picoseconds itself. Once a case has run a
        // simulation the resolution can no longer change, so the suite sets it before the first.
        UbEnsurePicoseconds();
    }
};

static UbSchedulerTestSuite g_ubSchedulerTestSuite;

} // namespace
