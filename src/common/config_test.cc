#include "common/config.h"

#include <gtest/gtest.h>

#include <functional>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <fstream>
#include <set>

namespace quiver {
namespace {

std::string WriteTemp(const std::string& text) {
  char path[] = "/tmp/quiver_config_XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  FILE* f = fdopen(fd, "w");
  fputs(text.c_str(), f);
  fclose(f);
  return path;
}

TEST(ConfigTest, DefaultsApplyWithoutFile) {
  Config config = Config::Defaults();
  EXPECT_EQ(*config.GetInt("server.port"), 19530);
  EXPECT_EQ(*config.GetInt("server.status_port"), 9091);
  EXPECT_EQ(config.GetString("server.data_dir"), "./quiver-data");
}

TEST(ConfigTest, FileThenEnvironmentOverride) {
  std::string path = WriteTemp("server:\n  port: 20000\n  data_dir: /var/q\nlog:\n  level: debug\n");
  std::string env_port = "QUIVER_SERVER_PORT=21000";
  std::string unrelated = "QUIVER_SERVER_PORTX=1";
  char* env[] = {env_port.data(), unrelated.data(), nullptr};
  Result<Config> config = Config::Load(path, env);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(*config->GetInt("server.port"), 21000);
  EXPECT_EQ(config->GetString("server.data_dir"), "/var/q");
  EXPECT_EQ(config->GetString("log.level"), "debug");
  std::remove(path.c_str());
}

TEST(ConfigTest, UnknownKeyAndBadValuesAreErrors) {
  std::string path = WriteTemp("server:\n  prot: 1\n");
  Result<Config> config = Config::Load(path, nullptr);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("server.prot"), std::string::npos);
  std::remove(path.c_str());

  Config defaults = Config::Defaults();
  ASSERT_TRUE(defaults.Set("server.port", "abc").ok());
  EXPECT_FALSE(defaults.GetInt("server.port").ok());
  EXPECT_FALSE(defaults.Set("no.such.key", "1").ok());
  ASSERT_TRUE(defaults.Set("wal.sync", "Off").ok());
  EXPECT_EQ(*defaults.GetBool("wal.sync"), false);
}

// deploy/quiver.yaml must document every key with its default, and nothing else.
TEST(ConfigTest, DeployFileDocumentsEveryKey) {
  std::string path = std::string(QUIVER_SOURCE_DIR) + "/deploy/quiver.yaml";
  Result<Config> config = Config::Load(path, nullptr);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  YAML::Node root = YAML::LoadFile(path);
  std::set<std::string> in_file;
  std::function<void(const YAML::Node&, const std::string&)> collect = [&](const YAML::Node& node,
                                                                           const std::string& prefix) {
    for (const auto& item : node) {
      std::string key = prefix + (prefix.empty() ? "" : ".") + item.first.as<std::string>();
      if (item.second.IsMap()) {
        collect(item.second, key);
      } else {
        in_file.insert(key);
      }
    }
  };
  collect(root, "");
  for (const auto& info : Config::Keys()) {
    EXPECT_TRUE(in_file.count(std::string(info.key))) << "deploy/quiver.yaml misses " << info.key;
    EXPECT_EQ(config->GetString(info.key), info.default_value) << info.key;
  }
  EXPECT_EQ(in_file.size(), Config::Keys().size());
}

}  // namespace
}  // namespace quiver
