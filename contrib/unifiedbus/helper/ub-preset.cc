/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-preset.h"

#include "ub-command-line.h"
#include "ub-controller-helper.h"
#include "ub-helper.h"

#include "ns3/abort.h"
#include "ns3/string.h"
#include "ns3/type-id.h"
#include "ns3/ub-error.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#ifndef UB_PRESET_DIR
#define UB_PRESET_DIR ""
#endif

namespace ns3
{

namespace
{
std::string
Trim(const std::string& s)
{
    std::size_t a = s.find_first_not_of(" \t\r");
    if (a == std::string::npos)
    {
        return "";
    }
    std::size_t b = s.find_last_not_of(" \t\r");
    return s.substr(a, b - a + 1);
}

const char* const TYPES[] =
    {"UbNetDevice", "UbChannel", "UbSwitch", "UbRoutingTable", "UbController", "UbTransport"};

} // namespace

std::vector<std::string>
UbPreset::SearchPath()
{
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("UB_PRESET_PATH"))
    {
        std::stringstream ss(env);
        std::string d;
        while (std::getline(ss, d, ':'))
        {
            if (!d.empty())
            {
                dirs.push_back(d);
            }
        }
    }
    if (std::string(UB_PRESET_DIR).size() > 0)
    {
        dirs.emplace_back(UB_PRESET_DIR);
    }
    return dirs;
}

