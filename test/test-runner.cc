/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Runs the module's ns-3 TestSuites with ns-3's TestRunner (same options as ns-3's test-runner:
 * --list, --suite=NAME, --verbose, ...). ./ubsim test runs each suite in its own process, under
 * the scheduler the module's programs use (UbExperiment::SetDefaultScheduler).
 */
#include "ns3/nstime.h"
#include "ns3/test.h"
#include "ns3/ub-experiment.h"

int
main(int argc, char* argv[])
{
    ns3::Time::SetResolution(ns3::Time::PS);
    ns3::UbExperiment::SetDefaultScheduler(); // the suites run under the programs' scheduler
    return ns3::TestRunner::Run(argc, argv);
}
