/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_TOPOLOGY_HELPER_H
#define UB_TOPOLOGY_HELPER_H

#include "ub-flow-fabric.h"
#include "ub-helper.h"
#include "ub-preset.h"
#include "ub-supercluster-systems.h"
#include "ub-topology-routing.h"
#include "ub-topology.h"

#include "ns3/net-device-container.h"
#include "ns3/node-container.h"
#include "ns3/ub-net-device.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief Turns a UbTopology into ns-3 nodes, UB links, routes and UB controllers.
 *
 * \code
 *   UbTopology t = UbTopology::Load("my-pod.topo");
 *   UbTopologyHelper th;
 *   th.SetPreset(UbPreset::Load("ascend950-ub2"));
 *   th.Build(t);
 *   Ptr<UbController> a = th.GetNode("npu0")->GetObject<UbController>();
 * \endcode
 *
 * Every link gets the preset's device and channel attributes, then its own lanes, lane rate,
 * cable length or delay from the topology. Node i gets CNA i, so that destinations numbered the
 * way a builder numbers them (endpoints first, rack by rack) compress into a few route intervals.
 * Switch nodes take the preset's topology::SwitchPipelineLatency and endpoints its
 * topology::EndpointPipelineLatency, when the preset sets them. Routes are all shortest paths
 * (UbTopologyRouting::ShortestPaths) unless SetRoutes gave others; Build checks them for
 * deadlock unless told not to, and stops the run, naming a cycle, if the check fails.
 */
class UbTopologyHelper
{
  public:
    UbTopologyHelper();

