/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_FLOW_TAG_H
#define UB_FLOW_TAG_H

#include "ns3/nstime.h"
#include "ns3/tag.h"

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief Flow id and send time of a measurement packet, carried as an ns-3 packet tag.
 *
 * Tags take no bytes on the wire; the sink reads this one to measure latency per flow.
 */
class UbFlowTag : public Tag
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    TypeId GetInstanceTypeId() const override;
    uint32_t GetSerializedSize() const override;
    void Serialize(TagBuffer i) const override;
    void Deserialize(TagBuffer i) override;
    void Print(std::ostream& os) const override;

    /// \param id flow id
    void SetFlowId(uint32_t id);
    /// \return flow id
    uint32_t GetFlowId() const;
    /// \param t send time
    void SetSendTime(Time t);
    /// \return send time
    Time GetSendTime() const;

  private:
    uint32_t m_flowId{0};
    int64_t m_sendPs{0};
};

} // namespace ns3

#endif /* UB_FLOW_TAG_H */
