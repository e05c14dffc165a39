/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The inputs a user or another process hands the module, as fuzz targets. Each target takes any
 * bytes and returns normally: the input was accepted, or refused with a UbInputError of one line
 * that names where (the file and line, the option). Anything else is a finding: a crash, another
 * exception, a refusal that does not say where, a hang or memory without bound (libFuzzer's
 * -timeout and -rss_limit_mb).
 *
 * Built twice: into libFuzzer drivers with clang (./ubsim fuzz), and into the test runner, whose
 * suite unifiedbus-fuzz-corpus replays every committed input (seeds and past findings).
 */
#ifndef UB_FUZZ_TARGETS_H
#define UB_FUZZ_TARGETS_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ns3
{
namespace ubfuzz
{

/// A fuzz target: runs one input.
typedef void (*Target)(const uint8_t* data, std::size_t size);

/// The topology-file parser (UbTopology::Parse) and the adjacency it builds.
void Topology(const uint8_t* data, std::size_t size);
/// The preset loader (UbPreset::Load) and the attributes it sets (Apply).
void Preset(const uint8_t* data, std::size_t size);
/// Link messages from another process (UbLinkMessage::Deserialize, packets included).
void LinkMessage(const uint8_t* data, std::size_t size);
/// Command-line options (UbCommandLine, as ub-system declares them), one per line.
void Options(const uint8_t* data, std::size_t size);

/// \param name a target's name (topology, preset, link-message, options) \return it, or nullptr
Target Find(const std::string& name);
/// \return the targets' names
std::vector<std::string> Names();

} // namespace ubfuzz
} // namespace ns3

#endif /* UB_FUZZ_TARGETS_H */
