/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_PFC_H
#define UB_PFC_H

#include "ub-credit.h"

#include "ns3/callback.h"
#include "ns3/event-id.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief Priority flow control per VL (IEEE 802.1Qbb-like, FlowControl = Pfc), both halves.
 *
 * Receiving half: when a VL's receive buffer reaches XOFF cells the port sends PAUSE for it;
 * when it falls to XON cells, it sends XON. The frames are timed on the port's own transmit
 * direction by its owner (UbNetDevice) and cross the link as UbLinkMessages.
 *
 * Sending half: the PAUSE and XON frames received from the peer, as windows [PAUSE arrival, XON
 * arrival) per VL; a VL may start a packet only outside its windows.
 *
 * Allocated only on ports whose FlowControl is Pfc.
 */
class UbPfc
{
  public:
    /// What the owner does for PFC.
    class Host
    {
      public:
        virtual ~Host() = default;
        /**
         * \brief Send a PAUSE or XON frame no earlier than atPs (after the packet on the wire).
         * \param atPs when it was decided
         * \param vl VL
         * \param pause PAUSE (true) or XON (false)
         */
        virtual void SendPfcFrame(int64_t atPs, uint8_t vl, bool pause) = 0;
    };

    /**
     * \param nVl VLs
     * \param xoffCells occupancy at which a VL is paused
     * \param xonCells occupancy at which a paused VL is resumed
     * \param check called when a paused VL's buffer may have fallen to XON (the owner resolves
     *        its buffer, which calls OnFreed, then calls RecheckPaused)
     */
    void Init(uint8_t nVl, uint32_t xoffCells, uint32_t xonCells, Callback<void> check);

    // --- Receiving half ---

    /**
     * \brief A packet was charged: pause the VL if it reached XOFF.
     * \param nowPs time
     * \param vl VL
     * \param buffer the receive buffer (after the charge)
     * \param host the owner
     */
    void OnCharged(int64_t nowPs, uint8_t vl, const UbCreditReceiver& buffer, Host& host);
    /// Cells were freed: resume the VL if it was paused and fell to XON.
    /// \param atPs time \param vl VL \param used cells in use \param host the owner
    void OnFreed(int64_t atPs, uint8_t vl, uint32_t used, Host& host);
    /// A release was scheduled on a VL. \param vl VL \param buffer the receive buffer
    void OnReleaseScheduled(uint8_t vl, const UbCreditReceiver& buffer);
    /// After a check: plan the next one for every VL still paused. \param buffer the buffer
    void RecheckPaused(const UbCreditReceiver& buffer);

    // --- Sending half ---

    /**
     * \brief A PAUSE or XON from the peer, arriving at atPs.
     * \param vl VL
     * \param atPs arrival
     * \param pause PAUSE (true) or XON (false)
     */
    void Received(uint8_t vl, int64_t atPs, bool pause);
    /// \param vl VL \param atPs a time \param nowPs now \return true if vl is paused at atPs
    bool PausedAt(uint8_t vl, int64_t atPs, int64_t nowPs);
    /// \param vl VL \param atPs a time \return the first time from atPs on when vl is not paused
    /// (UB_NEVER_PS if paused with no XON on its way)
    int64_t ResumePs(uint8_t vl, int64_t atPs) const;

    /// \return XOFF threshold (cells)
    uint32_t GetXoffCells() const
    {
        return m_xoff;
    }

    /// \return PAUSE frames sent
    uint64_t GetPauseSent() const
    {
        return m_pauseSent;
    }

    /// \return XON frames sent
    uint64_t GetResumeSent() const
    {
        return m_resumeSent;
    }

    /// \return PAUSE frames received
    uint64_t GetPauseReceived() const
    {
        return m_pauseReceived;
    }

    /// Cancel the pending check.
    void Dispose();

  private:
    void Send(int64_t atPs, uint8_t vl, bool pause, Host& host);
    void ScheduleCheck(uint8_t vl, const UbCreditReceiver& buffer);
    void RunCheck();

    uint32_t m_xoff{0};
    uint32_t m_xon{0};
    std::vector<bool> m_pausedPeer; //!< receiving half: XOFF sent, XON not yet
    std::vector<std::vector<std::pair<int64_t, int64_t>>> m_windows; //!< paused [from, to)
    EventId m_checkEvent;
    Callback<void> m_check;
    uint64_t m_pauseSent{0};
    uint64_t m_resumeSent{0};
    uint64_t m_pauseReceived{0};
};

} // namespace ns3

#endif /* UB_PFC_H */
