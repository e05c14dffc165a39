/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_TRANSACTION_H
#define UB_TRANSACTION_H

#include "ns3/callback.h"
#include "ns3/nstime.h"

#include <cstdint>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief Transaction operations of UbController.
 */
enum class UbOp : uint8_t
{
    WRITE,        //!< write data to target memory; completes on the target's TAACK
    WRITE_NOTIFY, //!< write, then notify the target; completes on the TAACK
    READ,         //!< request, then a response carrying the data; completes on the last byte
    SEND,         //!< message to the target's receive side; completes on the TAACK
    ATOMIC_CAS,   //!< compare-and-swap of 8 bytes; completes on the response (old value)
    ATOMIC_FADD,  //!< fetch-and-add of 8 bytes; completes on the response (old value)
};

/**
 * \ingroup unifiedbus
 * \brief Execution order of a transaction at its target, relative to earlier transactions
 * from the same initiator to the same target (UB ODR field).
 *
 * NO executes as soon as its data has arrived. RO waits for every earlier SO transaction.
 * SO waits for every earlier transaction. A lost packet therefore blocks only what the order
 * says it must: an NO or RO transaction passes an earlier NO/RO one that waits for a resend.
 */
enum class UbOrder : uint8_t
{
    NO = 0, //!< no order
    RO = 1, //!< relaxed order
    SO = 2, //!< strong order
};

/**
 * \ingroup unifiedbus
 * \brief How to issue one operation, when it differs from the controller's configuration
 * (collectives pass their run's configuration here instead of changing the controllers).
 */
struct UbIssueOptions
{
    Time initiatorLatency{PicoSeconds(-1)}; //!< issue latency of this operation (negative: the
                                            //!< controller's InitiatorLatency; a collective
                                            //!< offload engine issues faster)
    uint8_t packetFlags{0}; //!< UB_PKT_* flags of its packets and of the replies they cause
                            //!< (UB_PKT_MINIMAL: minimal routes only)
};

/**
 * \ingroup unifiedbus
 * \brief What a completed transaction reports (callback and trace source).
 */
struct UbTransactionRecord
{
    uint64_t id{0};             //!< transaction id, unique in the run
    UbOp op{UbOp::WRITE};       //!< operation
    UbOrder order{UbOrder::NO}; //!< execution order
    uint32_t src{0};            //!< initiator CNA
    uint32_t dst{0};            //!< target CNA
    uint64_t bytes{0};          //!< data bytes (written, read or sent; 8 for atomics)
    Time issued;                //!< when the operation was called
    Time completed;             //!< when it completed (or was declared lost)
    bool ok{true};              //!< false if it was lost (UTP/CTP without retry, after the timeout)
    uint64_t result{0};         //!< atomics: the old value at the target
};

/// Completion callback of a transaction.
typedef Callback<void, const UbTransactionRecord&> UbCompletionCallback;

/**
 * \brief Name of an operation.
 * \param op the operation
 * \return e.g. "Write"
 */
inline const char*
UbOpName(UbOp op)
{
    switch (op)
    {
    case UbOp::WRITE:
        return "Write";
    case UbOp::WRITE_NOTIFY:
        return "WriteNotify";
    case UbOp::READ:
        return "Read";
    case UbOp::SEND:
        return "Send";
    case UbOp::ATOMIC_CAS:
        return "AtomicCas";
    case UbOp::ATOMIC_FADD:
        return "AtomicFetchAdd";
    }
    return "?";
}

} // namespace ns3

#endif /* UB_TRANSACTION_H */
