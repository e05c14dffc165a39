/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_DISTRIBUTED_H
#define UB_DISTRIBUTED_H

#include "ns3/node-container.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ns3
{

class UbResults;

/**
 * \ingroup unifiedbus
 * \brief Runs UB networks on ns-3's distributed simulator (MPI; the MPI route: ./ubsim setup
 * --mpi, doc/distributed.md). Only in a build against an ns-3 with its mpi module (UB_MPI).
 *
 * Every process builds the same nodes in the same order, each node created with the rank that
 * runs it (Node's system id). A UB link whose two nodes are on different ranks gets a carrier
 * over MPI (InstallLinks): every message from this rank's end is serialized completely
 * (UbLinkMessage::Serialize) and sent with MpiInterface::SendPacket to arrive one picosecond
 * before it takes effect; the other rank's MpiReceiver deserializes it (a malformed buffer stops
 * the run with a message) and hands it to UbChannel::Deliver, which makes its event, keyed by
 * the link direction, at its time. Events of one time run in UbScheduler's distributed order,
 * so the results are those of the same run in one process, bit for bit.
 *
 * The lookahead ns-3 computes is the smallest `Delay` of the channels between ranks: those
 * channels hold their whole propagation delay there, and a message arrives one picosecond before
 * its time, which is at least the sender's PHY latency plus that delay after it was sent.
 */
class UbDistributed
{
  public:
    /**
     * \brief Start MPI and ns-3's distributed simulator, under UbScheduler in distributed order.
     * Call first in main, before anything is created or scheduled.
     * \param argc main's argc
     * \param argv main's argv
     * \param kernel "gtw" (granted time window, ns3::DistributedSimulatorImpl) or "null" (null
     * messages, ns3::NullMessageSimulatorImpl)
     */
    static void Enable(int* argc, char*** argv, const std::string& kernel = "gtw");
    /// Stop MPI (after Simulator::Destroy).
    static void Disable();
    /// \return this process's rank (0 without MPI)
    static uint32_t GetRank();
    /// \return the number of ranks (1 without MPI)
    static uint32_t GetSize();

    /**
     * \brief Give every UB link between a node of this rank and a node of another rank its
     * carrier over MPI, and this rank's end an MpiReceiver. Call once the nodes are linked and
     * before the simulation runs. Stops the run with a message if such a link has no PHY latency
     * (its messages could not reach the other rank before their time).
     * \param nodes every node of the network
     * \param ifIndexOf if given, the interface index of a link's end at a node in the process
     *        that runs that node (link id, node id): the far end of a link here may be a device
     *        built with its node's ports renumbered (UbTopologyHelper::SetRanks)
     * \return the links between ranks that have an end on this rank
     */
    static uint32_t InstallLinks(
        const NodeContainer& nodes,
        const std::function<uint32_t(uint32_t link, uint32_t node)>& ifIndexOf = nullptr);

    /// \return true once Enable has run (and until Disable)
    static bool IsEnabled();
    /// \return the kernel Enable started ("gtw" or "null"; empty before)
    static std::string GetKernel();
    /// \param v summed entry by entry over the ranks; every rank gets the sums
    static void Sum(std::vector<uint64_t>& v);
    /// \param v the largest entry by entry over the ranks; every rank gets them
    static void Max(std::vector<int64_t>& v);
    /**
     * \brief Rank 0 gets the port and flow rows every rank added to its UbResults from
     * `ports` and `flows` on (the port rows in node and port order, as one process adds them;
     * the flow rows rank by rank); the other ranks' are removed, so only rank 0 commits rows.
     * \param results this rank's results
     * \param ports the first port row to gather
     * \param flows the first flow row to gather
     */
    static void GatherRows(UbResults& results, std::size_t ports, std::size_t flows);
};

} // namespace ns3

#endif /* UB_DISTRIBUTED_H */
