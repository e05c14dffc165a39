/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef UB_FLOW_FABRIC_H
#define UB_FLOW_FABRIC_H

#include "ub-route-set.h"
#include "ub-topology.h"

#include "ns3/nstime.h"
#include "ns3/ptr.h"
#include "ns3/ub-collective-runner.h"
#include "ns3/ub-flow-network.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

namespace ns3
{

class UbCollectiveEngine;
class UbHelper;
class UbNetDevice;
class UbPreset;
class UbResults;

/**
 * \ingroup unifiedbus
 * \brief The flow level of a fabric: the topology, routes and presets that UbTopologyHelper
 * builds at packet level, as a fluid network (UbFlowNetwork) whose transfers share links by
 * max-min fairness.
 *
 * Every value comes from the objects the packet level would build, made once per link class as
 * prototypes and never simulated: a link direction's wire rate, flit size and framing, PHY
 * latency and propagation (UbNetDevice, UbChannel), a node's pipeline latency and forwarding
 * mode (UbSwitch), an endpoint's MTU, latencies, bandwidths and issue rate (UbController,
 * UbTransport).
 *
 * A transfer is a Write with notify from one endpoint to another, as the packet level's
 * collectives issue it. Its data moves as one fluid flow, in payload bytes per second:
 *  - on the source endpoint's egress (UbController::EndpointBandwidth, and WriteBandwidth when
 *    set), with weight (payload + headers) / payload per packet;
 *  - on every link of its routes, with weight wire bytes / payload per packet (flits, framing
 *    and the network, transport and transaction headers of a full packet) times the share of the
 *    flow that crosses the link. Where a node has several candidates toward the destination the
 *    flow splits evenly among them if its packets spread (Spray, Random and Adaptive selection,
 *    or a transport that spreads packets over its channels, UbTransport::Multipath = PerPacket),
 *    and takes one by a hash of the endpoints otherwise (ECMP, LBF with one channel, Single:
 *    the first).
 * Its latency is the packet level's for its first packet on an idle fabric, written out: the
 * issue (UbController::IssueInterval's queue and InitiatorLatency, or the collective's issue
 * latency) before the fluid starts; after it ends, the pipeline and link latencies of the path,
 * one flit per cut-through hop, and the store-and-forward of one packet at the source and at the
 * destination, less what the fluid already counted of that packet. On an idle fabric a
 * transfer therefore takes the packet level's time (doc/flow-level.md gives the formula and the
 * cross-check).
 *
 * Not seen at this level: credits and their stalls, queueing and head-of-line blocking, PFC,
 * link-level retry and errors, transport acknowledgements on the reverse direction, congestion
 * control. doc/flow-level.md lists each with what it does to the figures.
 */
class UbFlowFabric
{
  public:
    /// What builds one link class: its preset and the helper configured from it.
    struct Class
    {
        const UbPreset* preset{nullptr}; //!< its preset (may be null: the attributes' defaults)
        const UbHelper* helper{nullptr}; //!< the helper the preset configured
    };

    /**
     * \brief Build the flow level of a topology.
     * \param t the topology (lanes and rates of every link filled in, as UbTopologyHelper leaves
     *        them; taken over)
     * \param routes its routes (taken over)
     * \param classes the link classes (0: the main preset; 1: the scale-out network, ...)
     */
    UbFlowFabric(UbTopology t, UbRouteSet routes, const std::map<uint8_t, Class>& classes);
    ~UbFlowFabric();
    UbFlowFabric(const UbFlowFabric&) = delete;
    UbFlowFabric& operator=(const UbFlowFabric&) = delete;

    /// Called when a transfer has arrived.
    typedef std::function<void()> ArrivedCallback;

    /**
     * \brief Say that the topology holds one SuperPoD's UB fabric for all its identical pods
     * (UbSuperClusterSystems::SuperCluster::onePod): endpoint nodes [0, podEndpoints x pods) are
     * the NPUs, pod by pod, and only pod 0's have UB links. RingPhase then computes a hop inside
     * pod k > 0 as its twin in pod 0 (doc/flow-level.md, "Identical SuperPoDs held once");
     * a transfer, or an All-to-All pair, inside such a pod aborts.
     * \param podEndpoints NPUs per pod
     * \param pods pods
     */
    void SetOnePod(uint32_t podEndpoints, uint32_t pods);

