/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Every input committed for the fuzz targets (test/fuzz/corpus/<target>: the seeds, and each
 * finding of ./ubsim fuzz once fixed, as regression-<what>) runs through its target here, in
 * every test run, without libFuzzer: accepted, or refused in one line that says where. A
 * finding that came back would crash or abort this suite. The seeds are checked to be accepted,
 * so that the fuzzer starts from inputs that reach deep into each parser.
 */
#include "fuzz/ub-fuzz-targets.h"
#include "ub-test-utils.h"

#include "ns3/test.h"
#include "ns3/ub-error.h"
#include "ns3/ub-link-message.h"
#include "ns3/ub-preset.h"
#include "ns3/ub-topology.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

using namespace ns3;

namespace
{

/// \return the bytes of a file
std::vector<uint8_t>
ReadAll(const std::filesystem::path& p)
{
    std::ifstream f(p, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

/// \return true if a seed is accepted by its target's parser (not only survived)
bool
Accepted(const std::string& target, const std::filesystem::path& p)
{
    const std::vector<uint8_t> b = ReadAll(p);
    try
    {
        if (target == "topology")
        {
            std::istringstream in(std::string(b.begin(), b.end()));
            UbTopology::Parse(in, p.string());
        }
        else if (target == "preset")
        {
            UbPreset::Load(p.string());
        }
        else if (target == "link-message")
        {
            UbLinkMessage m;
            std::string error;
            return UbLinkMessage::Deserialize(b, m, error);
        }
        return true;
    }
    catch (const UbInputError&)
    {
        return false;
    }
}

class UbFuzzCorpusTestCase : public TestCase
{
  public:
    explicit UbFuzzCorpusTestCase(std::string target)
        : TestCase("the committed inputs of fuzz target " + target),
          m_target(std::move(target))
    {
    }

  private:
    void DoRun() override
    {
        ubfuzz::Target run = ubfuzz::Find(m_target);
        NS_TEST_ASSERT_MSG_NE(run, nullptr, "the target exists");
        // (beside this file: the build names sources by their full path)
        const std::filesystem::path dir =
            std::filesystem::path(__FILE__).parent_path() / "fuzz" / "corpus" / m_target;
        std::vector<std::filesystem::path> files;
        for (const auto& e : std::filesystem::directory_iterator(dir))
        {
            files.push_back(e.path());
        }
        std::sort(files.begin(), files.end());
        uint32_t seeds = 0;
        for (const auto& f : files)
        {
            const std::vector<uint8_t> b = ReadAll(f);
            run(b.data(), b.size());   // a finding that came back aborts here
            ubtest::ResetSimulation(); // options set attribute defaults and global values
            if (f.filename().string().rfind("seed-", 0) == 0 && m_target != "options")
            {
                ++seeds;
                NS_TEST_EXPECT_MSG_EQ(Accepted(m_target, f), true, f << " is a valid input");
            }
        }
        NS_TEST_EXPECT_MSG_GT_OR_EQ(files.size(), 2u, "inputs committed for " << m_target);
        NS_TEST_EXPECT_MSG_GT_OR_EQ(seeds + (m_target == "options" ? 1 : 0), 1u, "a seed");
    }

    std::string m_target;
};

class UbFuzzCorpusTestSuite : public TestSuite
{
  public:
    UbFuzzCorpusTestSuite()
        : TestSuite("unifiedbus-fuzz-corpus", TestSuite::Type::UNIT)
    {
        for (const std::string& t : ubfuzz::Names())
        {
            AddTestCase(new UbFuzzCorpusTestCase(t));
        }
    }
};

UbFuzzCorpusTestSuite g_ubFuzzCorpusTestSuite;

} // namespace
