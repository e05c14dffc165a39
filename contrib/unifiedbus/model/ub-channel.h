/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_CHANNEL_H
#define UB_CHANNEL_H

#include "ns3/channel.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"

namespace ns3
{

class UbNetDevice;

/**
 * \ingroup unifiedbus
 * \brief A full-duplex point-to-point UB link between exactly two UbNetDevices.
 *
 * The channel owns the propagation delay: Delay + Length x PropagationDelayPerMeter, the same in
 * both directions. Lane counts, rates and PHY latency belong to each transmitting device, so the
 * two directions of a link may differ (asymmetric links).
 */
class UbChannel : public Channel
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    UbChannel();
    ~UbChannel() override;

    /**
     * \brief Attach a device; a channel takes exactly two.
     * \param device the device
     */
    void Attach(Ptr<UbNetDevice> device);

    std::size_t GetNDevices() const override;
    Ptr<NetDevice> GetDevice(std::size_t i) const override;

    /**
     * \brief The device at the other end.
     * \param device one of the two attached devices
     * \return the other device
     */
    Ptr<UbNetDevice> GetPeer(Ptr<const UbNetDevice> device) const;

    /// \return one-way propagation delay, Delay + Length x PropagationDelayPerMeter
    Time GetPropagationDelay() const;

  protected:
    void DoDispose() override;

  private:
    Ptr<UbNetDevice> m_devices[2];
    uint32_t m_nDevices{0};
    Time m_delay;         //!< fixed one-way delay
    double m_lengthM{0};  //!< cable length in metres
    Time m_delayPerMeter; //!< propagation delay per metre
};

} // namespace ns3

#endif /* UB_CHANNEL_H */
