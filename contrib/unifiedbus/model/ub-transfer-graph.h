/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_TRANSFER_GRAPH_H
#define UB_TRANSFER_GRAPH_H

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

namespace ns3
{

/// A transfer's index in its graph: place x streams + stream (64 bits: a generated graph may
/// number more transfers than 2^32, holding a few at a time; a graph built whole stays below).
typedef uint64_t UbTransferId;

/**
 * \ingroup unifiedbus
 * \brief A collective as a dependency graph of transfers between ranks: what a builder
 * (UbCollectiveBuilder) produces and a runner (UbCollectiveRunner) executes.
 *
 * A transfer moves `bytes` from rank `src` to rank `dst` (ranks are indices; reducing switches,
 * for in-network algorithms, come after the ranks). It may start only when every transfer it
 * depends on has arrived at its source (the data it forwards or reduces); transfers with no
 * dependencies start together. The graph holds no simulation state: the same graph can be run
 * twice, or at another level of detail (a runner takes its own copy, and counts down and marks
 * arrived the transfers of that copy).
 *
 * A graph may also be generated as it runs (SetGenerator), batch after batch in each of its
 * streams (independent parts that progress at their own pace, such as the reducing switches of
 * an in-network AllReduce), so that a long collective holds only the transfers near those in
 * flight: a runner asks for a stream's next batches as its transfers arrive and drops the
 * transfers that have arrived (DropArrived). Such a graph runs once.
 *
 * A transfer's index names its stream and its place in it: index = place x streams + stream.
 * A graph built whole has one stream, and its indices are 0, 1, 2, ... in the order of Add.
 */
class UbTransferGraph
{
  public:
    /// One transfer.
    struct Transfer
    {
        uint32_t src{0};                      //!< sending rank
        uint32_t dst{0};                      //!< receiving rank
        uint64_t bytes{0};                    //!< data bytes (at least 1)
        uint32_t dependencies{0};             //!< transfers that must arrive first
        std::vector<UbTransferId> dependents; //!< transfers waiting for this one
        uint64_t work{0};    //!< bytes the source's engine processes (reduces) before the transfer
                             //!< leaves (0: none; UbCollectiveRunConfig::engineBps gives the rate)
        uint32_t batch{0};   //!< the batch of its stream that added it (generated graphs; else 0)
        bool arrived{false}; //!< set by a runner, in its copy, when it has arrived
    };

    /**
     * Adds the next batch of transfers of one stream to the graph (Add, Depend) and returns
     * true, or returns false, adding nothing, once that stream has no more.
     */
    typedef std::function<bool(UbTransferGraph&, uint32_t stream)> Generator;

    UbTransferGraph();

    /**
     * \brief Add a transfer (to the stream being generated; a graph built whole has one).
     * \param src sending rank
     * \param dst receiving rank
     * \param bytes data bytes (0 counts as 1: a transfer always moves something)
     * \param work bytes the source processes first (a reduction's output), on its engine
     * \return its index (below 2^32 in a graph built whole)
     */
    UbTransferId Add(uint32_t src, uint32_t dst, uint64_t bytes, uint64_t work = 0);

    /**
     * \brief `later` may start only once `earlier` has arrived.
     * \param later a transfer
     * \param earlier a transfer added before it, in the same stream
     */
    void Depend(UbTransferId later, UbTransferId earlier);

    /// \param t a transfer held \return it
    const Transfer& Get(UbTransferId t) const
    {
        const Stream& s = m_streams[t % m_nStreams];
        return s.held[t / m_nStreams - s.first];
    }

    /// \param t a transfer index \return true if the graph holds it (added, not dropped)
    bool IsHeld(UbTransferId t) const
    {
        const Stream& s = m_streams[t % m_nStreams];
        return t / m_nStreams >= s.first && t / m_nStreams - s.first < s.held.size();
    }

    /// \param t a transfer held \return it, to change (a runner counts down its dependencies)
    Transfer& At(UbTransferId t)
    {
        Stream& s = m_streams[t % m_nStreams];
        return s.held[t / m_nStreams - s.first];
    }

    /**
     * \brief Call f(index, transfer) for every transfer held: place by place, each place stream
     * by stream (for a graph of one stream: in the order of Add).
     * \param f the function
     */
    template <typename F>
    void ForEach(F f) const
    {
        uint64_t first = UINT64_MAX;
        uint64_t end = 0;
        for (const Stream& s : m_streams)
        {
            first = std::min(first, s.first);
            end = std::max<uint64_t>(end, s.first + s.held.size());
        }
        for (uint64_t place = first; place < end; ++place)
        {
            for (uint32_t k = 0; k < m_nStreams; ++k)
            {
                const Stream& s = m_streams[k];
                if (place >= s.first && place < s.first + s.held.size())
                {
                    f(place * m_nStreams + k, s.held[place - s.first]);
                }
            }
        }
    }

