/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Errors in what the user gave (a file, an option, an attribute, a parameter) are reported
 * differently from bugs in the model. An input error throws UbInputError with one sentence
 * that names the thing and the fix: the examples and ./ubsim print that sentence alone and exit
 * with status 2, a scratch program can catch it, and Python (cppyy) sees a Python exception. A
 * broken invariant of the model still aborts with NS_ABORT_MSG / NS_ASSERT, loudly, with file
 * and line.
 */
#ifndef UB_ERROR_H
#define UB_ERROR_H

#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief An error in the user's input: the run cannot start or go on as asked.
 *
 * what() is one sentence naming the offending file, line, option, attribute or node and
 * what to do instead.
 */
class UbInputError : public std::runtime_error
{
  public:
    /// \param what the sentence (line breaks are replaced by spaces)
    explicit UbInputError(const std::string& what);
};

/**
 * \brief Print an input error as the examples do: "program: sentence" on one line of stderr.
 * \param program the program's short name (e.g. "ub-system")
 * \param what the error's sentence
 */
void UbPrintInputError(const std::string& program, const std::string& what);

/**
 * \ingroup unifiedbus
 * A run that could not finish as asked: the watchdog stopped it (a deadlock, or nothing
 * delivered for its span), or its work did not complete. Its report was printed already and its
 * results, if any, were committed marked as failed. UbMain returns 3.
 */
class UbRunError : public std::runtime_error
{
  public:
    /// \param what one sentence (line breaks are replaced by spaces)
    explicit UbRunError(const std::string& what);
};

/**
 * \brief Run a program's main body; an input error is printed on one line and gives status 2.
 *
 * \param program the program's short name, printed before the sentence
 * \param body main's work; its return value is the exit status
 * A UbRunError is printed the same way and gives status 3; so does a body that returns 0 after
 * the watchdog stopped its run (UbWatchdog).
 *
 * \return body's status, 2 after a UbInputError, 3 after a UbRunError or a watchdog stop
 */
int UbMain(const std::string& program, const std::function<int()>& body);

} // namespace ns3

/// Throw ns3::UbInputError with a message built with operator<< (like NS_ABORT_MSG's).
#define UB_INPUT_ERROR(msg)                                                                        \
    do                                                                                             \
    {                                                                                              \
        std::ostringstream ubInputErrorText_;                                                      \
        ubInputErrorText_ << msg;                                                                  \
        throw ::ns3::UbInputError(ubInputErrorText_.str());                                        \
    } while (false)

/// Throw ns3::UbInputError when cond holds.
#define UB_INPUT_ERROR_IF(cond, msg)                                                               \
    do                                                                                             \
    {                                                                                              \
        if (cond)                                                                                  \
        {                                                                                          \
            UB_INPUT_ERROR(msg);                                                                   \
        }                                                                                          \
    } while (false)

#endif /* UB_ERROR_H */