    /// \return NPUs per pod if the fabric holds one pod for all (SetOnePod), else 0
    uint32_t GetOnePod() const
    {
        return m_podEndpoints;
    }

    /**
     * \brief Start a transfer now: a Write with notify of `bytes` from endpoint node src to
     * endpoint node dst.
     * \param src source node (an endpoint)
     * \param dst destination node (another endpoint)
     * \param bytes data bytes (at least 1)
     * \param arrived called when its last byte has arrived and executed at dst
     * \param issueLatency the issue latency (negative: the source's InitiatorLatency)
     * \param minimal minimal routes only (UB_PKT_MINIMAL: no detour at the source)
     */
    void Transfer(uint32_t src,
                  uint32_t dst,
                  uint64_t bytes,
                  ArrivedCallback arrived,
                  Time issueLatency = PicoSeconds(-1),
                  bool minimal = false);
    /**
     * \param src source node
     * \param dst destination node
     * \param bytes data bytes
     * \return the time a transfer takes alone on the idle fabric (issue to arrival)
     */
    Time GetZeroLoadTime(uint32_t src, uint32_t dst, uint64_t bytes);
    /**
     * \brief A carrier for UbCollectiveRunner: participant i is endpoint node ranks[i].
     * \param ranks the ranks' endpoint nodes, in rank order
     * \return the carrier
     */
    std::unique_ptr<UbTransferCarrier> MakeCarrier(const std::vector<uint32_t>& ranks);
    /**
     * \brief A collective engine whose ranks are these endpoints, at flow level.
     * \param ranks the ranks' endpoint nodes, in rank order
     * \return the engine
     */
    std::unique_ptr<UbCollectiveEngine> MakeEngine(const std::vector<uint32_t>& ranks);

    /// What a ring phase takes at the aggregated flow level (RingPhase).
    struct RingPhaseResult
    {
        Time duration;         //!< first issue to last arrival
        double rateMin{0};     //!< slowest hop's rate under the phase's load (payload bytes/s)
        double rateMean{0};    //!< mean hop rate under the phase's load
        Time latencyMean;      //!< a piece's mean time beyond its fluid (issue, path, fill)
        uint64_t hops{0};      //!< hops (member to successor) of the phase
        uint64_t transfers{0}; //!< transfers the phase stands for (hops x steps x pieces)
    };

    /**
     * \brief A ring phase of a collective at the aggregated flow level, without simulating its
     * transfers one by one. Every hop (a ring member to its successor, of every ring of the
     * phase) moves `steps` steps of `stepBytes`, each cut into `chunks` pieces that travel as
     * UbCollectiveBuilder::Ring makes them: piece k of a step leaves a member once piece k of
     * the step before has arrived at it, and a pair's pieces move one after another.
     *  - Rates: all hops move at once, at their weighted max-min fair rates on the otherwise
     *    idle fabric (UbFlowNetwork::MaxMinRates over the routes each transfer takes).
     *  - Times: the pieces of one representative member, stepped through the same rules as the
     *    transfers the phase stands for: issue (IssueInterval, the issue latency), the fluid at
     *    the hop's rate, then the path and the fill. A piece's wait for the piece before it on
     *    the same pair uses the slowest hop's rate (the slowest link paces a ring: each carries
     *    every step); its way to the next member uses the hops' mean rate and latency (a
     *    ring's critical path goes round the ring, hop after hop).
     * doc/flow-level.md derives it and gives its agreement with the transfer-by-transfer flow
     * level.
     *
     * On a fabric holding one pod for all (SetOnePod), a hop inside pod k > 0 takes the route
     * and rate of its twin in pod 0 (the same NPUs of the pod): exact, and to the picosecond
     * the whole fabric's figure, while every pod's hops inside it are its twins (each pod-0 hop
     * as many times in every pod) and no NPU sends both inside its pod and out of it in the
     * phase (else it aborts, naming the hop). Hops between pods use the scale-out only and are
     * computed as they are.
     * \param hops (source node, destination node) of every hop
     * \param steps steps
     * \param stepBytes bytes per hop per step
     * \param chunks pieces per step (>= 1)
     * \param issueLatency every transfer's issue latency (negative: the source's
     *        InitiatorLatency)
     * \param minimal minimal routes only
     * \return what the phase takes
     */
    RingPhaseResult RingPhase(const std::vector<std::pair<uint32_t, uint32_t>>& hops,
                              uint32_t steps,
                              uint64_t stepBytes,
                              uint32_t chunks,
                              Time issueLatency = PicoSeconds(-1),
                              bool minimal = false);

