/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-fuzz-targets.h"

#include "ns3/ub-command-line.h"
#include "ns3/ub-controller-helper.h"
#include "ns3/ub-error.h"
#include "ns3/ub-helper.h"
#include "ns3/ub-link-message.h"
#include "ns3/ub-preset.h"
#include "ns3/ub-topology.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace ns3
{
namespace ubfuzz
{

namespace
{

/// A refusal must be one line that says where: stop the run (a finding) if it does not.
void
RequireWhere(const UbInputError& e, const std::vector<std::string>& needles)
{
    const std::string what = e.what();
    bool ok = what.find('\n') == std::string::npos && !what.empty();
    for (const std::string& n : needles)
    {
        ok = ok && what.find(n) != std::string::npos;
    }
    if (!ok)
    {
        std::cerr << "ubfuzz: a refusal that does not say where: " << what << std::endl;
        std::abort();
    }
}

/// The input written to a file of this process's own (the preset loader reads files).
std::string
WriteTemp(const uint8_t* data, std::size_t size, const char* ext)
{
    static const std::string dir = []() {
        const char* shm = "/dev/shm";
        return std::string(access(shm, W_OK) == 0 ? shm : "/tmp");
    }();
    const std::string path = dir + "/ubfuzz-" + std::to_string(getpid()) + std::string(ext);
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return path;
}

} // namespace

void
Topology(const uint8_t* data, std::size_t size)
{
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    try
    {
        // A smaller cap on nodes than files have (10 million), so that each input runs fast.
        UbTopology t = UbTopology::Parse(in, "fuzz.topo", 100000);
        for (uint32_t i = 0; i < t.GetNNodes(); ++i)
        {
            t.GetDegree(i); // the adjacency, built on first use
        }
        t.GetEndpoints();
    }
    catch (const UbInputError& e)
    {
        RequireWhere(e, {"fuzz.topo"});
    }
}

void
Preset(const uint8_t* data, std::size_t size)
{
    const std::string path = WriteTemp(data, size, ".preset");
    try
    {
        UbPreset p = UbPreset::Load(path);
        UbHelper ub;
        p.Apply(ub);
        UbControllerHelper ctl;
        p.Apply(ctl);
        p.GetDefaultEndpoints();
    }
    catch (const UbInputError& e)
    {
        RequireWhere(e, {path});
        const std::string what = e.what();
        // A value the file holds is named with its line.
        if (what.find(path + " line ") == std::string::npos &&
            what.find("no value for") == std::string::npos)
        {
            std::cerr << "ubfuzz: a preset refusal without its line: " << what << std::endl;
            std::abort();
        }
    }
    std::remove(path.c_str());
}

void
LinkMessage(const uint8_t* data, std::size_t size)
{
    std::vector<uint8_t> bytes(data, data + size);
    UbLinkMessage m;
    std::string error;
    // ns-3's Packet constructor is not ours to fuzz: it trusts the sizes inside the bytes, and
    // only bytes that match their sender's check reach it (which libFuzzer's comparison tracing
    // forges at once). The message's framing and fields are fuzzed; a message without a packet
    // must serialize back to the same bytes.
    if (UbLinkMessage::Deserialize(bytes, m, error, false))
    {
        const bool packet = m.kind == UbLinkMessage::DATA || m.kind == UbLinkMessage::CORRUPTED ||
                            m.kind == UbLinkMessage::CORRUPTED_RETRY;
        if (!packet && m.Serialize() != bytes)
        {
            std::cerr << "ubfuzz: a link message does not serialize back to its bytes" << std::endl;
            std::abort();
        }
    }
    else if (error.empty() || error.find('\n') != std::string::npos)
    {
        std::cerr << "ubfuzz: a link message refused without one line saying why" << std::endl;
        std::abort();
    }
}

void
Options(const uint8_t* data, std::size_t size)
{
    // ub-system's options, with their types; the inputs add --ns3::Type::Attribute=value and
    // global values (--RngRun=...) as a user does.
    std::string presetName = "ascend950-ub2";
    std::string topoFile;
    std::string npusText;
    uint64_t bytes = 0;
    std::string op = "write";
    std::string db = "results/ubsim.db";
    uint32_t hopSources = 4;
    uint32_t pods = 0;
    uint32_t nics = 2;
    bool check = true;
    UbCommandLine cmd(__FILE__);
    cmd.AddValue("pods", "SuperPoDs", pods);
    cmd.AddValue("nics", "NICs", nics);
    cmd.AddValue("check", "deadlock check", check);
    cmd.AddValue("preset", "preset", presetName);
    cmd.AddValue("topology", "topology file", topoFile);
    cmd.AddValue("npus", "endpoints", npusText);
    cmd.AddValue("bytes", "bytes", bytes);
    cmd.AddValue("op", "operation", op);
    cmd.AddValue("hopSources", "hop sources", hopSources);
    cmd.AddValue("db", "results file", db);
    std::vector<std::string> args{"ub-system"};
    std::string all(reinterpret_cast<const char*>(data), size);
    std::istringstream lines(all);
    for (std::string a; std::getline(lines, a);)
    {
        args.push_back(a.substr(0, a.find('\0'))); // a program's arguments hold no NUL
    }
    try
    {
        cmd.Check(args);
    }
    catch (const UbInputError& e)
    {
        RequireWhere(e, {});
        return;
    }
    // Checked: ns-3 parses them now. Leave out what prints and exits by design (ns-3 takes
    // one dash or two: --PrintHelp, -PrintGroup=..., --help, --version).
    for (const std::string& a : args)
    {
        const std::string name = a.substr(std::min(a.find_first_not_of('-'), a.size()));
        if (name.rfind("Print", 0) == 0 || name.rfind("help", 0) == 0 ||
            name.rfind("version", 0) == 0 || name == "h" || name == "?")
        {
            return;
        }
    }
    std::vector<char*> argv;
    for (std::string& a : args)
    {
        argv.push_back(a.data());
    }
    try
    {
        cmd.Parse(static_cast<int>(argv.size()), argv.data());
    }
    catch (const UbInputError& e)
    {
        RequireWhere(e, {});
    }
}

Target
Find(const std::string& name)
{
    if (name == "topology")
    {
        return &Topology;
    }
    if (name == "preset")
    {
        return &Preset;
    }
    if (name == "link-message")
    {
        return &LinkMessage;
    }
    if (name == "options")
    {
        return &Options;
    }
    return nullptr;
}

std::vector<std::string>
Names()
{
    return {"topology", "preset", "link-message", "options"};
}

} // namespace ubfuzz
} // namespace ns3
