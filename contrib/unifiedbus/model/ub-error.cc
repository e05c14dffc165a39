/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ub-error.h"

#include "ub-watchdog.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace ns3
{

namespace
{
std::string
OneLine(std::string s)
{
    // Line breaks and tabs become spaces; other control bytes (a NUL would cut what() short:
    // found by ./ubsim fuzz preset) become '?'.
    for (char& c : s)
    {
        if (c == '\n' || c == '\r' || c == '\t')
        {
            c = ' ';
        }
        else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
        {
            c = '?';
        }
    }
    while (!s.empty() && s.back() == ' ')
    {
        s.pop_back();
    }
    return s;
}
} // namespace

UbInputError::UbInputError(const std::string& what)
    : std::runtime_error(OneLine(what))
{
}

void
UbPrintInputError(const std::string& program, const std::string& what)
{
    std::cout.flush();
    std::cerr << program << ": " << OneLine(what) << std::endl;
}

UbRunError::UbRunError(const std::string& what)
    : std::runtime_error(OneLine(what))
{
}

int
UbMain(const std::string& program, const std::function<int()>& body)
{
    try
    {
        int status = body();
        if (status == 0 && UbWatchdog::HasStopped())
        {
            UbPrintInputError(program,
                              "the watchdog stopped the run (its report is above); the results "
                              "are incomplete");
            return 3;
        }
        return status;
    }
    catch (const UbInputError& e)
    {
        UbPrintInputError(program, e.what());
        return 2;
    }
    catch (const UbRunError& e)
    {
        UbPrintInputError(program, e.what());
        return 3;
    }
}

} // namespace ns3
