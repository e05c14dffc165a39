/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_VL_ARBITER_H
#define UB_VL_ARBITER_H

#include <cstdint>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief What an output port shows its VL arbiter when it is free to start a packet.
 */
struct UbVlArbiterInput
{
    uint32_t eligible{0}; //!< VLs whose head packet may start now (packet and credits)
    uint32_t waiting{0};  //!< VLs that hold at least one packet
    const uint32_t* headBytes{nullptr}; //!< wire bytes of the head packet per VL (where waiting)
    uint8_t nVl{0};                     //!< number of VLs on the port
};

/**
 * \ingroup unifiedbus
 * \brief Per-port arbitration state (kept by the port, so one arbiter serves many ports).
 */
struct UbVlArbiterState
{
    int64_t* deficit{nullptr};        //!< DWRR deficit counter per VL (bytes)
    const uint32_t* quantum{nullptr}; //!< DWRR quantum per VL (bytes) = weight x base quantum
    uint8_t current{0};               //!< DWRR: VL being served
    bool fresh{false};                //!< DWRR: the current VL received its quantum this turn
};

/**
 * \ingroup unifiedbus
 * \brief Output VL arbitration policy: picks which VL's head packet a free port sends next.
 *
 * Policies are small stateless classes; the state lives in UbVlArbiterState inside each port.
 */
class UbVlArbiter
{
  public:
    virtual ~UbVlArbiter() = default;
    /**
     * \brief Choose a VL.
     * \param in the port's view; in.eligible must not be 0
     * \param st the port's arbitration state
     * \return the chosen VL (a member of in.eligible)
     */
    virtual uint8_t Select(const UbVlArbiterInput& in, UbVlArbiterState& st) const = 0;
};

/**
 * \ingroup unifiedbus
 * \brief Strict priority: the highest-numbered eligible VL always wins (VL 15 highest, as
 * 802.1p priority 7 and InfiniBand VL15). Lower VLs starve while a higher one saturates.
 */
class UbStrictPriorityArbiter : public UbVlArbiter
{
  public:
    uint8_t Select(const UbVlArbiterInput& in, UbVlArbiterState& st) const override;
    /// \return the shared instance
    static const UbStrictPriorityArbiter* Get();
};

/**
 * \ingroup unifiedbus
 * \brief Deficit weighted round robin (Shreedhar & Varghese, SIGCOMM 1995) over VLs.
 *
 * Each VL receives weight x quantum bytes of credit per round; a VL sends while its deficit
 * covers its head packet (counted in wire bytes, framing included). A VL that empties forfeits its
 * deficit; a VL blocked only by link credits keeps it. Under saturation VL v receives weight_v /
 * sum(weights) of the bandwidth.
 */
class UbDwrrArbiter : public UbVlArbiter
{
  public:
    uint8_t Select(const UbVlArbiterInput& in, UbVlArbiterState& st) const override;
    /// \return the shared instance
    static const UbDwrrArbiter* Get();
};

} // namespace ns3

#endif /* UB_VL_ARBITER_H */
