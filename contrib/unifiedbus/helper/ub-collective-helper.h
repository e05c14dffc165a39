/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_COLLECTIVE_HELPER_H
#define UB_COLLECTIVE_HELPER_H

#include "ub-topology-helper.h"

#include "ns3/nstime.h"
#include "ns3/ub-collective.h"

#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief Sets up collective options that need more than endpoints.
 */
class UbCollectiveHelper
{
  public:
    /// The reducing switches of a fabric and their shares.
    struct Reducers
    {
        std::vector<Ptr<UbController>> controllers; //!< one per reducing switch
        std::vector<double> shares;                 //!< links from an endpoint to each
    };

    /**
     * \brief Make every switch that all endpoints reach directly a reducer for in-network
     * AllReduce (NVLS-like; for NVSwitch domains: HGX, NVL72, NVL144): give it a UbController
     * (the preset's transport settings, no bandwidth cap of its own, `latency` for the reduction
     * as both initiator and target latency) and give every endpoint a route to it over its direct
     * links. Share j is the number of links from an endpoint to switch j (5/4/4/5 on HGX H100).
     * Stops the run if no switch reaches every endpoint (two-tier fabrics).
     * \param sys the built fabric
     * \param latency reduction latency of the switch (default 100 ns, an assumption: NVIDIA does
     *        not publish NVLink SHARP latencies)
     * \return the reducers, for UbCollectiveEngine::SetReducers
     */
    static Reducers InstallSwitchReducers(UbTopologyHelper& sys, Time latency = NanoSeconds(100));
};

} // namespace ns3

#endif /* UB_COLLECTIVE_HELPER_H */
