/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_LINK_ERROR_MODEL_H
#define UB_LINK_ERROR_MODEL_H

#include "ub-packet-info.h"

#include "ns3/packet.h"
#include "ns3/ptr.h"
#include "ns3/random-variable-stream.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief Link errors of one transmit direction and UB's link-level retry (UB Base Spec 2.0
 * section 4.7).
 *
 * Errors: a packet of n wire bits arrives corrupted (fails the receiver's CRC) with probability
 * 1 - (1 - PER)(1 - BER)^n, or, right after an error, at least 1 - 1/BurstLength (Gilbert-style
 * bursts). The draw is made when the packet starts, from this direction's own random stream.
 *
 * Retry: the receiver finds the CRC error at the packet's tail and sends a Retry_Req_Set on the
 * reverse direction; the sender answers with a Retry_Ack_Set and replays the packet from its
 * retry buffer (go-back-N from it: what it sent after it is discarded by the receiver, so the
 * model leaves the wire idle until the replay). The request and acknowledgement cross the link
 * as messages; the sender plans its wire from the reverse direction's announced request time and
 * latency, and checks the request arrives as planned. Without retry a corrupted packet is lost.
 *
 * The configuration lives here (UbNetDevice exposes it as attributes); the random stream and the
 * retry in progress are allocated only when errors are configured.
 */
class UbLinkErrorModel
{
  public:
    double packetErrorRate{0};  //!< PacketErrorRate attribute
    double bitErrorRate{0};     //!< BitErrorRate attribute
    double burstLength{1};      //!< ErrorBurstLength attribute
    bool linkRetry{true};       //!< LinkRetry attribute
    uint32_t retrySetFlits{33}; //!< RetrySetFlits attribute

    /// A packet being replayed: its copies still to send, planned when it first started.
    struct Replay
    {
        Ptr<Packet> packet;           //!< the packet
        UbPacketInfo info;            //!< its info (credit split of this link)
        std::vector<int64_t> startPs; //!< start of each replayed copy
        std::vector<int64_t> endPs;   //!< end of each replayed copy
        int64_t readyPs{0};           //!< the good copy: ready at the receiver
        int64_t tailPs{0};            //!< the good copy: tail ready at the receiver
        uint32_t next{0};             //!< index of the next copy to send
    };

    /// \param where the owner, for messages \return an error message, or "" if the values are valid
    std::string Check(const std::string& where) const;
    /// Prepare for the run: the random stream exists if errors are on.
    void Init();

    /// \return true if errors are configured
    bool IsOn() const
    {
        return m_on;
    }

    /// \param wireBytes bytes on the wire \return true if this transmission is corrupted
    bool Draw(uint32_t wireBytes);
    /// \param stream first stream index \return streams used (1)
    int64_t AssignStreams(int64_t stream);

    /// \return the replay in progress, or nullptr
    Replay* GetReplay()
    {
        return m_state ? m_state->replay.get() : nullptr;
    }

    /// \return a new replay in progress (one at a time: the wire waits for it)
    Replay& StartReplay();
    /// The replay in progress is done.
    void EndReplay();

    /// Counters (allocated with the state, at the first event that counts).
    enum Counter
    {
        INJECTED,      //!< corrupted transmissions drawn
        RETRIES,       //!< copies replayed
        CORRUPT_DROPS, //!< corrupted packets the receiver dropped (retry off)
        RETRY_ACKS,    //!< retry acknowledgements this (receiving) end got
    };

    /// \param c a counter
    void Count(Counter c)
    {
        ++GetState().counters[c];
    }

    /// \param c a counter \return its value
    uint64_t Get(Counter c) const
    {
        return m_state ? m_state->counters[c] : 0;
    }

  private:
    /// What only a port with errors (or whose peer has errors) needs.
    struct State
    {
        Ptr<UniformRandomVariable> rng;   //!< the error draws
        std::unique_ptr<Replay> replay;   //!< the replay in progress
        uint64_t counters[4]{0, 0, 0, 0}; //!< see Counter
        bool inBurst{false};              //!< the last draw was an error (bursts)
    };

    State& GetState();

    std::unique_ptr<State> m_state;
    bool m_on{false};
};

} // namespace ns3

#endif /* UB_LINK_ERROR_MODEL_H */
