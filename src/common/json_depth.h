#pragma once

// The nesting depth of a JSON text, measured without parsing it. nlohmann::json copies, compares
// and dumps values recursively, so a client's JSON nested deeply enough would exhaust the stack
// of whatever touches it after parsing: every JSON text from a client is measured first and
// refused past kMaxJsonNesting.

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace quiver {

// simdjson's default depth limit, which the filter engine parses stored JSON with; deeper than
// any JSON value or parameter object needs to be.
inline constexpr size_t kMaxJsonNesting = 1024;

// Deepest nesting of arrays and objects in `text` (strings, with their escapes, skipped).
inline size_t JsonNestingDepth(std::string_view text) {
  size_t depth = 0;
  size_t deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

// InvalidArgument naming `what` when `text` nests deeper than kMaxJsonNesting.
inline Status CheckJsonNesting(std::string_view text, std::string_view what) {
  if (JsonNestingDepth(text) <= kMaxJsonNesting) return Status::OK();
  return Status::InvalidArgument(std::string(what) + " is nested deeper than " + std::to_string(kMaxJsonNesting) +
                                 " levels");
}

}  // namespace quiver
