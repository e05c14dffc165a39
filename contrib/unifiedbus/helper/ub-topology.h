/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_TOPOLOGY_H
#define UB_TOPOLOGY_H

#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief A fabric described as data: named nodes and the UB links between them.
 *
 * Builders (UbSystemHelper) and topology files produce a UbTopology; UbTopologyHelper turns it
 * into ns-3 nodes, devices, channels and routes. Keeping the description apart from the ns-3
 * objects lets the tests count nodes, links and bandwidth of an 8,192-NPU SuperPoD without
 * building it, and lets routing and the deadlock check run on plain arrays.
 *
 * A node is an endpoint (an NPU, GPU or CPU: it gets a UbController) or a switch. Endpoints that
 * forward (UB-Mesh NPUs, whose UB IO die switches between its ports) may be intermediate hops;
 * other endpoints are only sources and destinations.
 *
 * A link joins two nodes; its lanes, lane rate, cable length or delay may be left to the preset
 * (0 or negative = preset value). The i-th link that touches a node becomes that node's next
 * port, so port numbers follow link order.
 *
 * Topology file format (one statement per line, '#' starts a comment):
 * \code
 *   topology my-pod                      # optional name
 *   node <name> <kind> [forward]         # kind: npu | gpu | cpu | endpoint | switch
 *   nodes <prefix> <count> <kind> [forward]   # <prefix>0 ... <prefix><count-1>
 *   link <a> <b> [lanes=<n>] [rate=<lane rate, e.g. 112Gbps>] [length=<metres>]
 *                [delay=<time, e.g. 5ns>] [tier=<0..255>] [count=<parallel links>]
 *                [class=<0..15>] [cost=<1..65535>]
 * \endcode
 * A link's class picks the preset that builds it (UbTopologyHelper::SetClassPreset; class 0 is
 * the main preset), so that one fabric can mix UB links and Ethernet (UBoE, RoCE) links. Its cost
 * weighs it in shortest-path routing (default 1 per hop).
 * A malformed line stops the run with the file name, the line number and what to write instead.
 */
class UbTopology
{
  public:
    /// What a node is.
    enum Kind : uint8_t
    {
        NPU,      //!< an NPU (endpoint)
        GPU,      //!< a GPU (endpoint)
        CPU,      //!< a CPU (endpoint)
        ENDPOINT, //!< any other endpoint
        SWITCH,   //!< a switch chip
    };

    /// A node.
    struct Node
    {
        std::string name;     //!< unique name
        Kind kind{SWITCH};    //!< what it is
        bool forwards{false}; //!< an endpoint that relays traffic (switches always do)
    };

    /// A bidirectional link.
    struct Link
    {
        // Widest first: 40 bytes, no padding (a SuperCluster holds 42 links per NPU).
        uint64_t laneRateBps{0}; //!< lane rate in bit/s (0: preset)
        double lengthM{-1};      //!< cable length in metres (negative: preset)
        int64_t delayPs{-1};     //!< fixed delay in ps, overrides length (negative: none)
        uint32_t a{0};           //!< first node
        uint32_t b{0};           //!< second node
        uint16_t lanes{0};       //!< lanes per direction (0: preset)
        uint16_t cost{1};        //!< routing cost (shortest paths minimise the sum)
        uint8_t tier{0};         //!< a label builders use (0 = endpoint links, 1, 2, ...)
        bool up{true};           //!< false once the link has failed (routing avoids it)
        uint8_t cls{0};          //!< link class: which preset builds it (0: the main one)
    };

    /// One port of a node as the routing sees it.
    struct Port
    {
        uint32_t peer; //!< node at the other end
        uint32_t link; //!< link index
    };

    /// \param name name of the topology (for messages)
    explicit UbTopology(std::string name = "topology");

    /**
     * \brief Read a topology file (format above); stops the run at the first bad line.
     * \param path file name
     * \return the topology
     */
    static UbTopology Load(const std::string& path);
    /// The most nodes a topology file may declare, over all its lines (ub-system's MAX_NPUS).
    static constexpr uint64_t MAX_NODES = 10000000;

    /**
     * \brief Parse topology text.
     * \param in the text
     * \param source name used in error messages (a file name)
     * \param maxNodes the most nodes it may declare over all its lines
     * \return the topology
     */
    static UbTopology Parse(std::istream& in,
                            const std::string& source,
                            uint64_t maxNodes = MAX_NODES);
    /**
     * \brief Write the topology in the file format (Load gives it back).
     * \param out stream
     */
    void Save(std::ostream& out) const;

