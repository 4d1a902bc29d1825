// Option and input-size checks shared by the architecture plugins (compiled into each
// plugin that uses them; not part of the SDK).
//
// Every helper throws std::invalid_argument with a message that starts with the plugin
// name and names the offending option or size, as architecture.h requires of configure().
#pragma once

#include <string>
#include <vector>

#include "tinydet/architecture.h"

namespace tinydet::archutil {

/// Throws if `cfg.options` holds a key that `known` does not list.
void check_known_options(const ArchConfig& cfg, const std::vector<OptionInfo>& known,
                         const std::string& plugin);

/// The option's value, or the default given in `known` when the key is absent.
std::string option_or_default(const ArchConfig& cfg, const std::vector<OptionInfo>& known,
                              const std::string& key);

/// The option's value (or default), which must be one of `choices`; throws naming the key,
/// the value and the choices otherwise.
std::string choice_option(const ArchConfig& cfg, const std::vector<OptionInfo>& known,
                          const std::string& key, const std::string& plugin,
                          const std::vector<std::string>& choices);

/// Parses a finite float; throws naming the key and the text when it is not one, or when it
/// lies outside [min_value, max_value].
float parse_float_option(const std::string& text, const std::string& key,
                         const std::string& plugin, float min_value, float max_value);

/// Parses a whole number (a float text with no fractional part, e.g. "3" or "3.0"); throws
/// naming the key when it is not one or lies outside [min_value, max_value].
int parse_int_option(const std::string& text, const std::string& key, const std::string& plugin,
                     int min_value, int max_value);

/// Throws unless the input is at least `multiple` pixels on each side, both sides are a
/// multiple of `multiple`, and num_classes >= 1. The message names the bad size.
void check_input(const ArchConfig& cfg, int multiple, const std::string& plugin);

}  // namespace tinydet::archutil
