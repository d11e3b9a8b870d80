#pragma once

// Process configuration: a YAML file (deploy/quiver.yaml documents every key) overridden by
// environment variables (QUIVER_<KEY> with dots as underscores, e.g. QUIVER_SERVER_PORT) and then
// by explicit overrides from the command line. Every key is declared once in config.cc with its
// default and description; an unknown key in the file is an error, so typos do not pass silently.
//
// Thread safety: immutable after Load(); safe to read from any thread.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace quiver {

struct ConfigKeyInfo {
  std::string_view key;
  std::string_view default_value;
  std::string_view description;
};

class Config {
 public:
  // Every key Quiver understands, in documentation order.
  static const std::vector<ConfigKeyInfo>& Keys();

  // Loads `yaml_path` (empty = defaults only), then applies environment overrides from `environ`
  // (pass nullptr to skip). Returns InvalidArgument for unknown keys or unreadable YAML.
  static Result<Config> Load(const std::string& yaml_path, char** environ);
  // Defaults only.
  static Config Defaults();

  // Applies one override (command-line flags). Returns InvalidArgument for an unknown key.
  Status Set(std::string_view key, std::string_view value);

  std::string GetString(std::string_view key) const;
  // Returns InvalidArgument if the value is not an integer / bool / number.
  Result<int64_t> GetInt(std::string_view key) const;
  Result<bool> GetBool(std::string_view key) const;
  Result<double> GetDouble(std::string_view key) const;

  const std::map<std::string, std::string, std::less<>>& values() const { return values_; }

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace quiver
