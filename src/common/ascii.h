#pragma once

// ASCII case folding for names and keys (Milvus type names, JSON keys): no locale involved.

#include <algorithm>
#include <cctype>
#include <string_view>

namespace quiver {

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace quiver