    /// \return the topology's name
    const std::string& GetName() const;
    /// \param name new name
    void SetName(const std::string& name);
    /// \return the VL policy the file names (statement vlpolicy; empty: none, the preset's or
    /// the helper's applies)
    const std::string& GetVlPolicy() const;
    /// \param name a VL policy name (UbTopologyRouting::VlPolicyFromName), or empty for none
    void SetVlPolicy(const std::string& name);

    /**
     * \brief Add a node.
     * \param name unique name
     * \param kind what it is
     * \param forwards for endpoints: whether it relays traffic
     * \return its index
     */
    uint32_t AddNode(const std::string& name, Kind kind, bool forwards = false);
    /**
     * \brief Add a link (a new port on each node).
     * \param a first node index
     * \param b second node index
     * \param lanes lanes per direction (0: preset)
     * \param laneRateBps lane rate (0: preset)
     * \param tier label
     * \param lengthM cable length in metres (negative: preset)
     * \return its index
     */
    uint32_t AddLink(uint32_t a,
                     uint32_t b,
                     uint16_t lanes = 0,
                     uint64_t laneRateBps = 0,
                     uint8_t tier = 0,
                     double lengthM = -1);
    /// \param l a link index \param delayPs fixed one-way delay of that link in ps
    void SetLinkDelay(uint32_t l, int64_t delayPs);
    /**
     * \param l a link index
     * \param lanes its lanes per direction
     * \param laneRateBps its lane rate (bit/s)
     */
    void SetLinkRate(uint32_t l, uint16_t lanes, uint64_t laneRateBps);
    /**
     * \param l a link index
     * \param cls its class (the preset that builds it)
     * \param cost its routing cost
     */
    void SetLinkClass(uint32_t l, uint8_t cls, uint16_t cost);
    /// \param l a link index \param up false to mark it failed (ports keep their numbers)
    void SetLinkUp(uint32_t l, bool up);

    /// \return number of nodes
    uint32_t GetNNodes() const;
    /// \return number of links
    uint32_t GetNLinks() const;
    /// \param i index \return node i
    const Node& GetNode(uint32_t i) const;
    /// \param i index \return link i
    const Link& GetLink(uint32_t i) const;
    /// \param name a node name \return its index, or UINT32_MAX
    uint32_t FindNode(const std::string& name) const;
    /// \param i node index \return true for NPU, GPU, CPU and ENDPOINT nodes
    bool IsEndpoint(uint32_t i) const;
    /// \param i node index \return true if traffic may pass through node i
    bool Forwards(uint32_t i) const;
    /// \return indices of the endpoints, in index order
    std::vector<uint32_t> GetEndpoints() const;
    /// \return number of endpoints
    uint32_t GetNEndpoints() const;
    /// \return number of switches
    uint32_t GetNSwitches() const;

    /// \param i node index \return its number of ports
    uint32_t GetDegree(uint32_t i) const;
    /// \param i node index \return its ports, in port order
    const Port* GetPorts(uint32_t i) const;

    /**
     * \brief Bandwidth of a node's links per direction, in bit/s (lanes x lane rate).
     * \param i node index
     * \param defaultLanes lanes of links that leave it to the preset
     * \param defaultRateBps lane rate of links that leave it to the preset
     * \return the sum over its ports
     */
    double GetNodeBandwidthBps(uint32_t i, uint16_t defaultLanes, uint64_t defaultRateBps) const;

    /// \param kind a kind \return its name in the file format
    static const char* KindName(Kind kind);

    /// \return bytes this description holds (for the memory report)
    uint64_t GetMemoryBytes() const;
    /// Give back the room the node and link lists grew beyond their size (once built: up to
    /// half of a SuperCluster's links).
    void ShrinkToFit();

  private:
    void BuildAdjacency() const;

    std::string m_name;
    std::string m_vlPolicy; //!< VL policy named by the file (empty: none)
    std::vector<Node> m_nodes;
    std::vector<Link> m_links;
    mutable std::unordered_map<std::string, uint32_t> m_byName;
    // Compressed adjacency (built on demand): ports of node i are m_ports[m_start[i] ..
    // m_start[i+1]).
    mutable std::vector<uint32_t> m_start;
    mutable std::vector<Port> m_ports;
    mutable bool m_adjValid{false};
};

} // namespace ns3

#endif /* UB_TOPOLOGY_H */
