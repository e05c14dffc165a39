/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-list.h"

#include <cerrno>
#include <cstdlib>

namespace ns3
{

bool
UbSplitList(const std::string& text, std::vector<std::string>& out)
{
    out.clear();
    if (text.find_first_not_of(" \t") == std::string::npos)
    {
        return true;
    }
    std::size_t start = 0;
    while (true)
    {
        std::size_t comma = text.find(',', start);
        std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
        std::size_t a = item.find_first_not_of(" \t");
        if (a == std::string::npos)
        {
            return false;
        }
        std::size_t b = item.find_last_not_of(" \t");
        out.push_back(item.substr(a, b - a + 1));
        if (comma == std::string::npos)
        {
            return true;
        }
        start = comma + 1;
    }
}

bool
UbParseUnsignedList(const std::string& text, std::vector<uint64_t>& out, uint64_t max)
{
    std::vector<std::string> items;
    out.clear();
    if (!UbSplitList(text, items))
    {
        return false;
    }
    for (const auto& item : items)
    {
        if (item.find_first_not_of("0123456789") != std::string::npos || item.size() > 20)
        {
            return false;
        }
        errno = 0;
        unsigned long long v = std::strtoull(item.c_str(), nullptr, 10);
        if (errno == ERANGE || v > max)
        {
            return false;
        }
        out.push_back(v);
    }
    return true;
}

bool
UbParseDoubleList(const std::string& text, std::vector<double>& out)
{
    std::vector<std::string> items;
    out.clear();
    if (!UbSplitList(text, items))
    {
        return false;
    }
    for (const auto& item : items)
    {
        char* end = nullptr;
        errno = 0;
        double v = std::strtod(item.c_str(), &end);
        if (end == item.c_str() || *end != '\0' || errno == ERANGE)
        {
            return false;
        }
        out.push_back(v);
    }
    return true;
}

} // namespace ns3
