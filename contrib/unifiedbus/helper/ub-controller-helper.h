/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_CONTROLLER_HELPER_H
#define UB_CONTROLLER_HELPER_H

#include "ns3/attribute.h"
#include "ns3/node-container.h"
#include "ns3/object-factory.h"
#include "ns3/ub-transport.h"

#include <string>

namespace ns3
{

class UbController;

/**
 * \ingroup unifiedbus
 * \brief Gives endpoint nodes the UB transaction layer (UbController) and transport layer
 * (UbTransport), both aggregated to the node; the controller joins the two when it starts.
 *
 * \code
 *   UbControllerHelper ctl;
 *   ctl.SetAttribute("InitiatorLatency", TimeValue(NanoSeconds(200)));
 *   ctl.SetTransportAttribute("Mode", StringValue("Rtp"));
 *   ctl.Install(npus);
 *   npus.Get(0)->GetObject<UbController>()->Write(npus.Get(1)->GetId(), 1 << 20);
 * \endcode
 */
class UbControllerHelper
{
  public:
    UbControllerHelper();

    /**
     * \brief Set an attribute of the controllers created from now on.
     * \param name attribute name
     * \param value attribute value
     */
    void SetAttribute(const std::string& name, const AttributeValue& value);

    /**
     * \brief Set an attribute of the transports created from now on (UbTransport: Mode,
     * TpChannels, Multipath, RetransmitTimeout, ...).
     * \param name attribute name
     * \param value attribute value
     */
    void SetTransportAttribute(const std::string& name, const AttributeValue& value);

    /**
     * \brief Aggregate a controller and a transport to a node (once; the node needs a UbSwitch
     * first).
     * \param node the node
     * \return its controller
     */
    Ptr<UbController> Install(Ptr<Node> node) const;
    /// \param nodes nodes to give a controller
    void Install(const NodeContainer& nodes) const;
    /// \return a controller configured as Install configures one, on no node: to read its
    /// values without simulating it (the flow level)
    Ptr<UbController> CreatePrototype() const;
    /// \return a transport configured as Install configures one, on no node
    Ptr<UbTransport> CreateTransportPrototype() const;

    /**
     * \param nodes nodes; those with a UbController count
     * \return their transports' counters, summed
     */
    static UbTransport::Stats SumTransportStats(const NodeContainer& nodes);

  private:
    ObjectFactory m_factory;
    ObjectFactory m_transportFactory;
};

} // namespace ns3

#endif /* UB_CONTROLLER_HELPER_H */
