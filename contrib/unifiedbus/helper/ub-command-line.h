/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_COMMAND_LINE_H
#define UB_COMMAND_LINE_H

#include "ns3/attribute.h"
#include "ns3/command-line.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief ns-3's CommandLine that checks every option before the run starts.
 *
 * ns-3's CommandLine reads a whole number with operator>>, so "--npus=-5" becomes 4294967291
 * NPUs, and a value it cannot read (or an unknown option) prints the whole help text and
 * exits with status 1. UbCommandLine checks each "--name=value" first, against the type of
 * the variable bound to it: a whole number must fit that type (no sign on an unsigned one), a
 * real number must be finite, a boolean is true, false, 1 or 0. "--ns3::Type::Attribute=value"
 * and global values (--RngRun, --SchedulerType, ...) are checked with the attribute's own
 * checker. A failed check throws UbInputError with one sentence naming the option (UbMain
 * prints it and exits with status 2). String options keep their whole value, spaces included
 * (ns-3 3.37 would cut "--label=a b" to "a").
 */
class UbCommandLine : public CommandLine
{
  public:
    /// \param file the program's source file (__FILE__), as for CommandLine
    explicit UbCommandLine(const std::string& file);

    /**
     * \brief Add an option bound to a variable, as CommandLine::AddValue does.
     * \param name the option's name, without "--"
     * \param help what it sets
     * \param value the variable, holding the default
     */
    template <typename T>
    void AddValue(const std::string& name, const std::string& help, T& value);

    /**
     * \brief Check every option, then parse them with ns-3's CommandLine.
     * \param argc the program's argc
     * \param argv the program's argv
     */
    void Parse(int argc, char* argv[]);

    /**
     * \brief Check "--name=value" options without parsing them (what Parse does first).
     * \param args the arguments, the program's name first
     */
    void Check(const std::vector<std::string>& args) const;

    /**
     * \param text a whole number's text
     * \param lo the smallest value allowed
     * \param hi the largest value allowed
     * \return true when text is a whole number from lo to hi (no sign on an unsigned range)
     */
    static bool IsInteger(const std::string& text, long double lo, long double hi);

    /**
     * \brief Whether an attribute's checker takes a text, asked without letting ns-3 abort.
     *
     * ns-3 aborts on some malformed texts instead of refusing them ("abc" for a whole number,
     * "5 parsecs" for a Time) and reads "-1" as the largest unsigned number; those are checked
     * here first.
     *
     * \param checker the attribute's (or global value's) checker
     * \param text the value's text
     * \return true when the value is valid
     */
    static bool ValidAttributeText(const Ptr<const AttributeChecker>& checker,
                                   const std::string& text);

  private:
    /// What is known of one option added with AddValue.
    struct Option
    {
        std::string name;                           //!< without "--"
        std::function<bool(const std::string&)> ok; //!< accepts the value's text
        std::string expected;                       //!< what ok accepts, for the message
        std::string* whole{nullptr};                //!< a string option's variable
        bool flag{false};                           //!< a bool: "--name" alone sets it
    };

    /// \return the sentence for a bad value of an option, or "" when the value is fine
    std::string CheckOne(const std::string& name, const std::string& value, bool hasValue) const;

    std::vector<Option> m_options; //!< options added with AddValue
};

template <typename T>
void
UbCommandLine::AddValue(const std::string& name, const std::string& help, T& value)
{
    CommandLine::AddValue(name, help, value);
    Option o;
    o.name = name;
    if constexpr (std::is_same_v<T, bool>)
    {
        o.ok = [](const std::string& v) {
            return v.empty() || v == "true" || v == "false" || v == "1" || v == "0" || v == "t" ||
                   v == "f";
        };
        o.expected = "true, false, 1 or 0";
        o.flag = true;
    }
    else if constexpr (std::is_integral_v<T>)
    {
        const auto lo = static_cast<long double>(std::numeric_limits<T>::min());
        const auto hi = static_cast<long double>(std::numeric_limits<T>::max());
        o.ok = [lo, hi](const std::string& v) { return IsInteger(v, lo, hi); };
        o.expected = "a whole number from " + std::to_string(std::numeric_limits<T>::min()) +
                     " to " + std::to_string(std::numeric_limits<T>::max());
    }
    else if constexpr (std::is_floating_point_v<T>)
    {
        o.ok = [](const std::string& v) {
            char* end = nullptr;
            long double d = std::strtold(v.c_str(), &end);
            return !v.empty() && end == v.c_str() + v.size() && d == d &&
                   d <= std::numeric_limits<T>::max() && d >= std::numeric_limits<T>::lowest();
        };
        o.expected = "a finite number";
    }
    else if constexpr (std::is_same_v<T, std::string>)
    {
        o.whole = &value;
    }
    m_options.push_back(o);
}

} // namespace ns3

#endif /* UB_COMMAND_LINE_H */
