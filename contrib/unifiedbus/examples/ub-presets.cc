/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * ub-presets: the parameter presets, read by the module's own preset loader (UbPreset), so that
 * what is listed is what a simulation applies.
 *
 *   ub-presets            every preset: description, main sources, and how many values rest on a
 *                         primary source [S], a secondary one [S2], an assumption [A] or a
 *                         calibration [C]
 *   ub-presets <name>     one preset, every value with its source
 */
#include "ns3/core-module.h"
#include "ns3/unifiedbus-module.h"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>

using namespace ns3;

namespace
{

/// The tag a source note starts with: S, S2, A, C, or "" if none.
std::string
SourceTag(const std::string& source)
{
    if (source.size() < 3 || source[0] != '[')
    {
        return "";
    }
    std::size_t close = source.find(']');
    return close == std::string::npos ? "" : source.substr(1, close - 1);
}

} // namespace

namespace
{

int
RunMain(int argc, char* argv[])
{
    std::string name;
    CommandLine cmd(__FILE__);
    cmd.AddNonOption("name", "a preset to show (none: list them all)", name);
    cmd.Parse(argc, argv);
    if (!name.empty())
    {
        std::vector<std::string> known = UbPreset::List();
        if (std::find(known.begin(), known.end(), name) == known.end())
        {
            std::cerr << "ubsim: presets: no preset named '" << name
                      << "'; './ubsim presets' lists them\n";
            return 2;
        }
        UbPreset p = UbPreset::Load(name);
        std::cout << "name = " << p.GetName() << "\n"
                  << "description = " << p.GetDescription() << "\n"
                  << "sources = " << p.GetSources() << "\n"
                  << "file = " << p.GetPath() << "\n";
        for (const auto& e : p.GetEntries())
        {
            std::cout << e.type << "::" << e.attribute << " = " << e.value << " ; " << e.source
                      << "\n";
        }
        return 0;
    }
    for (const std::string& n : UbPreset::List())
    {
        UbPreset p = UbPreset::Load(n);
        std::map<std::string, uint32_t> tags;
        for (const auto& e : p.GetEntries())
        {
            ++tags[SourceTag(e.source)];
        }
        std::cout << "  " << std::left << std::setw(16) << n << " " << p.GetDescription() << "\n"
                  << "  " << std::setw(16) << ""
                  << " sources: " << p.GetSources() << "\n"
                  << "  " << std::setw(16) << ""
                  << " values: ";
        bool first = true;
        for (const char* t : {"A", "C", "S", "S2"})
        {
            if (tags.count(t))
            {
                std::cout << (first ? "" : ", ") << "[" << t << "] x" << tags[t];
                first = false;
            }
        }
        std::cout << std::right << "\n";
    }
    std::cout
        << "Tags: [S] primary source, [S2] secondary source, [A] assumption, [C] calibrated.\n"
        << "('./ubsim presets <name>' shows every value with its source)\n";
    return 0;
}

} // namespace

int
main(int argc, char* argv[])
{
    return UbMain("ub-presets", [&] { return RunMain(argc, argv); });
}
