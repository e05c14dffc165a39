/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef UB_PRESET_H
#define UB_PRESET_H

#include <string>
#include <vector>

namespace ns3
{

class UbHelper;
class UbControllerHelper;

/**
 * \ingroup unifiedbus
 * \brief A named set of parameters read from a preset file, every value with its source.
 *
 * A preset file (contrib/unifiedbus/presets/\<name\>.preset) holds lines
 * \code
 *   name = cm384-ub1
 *   description = one line
 *   sources = the main documents, one line
 *   UbNetDevice::LaneRate = 112Gbps ; [S] where the value comes from
 *   topology::L1ToL2CableLength = 10 ; [A] why this value is assumed
 * \endcode
 * Each value line must end with "; [S] ...", "; [S2] ...", "; [A] ..." or "; [C] ..."
 * (primary source, secondary source, assumption, calibrated), so that no value is unexplained.
 * Keys name an ns-3 type and one of its attributes (UbNetDevice, UbChannel, UbSwitch,
 * UbRoutingTable, UbController) or a topology parameter read by a builder (topology::...).
 * A malformed line stops the run with the file name and line number.
 *
 * Presets are found in the folders of the UB_PRESET_PATH environment variable (colon-separated),
 * then in the module's own presets folder.
 */
class UbPreset
{
  public:
    /// One value line.
    struct Entry
    {
        std::string type;      //!< "UbNetDevice", ..., or "topology"
        std::string attribute; //!< attribute or topology parameter name
        std::string value;     //!< value as text
        std::string source;    //!< the source note, tag included
        int line{0};           //!< line in the file
    };

    /**
     * \brief Read a preset.
     * \param nameOrPath a preset name (searched), the unique prefix of one before a '-'
     *        ("cm384" for "cm384-ub1"), or a path to a .preset file
     * \return the preset
     */
    static UbPreset Load(const std::string& nameOrPath);

    /// \return the names of the presets found, sorted
    static std::vector<std::string> List();

    /// \return the folders searched, in order
    static std::vector<std::string> SearchPath();

    /// \return the preset's name
    const std::string& GetName() const;
    /// \return its one-line description
    const std::string& GetDescription() const;
    /// \return its one-line list of main sources (the "sources =" line)
    const std::string& GetSources() const;
    /// \return the file it was read from
    const std::string& GetPath() const;
    /// \return its value lines
    const std::vector<Entry>& GetEntries() const;

    /// \param key "type::attribute" \return true if the preset sets it
    bool Has(const std::string& key) const;
    /// \param key "type::attribute" \return its value (stops the run if missing)
    std::string Get(const std::string& key) const;
    /// \param key "type::attribute" \return its value as a number (stops the run if missing)
    double GetDouble(const std::string& key) const;
    /**
     * \param key "type::attribute"
     * \param max the largest count taken (a count of nodes, planes, lanes, ...)
     * \return its value as a whole number from 0 to max
     * \throws UbInputError naming the preset, the key and the value otherwise (a negative
     *         count must not wrap around to billions of nodes)
     */
    uint32_t GetCount(const std::string& key, uint32_t max = 1U << 24) const;
    /**
     * \param key "type::attribute"
     * \param max the largest value taken
     * \return its value as a number from 0 to max (a length, a latency in a unit)
     * \throws UbInputError naming the preset, the key and the value otherwise
     */
    double GetNonNegative(const std::string& key, double max) const;

    /**
     * \return the number of endpoints an experiment program builds when its --npus option is
     * not given: topology::DefaultEndpoints if the preset names one (a SuperPoD of thousands is
     * too large to be every program's default), else topology::Endpoints, else 0 (the builder's
     * own full size)
     */
    uint32_t GetDefaultEndpoints() const;

    /**
     * \brief The endpoints a program's --npus option asks for.
     * \param preset the preset's name or path
     * \param option the option's text: empty (not given: the preset's default size, see
     *        GetDefaultEndpoints), "0" (the preset's full size) or a number of endpoints
     * \param[out] npus the endpoints to build (0: the full size)
     * \return false if the text is not a number of endpoints
     */
    static bool EndpointsOption(const std::string& preset,
                                const std::string& option,
                                uint32_t& npus);
    /**
     * \brief EndpointsOption for a program: on a bad text, print a one-line message naming the
     * program, the option and the fix.
     * \param program the program's name
     * \param preset the preset's name or path
     * \param option the --npus text
     * \param[out] npus the endpoints to build (0: the full size)
     * \return false if the text is not a number of endpoints (the message is printed)
     */
    static bool EndpointsOption(const std::string& program,
                                const std::string& preset,
                                const std::string& option,
                                uint32_t& npus);
    /// \return the help text of the programs' --npus option
    static const char* EndpointsOptionHelp();

    /**
     * \brief Change or add one value, as a user varies a preset (the programs' --set option).
     * The key is Type::Attribute (checked against the attribute's type) or topology::Name.
     * \param key the key
     * \param value its value
     * \param[out] error why the value was refused
     * \return false if refused (the preset is unchanged)
     */
    bool Set(const std::string& key, const std::string& value, std::string& error);
    /**
     * \brief Set several values: "Type::Attribute=value,Type::Attribute=value". A comma starts a
     * new item only before "Name::Name=", so a value may hold commas (VlWeights=1,3).
     * \param list the items
     * \param[out] error the first refused item and why
     * \return false if an item was refused
     */
    bool SetList(const std::string& list, std::string& error);
    /// \return the help text of the programs' --set option
    static const char* SetOptionHelp();

    /**
     * \brief Whether the user set an attribute's default (Config::SetDefault, or
     * --ns3::Type::Attribute=value on the command line). Such a value wins over a preset's.
     * \param type the type without "ns3::", as "UbNetDevice"
     * \param attribute the attribute's name
     * \param value set to the default's text when it was set
     * \return true when the default differs from the attribute's original one
     */
    static bool UserSetDefault(const std::string& type,
                               const std::string& attribute,
                               std::string& value);

    /**
     * \brief Set the UbNetDevice, UbChannel, UbSwitch and UbRoutingTable attributes of a helper.
     * \param ub the helper
     */
    void Apply(UbHelper& ub) const;
    /**
     * \brief Set the UbController attributes of a helper.
     * \param ctl the helper
     */
    void Apply(UbControllerHelper& ctl) const;

  private:
    /// \param key "type::attribute" \return " line N" of the file where it is set, or ""
    std::string LineOf(const std::string& key) const;

    std::string m_name;
    std::string m_description;
    std::string m_sources;
    std::string m_path;
    std::vector<Entry> m_entries;
};

} // namespace ns3

#endif /* UB_PRESET_H */
