/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_LINK_FAULT_H
#define UB_LINK_FAULT_H

#include <cstdint>
#include <string>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief Faults of one port: the link going down, and lanes lost (UB's PHY can run a link on
 * fewer lanes, UB Base Spec 2.0 section 2.2).
 *
 * Down: the packet on the wire and every packet that had not reached the peer are lost,
 * counted where they arrive (FaultDrops), not as lossless violations; the port sends nothing
 * more. UbFaultHelper takes both ends of a link down and has the switches fail over.
 *
 * Lanes: the transmit rate becomes lanes x LaneRate x EncodingEfficiency from the next packet on;
 * the port announces its new rate to the other end.
 */
class UbLinkFault
{
  public:
    /// \return true once the link is down
    bool IsDown() const
    {
        return m_down;
    }

    /// \return true if this call took it down (false if it already was)
    bool SetDown()
    {
        bool was = m_down;
        m_down = true;
        return !was;
    }

    /// A packet arrived after the link went down: it is lost.
    void CountDrop()
    {
        ++m_drops;
    }

    /// \return packets lost on the link after it went down
    uint64_t GetDrops() const
    {
        return m_drops;
    }

    /**
     * \param lanes lanes asked for
     * \param configured lanes of the port
     * \return "" if the request is valid, else the reason
     */
    static std::string CheckLanes(uint32_t lanes, uint32_t configured)
    {
        if (lanes == 0 || lanes > configured)
        {
            return "SetActiveLanes(" + std::to_string(lanes) + ") must keep 1 to " +
                   std::to_string(configured) + " lanes";
        }
        return "";
    }

  private:
    uint64_t m_drops{0};
    bool m_down{false};
};

} // namespace ns3

#endif /* UB_LINK_FAULT_H */
