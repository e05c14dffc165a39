/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_TRANSFER_GRAPH_H
#define UB_TRANSFER_GRAPH_H

#include <cstdint>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief A collective as a dependency graph of transfers between ranks: what a builder
 * (UbCollectiveBuilder) produces and a runner (UbCollectiveRunner) executes.
 *
 * A transfer moves `bytes` from rank `src` to rank `dst` (ranks are indices; reducing switches,
 * for in-network algorithms, come after the ranks). It may start only when every transfer it
 * depends on has arrived at its source (the data it forwards or reduces); transfers with no
 * dependencies start together. The graph holds no simulation state: the same graph can be run
 * twice, or at another level of detail.
 */
class UbTransferGraph
{
  public:
    /// One transfer.
    struct Transfer
    {
        uint32_t src{0};                  //!< sending rank
        uint32_t dst{0};                  //!< receiving rank
        uint64_t bytes{0};                //!< data bytes (at least 1)
        uint32_t dependencies{0};         //!< transfers that must arrive first
        std::vector<uint32_t> dependents; //!< transfers waiting for this one
        uint64_t work{0}; //!< bytes the source's engine processes (reduces) before the transfer
                          //!< leaves (0: none; UbCollectiveRunConfig::engineBps gives the rate)
    };

    /**
     * \brief Add a transfer.
     * \param src sending rank
     * \param dst receiving rank
     * \param bytes data bytes (0 counts as 1: a transfer always moves something)
     * \param work bytes the source processes first (a reduction's output), on its engine
     * \return its index
     */
    uint32_t Add(uint32_t src, uint32_t dst, uint64_t bytes, uint64_t work = 0);

    /**
     * \brief `later` may start only once `earlier` has arrived.
     * \param later a transfer
     * \param earlier a transfer added before it
     */
    void Depend(uint32_t later, uint32_t earlier);

    /// \return the transfers, in the order they were added
    const std::vector<Transfer>& GetTransfers() const
    {
        return m_transfers;
    }

    /// \return number of transfers
    uint32_t GetN() const
    {
        return static_cast<uint32_t>(m_transfers.size());
    }

    /// \return data bytes over all transfers
    uint64_t GetTotalBytes() const;

    /**
     * \brief What each rank receives for itself, when transfers also carry data forwarded
     * through their destination (multi-path algorithms); empty otherwise (then it is what the
     * transfers bring to each rank).
     * \param bytes per rank
     */
    void SetDelivered(std::vector<uint64_t> bytes)
    {
        m_delivered = std::move(bytes);
    }

    /// \return see SetDelivered
    const std::vector<uint64_t>& GetDelivered() const
    {
        return m_delivered;
    }

  private:
    std::vector<Transfer> m_transfers;
    std::vector<uint64_t> m_delivered;
};

} // namespace ns3

#endif /* UB_TRANSFER_GRAPH_H */