    /// \return transfers held (all of them unless a runner dropped the arrived ones)
    uint64_t GetHeld() const;

    /// \return number of transfers added so far
    uint64_t GetN() const
    {
        return m_added;
    }

    /// \return transfers of the whole graph (for a generated one, as SetGenerator declared)
    uint64_t GetTotalN() const;

    /// \return data bytes over all transfers (for a generated one, as SetGenerator declared)
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

    /**
     * \brief Generate the graph as it runs (on an empty graph). The generator adds one batch of
     * a stream per call; a transfer of batch b may depend only on transfers of its own stream's
     * batches b - lookback to b, and only the transfers of batches 0 to lookback may have no
     * dependency. A runner then holds, in each stream, the batches up to `lookback` past the
     * latest batch with an arrival: every transfer exists before the first of its dependencies
     * arrives. A generator that breaks this stops the run with a message (Depend on a transfer
     * that has arrived, or a transfer without dependencies generated late).
     * \param streams independent streams (at least 1)
     * \param next the generator (the graph calls it from Generate)
     * \param lookback batches a dependency may reach back
     * \param totalN transfers it will add in all
     * \param totalBytes data bytes over them
     */
    void SetGenerator(uint32_t streams,
                      Generator next,
                      uint32_t lookback,
                      uint64_t totalN,
                      uint64_t totalBytes);

    /// \return true if the graph is generated as it runs and not all of it has been
    bool IsGenerating() const
    {
        return m_generating > 0;
    }

    /**
     * \brief For a run split over processes: the participants this process runs (empty: all).
     * From then on Depend counts a dependency only for a transfer whose source is here, and
     * stops the run with a message if that dependency arrives at a participant elsewhere (a
     * transfer here released by what another process sees, which no message would carry).
     * \param local per participant, whether it is here
     */
    void SetLocal(std::vector<bool> local)
    {
        m_local = std::move(local);
    }

    /// \param participant a participant \return true if it is run here (see SetLocal)
    bool IsLocal(uint32_t participant) const
    {
        return m_local.empty() || m_local[participant];
    }

    /// \return the lookback of SetGenerator (0 for a graph built whole)
    uint32_t GetLookback() const
    {
        return m_lookback;
    }

    /// \return streams (1 for a graph built whole)
    uint32_t GetStreams() const
    {
        return m_nStreams;
    }

    /// \param stream a stream \return the place of the first transfer it holds
    uint64_t GetFirst(uint32_t stream) const
    {
        return m_streams[stream].first;
    }

    /// \param stream a stream \return the place its next transfer gets
    uint64_t GetEnd(uint32_t stream) const
    {
        return m_streams[stream].first + m_streams[stream].held.size();
    }

    /// \param stream a stream \return batches generated in it so far
    uint32_t GetBatches(uint32_t stream) const
    {
        return m_streams[stream].batches;
    }

    /**
     * \brief Add the next batch of a stream (generated graphs).
     * \param stream the stream
     * \return false if it had none left
     */
    bool Generate(uint32_t stream);

    /// Generate every remaining batch, batch by batch, each batch stream by stream: the whole
    /// graph, as if built at once.
    void GenerateAll();

    /**
     * \brief Drop the transfers at the front of t's stream that have arrived (a runner).
     * \param t a transfer that has arrived
     * \return how many were dropped
     */
    uint32_t DropArrived(UbTransferId t);

  private:
    /// One stream: its transfers held, places first .. first + held.size() - 1.
    struct Stream
    {
        std::deque<Transfer> held; //!< transfers held
        uint64_t first{0};         //!< place of held.front()
        uint32_t batches{0};       //!< batches generated
        bool done{false};          //!< its generator has no more
    };

    std::vector<Stream> m_streams;     //!< the streams (one for a graph built whole)
    uint32_t m_nStreams{1};            //!< m_streams.size()
    uint32_t m_current{0};             //!< the stream Add adds to
    uint64_t m_added{0};               //!< transfers added
    std::vector<uint64_t> m_delivered; //!< see SetDelivered
    Generator m_next;                  //!< generated graphs: a stream's next batch
    uint32_t m_generating{0};          //!< streams not done
    uint32_t m_lookback{0};            //!< see SetGenerator
    std::vector<bool> m_local;         //!< see SetLocal
    uint64_t m_totalN{0};              //!< generated graphs: transfers in all
    uint64_t m_totalBytes{0};          //!< generated graphs: data bytes in all
};

} // namespace ns3

#endif /* UB_TRANSFER_GRAPH_H */
