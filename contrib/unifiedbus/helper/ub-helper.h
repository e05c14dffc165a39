/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_HELPER_H
#define UB_HELPER_H

#include "ns3/attribute.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"
#include "ns3/object-factory.h"

#include <string>

namespace ns3
{

class UbChannel;
class UbSwitch;
class UbNetDevice;

/**
 * \ingroup unifiedbus
 * \brief Builds UB nodes and links the way PointToPointHelper builds point-to-point ones.
 *
 * \code
 *   UbHelper ub;
 *   ub.SetDeviceAttribute("Lanes", UintegerValue(4));
 *   ub.SetChannelAttribute("Length", DoubleValue(2.0));
 *   ub.SetSwitchAttribute("PipelineLatency", TimeValue(NanoSeconds(100)));
 *   NetDeviceContainer link = ub.Install(npu, switchChip);
 *   UbRoutingHelper::PopulateShortestPaths();
 * \endcode
 *
 * Install gives each node a UbSwitch (if it has none) and makes each device a port of it.
 */
class UbHelper
{
  public:
    UbHelper();

    /**
     * \brief Set an attribute of the UbNetDevices created from now on.
     * \param name attribute name
     * \param value attribute value
     */
    void SetDeviceAttribute(const std::string& name, const AttributeValue& value);
    /**
     * \brief Set an attribute of the UbChannels created from now on.
     * \param name attribute name
     * \param value attribute value
     */
    void SetChannelAttribute(const std::string& name, const AttributeValue& value);
    /**
     * \brief Set an attribute of the UbSwitches created from now on.
     * \param name attribute name
     * \param value attribute value
     */
    void SetSwitchAttribute(const std::string& name, const AttributeValue& value);
    /**
     * \brief Set an attribute of the routing tables of switches created from now on.
     * \param name attribute name
     * \param value attribute value
     */
    void SetRoutingAttribute(const std::string& name, const AttributeValue& value);

    /**
     * \brief Give a node a UbSwitch (once).
     * \param node the node
     * \return its switch
     */
    Ptr<UbSwitch> InstallSwitch(Ptr<Node> node) const;
    /// \param nodes nodes to give a UbSwitch
    void InstallSwitches(const NodeContainer& nodes) const;

    /**
     * \brief Join two nodes with a UB link.
     * \param a first node
     * \param b second node
     * \return the two devices, a's first
     */
    NetDeviceContainer Install(Ptr<Node> a, Ptr<Node> b) const;
    /**
     * \brief Join the two nodes of a container.
     * \param pair exactly two nodes
     * \return the two devices
     */
    NetDeviceContainer Install(const NodeContainer& pair) const;
    /**
     * \brief Join two nodes with a link whose directions have different lane counts.
     * \param a first node
     * \param b second node
     * \param lanesAtoB lanes from a to b
     * \param lanesBtoA lanes from b to a
     * \return the two devices, a's first
     */
    NetDeviceContainer InstallAsymmetric(Ptr<Node> a,
                                         Ptr<Node> b,
                                         uint8_t lanesAtoB,
                                         uint8_t lanesBtoA) const;

    /**
     * \brief Fix the random streams of the UB ports of these nodes (link error models).
     * \param nodes nodes with a UbSwitch
     * \param stream first stream index
     * \return number of streams used
     */
    /**
     * \brief A device configured as Install configures one, attached to no node or channel: to
     * read its link arithmetic (rate, flits, latencies) without simulating it (the flow level).
     * \return the device
     */
    Ptr<UbNetDevice> CreateDevicePrototype() const;
    /// \return a channel configured as Install configures one, joining nothing (see
    /// CreateDevicePrototype)
    Ptr<UbChannel> CreateChannelPrototype() const;
    /// \return a switch with its routing table, configured as InstallSwitch configures one, on
    /// no node (see CreateDevicePrototype)
    Ptr<UbSwitch> CreateSwitchPrototype() const;
    /**
     * Assigns fixed random-variable streams to the ports (UbNetDevice: their error models) of
     * the UB switches on the nodes, in node and port order.
     * \param nodes the nodes \param stream the first stream number
     * \return the number of streams assigned
     */
    static int64_t AssignStreams(const NodeContainer& nodes, int64_t stream);

  private:
    Ptr<UbNetDevice> CreateDevice(Ptr<Node> node) const;

    ObjectFactory m_deviceFactory;
    ObjectFactory m_channelFactory;
    ObjectFactory m_switchFactory;
    ObjectFactory m_routingFactory;
};

} // namespace ns3

#endif /* UB_HELPER_H */
