/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Shared helpers of the unifiedbus test suites. The expected values in the tests are computed
 * here from the published formulas with plain integer arithmetic, independently of the model's
 * own link arithmetic.
 */
#ifndef UB_TEST_UTILS_H
#define UB_TEST_UTILS_H

#include "ns3/node-container.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"
#include "ns3/test.h"

#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace ns3
{
class UbHelper;

namespace ubtest
{

/// ceil(8 * bytes * 10^12 / rateBps) picoseconds: the serialization time the model promises.
int64_t SerPs(uint64_t bytes, uint64_t rateBps);

/**
 * Flits of a network packet under UB CRC-mode framing (UB Base Spec 2.0 section 4.3), written
 * out block by block: first block = LPH 4 B + data + BCRC 4 B, later blocks LBH 2 B + data +
 * BCRC 4 B, each block at most 32 flits of flitBytes.
 */
uint32_t UbCrcFlits(uint32_t packetBytes, uint32_t flitBytes = 20);

/// Outcome of running a function in a child process.
struct ChildResult
{
    bool exitedNormally{false}; //!< the function returned
    bool inputError{false};     //!< it threw UbInputError: printed, exit status 2
    int status{0};              //!< raw wait status
    std::string output;         //!< what it wrote to stderr and stdout
};

/**
 * Run f in a forked child (so that an intended NS_FATAL_ERROR / NS_ABORT_MSG does not end the
 * test runner) and capture what it printed. A UbInputError thrown by f is printed as the
 * examples print it ("test: sentence") and ends the child with status 2, as UbMain does.
 */
ChildResult RunInChild(const std::function<void()>& f);

/// True if every needle occurs in hay.
bool ContainsAll(const std::string& hay, const std::vector<std::string>& needles);

/// A two-level Clos: endpoints on leaf switches, every leaf linked once to every spine.
struct ClosNet
{
    NodeContainer endpoints; //!< leaves x perLeaf endpoints, leaf by leaf
    NodeContainer leaves;    //!< leaf switches
    NodeContainer spines;    //!< spine switches
    NodeContainer all;       //!< endpoints, leaves, spines
};

/**
 * Build a Clos with the helper's attributes and fill the routing tables (all shortest paths).
 */
ClosNet BuildClos(const UbHelper& ub, uint32_t leaves, uint32_t perLeaf, uint32_t spines);

/**
 * A test case that runs `body` in a child process and expects it to stop the run with a message
 * containing every string of `expected` (bad input must name the thing and the fix).
 */
class ExpectStopTestCase : public TestCase
{
  public:
    /// How the run must stop.
    enum Stop
    {
        INPUT_ERROR, //!< UbInputError: one clean line, exit status 2
        ABORT,       //!< a model check: ns-3's abort (NS_ABORT_MSG / NS_FATAL_ERROR)
    };

    /**
     * \param name test case name
     * \param body what should stop the run
     * \param expected strings the message must contain
     * \param how how it must stop
     */
    ExpectStopTestCase(std::string name,
                       std::function<void()> body,
                       std::vector<std::string> expected,
                       Stop how = INPUT_ERROR);

  private:
    void DoRun() override;

    std::function<void()> m_body;
    std::vector<std::string> m_expected;
    Stop m_how;
};

/**
 * \return true when r is an input error reported the way users see it: exit status 2, one line
 * "test: sentence" holding every needle, and none of ns-3's abort format
 */
bool IsCleanInputError(const ChildResult& r, const std::vector<std::string>& needles);

/// Destroy the simulator and clear global state between test cases.
void ResetSimulation();

/**
 * Make lossless ports count violations instead of aborting (UbNetDevice::LosslessViolation =
 * Count, as a default for devices created from now on, until ResetSimulation), so that a test
 * can assert the count is zero.
 */
void CountLosslessViolations();

/// \return lossless violations summed over every port of every UB node of the simulation
uint64_t LosslessViolations();

/// \return true when the environment variable UB_FIGURES names a file to record figures in
bool FiguresOn();

/**
 * Append one figure a test computed to the file named by UB_FIGURES: "file:line expr = value".
 * test/same-results.sh runs every suite with it and compares two builds figure by figure.
 * \param file source file of the check
 * \param line its line
 * \param expr the expression checked
 * \param value its value, printed exactly (doubles with 17 digits, times in picoseconds)
 */
void RecordFigure(const char* file, int line, const char* expr, const std::string& value);

/// Print a value exactly: doubles to 17 significant digits, times in picoseconds.
template <typename T>
void
FormatFigure(std::ostream& os, const T& v)
{
    if constexpr (std::is_floating_point_v<T>)
    {
        os.precision(17);
        os << v;
    }
    else if constexpr (std::is_same_v<T, Time>)
    {
        os << v.GetPicoSeconds() << "ps";
    }
    else if constexpr (std::is_enum_v<T>)
    {
        os << static_cast<int64_t>(v);
    }
    else
    {
        os << v;
    }
}

/// Record `v` (see RecordFigure) and return it unchanged; used through UB_FIG.
template <typename T>
std::decay_t<T>
Fig(T&& v, const char* file, int line, const char* expr)
{
    if (FiguresOn())
    {
        std::ostringstream os;
        FormatFigure(os, static_cast<const std::decay_t<T>&>(v));
        RecordFigure(file, line, expr, os.str());
    }
    return std::forward<T>(v);
}

} // namespace ubtest
} // namespace ns3

/**
 * Wraps the measured side of every check in the suites: it records the value when UB_FIGURES is
 * set (so that a refactor can show, figure by figure, that results did not move) and otherwise
 * only passes it through.
 */
#define UB_FIG(x) ::ns3::ubtest::Fig((x), __FILE__, __LINE__, #x)

#endif /* UB_TEST_UTILS_H */
