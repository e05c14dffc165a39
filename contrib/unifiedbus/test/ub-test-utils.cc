/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-test-utils.h"

#include "ns3/config.h"
#include "ns3/enum.h"
#include "ns3/node-list.h"
#include "ns3/simulator.h"
#include "ns3/ub-error.h"
#include "ns3/ub-helper.h"
#include "ns3/ub-net-device.h"
#include "ns3/ub-routing-helper.h"
#include "ns3/ub-switch.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace ns3
{
namespace ubtest
{

bool
FiguresOn()
{
    static const bool on = std::getenv("UB_FIGURES") != nullptr;
    return on;
}

void
RecordFigure(const char* file, int line, const char* expr, const std::string& value)
{
    static FILE* out = std::fopen(std::getenv("UB_FIGURES"), "a");
    if (out == nullptr)
    {
        return;
    }
    std::string f(file);
    auto slash = f.find_last_of('/');
    std::string e(expr);
    for (char& c : e)
    {
        c = (c == '\n') ? ' ' : c;
    }
    std::fprintf(out,
                 "%s:%d %s = %s\n",
                 f.substr(slash == std::string::npos ? 0 : slash + 1).c_str(),
                 line,
                 e.c_str(),
                 value.c_str());
    std::fflush(out);
}

int64_t
SerPs(uint64_t bytes, uint64_t rateBps)
{
    unsigned __int128 num = static_cast<unsigned __int128>(bytes) * 8u * 1000000000000ull;
    return static_cast<int64_t>((num + rateBps - 1) / rateBps);
}

uint32_t
UbCrcFlits(uint32_t packetBytes, uint32_t flitBytes)
{
    const uint32_t blockBytes = 32 * flitBytes;
    uint32_t rest = packetBytes;
    uint32_t flits = 0;
    // First block: LPH (4) + data + BCRC (4).
    uint32_t firstData = blockBytes - 8;
    if (rest <= firstData)
    {
        return (rest + 8 + flitBytes - 1) / flitBytes;
    }
    rest -= firstData;
    flits += 32;
    // Later blocks: LBH (2) + data + BCRC (4).
    uint32_t laterData = blockBytes - 6;
    while (rest > laterData)
    {
        rest -= laterData;
        flits += 32;
    }
    return flits + (rest + 6 + flitBytes - 1) / flitBytes;
}

ChildResult
RunInChild(const std::function<void()>& f)
{
    ChildResult r;
    int fds[2];
    if (pipe(fds) != 0)
    {
        r.output = "pipe() failed";
        return r;
    }
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid == 0)
    {
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        dup2(fds[1], STDOUT_FILENO);
        close(fds[1]);
        try
        {
            f();
        }
        catch (const UbInputError& e)
        {
            UbPrintInputError("test", e.what());
            std::cout.flush();
            std::cerr.flush();
            _exit(2);
        }
        std::cout.flush();
        std::cerr.flush();
        _exit(0);
    }
    close(fds[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof(buf))) > 0)
    {
        r.output.append(buf, static_cast<std::size_t>(n));
    }
    close(fds[0]);
    waitpid(pid, &r.status, 0);
    r.exitedNormally = WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0;
    r.inputError = WIFEXITED(r.status) && WEXITSTATUS(r.status) == 2;
    return r;
}

bool
ContainsAll(const std::string& hay, const std::vector<std::string>& needles)
{
    for (const auto& n : needles)
    {
        if (hay.find(n) == std::string::npos)
        {
            return false;
        }
    }
    return true;
}

ClosNet
BuildClos(const UbHelper& ub, uint32_t leaves, uint32_t perLeaf, uint32_t spines)
{
    ClosNet c;
    c.endpoints.Create(leaves * perLeaf);
    c.leaves.Create(leaves);
    c.spines.Create(spines);
    for (uint32_t l = 0; l < leaves; ++l)
    {
        for (uint32_t e = 0; e < perLeaf; ++e)
        {
            ub.Install(c.endpoints.Get(l * perLeaf + e), c.leaves.Get(l));
        }
        for (uint32_t s = 0; s < spines; ++s)
        {
            ub.Install(c.leaves.Get(l), c.spines.Get(s));
        }
    }
    c.all = NodeContainer(c.endpoints, c.leaves, c.spines);
    UbRoutingHelper::PopulateShortestPaths(c.all);
    return c;
}

ExpectStopTestCase::ExpectStopTestCase(std::string name,
                                       std::function<void()> body,
                                       std::vector<std::string> expected,
                                       Stop how)
    : TestCase(name),
      m_body(std::move(body)),
      m_expected(std::move(expected)),
      m_how(how)
{
}

bool
IsCleanInputError(const ChildResult& r, const std::vector<std::string>& needles)
{
    if (!r.inputError || r.output.find("aborted.") != std::string::npos ||
        r.output.find("terminate called") != std::string::npos)
    {
        return false;
    }
    // The sentence is one line of its own.
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);)
    {
        if (line.rfind("test: ", 0) == 0 && ContainsAll(line, needles))
        {
            return true;
        }
    }
    return false;
}

void
ExpectStopTestCase::DoRun()
{
    ChildResult r = RunInChild(m_body);
    NS_TEST_EXPECT_MSG_EQ(r.exitedNormally, false, "the run must stop");
    if (m_how == INPUT_ERROR)
    {
        NS_TEST_EXPECT_MSG_EQ(IsCleanInputError(r, m_expected),
                              true,
                              "an input error: one line naming the thing and the fix, exit status "
                              "2; got status "
                                  << r.status << ": " << r.output);
    }
    else
    {
        NS_TEST_EXPECT_MSG_EQ(r.inputError, false, "a model check aborts; got: " << r.output);
        NS_TEST_EXPECT_MSG_EQ(ContainsAll(r.output, m_expected),
                              true,
                              "the message names the thing and the fix; got: " << r.output);
    }
}

void
ResetSimulation()
{
    Simulator::Destroy();
    Config::Reset();
}

void
CountLosslessViolations()
{
    Config::SetDefault("ns3::UbNetDevice::LosslessViolation", EnumValue(UbNetDevice::COUNT));
}

uint64_t
LosslessViolations()
{
    uint64_t total = 0;
    for (auto it = NodeList::Begin(); it != NodeList::End(); ++it)
    {
        Ptr<UbSwitch> sw = (*it)->GetObject<UbSwitch>();
        for (uint32_t p = 0; sw && p < sw->GetNPorts(); ++p)
        {
            total += sw->GetPort(p)->GetLosslessViolations();
        }
    }
    return total;
}

} // namespace ubtest
} // namespace ns3
