#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace meshx {

// The answer to one line of a command interpreter (`meshx shell`, `meshx node`): JSON for
// --json ({"ok":true,...} or {"ok":false,"error":"<code>","message":"..."}) and the same in words
// for a terminal. A null `json` means "nothing to print" (an empty line).
struct CommandReply {
    nlohmann::json json;
    std::string text;
    bool quit = false;

    static CommandReply failure(const Error& error);
    // An InvalidArgument failure: the line itself was wrong.
    static CommandReply usage(const std::string& message);
    // {"ok":true} plus `fields`, and `text` for the terminal.
    static CommandReply success(nlohmann::json fields, std::string text);
};

}  // namespace meshx