    /// What a direct All-to-All(v) takes at the aggregated flow level (AllToAllPhase).
    struct AllToAllResult
    {
        std::vector<Time> rankDone; //!< per rank: its last arrival, from the start (0: none)
        Time duration;              //!< first issue to last arrival
        uint64_t pairs{0};          //!< (source, destination) pairs that move bytes
        uint64_t transfers{0};      //!< transfers they stand for (pairs x their pieces)
        double maxDrain{0};         //!< the busiest link's load over its capacity (s)
        bool aggregated{false};     //!< it ran (true: every fabric suits it)
    };

    /// \return true if a link joins two endpoints (UB-Mesh, k-ary n-cubes): endpoints forward,
    /// so the links a pair leaves and arrives by carry other pairs too, and AllToAllPhase bounds
    /// them by their drains as well as by the endpoints' processor sharing
    bool EndpointsForward() const;

    /**
     * \brief A direct All-to-All(v) at the aggregated flow level, without its transfers one by
     * one: UbDirectBuilder's transfers (each rank to every other, from its right neighbour on,
     * each pair's bytes in `chunks` pieces) as link loads and per-pair bounds. doc/flow-level.md
     * ("Aggregated All-to-All") derives it and gives its agreement with the transfer-by-transfer
     * flow level.
     *  - Loads: every pair's bytes spread down its routes toward the destination, summed for
     *    all sources of one destination at once (one pass over the routes toward it, not one
     *    per pair). Where a pair's choice among candidates hangs on its hash (ECMP, and LBF
     *    beyond the source), the split is the mean over pairs: even.
     *  - A pair ends at the later of two bounds, then its path and fill: its own, the issue of
     *    its last piece (the rank's issue cost and engine) and its bytes at its rate alone; and
     *    the fabric's, from the first issue, the longest of its source's and its destination's
     *    processor sharing (all of the endpoint's pairs at once, each smaller pair done before
     *    it) and the drain (load over capacity) of the busiest link between (where endpoints
     *    forward, EndpointsForward, of the busiest link on its routes, its first and last
     *    included).
     * \param nodes the ranks' endpoint nodes, in rank order
     * \param matrix bytes from rank s to rank d (null: `uniform` for every pair)
     * \param uniform bytes per pair when matrix is null (All-to-All)
     * \param chunks pieces per pair (>= 1)
     * \param issueCost what issuing one transfer costs a rank (UbCollectiveRunConfig)
     * \param issueLatency every transfer's issue latency (negative: the source's)
     * \param minimal minimal routes only
     * \return what it takes
     */
    AllToAllResult AllToAllPhase(const std::vector<uint32_t>& nodes,
                                 const std::vector<std::vector<uint64_t>>* matrix,
                                 uint64_t uniform,
                                 uint32_t chunks,
                                 Time issueCost,
                                 Time issueLatency = PicoSeconds(-1),
                                 bool minimal = false);

    /**
     * \brief The hybrid level's shadow of a pair whose transfers the packet level carries: a
     * flow on the pair's routes that takes its max-min share beside the flow level's transfers
     * until StopShadow, and whose load is left out of what UbFlowNetwork::Watch reports (the
     * packet level carries those bytes itself).
     * \param src source node
     * \param dst destination node
     * \param minimal minimal routes only
     * \return the shadow's flow
     */
    uint32_t StartShadow(uint32_t src, uint32_t dst, bool minimal);
    /// \param flow a shadow (StartShadow) to end now
    void StopShadow(uint32_t flow);