    /// \param preset parameters for devices, channels, switches, routing and controllers
    void SetPreset(const UbPreset& preset);
    /**
     * \brief The preset that builds links of a class (UbTopology::Link::cls), e.g. the UBoE or
     * RoCE links of a SuperCluster's scale-out network. Switches whose first link is of that
     * class take their attributes and pipeline latency from it too.
     * \param cls class 1 .. 15 (class 0 is SetPreset's)
     * \param preset the preset
     */
    void SetClassPreset(uint8_t cls, const UbPreset& preset);
    /**
     * \brief The VL policy of the computed shortest paths. Without this call Build takes the
     * topology's (a file's vlpolicy statement), else the preset's topology::VlPolicy, else
     * VL_FROM_SL. Builders that give their own routes (SetRoutes: UB-Mesh, k-ary n-cube) choose
     * their VLs themselves; Build refuses a policy set here with them.
     * \param policy VL policy
     */
    void SetVlPolicy(UbTopologyRouting::VlPolicy policy);
    /// \param text a program's --vlPolicy option: SetVlPolicy with the policy it names; empty
    /// (not given) changes nothing (CheckVlPolicyOption has accepted it)
    void SetVlPolicyOption(const std::string& text);
    /// \return the help text of the programs' --topology option (a file built with the preset)
    static const char* TopologyOptionHelp();
    /// \return the help text of the programs' --vlPolicy option
    static const char* VlPolicyOptionHelp();
    /**
     * \param program the program's name, for the message
     * \param text its --vlPolicy option (empty: not given)
     * \return false, after a one-line message naming the option and the choices, if the text is
     * not a VL policy
     */
    static bool CheckVlPolicyOption(const std::string& program, const std::string& text);
    /// \param routes routes to install instead of computed shortest paths
    void SetRoutes(UbRouteSet routes);
    /// Computes the shortest-path routes of a topology with a VL policy.
    typedef std::function<UbRouteSet(const UbTopology&, UbTopologyRouting::VlPolicy)> Router;
    /**
     * \brief Compute Build's shortest-path routes with this function instead of
     * UbTopologyRouting::ShortestPaths: a builder's faster computation of the same routes (a
     * SuperCluster's, UbSystems::Routes). The VL policy is chosen as for ShortestPaths.
     * \param router the function
     */
    void SetRouter(Router router);
    /**
     * \brief Build a SuperCluster (UbSystems::BuildSuperCluster) with the routes its structure
     * gives in linear time (UbSystems::Routes: the shortest paths, as Build would compute them
     * in time that grows with the square of the NPUs). At the flow level with SetOnePod, the
     * SuperCluster holds SuperPoD 0's UB fabric for all (sc.onePod) and the fabric knows it
     * (UbFlowFabric::SetOnePod).
     * \param sc the SuperCluster
     */
    void BuildSuperCluster(const UbSuperClusterSystems::SuperCluster& sc);
    /// Whether a SuperCluster of `npus` NPUs, `podNpus` per SuperPoD, is held with one
    /// SuperPoD's fabric for all.
    typedef std::function<bool(uint64_t npus, uint32_t podNpus)> OnePodRule;
    /**
     * \brief At the flow level, build a SuperCluster's identical SuperPoDs once
     * (BuildSuperCluster; UbSuperClusterSystems::SuperCluster::onePod): the fabric then runs
     * aggregated ring phases only, where a pod's hops inside it are pod 0's (UbFlowFabric::
     * RingPhase), and aborts on a transfer inside another pod. Off by default; UbExperiment
     * turns it on for AllReduces that run aggregated (doc/flow-level.md, "Identical SuperPoDs
     * held once").
     * \param rule asked with the SuperCluster's NPUs and a pod's when it is built (empty: never)
     */
    void SetOnePod(OnePodRule rule);
    /// \param on hold one SuperPoD for all at the flow level, whatever the size (SetOnePod)
    void SetOnePod(bool on);
    /// \param install give endpoints a UbController (default true)
    void SetInstallControllers(bool install);
    /// \param check run the deadlock check in Build (default true)
    void SetCheckDeadlock(bool check);
    /**
     * \brief The traffic this fabric will carry, for the deadlock check: if the full route set
     * could close a cycle, Build checks only the routes between these pairs (both directions)
     * and goes on, with a note, when they cannot (a ring of switches carrying a neighbour-only
     * ring collective). Without it a cycle stops the run.
     * \param pairs (source, destination) endpoint indices (positions in GetEndpoints())
     */
    void SetDeadlockScope(std::vector<std::pair<uint32_t, uint32_t>> pairs);
    /// \return the UbHelper the links are built with (to set attributes after the preset's)
    UbHelper& GetUbHelper();
    /**
     * \brief Build the flow level instead of the packet level: Build then makes a UbFlowFabric
     * of the same topology, presets and routes, and no ns-3 node (GetFlowFabric). The deadlock
     * check, which concerns buffers, is not run.
     * \param on true for the flow level
     */
    void SetFlowLevel(bool on);
    /// \return true if Build makes the flow level
    bool IsFlowLevel() const;
    /// \return the flow level Build made (SetFlowLevel, SetHybrid)
    UbFlowFabric& GetFlowFabric();
    /**
     * \brief Build the hybrid level (doc/flow-level.md, The hybrid level): the packet level
     * for the SuperPoDs under study, the flow level for the rest. Build then makes the flow
     * level of the whole system (GetFlowFabric) and, at packet level, the SuperPoDs under study
     * (every node joined to a studied endpoint by class-0 links), the scale-out network (every
     * switch whose links are of another class) and, on every other endpoint, its ports onto the
     * scale-out network and a controller: so a transfer with an end in a studied SuperPoD runs
     * at packet level (MakeHybridEngine), every other one at flow level, and the flow level's
     * load on a scale-out link direction is background on its packet-level device
     * (UbNetDevice::SetBackground). The topology needs a scale-out network (links of class 1 or
     * more) between its SuperPoDs.
     * \param studied endpoint indices (positions in GetEndpoints()) whose SuperPoDs are under
     *        study (at least one)
     * \param taking if not empty, the only endpoints outside them that get their scale-out
     *        ports and a controller (a collective's ranks): the others take no part
     */
    void SetHybrid(std::vector<uint32_t> studied, std::vector<uint32_t> taking = {});
    /// \return true if Build makes the hybrid level
    bool IsHybrid() const;
    /**
     * \brief Split the packet level over `ranks` processes of ns-3's distributed simulator
     * (doc/distributed.md): Build creates each node with the rank that runs it as its system
     * id, and ns-3 objects beyond a bare node only for this process's part: its own nodes, and
     * the far end of each link between them and another process (a device that never sends,
     * so that the channel has its two ends; its node's ports renumbered). A SuperCluster is
     * split by SuperPoD (UbSuperClusterSystems::Partition); other topologies are refused, as
     * are the flow and hybrid levels.
     * \param ranks processes (1: not split)
     * \param rank this process's rank
     */
    void SetRanks(uint32_t ranks, uint32_t rank);
    /// \return per node, the rank that runs it (empty unless split over processes: SetRanks)
    const std::vector<uint32_t>& GetRankOfNodes() const;
    /// \param endpoint an endpoint index \return true if the hybrid level studies its SuperPoD
    bool IsStudied(uint32_t endpoint) const;
    /**
     * \brief A collective engine at the hybrid level: a transfer with an end in a studied
     * SuperPoD moves at packet level, between the endpoints' controllers, with a shadow in the
     * flow level (UbFlowFabric::StartShadow) while its pair has one in flight; every other
     * transfer moves at flow level. The results say "hybrid".
     * \param ranks the ranks' endpoint indices, in rank order
     * \return the engine
     */
    std::unique_ptr<UbCollectiveEngine> MakeHybridEngine(const std::vector<uint32_t>& ranks);

