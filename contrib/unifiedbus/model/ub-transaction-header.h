/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_TRANSACTION_HEADER_H
#define UB_TRANSACTION_HEADER_H

#include "ub-transaction.h"

#include "ns3/header.h"

#include <cstdint>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief UB transaction header: BTAH on requests, ATAH on responses and acknowledgements,
 * 16 bytes (UB Base Specification 2.0 sections 7.2.1-7.2.2, sizes per facts 1.4).
 *
 * Carries the TAOpcode, the execution order (ODR), the transaction sequence number (TASSN) of
 * the initiator toward this target, and, in the model's own layout of the remaining bits, the
 * offset of this packet's data within the transaction and the transaction's total data length
 * (what a target needs to reassemble a transaction whose packets arrive out of order).
 */
class UbTransactionHeader : public Header
{
  public:
    /// TAOpcodes modelled.
    enum Opcode : uint8_t
    {
        WRITE = 0x01,
        WRITE_NOTIFY = 0x02,
        READ = 0x03,
        SEND = 0x04,
        ATOMIC_CAS = 0x05,
        ATOMIC_FADD = 0x06,
        TAACK = 0x10,           //!< transaction acknowledgement (Write, Send)
        READ_RESPONSE = 0x11,   //!< data of a Read
        ATOMIC_RESPONSE = 0x12, //!< old value of an Atomic
    };

    /// Serialized size.
    static constexpr uint32_t SIZE = 16;

    /// \param op an operation \return its request TAOpcode
    static uint8_t OpcodeOf(UbOp op);
    /// \param taOpcode a request TAOpcode \return its operation (aborts on another opcode: the
    /// model passes only those it sent; IsKnownOpcode checks what comes from outside)
    static UbOp OpOf(uint8_t taOpcode);
    /// \param taOpcode a TAOpcode \return true if it is one of the Opcode values
    static bool IsKnownOpcode(uint8_t taOpcode);

    /**
     * \brief The 32-bit sequence nearest to `reference` whose low 16 bits are `tassn`.
     * \param reference a full sequence number the endpoint knows
     * \param tassn a TASSN as the header carries it
     * \return the full sequence number
     */
    static uint32_t UnwrapTassn(uint32_t reference, uint16_t tassn);

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    TypeId GetInstanceTypeId() const override;
    uint32_t GetSerializedSize() const override;
    void Serialize(Buffer::Iterator start) const override;
    uint32_t Deserialize(Buffer::Iterator start) override;
    void Print(std::ostream& os) const override;

    Opcode opcode{WRITE}; //!< TAOpcode
    uint8_t order{0};     //!< ODR: 0 = NO, 1 = RO, 2 = SO
    uint16_t tassn{0};    //!< transaction sequence number (per initiator and target)
    uint32_t offset{0};   //!< byte offset of this packet's data in the transaction
    uint32_t length{0};   //!< total data bytes of the transaction (of the response for Read)
    uint8_t status{0};    //!< response status (0 = success)
};

/**
 * \ingroup unifiedbus
 * \brief UB memory-address extension header (MAETAH): 16 bytes on memory requests (Write, Read,
 * Atomic): a 64-bit address, a 20-bit token id and a 32-bit length (UB Base Specification 2.0
 * section 7.2.3, facts 1.4).
 */
class UbMemoryHeader : public Header
{
  public:
    /// Serialized size.
    static constexpr uint32_t SIZE = 16;

    /**
     * \brief The 32-bit sequence nearest to `reference` whose low 16 bits are `tassn`.
     * \param reference a full sequence number the endpoint knows
     * \param tassn a TASSN as the header carries it
     * \return the full sequence number
     */
    static uint32_t UnwrapTassn(uint32_t reference, uint16_t tassn);

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    TypeId GetInstanceTypeId() const override;
    uint32_t GetSerializedSize() const override;
    void Serialize(Buffer::Iterator start) const override;
    uint32_t Deserialize(Buffer::Iterator start) override;
    void Print(std::ostream& os) const override;

    uint64_t address{0}; //!< target virtual address of this packet's data
    uint32_t tokenId{0}; //!< token id (20 bits)
    uint32_t length{0};  //!< bytes of this packet's data (or of the whole Read)
};

} // namespace ns3

#endif /* UB_TRANSACTION_HEADER_H */
