#pragma once

#include <signal.h>

#include "common/config.h"
#include "common/status.h"

namespace quiver::app {

// Opens the data directory, starts every component, serves until a signal in `signals` arrives,
// then stops everything in reverse order. Returns an error if startup fails.
Status RunStandalone(const Config& config, const char* version, const sigset_t* signals);

}  // namespace quiver::app