    /// \return the fluid network
    UbFlowNetwork& GetNetwork()
    {
        return m_net;
    }

    /// \return the topology
    const UbTopology& GetTopology() const
    {
        return m_topo;
    }

    /// \return the routes
    const UbRouteSet& GetRoutes() const
    {
        return m_routes;
    }

    /// \param link a topology link \param side 0: from its node a, 1: from b \return the fluid
    /// network's link of that direction
    uint32_t GetLinkId(uint32_t link, uint32_t side) const
    {
        return 2 * link + side;
    }

    /// \param endpoint an endpoint node \return its egress in the fluid network
    uint32_t GetEgressId(uint32_t endpoint) const;
    /// \return bytes held (the fluid network, the per-node and per-pair tables)
    uint64_t GetMemoryBytes() const;
    /**
     * \brief A ports-table row for every link direction that carried something: the wire bytes
     * its flows moved, the time that takes at its rate (busy), and busy over `duration`
     * (utilization), as the packet level's rows give them (no packets, credits or drops here).
     * \param results where the rows go
     * \param duration the time utilization is measured over (a collective's, say)
     * \param scope the rows' scope
     * \param skip if given, links for which it returns true get no row (the hybrid level's
     *        links that the packet level built, which give their own)
     */
    void AddPorts(UbResults& results,
                  Time duration,
                  const std::string& scope,
                  const std::function<bool(uint32_t)>& skip = nullptr) const;

  private:
    /// A kind of link (one per class, lanes and lane rate): its prototype device.
    struct LinkKind
    {
        Ptr<UbNetDevice> proto; //!< configured as the packet level's, never attached
        double wireBps{0};      //!< wire bytes per second
        int64_t flitPs{0};      //!< one flit's serialization
    };

    /// What an endpoint's transfers see (its controller and transport).
    struct EndpointParams
    {
        uint32_t mtu{4096};         //!< payload per packet
        int64_t initiatorPs{0};     //!< InitiatorLatency
        int64_t issueIntervalPs{0}; //!< IssueInterval
        double egressBps{0};        //!< EndpointBandwidth, bits/s (0: none)
        double writeBps{0};         //!< WriteBandwidth, bits/s (0: none)
        double inNetworkBps{0};     //!< InNetworkRate, bytes/s
        uint32_t sprayWidth{1};     //!< channels a peer's packets spread over
        bool initiatorFixed{false}; //!< RemoteInitiatorLatency: overrides an issue latency
    };

    /// A pair's route: the fluid network's uses and its latency terms.
    struct Route
    {
        std::vector<UbFlowNetwork::Use> uses; //!< egress and links, with their weights
        int64_t afterPs{0};    //!< pipelines, link latencies and cut-through flits of the path
        double rate{0};        //!< the flow's rate alone on the idle fabric (payload bytes/s)
        double egressBps{0};   //!< the source's egress, bits/s (0: none)
        uint32_t lastKind{0};  //!< kind of the last link of the first packet's path
        uint32_t lastLinks{1}; //!< links into the destination the flow uses
        const EndpointParams* ep{nullptr}; //!< the source's values toward this destination
    };