    /// What the hybrid level did.
    struct HybridStats
    {
        uint32_t packetNodes{0};       //!< nodes built at packet level (with devices)
        uint32_t packetLinks{0};       //!< links built at packet level
        uint32_t watchedLinks{0};      //!< link directions the background loads
        uint64_t packetTransfers{0};   //!< transfers moved at packet level
        uint64_t flowTransfers{0};     //!< transfers moved at flow level
        uint64_t shadows{0};           //!< shadows started
        uint64_t backgroundChanges{0}; //!< times a device's background share was set
        double peakBackground{0};      //!< the largest background share set
    };

    /// \return what the hybrid level did so far
    const HybridStats& GetHybridStats() const;

    /**
     * \brief Create the nodes, links, routes and controllers.
     * \param t the topology (copied)
     */
    void Build(const UbTopology& t);
    /**
     * \brief Build from a topology the helper may take over (no copy: a SuperCluster's
     * topology is a gigabyte at 524,288 NPUs).
     * \param t the topology (moved from)
     */
    void Build(UbTopology&& t);

    /**
     * \brief Build the system a preset describes, in one call:
     * \code
     *   UbTopologyHelper sys;
     *   sys.BuildPreset("ascend950-ub2");          // 8,192 NPUs
     *   sys.BuildPreset("nvlink5-gb200");          // GB200 NVL72
     * \endcode
     * The preset's topology::Builder picks the builder (UbSystems::FromPreset); UB-Mesh presets
     * get UbSystems::UbMeshRoutes with the preset's topology::RoutingPolicy (direct, detour,
     * borrow or detour+borrow).
     * \param nameOrPath preset name or file
     * \param endpoints endpoints instead of the preset's number (0: the preset's)
     */
    void BuildPreset(const std::string& nameOrPath, uint32_t endpoints = 0);
    /**
     * \brief BuildPreset from a preset already loaded (and perhaps changed with UbPreset::Set).
     * \param preset the preset
     * \param endpoints endpoints to build (0: its full size)
     */
    void BuildPreset(const UbPreset& preset, uint32_t endpoints = 0);

    /// \return the topology built
    const UbTopology& GetTopology() const;
    /// \return the routes installed
    const UbRouteSet& GetRoutes() const;
    /// \param i topology node index \return its ns-3 node
    Ptr<Node> GetNode(uint32_t i) const;
    /// \param name node name \return its ns-3 node (stops the run if there is none)
    Ptr<Node> GetNode(const std::string& name) const;
    /// \return the endpoint nodes, in topology order
    const NodeContainer& GetEndpoints() const;
    /// \return the switch nodes, in topology order
    const NodeContainer& GetSwitches() const;
    /// \return every node, in topology order
    const NodeContainer& GetAll() const;
    /**
     * \param link topology link index
     * \param side 0 for the device on link.a, 1 for link.b
     * \return the device
     */
    Ptr<UbNetDevice> GetDevice(uint32_t link, uint32_t side) const;
    /// \return the preset set with SetPreset or BuildPreset (nullptr if none)
    const UbPreset* GetPreset() const;
    /// \return the VL policy of computed routes (after Build: the one used)
    UbTopologyRouting::VlPolicy GetVlPolicy() const;
    /// \return true if the routes were computed (ShortestPaths), false if SetRoutes gave them
    bool HasComputedRoutes() const;
    /**
     * \brief Replace the routes of every node now (after a failure).
     * \param routes new routes for the same topology
     */
    void ReplaceRoutes(UbRouteSet routes);
    /// \return the deadlock report of the routes (empty if the check was off)
    const UbTopologyRouting::DeadlockReport& GetDeadlockReport() const;