std::vector<std::string>
UbPreset::List()
{
    std::vector<std::string> names;
    for (const auto& dir : SearchPath())
    {
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(dir, ec))
        {
            if (e.path().extension() == ".preset")
            {
                std::string n = e.path().stem().string();
                if (std::find(names.begin(), names.end(), n) == names.end())
                {
                    names.push_back(n);
                }
            }
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

UbPreset
UbPreset::Load(const std::string& nameOrPath)
{
    std::string path;
    if (nameOrPath.find('/') != std::string::npos ||
        (nameOrPath.size() > 7 && nameOrPath.substr(nameOrPath.size() - 7) == ".preset"))
    {
        path = nameOrPath;
    }
    else
    {
        for (const auto& dir : SearchPath())
        {
            std::string candidate = dir + "/" + nameOrPath + ".preset";
            if (std::filesystem::exists(candidate))
            {
                path = candidate;
                break;
            }
        }
    }
    if (path.empty())
    {
        // A short name stands for the one preset that starts with it ("cm384" -> "cm384-ub1").
        std::vector<std::string> matches;
        for (const auto& n : List())
        {
            if (n.rfind(nameOrPath + "-", 0) == 0)
            {
                matches.push_back(n);
            }
        }
        if (matches.size() == 1)
        {
            return Load(matches.front());
        }
    }
    if (path.empty())
    {
        std::string known;
        for (const auto& n : List())
        {
            known += (known.empty() ? "" : ", ") + n;
        }
        UB_INPUT_ERROR("UbPreset: no preset named '" << nameOrPath << "'; known presets: " << known
                                                     << " (./ubsim presets lists them)");
    }
    std::ifstream in(path);
    UB_INPUT_ERROR_IF(!in, "UbPreset: cannot read " << path);
    UbPreset p;
    p.m_path = path;
    std::string line;
    int n = 0;
    while (std::getline(in, line))
    {
        ++n;
        std::string t = Trim(line);
        if (t.empty() || t[0] == '#')
        {
            continue;
        }
        std::size_t eq = t.find('=');
        UB_INPUT_ERROR_IF(eq == std::string::npos,
                          "UbPreset " << path << " line " << n
                                      << ": expected 'key = value ; [tag] source', got '" << t
                                      << "'");
        std::string key = Trim(t.substr(0, eq));
        std::string rest = t.substr(eq + 1);
        if (key == "name" || key == "description" || key == "sources")
        {
            (key == "name"      ? p.m_name
             : key == "sources" ? p.m_sources
                                : p.m_description) = Trim(rest);
            continue;
        }
        std::size_t semi = rest.find(';');
        UB_INPUT_ERROR_IF(semi == std::string::npos,
                          "UbPreset " << path << " line " << n << ": " << key
                                      << " has no source; end the line with '; [S] source', "
                                         "'; [S2] ...', '; [A] reason' or '; [C] calibration'");
        Entry e;
        e.value = Trim(rest.substr(0, semi));
        e.source = Trim(rest.substr(semi + 1));
        e.line = n;
        bool tagged = e.source.rfind("[S]", 0) == 0 || e.source.rfind("[S2]", 0) == 0 ||
                      e.source.rfind("[A]", 0) == 0 || e.source.rfind("[C]", 0) == 0;
        UB_INPUT_ERROR_IF(!tagged || e.source.size() < 6,
                          "UbPreset "
                              << path << " line " << n << ": the source of " << key
                              << " must start with [S], [S2], [A] or [C] and say something");
        std::size_t sep = key.find("::");
        UB_INPUT_ERROR_IF(sep == std::string::npos,
                          "UbPreset " << path << " line " << n << ": key '" << key
                                      << "' must be Type::Attribute or topology::Name");
        e.type = key.substr(0, sep);
        e.attribute = key.substr(sep + 2);
        UB_INPUT_ERROR_IF(e.value.empty(),
                          "UbPreset " << path << " line " << n << ": " << key << " has no value");
        if (e.type != "topology")
        {
            bool known = std::find(std::begin(TYPES), std::end(TYPES), e.type) != std::end(TYPES);
            UB_INPUT_ERROR_IF(!known,
                              "UbPreset "
                                  << path << " line " << n << ": unknown type '" << e.type
                                  << "'; use UbNetDevice, UbChannel, UbSwitch, "
                                     "UbRoutingTable, UbController, UbTransport or topology");
            TypeId tid = TypeId::LookupByName("ns3::" + e.type);
            TypeId::AttributeInformation info;
            UB_INPUT_ERROR_IF(!tid.LookupAttributeByName(e.attribute, &info),
                              "UbPreset " << path << " line " << n << ": " << e.type
                                          << " has no attribute '" << e.attribute << "'");
            UB_INPUT_ERROR_IF(!UbCommandLine::ValidAttributeText(info.checker, e.value),
                              "UbPreset " << path << " line " << n << ": '" << e.value
                                          << "' is not a valid value of " << key);
        }
        p.m_entries.push_back(e);
    }
    if (p.m_name.empty())
    {
        p.m_name = std::filesystem::path(path).stem().string();
    }
    return p;
}

const std::string&
UbPreset::GetSources() const
{
    return m_sources;
}

const std::string&
UbPreset::GetName() const
{
    return m_name;
}

const std::string&
UbPreset::GetDescription() const
{
    return m_description;
}

const std::string&
UbPreset::GetPath() const
{
    return m_path;
}

const std::vector<UbPreset::Entry>&
UbPreset::GetEntries() const
{
    return m_entries;
}

bool
UbPreset::Has(const std::string& key) const
{
    for (const auto& e : m_entries)
    {
        if (e.type + "::" + e.attribute == key)
        {
            return true;
        }
    }
    return false;
}

std::string
UbPreset::Get(const std::string& key) const
{
    for (const auto& e : m_entries)
    {
        if (e.type + "::" + e.attribute == key)
        {
            return e.value;
        }
    }
    UB_INPUT_ERROR("UbPreset " << m_name << ": no value for " << key << " in " << m_path);
}

double
UbPreset::GetDouble(const std::string& key) const
{
    std::string v = Get(key);
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    UB_INPUT_ERROR_IF(end == v.c_str() || *end != '\0',
                      "UbPreset " << m_name << " (" << m_path << LineOf(key) << "): " << key
                                  << " = '" << v << "' is not a number");
    return d;
}

std::string
UbPreset::LineOf(const std::string& key) const
{
    for (const auto& e : m_entries)
    {
        if (e.type + "::" + e.attribute == key && e.line > 0)
        {
            return " line " + std::to_string(e.line);
        }
    }
    return "";
}

uint32_t
UbPreset::GetCount(const std::string& key, uint32_t max) const
{
    const double n = GetDouble(key);
    UB_INPUT_ERROR_IF(!(n >= 0 && n <= max) || n != std::floor(n),
                      "UbPreset " << m_name << " (" << m_path << LineOf(key) << "): " << key
                                  << " = " << Get(key) << " is not a whole number from 0 to "
                                  << max);
    return static_cast<uint32_t>(n);
}

double
UbPreset::GetNonNegative(const std::string& key, double max) const
{
    const double v = GetDouble(key);
    UB_INPUT_ERROR_IF(!(v >= 0 && v <= max),
                      "UbPreset " << m_name << " (" << m_path << LineOf(key) << "): " << key
                                  << " = " << Get(key) << " is not a number from 0 to " << max);
    return v;
}

uint32_t
UbPreset::GetDefaultEndpoints() const
{
    for (const char* key : {"topology::DefaultEndpoints", "topology::Endpoints"})
    {
        if (Has(key))
        {
            const double n = GetDouble(key);
            UB_INPUT_ERROR_IF(n < 0 || n > (1U << 24) || n != static_cast<uint32_t>(n),
                              "UbPreset " << m_name << " (" << m_path << LineOf(key) << "): " << key
                                          << " = " << n << " is not a number of endpoints");
            return static_cast<uint32_t>(n);
        }
    }
    return 0;
}

bool
UbPreset::EndpointsOption(const std::string& preset, const std::string& option, uint32_t& npus)
{
    if (option.empty())
    {
        npus = Load(preset).GetDefaultEndpoints();
        return true;
    }
    if (option.size() > 8 || option.find_first_not_of("0123456789") != std::string::npos)
    {
        return false;
    }
    npus = static_cast<uint32_t>(std::stoul(option));
    return npus <= (1U << 24);
}

bool
UbPreset::EndpointsOption(const std::string& program,
                          const std::string& preset,
                          const std::string& option,
                          uint32_t& npus)
{
    if (EndpointsOption(preset, option, npus))
    {
        return true;
    }
    std::cerr << program << ": --npus=" << option
              << " is not a number of endpoints (leave it out for the preset's default size)\n";
    return false;
}

const char*
UbPreset::EndpointsOptionHelp()
{
    return "endpoints to build (default: the preset's default size, topology::DefaultEndpoints; "
           "0: its full size)";
}

bool
UbPreset::Set(const std::string& key, const std::string& value, std::string& error)
{
    std::size_t sep = key.find("::");
    if (sep == std::string::npos || sep == 0 || sep + 2 >= key.size())
    {
        error = "'" + key + "' is not Type::Attribute or topology::Name";
        return false;
    }
    if (value.empty())
    {
        error = key + " has no value";
        return false;
    }
    Entry e;
    e.type = key.substr(0, sep);
    e.attribute = key.substr(sep + 2);
    e.value = value;
    e.source = "[A] set by the user";
    if (e.type != "topology")
    {
        if (std::find(std::begin(TYPES), std::end(TYPES), e.type) == std::end(TYPES))
        {
            error = "unknown type '" + e.type +
                    "'; use UbNetDevice, UbChannel, UbSwitch, UbRoutingTable, UbController, "
                    "UbTransport or topology";
            return false;
        }
        TypeId tid = TypeId::LookupByName("ns3::" + e.type);
        TypeId::AttributeInformation info;
        if (!tid.LookupAttributeByName(e.attribute, &info))
        {
            error = e.type + " has no attribute '" + e.attribute + "'";
            return false;
        }
        if (!UbCommandLine::ValidAttributeText(info.checker, e.value))
        {
            error = "'" + e.value + "' is not a valid value of " + key;
            return false;
        }
    }
    for (auto& x : m_entries)
    {
        if (x.type == e.type && x.attribute == e.attribute)
        {
            x.value = e.value;
            x.source = e.source;
            return true;
        }
    }
    m_entries.push_back(e);
    return true;
}

bool
UbPreset::SetList(const std::string& list, std::string& error)
{
    // Split at the commas that start a "Name::Name=" item.
    std::vector<std::string> items;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= list.size(); ++i)
    {
        if (i < list.size() && list[i] != ',')
        {
            continue;
        }
        std::size_t eq = list.find('=', i + 1);
        std::size_t sep = list.find("::", i + 1);
        bool starts = i == list.size() || (eq != std::string::npos && sep != std::string::npos &&
                                           sep < eq && list.find(',', i + 1) > eq);
        if (starts)
        {
            items.push_back(Trim(list.substr(start, i - start)));
            start = i + 1;
        }
    }
    UbPreset copy = *this;
    for (const auto& item : items)
    {
        if (item.empty())
        {
            continue;
        }
        std::size_t eq = item.find('=');
        if (eq == std::string::npos)
        {
            error = "'" + item + "' is not Type::Attribute=value";
            return false;
        }
        if (!copy.Set(Trim(item.substr(0, eq)), Trim(item.substr(eq + 1)), error))
        {
            return false;
        }
    }
    *this = copy;
    return true;
}

const char*
UbPreset::SetOptionHelp()
{
    return "change preset values: Type::Attribute=value[,...], e.g. "
           "UbNetDevice::VlBufferCells=27,UbNetDevice::VlCount=1 or topology::Terminals=true";
}

bool
UbPreset::UserSetDefault(const std::string& type, const std::string& attribute, std::string& value)
{
    TypeId tid;
    TypeId::AttributeInformation info;
    if (!TypeId::LookupByNameFailSafe("ns3::" + type, &tid) ||
        !tid.LookupAttributeByName(attribute, &info) || !info.originalInitialValue ||
        !info.initialValue)
    {
        return false;
    }
    value = info.initialValue->SerializeToString(info.checker);
    return value != info.originalInitialValue->SerializeToString(info.checker);
}

namespace
{
/// The preset's text value converted once to the attribute's own type, so that objects built
/// from a factory copy a typed value instead of parsing text each time.
Ptr<AttributeValue>
Typed(const UbPreset::Entry& e)
{
    TypeId tid = TypeId::LookupByName("ns3::" + e.type);
    TypeId::AttributeInformation info;
    if (!tid.LookupAttributeByName(e.attribute, &info))
    {
        return Create<StringValue>(e.value);
    }
    Ptr<AttributeValue> v = info.checker->CreateValidValue(StringValue(e.value));
    return v ? v : Ptr<AttributeValue>(Create<StringValue>(e.value));
}

/**
 * True when the user set the attribute's default (--ns3::UbNetDevice::VlCount=2 on the command
 * line, Config::SetDefault, NS_ATTRIBUTE_DEFAULT): the more specific choice wins over the
 * preset's value. Says so once per attribute on stderr.
 */
bool
UserDefault(const std::string& preset, const UbPreset::Entry& e)
{
    std::string now;
    if (!UbPreset::UserSetDefault(e.type, e.attribute, now))
    {
        return false;
    }
    static std::set<std::string> said;
    if (said.insert(e.type + "::" + e.attribute + "=" + now).second)
    {
        std::cerr << "note: " << e.type << "::" << e.attribute << " = " << now
                  << " (set as a default, e.g. --ns3::" << e.type << "::" << e.attribute
                  << ") replaces preset " << preset << "'s " << e.value << "\n";
    }
    return true;
}
} // namespace

void
UbPreset::Apply(UbHelper& ub) const
{
    for (const auto& e : m_entries)
    {
        if (e.type == "UbNetDevice" && !UserDefault(m_name, e))
        {
            ub.SetDeviceAttribute(e.attribute, *Typed(e));
        }
        else if (e.type == "UbChannel" && !UserDefault(m_name, e))
        {
            ub.SetChannelAttribute(e.attribute, *Typed(e));
        }
        else if (e.type == "UbSwitch" && !UserDefault(m_name, e))
        {
            ub.SetSwitchAttribute(e.attribute, *Typed(e));
        }
        else if (e.type == "UbRoutingTable" && !UserDefault(m_name, e))
        {
            ub.SetRoutingAttribute(e.attribute, *Typed(e));
        }
    }
}

void
UbPreset::Apply(UbControllerHelper& ctl) const
{
    for (const auto& e : m_entries)
    {
        if (e.type == "UbController" && !UserDefault(m_name, e))
        {
            ctl.SetAttribute(e.attribute, *Typed(e));
        }
        else if (e.type == "UbTransport" && !UserDefault(m_name, e))
        {
            ctl.SetTransportAttribute(e.attribute, *Typed(e));
        }
    }
}

} // namespace ns3
