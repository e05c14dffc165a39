/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_LIST_H
#define UB_LIST_H

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup unifiedbus
 * \brief The one parser of comma-separated lists (attributes such as SlToVl, and the examples'
 * options such as --sizes=65536,1048576): the items, blanks around them removed.
 * \param text "a,b,c" (empty text is an empty list)
 * \param[out] out the items
 * \return false if an item is empty ("a,,b", "a,")
 */
bool UbSplitList(const std::string& text, std::vector<std::string>& out);

/**
 * \brief A comma-separated list of unsigned decimal integers, each at most `max`.
 * \param text the list (empty text is an empty list)
 * \param[out] out the numbers
 * \param max the largest value allowed
 * \return false if an item is empty, is not digits only, or exceeds max (nothing wraps around)
 */
bool UbParseUnsignedList(const std::string& text,
                         std::vector<uint64_t>& out,
                         uint64_t max = std::numeric_limits<uint64_t>::max());

/**
 * \brief A comma-separated list of decimal numbers ("0.1,0.5,0.9").
 * \param text the list (empty text is an empty list)
 * \param[out] out the numbers
 * \return false if an item is empty or not a whole number ("0.5x")
 */
bool UbParseDoubleList(const std::string& text, std::vector<double>& out);

} // namespace ns3

#endif /* UB_LIST_H */