    const Route& GetRoute(uint32_t src, uint32_t dst, bool minimal);
    void BuildRoute(uint32_t src, uint32_t dst, bool minimal, Route& r) const;
    /// the first packet's path (channel 0, the first candidate at every node): r.afterPs and
    /// r.lastKind, from r.ep
    void FirstPath(uint32_t src, uint32_t dst, bool minimal, Route& r) const;
    /// RingPhase on a fabric holding one pod for all: the hops to compute (those inside pod 0
    /// and those between pods, in order); twin[h]: which of them hop h takes its route and rate
    /// from. Aborts where the pods' hops inside them differ. Where every hop is computed as
    /// itself (none inside a pod k > 0), returns nothing and leaves twin empty.
    std::vector<std::pair<uint32_t, uint32_t>> Twins(
        const std::vector<std::pair<uint32_t, uint32_t>>& hops,
        std::vector<uint32_t>& twin);
    /// \return the bytes a data packet adds to its payload
    static uint32_t HeaderBytes();
    /// the share of what reaches node v toward a destination that its candidate j takes, at
    /// its mean over pairs where the choice hangs on a pair's hash (AllToAllPhase)
    double MeanShare(uint32_t v, uint32_t count, uint32_t j, bool source, uint32_t channels) const;
    const UbRouteCandidate* Candidates(uint32_t v,
                                       uint32_t src,
                                       uint32_t dst,
                                       bool minimal,
                                       uint32_t& count) const;
    uint32_t Choose(uint32_t v,
                    uint32_t count,
                    uint32_t c,
                    uint32_t src,
                    uint32_t dst,
                    uint32_t& first) const;
    int64_t FillPs(const Route& r, uint64_t bytes) const;
    int64_t IssuePs(uint32_t src, const Route& r, Time issueLatency);
    void StartHead(uint64_t pair);
    /// a shadow's bytes have moved: it carries on (StartShadow)
    void ShadowOn(uint32_t flow);
    UbFlowNetwork::DoneCallback Ended(uint64_t pair, int64_t tail);

    /// A transfer issued, waiting for or in its pair's turn.
    struct Pending
    {
        const Route* route;
        uint64_t bytes;
        ArrivedCallback arrived;
    };

    UbTopology m_topo;
    UbRouteSet m_routes;
    UbFlowNetwork m_net;
    uint32_t m_podEndpoints{0};       //!< SetOnePod: NPUs per pod (0: every pod's fabric is here)
    uint32_t m_pods{0};               //!< SetOnePod: pods
    uint32_t m_shiftFrom{UINT32_MAX}; //!< SetOnePod: the first scale-out switch
    uint64_t m_shift{0};              //!< SetOnePod: what the other pods' switches add to it

    /// \param v a node \return its number in the whole system (SetOnePod)
    uint32_t SystemNode(uint32_t v) const
    {
        return v >= m_shiftFrom ? static_cast<uint32_t>(v + m_shift) : v;
    }

    std::vector<uint32_t> m_endpointIndex; //!< node -> endpoint index (UINT32_MAX: a switch)
    uint32_t m_egressBase{0};              //!< fluid link of endpoint 0's egress
    std::vector<LinkKind> m_kinds;         //!< kinds of link
    std::vector<uint16_t> m_kindOf;        //!< per link: its kind
    std::vector<uint16_t> m_latencyOf;     //!< per link: its latency's index in m_latencies
    std::vector<int64_t> m_latencies;      //!< the distinct PHY latency + propagation, ps
    std::vector<int64_t> m_pipelinePs;     //!< per node: its switch's PipelineLatency
    std::vector<uint8_t> m_cutThrough;     //!< per node: forwards cut-through
    std::vector<uint8_t> m_selection;      //!< per node: its UbRoutingTable::Selection
    std::vector<uint8_t> m_sourceDetours;  //!< per node: SourceDetours
    bool m_channelBlind{true};             //!< no node picks a candidate by the channel
    std::vector<uint32_t> m_domain;        //!< per node: its class-0 component
    EndpointParams m_local;                //!< toward endpoints of the same domain
    EndpointParams m_remote;               //!< toward other domains (class 1's controller)
    std::vector<int64_t> m_nextTakePs;     //!< per endpoint: its issue engine's next slot
    std::unordered_map<uint64_t, Route> m_routeCache; //!< (src, dst) -> route
    mutable std::vector<uint8_t> m_walkState;         //!< BuildRoute: per node, its walk state
    mutable std::vector<double> m_walkShare;  //!< BuildRoute: per node, the share reaching it
    mutable std::vector<uint32_t> m_walkMark; //!< BuildRoute: per node, the walk it belongs to
    mutable uint32_t m_walkEpoch{0};          //!< BuildRoute: the walk under way
    std::unordered_map<uint64_t, std::deque<Pending>> m_pairs; //!< (src, dst) -> its transfers
};

} // namespace ns3

#endif /* UB_FLOW_FABRIC_H */
