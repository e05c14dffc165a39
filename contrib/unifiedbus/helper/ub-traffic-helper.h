/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_TRAFFIC_HELPER_H
#define UB_TRAFFIC_HELPER_H

#include "ns3/application-container.h"
#include "ns3/attribute.h"
#include "ns3/node-container.h"
#include "ns3/object-factory.h"

#include <string>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief Installs UbPacketSource / UbPacketSink applications and common patterns.
 */
class UbTrafficHelper
{
  public:
    UbTrafficHelper();

    /**
     * \brief Set an attribute of the sources created from now on (see UbPacketSource).
     * \param name attribute name
     * \param value attribute value
     */
    void SetSourceAttribute(const std::string& name, const AttributeValue& value);

    /**
     * \brief One source on src sending to dst.
     * \param src sending node
     * \param dst receiving node (its UbSwitch CNA is the destination)
     * \return the source
     */
    ApplicationContainer InstallSource(Ptr<Node> src, Ptr<Node> dst) const;

    /**
     * \brief A sink on each node.
     * \param nodes receiving nodes
     * \return the sinks
     */
    ApplicationContainer InstallSinks(const NodeContainer& nodes) const;

    /**
     * \brief N-to-1 incast: a source on every sender toward the receiver.
     * \param senders sending nodes
     * \param receiver receiving node
     * \return the sources
     */
    ApplicationContainer InstallIncast(const NodeContainer& senders, Ptr<Node> receiver) const;

    /**
     * \brief A random permutation without fixed points: every endpoint sends to exactly one
     * other and receives from exactly one (Sattolo's algorithm over an ns-3 random stream).
     * \param endpoints the endpoints
     * \param stream random stream index (same stream, same permutation)
     * \return the sources
     */
    ApplicationContainer InstallPermutation(const NodeContainer& endpoints, int64_t stream) const;

  private:
    ObjectFactory m_sourceFactory;
};

} // namespace ns3

#endif /* UB_TRAFFIC_HELPER_H */
