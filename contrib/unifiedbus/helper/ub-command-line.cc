/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-command-line.h"

#include "ns3/global-value.h"
#include "ns3/string.h"
#include "ns3/type-id.h"
#include "ns3/ub-compat.h"
#include "ns3/ub-error.h"

#include <cctype>
#include <cmath>
#include <regex>

namespace ns3
{

namespace
{

/// ns-3's own options, which CommandLine handles (and exits after).
bool
IsHardOption(const std::string& name)
{
    for (const char* h : {"help",
                          "PrintHelp",
                          "PrintVersion",
                          "version",
                          "PrintGlobals",
                          "PrintGroups",
                          "PrintTypeIds",
                          "PrintAttributes",
                          "PrintGroup"})
    {
        if (name == h)
        {
            return true;
        }
    }
    return false;
}

} // namespace

UbCommandLine::UbCommandLine(const std::string& file)
    : CommandLine(file)
{
}

bool
UbCommandLine::IsInteger(const std::string& text, long double lo, long double hi)
{
    std::size_t i = 0;
    bool negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+'))
    {
        negative = text[i] == '-';
        ++i;
    }
    if (i == text.size() || text.size() - i > 20)
    {
        return false;
    }
    long double v = 0;
    for (; i < text.size(); ++i)
    {
        if (!std::isdigit(static_cast<unsigned char>(text[i])))
        {
            return false;
        }
        v = v * 10 + (text[i] - '0');
    }
    if (negative)
    {
        v = -v;
    }
    return v >= lo && v <= hi;
}

bool
UbCommandLine::ValidAttributeText(const Ptr<const AttributeChecker>& checker,
                                  const std::string& text)
{
    // "ns3::UintegerValue", but "DataRateValue" (ns-3's ATTRIBUTE_HELPER names no namespace)
    std::string type = checker->GetValueTypeName();
    if (type.rfind("ns3::", 0) != 0)
    {
        type = "ns3::" + type;
    }
    if (type == "ns3::UintegerValue" && !IsInteger(text, 0, 18446744073709551615.0L))
    {
        return false;
    }
    if (type == "ns3::IntegerValue" &&
        !IsInteger(text, -9223372036854775808.0L, 9223372036854775807.0L))
    {
        return false;
    }
    if (type == "ns3::DoubleValue")
    {
        char* end = nullptr;
        const double d = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(d))
        {
            return false;
        }
    }
    if (type == "ns3::TimeValue")
    {
        // ns-3 aborts on a Time it cannot read: a number and one of its units, or no unit.
        static const std::regex time(
            R"([+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?(s|ms|us|ns|ps|fs|min|h|d|y)?)");
        if (!std::regex_match(text, time))
        {
            return false;
        }
    }
    if (type == "ns3::DataRateValue")
    {
        // ns-3 aborts on a rate it cannot read (found by ./ubsim fuzz preset): a number and
        // one of DataRate's units, nothing after.
        static const std::regex rate(R"(([0-9]+\.?[0-9]*|\.[0-9]+))"
                                     R"((bps|b/s|Bps|B/s|[kK](bps|b/s|Bps|B/s)|[KMG]i(b/s|B/s)|)"
                                     R"([MG](bps|b/s|Bps|B/s)))");
        if (!std::regex_match(text, rate))
        {
            return false;
        }
    }
    return checker->CreateValidValue(StringValue(text)) != nullptr;
}

namespace
{
/// \return true if a value has nothing but spaces (ns-3 then prints its help and exits)
bool
Blank(const std::string& v)
{
    return v.find_first_not_of(" \t\r\n\v\f") == std::string::npos;
}
} // namespace

std::string
UbCommandLine::CheckOne(const std::string& name, const std::string& value, bool hasValue) const
{
    const std::string given = "--" + name + (hasValue ? "=" + value : "");
    for (auto it = m_options.rbegin(); it != m_options.rend(); ++it)
    {
        if (it->name != name)
        {
            continue;
        }
        if ((!hasValue || Blank(value)) && !it->flag)
        {
            // ns-3 would print its help and exit (found by ./ubsim fuzz options)
            return given + " needs a value: --" + name + "=...";
        }
        if (it->ok && !it->ok(value))
        {
            return given + " is not " + it->expected;
        }
        return "";
    }
    // A global value (--RngRun, --SchedulerType, ...).
    for (auto g = GlobalValue::Begin(); g != GlobalValue::End(); ++g)
    {
        if ((*g)->GetName() == name)
        {
            if (!hasValue || Blank(value))
            {
                return given + " needs a value: --" + name + "=...";
            }
            Ptr<const AttributeChecker> checker = (*g)->GetChecker();
            if (!ValidAttributeText(checker, value))
            {
                return given + " is not a valid value of the global " + name + " (" +
                       checker->GetUnderlyingTypeInformation() + ")";
            }
            return "";
        }
    }
    // An attribute's default: --ns3::Type::Attribute=value.
    const std::size_t sep = name.rfind("::");
    TypeId tid;
    if (sep != std::string::npos && sep > 0 &&
        TypeId::LookupByNameFailSafe(name.substr(0, sep), &tid))
    {
        TypeId::AttributeInformation info;
        const std::string attribute = name.substr(sep + 2);
        if (!tid.LookupAttributeByName(attribute, &info))
        {
            return given + ": " + tid.GetName() + " has no attribute '" + attribute +
                   "' (--PrintAttributes=" + tid.GetName() + " lists them)";
        }
        if (!hasValue || Blank(value))
        {
            return given + " needs a value: --" + name + "=...";
        }
        if (!ValidAttributeText(info.checker, value))
        {
            return given + " is not a valid value of " + name + " (" +
                   info.checker->GetUnderlyingTypeInformation() + ")";
        }
        return "";
    }
    return "unknown option " + given + "; --help lists the program's options, " +
           "--ns3::Type::Attribute=value sets an attribute's default (as "
           "--ns3::UbNetDevice::Lanes=4)";
}

void
UbCommandLine::Check(const std::vector<std::string>& args) const
{
    for (std::size_t i = 1; i < args.size(); ++i)
    {
        const std::string& arg = args[i];
        if (arg.empty() || arg[0] != '-')
        {
            UB_INPUT_ERROR("unexpected argument '" << arg
                                                   << "'; options are written --name=value "
                                                      "(--help lists them)");
        }
        const std::size_t dashes = arg.compare(0, 2, "--") == 0 ? 2 : 1;
        const std::size_t eq = arg.find('=');
        const std::string name = arg.substr(dashes, eq == std::string::npos ? eq : eq - dashes);
        const std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
        if (IsHardOption(name))
        {
            continue;
        }
        const std::string error = CheckOne(name, value, eq != std::string::npos);
        UB_INPUT_ERROR_IF(!error.empty(), error);
    }
}

void
UbCommandLine::Parse(int argc, char* argv[])
{
    Check(std::vector<std::string>(argv, argv + argc));
    CommandLine::Parse(argc, argv);
    // ns-3 3.37 reads a string option with operator>>, which stops at the first blank.
    std::vector<std::pair<std::string, std::string*>> whole;
    for (const auto& o : m_options)
    {
        if (o.whole != nullptr)
        {
            whole.emplace_back(o.name, o.whole);
        }
    }
    UbWholeStringOptions(argc, argv, whole);
}

} // namespace ns3
