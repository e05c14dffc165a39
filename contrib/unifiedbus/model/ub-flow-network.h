/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef UB_FLOW_NETWORK_H
#define UB_FLOW_NETWORK_H

#include "ns3/event-id.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <unordered_map>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief The flow level: a fluid network in which flows share directed links by max-min
 * fairness, driven by ns-3's simulator (one event per time at which flows end, none per byte).
 *
 * A link is a capacity in bytes per second. A flow moves a number of bytes over a set of links,
 * each with a weight: how many times the flow's rate loads that link. A flow on one path has
 * weight 1 on each of its links; a flow sprayed evenly over k paths has weight 1/k on each
 * path's links (a per-packet spray is an even split); and a flow class, m identical flows whose
 * rates are equal by symmetry (the members of one ring step, say), is one flow whose rate is a
 * member's and whose weight on a link is the number of members crossing it (times their split).
 *
 * Rates are the weighted max-min fair allocation, found by progressive filling: every flow's
 * rate rises together until a link is full (its load, the sum of weight x rate, reaches its
 * capacity) or a flow reaches its own limit (MaxRate); those flows keep that rate and the rest
 * rise on. Rates change only when a flow starts or ends, and then only for the flows connected
 * to it through shared links (its component in the graph of flows and links), so that a change
 * costs what its component holds, not what the network holds. All starts and ends at one time
 * are settled together, after the callbacks of the flows that ended then (which may start
 * others).
 *
 * A flow's rate is recomputed only by settling, and its remaining bytes are brought up to date
 * only when its rate changes, so the results do not depend on how many components were settled
 * (SetIncremental(false) settles every flow each time, for tests): the same inputs give the same
 * end times to the picosecond. An end time is the first picosecond at which the flow's bytes
 * have all moved.
 *
 * Two changes need no settling, since no other rate can move: a flow ends whose links are
 * each its own or not full (it was no one else's bottleneck), and a flow starts whose tightest
 * link is its own (its limit, or a link no other flow uses) while every link it shares has room
 * for it (it takes from no one). Its rate is then what settling would give it.
 *
 * Memory: 48 bytes per link, 32 per use of a link by a flow (pooled) and about 100 per flow in
 * progress, plus its callback; flows that ended are reused.
 */
class UbFlowNetwork
{
  public:
    /// Called when a flow's last byte has moved, with the flow's id.
    typedef std::function<void(uint32_t)> DoneCallback;

    /// A link a flow loads, and how many times its rate loads it.
    struct Use
    {
        uint32_t link{0}; //!< link id
        double weight{1}; //!< load per unit of the flow's rate (> 0)
    };

    /**
     * \brief Many flows' uses in compressed rows, as MaxMinRates takes them: 4 bytes per use
     * while the network's link ids and the distinct weights fit in 32 bits together (a link in
     * the low bits, the index of its weight among the distinct weights in the rest; weights are
     * few: a link kind's wire bytes per payload byte times a route's shares), else 6 (the link,
     * and the weight's index apart), instead of a vector of Use per flow.
     */
    class UseRows
    {
      public:
        /// \param links the network's links (every link id below it; UbFlowNetwork::GetNLinks)
        explicit UseRows(uint32_t links);
        /// \param uses one more flow's uses, in order (at most 2^32 uses in all)
        void Add(const std::vector<Use>& uses);
        /**
         * \brief Make room (rows grow by doubling otherwise).
         * \param flows flows in all
         * \param uses uses in all
         */
        void Reserve(uint32_t flows, std::size_t uses);

        /// \return the flows
        uint32_t GetNFlows() const
        {
            return static_cast<uint32_t>(m_start.size() - 1);
        }

        /// \return the uses, over all flows
        std::size_t GetNUses() const
        {
            return m_use.size();
        }

      private:
        friend class UbFlowNetwork;

        /// \param k a use \return its link
        uint32_t LinkOf(std::size_t k) const
        {
            return m_wide ? m_use[k] : m_use[k] & m_linkMask;
        }

        /// \param k a use \return its weight
        double WeightOf(std::size_t k) const
        {
            return m_weights[m_wide ? m_wideWeight[k] : m_use[k] >> m_linkBits];
        }

        /// \param k a use \param link the link it now names (below the links given)
        void SetLink(std::size_t k, uint32_t link)
        {
            m_use[k] = m_wide ? link : (m_use[k] & ~m_linkMask) | link;
        }

        /// Move the weights' indices out of m_use (when they outgrow the bits left).
        void Widen();

        std::vector<uint32_t> m_start{0};   //!< flow f's uses: [start[f], start[f + 1])
        std::vector<uint32_t> m_use;        //!< per use: link | weight index << m_linkBits
        std::vector<uint16_t> m_wideWeight; //!< per use, once wide: its weight's index
        std::vector<double> m_weights;      //!< the distinct weights (at most 65,536)
        std::unordered_map<uint64_t, uint16_t> m_index; //!< a weight's bits -> its index
        uint32_t m_links;                               //!< link ids are below it
        uint32_t m_linkBits;                            //!< the bits a link id takes
        uint32_t m_linkMask;                            //!< (1 << m_linkBits) - 1
        bool m_wide{false};                             //!< weights' indices apart, in m_wideWeight
        uint64_t m_lastBits{0};                         //!< the weight added last (most repeat it)
        uint16_t m_lastIndex{0};                        //!< its index
    };

    /// Counters of the work done (the incremental settling's cost, for tests and benchmarks).
    struct Stats
    {
        uint64_t flowsStarted{0}; //!< flows started
        uint64_t flowsEnded{0};   //!< flows whose bytes have all moved
        uint64_t settles{0};      //!< times rates were settled
        uint64_t flowsSettled{0}; //!< flows whose rate was computed, over all settles
        uint64_t linksSettled{0}; //!< links visited, over all settles
        uint64_t settledAlone{0}; //!< new flows given their rate without settling others
        uint32_t peakFlows{0};    //!< most flows in progress at once
    };

    UbFlowNetwork();
    ~UbFlowNetwork();
    UbFlowNetwork(const UbFlowNetwork&) = delete;
    UbFlowNetwork& operator=(const UbFlowNetwork&) = delete;

    /**
     * \brief Add a directed link.
     * \param bytesPerSecond its capacity (> 0)
     * \return its id (0, 1, 2, ... in order)
     */
    uint32_t AddLink(double bytesPerSecond);
    /// \param links links the network will have: room for them at once, not grown link by
    /// link (a million NPUs' fabric has 90 million link directions)
    void ReserveLinks(uint32_t links);

    /// \return links
    uint32_t GetNLinks() const
    {
        return static_cast<uint32_t>(m_capacityOf.size());
    }

    /// \param link a link \return its capacity in bytes per second
    double GetCapacity(uint32_t link) const;
    /**
     * \brief The weighted max-min fair rates of a set of flows that would move at once on this
     * network with nothing else on it, by progressive filling: every rate rises together until a
     * link is full, whose flows then keep their rate while the others rise on. The network's
     * own flows are neither seen nor changed. The aggregated flow level takes the rates of a
     * collective phase's transfers from it (UbFlowFabric::RingPhase).
     * \param flows each flow's uses (links and weights, as Start takes them), taken over
     * \return each flow's rate in bytes per second (infinity for a flow with no use)
     */
    std::vector<double> MaxMinRates(UseRows flows) const;
    /**
     * \brief Start a flow now. Its rate is settled at this time, after every other start and end
     * of this time.
     * \param uses the links it loads (a link at most once; may be empty: then only maxRate
     *        limits it, and without one it ends at once)
     * \param bytes bytes to move (0 ends at once)
     * \param done called when the last byte has moved (may be empty)
     * \param maxRate its own limit in bytes per second (an endpoint's engine, say; infinity for
     *        none)
     * \return its id (valid until done is called; ids are reused after)
     */
    uint32_t Start(const std::vector<Use>& uses,
                   double bytes,
                   DoneCallback done,
                   double maxRate = std::numeric_limits<double>::infinity());
    /**
     * \brief Carry a flow on with more bytes, from its own done callback: the same links,
     * weights and limit, so every rate stays as it is and nothing is settled (a pair's next
     * transfer on the same route, say). The same as the flow ending and an identical one
     * starting at once, without the work.
     * \param flow the flow whose end is being reported
     * \param bytes bytes it now has to move
     * \param done called when they have moved
     */
    void Continue(uint32_t flow, double bytes, DoneCallback done);
    /**
     * \brief End a flow now without calling its done callback (a transfer that another level
     * carried has arrived there: the hybrid level's shadow flows). Its bytes not yet moved are
     * dropped, and the rates of the flows it shared a full link with are settled at this time.
     * Not from the flow's own done callback.
     * \param flow a flow in progress
     */
    void Stop(uint32_t flow);
    /**
     * \brief Whether a flow's load counts in what Watch reports (true when it starts). The
     * hybrid level keeps its shadows of packet-level transfers out: they take their share in
     * the settling, but the packet level carries their bytes itself.
     * \param flow a flow in progress
     * \param reported false to leave it out
     */
    void SetReported(uint32_t flow, bool reported);
    /// Called with a watched link, the load of its reported flows (bytes/s, weight x rate) and
    /// how many reported flows it has.
    typedef std::function<void(uint32_t, double, uint32_t)> WatchCallback;
    /**
     * \brief Report the load of these links whenever it may have changed: after every settle
     * at a time some flow on them changed rate, started or ended (once per link and settle).
     * The hybrid level loads the packet level's devices with it (background traffic).
     * \param links the links
     * \param changed what is called
     */
    void Watch(const std::vector<uint32_t>& links, WatchCallback changed);
    /// \param flow a flow in progress \return its rate in bytes per second (0 until settled)
    double GetRate(uint32_t flow) const;
    /// \param flow a flow in progress \return bytes it still has to move, as of now
    double GetRemaining(uint32_t flow) const;
    /// \param link a link \return the sum over its flows of weight x rate (bytes per second)
    double GetLoad(uint32_t link) const;
    /// \param link a link \return what its flows have moved over it so far: the integral of
    /// its load (bytes, in the link's units: wire bytes for UbFlowFabric's links)
    double GetCarried(uint32_t link) const;

    /// \return flows in progress
    uint32_t GetNFlows() const
    {
        return m_nActive;
    }

    /**
     * \brief Settle only the flows connected to a change (the default), or every flow in
     * progress at every change (the reference the incremental settling is checked against).
     * \param on true for incremental
     */
    void SetIncremental(bool on)
    {
        m_incremental = on;
    }

    /// \return the counters
    const Stats& GetStats() const
    {
        return m_stats;
    }

    /// \return bytes held (links, uses, flows, scratch), for the memory report
    uint64_t GetMemoryBytes() const;

  private:
    static constexpr uint32_t NONE = 0xFFFFFFFFu;

    struct Link
    {
        double capacity{0};
        double load{0};       //!< sum over its flows of weight x rate (kept as rates change)
        double carried{0};    //!< weight x bytes its flows moved until carriedPs
        int64_t carriedPs{0}; //!< when carried was last brought up to date
        uint32_t head{NONE};  //!< first use on this link (a list through Node::nextOnLink)
        uint32_t epoch{0};    //!< the settle that last visited it
        uint32_t scratch{0};  //!< during a settle: its index among the settled links
        uint32_t nUses{0};    //!< uses on it
    };

    /// One use of a link by a flow: in the link's list and in the flow's.
    struct Node
    {
        double weight{0};
        uint32_t flow{NONE};
        uint32_t link{NONE};
        uint32_t prevOnLink{NONE};
        uint32_t nextOnLink{NONE};
        uint32_t nextOfFlow{NONE}; //!< also the free list's link
    };

    struct Flow
    {
        double remaining{0};  //!< bytes left at updatedPs
        double rate{0};       //!< bytes per second
        double settled{0};    //!< during a settle: its new rate
        double maxRate{0};    //!< own limit
        int64_t updatedPs{0}; //!< when remaining was last brought up to date
        int64_t endPs{-1};    //!< when its last byte moves (-1: not scheduled)
        uint32_t firstUse{NONE};
        uint32_t epoch{0};   //!< the settle that last visited it
        uint32_t version{0}; //!< bumped when endPs changes: older heap entries are stale
        bool active{false};
        bool frozen{false};  //!< during a settle: its rate is fixed
        bool reported{true}; //!< its load counts in what Watch reports
        DoneCallback done;
    };

    /// A flow's end time in the heap (stale if the flow's version moved on).
    struct End
    {
        int64_t ps;
        uint32_t flow;
        uint32_t version;
    };

    /// A settle's link: what is left of its capacity and the weight of its flows still rising.
    struct Level
    {
        uint32_t link;
        uint32_t version;
        double residual; //!< capacity not used by the flows whose rate is fixed
        double rising;   //!< weight of its flows still rising
        uint32_t count;  //!< its flows still rising
    };

    /// A progressive-filling step: the fill level at which a link is full (kind 0) or a flow
    /// reaches its own limit (kind 1).
    struct Step
    {
        double level;
        uint32_t kind;
        uint32_t id;
        uint32_t version;
    };

    /// \param link a link \return its state, made at its first use
    Link& State(uint32_t link);
    /// \param link a link \return its state, or null if no flow has used it
    const Link* Peek(uint32_t link) const;

    /// \param link a link some flow uses \return its state
    Link& L(uint32_t link)
    {
        return m_links[m_slot[link]];
    }

    /// \param link a link some flow uses \return its state
    const Link& L(uint32_t link) const
    {
        return m_links[m_slot[link]];
    }

    uint32_t NewNode();
    void FreeNode(uint32_t n);
    void MarkDirty(uint32_t flow);
    void ScheduleSettle();
    /// settle the rates (SettleRates), then report the watched links that changed
    void Settle();
    void SettleRates();
    /// note that the loads of a flow's watched links change (Watch)
    void MarkWatched(const Flow& f);
    /// report the watched links marked since the last report
    void ReportWatched();
    void Fill(const std::vector<uint32_t>& flows, int64_t nowPs);
    double Moved(const Flow& f, int64_t nowPs) const;
    void ApplyRate(uint32_t flow, double rate, int64_t nowPs);
    void Carry(Link& l, int64_t nowPs);
    bool Saturated(const Link& l) const;
    bool SettleAlone(uint32_t flow, int64_t nowPs);
    void SetEnd(uint32_t flow, int64_t endPs);
    void ScheduleNextEnd();
    void OnEnd();
    void Finish(uint32_t flow);

    std::vector<uint16_t> m_capacityOf; //!< per link: its capacity's index in m_capacities
    std::vector<double> m_capacities;   //!< the distinct capacities, bytes per second
    std::unordered_map<uint64_t, uint16_t> m_capacityIndex; //!< a capacity's bits -> its index

    /// \param link a link \return its capacity, bytes per second
    double Capacity(uint32_t link) const
    {
        return m_capacities[m_capacityOf[link]];
    }

    std::vector<uint32_t> m_slot; //!< per link: its state in m_links (NONE: never used)
    std::vector<Link> m_links;    //!< the states of links flows have used
    std::vector<Node> m_nodes;
    uint32_t m_freeNode{NONE};
    std::vector<Flow> m_flows;
    std::vector<uint32_t> m_freeFlows;
    uint32_t m_nActive{0};
    std::vector<End> m_ends;              //!< min-heap by (ps, flow)
    std::vector<uint32_t> m_dirty;        //!< flows started or links freed since the last settle
    std::vector<uint32_t> m_dirtyLinks;   //!< links whose flows ended since the last settle
    std::vector<uint32_t> m_scratchFlows; //!< a settle's flows
    std::vector<Level> m_levels;          //!< a settle's links
    std::vector<Step> m_steps;            //!< a settle's heap of steps
    uint32_t m_epoch{0};
    bool m_incremental{true};
    uint32_t m_calling{NONE};             //!< the flow whose done callback runs
    bool m_continued{false};              //!< that callback called Continue
    std::vector<uint8_t> m_watched;       //!< per link: 1 watched, 2 watched and changed
    std::vector<uint32_t> m_watchChanged; //!< watched links changed since the last report
    WatchCallback m_watch;                //!< Watch's callback
    EventId m_settleEvent;
    EventId m_endEvent;
    int64_t m_endEventPs{-1};
    Stats m_stats;
};

} // namespace ns3

#endif /* UB_FLOW_NETWORK_H */
