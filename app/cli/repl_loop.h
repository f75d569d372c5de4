#pragma once

#include <functional>
#include <string>

#include "common/command_reply.h"

namespace meshx::cli {

// The read-eval-print loop of `meshx shell` and `meshx node`: reads lines from stdin until EOF, a
// caught signal (UnixSignals) or a reply that asks to quit, and prints each reply as one JSON
// object (`json`) or as text. The prompt is shown only when stdin is a terminal and not in JSON
// mode, so piped sessions stay machine-readable.
void runRepl(const char* prompt, bool json,
             const std::function<CommandReply(const std::string& line)>& execute);

}  // namespace meshx::cli