    /// Where time and memory went.
    struct Report
    {
        double routeSeconds{0};    //!< route computation
        double checkSeconds{0};    //!< deadlock check
        double buildSeconds{0};    //!< ns-3 objects and route installation
        uint64_t heapBytes{0};     //!< heap growth over Build
        uint64_t routeBytes{0};    //!< bytes of the route set
        uint64_t topologyBytes{0}; //!< bytes of the topology description
        uint32_t nodes{0};         //!< nodes
        uint32_t ports{0};         //!< ports (2 per link)
        uint64_t intervals{0};     //!< route intervals over all nodes
    };

    /// \return the report of the last Build
    const Report& GetReport() const;

    /// \return heap bytes in use now (mallinfo2), for memory reports
    static uint64_t HeapBytesInUse();
    /// \return the process's peak resident memory so far (getrusage), for memory reports
    static uint64_t PeakRssBytes();

  private:
    /// Warn on stderr if the routes use several VLs and a link serves them by strict priority.
    void WarnStarvation() const;
    void FinishReport(double buildSeconds, uint64_t heap0);
    /// Give endpoints the class-1 preset's controller MTU toward other domains (RemoteMtu).
    void SetDomains();
    std::optional<UbPreset> m_preset;
    UbTopologyRouting::VlPolicy m_vlPolicy{UbTopologyRouting::VL_FROM_SL};
    bool m_vlPolicySet{false}; //!< SetVlPolicy was called
    std::optional<UbRouteSet> m_givenRoutes;
    Router m_router; //!< computes the shortest paths (empty: UbTopologyRouting::ShortestPaths)
    bool m_computed{true};
    bool m_controllers{true};
    bool m_checkDeadlock{true};
    std::vector<std::pair<uint32_t, uint32_t>> m_deadlockScope; //!< endpoint index pairs
    UbHelper m_ub;
    std::map<uint8_t, std::pair<UbPreset, UbHelper>> m_classes;
    UbTopology m_topo;
    UbRouteSet m_routes;
    UbTopologyRouting::DeadlockReport m_deadlock;
    NodeContainer m_all;
    NodeContainer m_endpoints;
    NodeContainer m_switches;
    std::vector<Ptr<UbNetDevice>> m_devices; // 2 per link
    Report m_report;
    bool m_flowLevel{false};
    OnePodRule m_onePod; //!< SetOnePod
    std::unique_ptr<UbFlowFabric> m_flow;
    bool m_hybrid{false};
    std::vector<uint32_t> m_studied;  //!< SetHybrid's endpoints
    std::vector<uint32_t> m_taking;   //!< SetHybrid's endpoints that take part (empty: all)
    std::vector<uint8_t> m_studiedEp; //!< per endpoint index: its SuperPoD is under study
    std::vector<uint8_t> m_linkBuilt; //!< hybrid: per link, built at packet level
    uint32_t m_ranks{1};              //!< SetRanks
    uint32_t m_rank{0};               //!< SetRanks: this process's
    std::vector<uint32_t> m_rankOf;   //!< per node, its rank (split over processes)
    HybridStats m_hybridStats;
    /// hybrid: which nodes and links to build at packet level (m_linkBuilt, m_studiedEp)
    void PlanHybrid();
    /// hybrid: the flow level's load on the built links becomes their devices' background
    void WatchBackground();
};

} // namespace ns3

#endif /* UB_TOPOLOGY_HELPER_H */
