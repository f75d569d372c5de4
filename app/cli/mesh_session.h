#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "engine/session.h"

namespace meshx::cli {

// What `meshx shell`, `meshx serve` and the rpc/node commands share: the engine session on the
// agent the command line names. Config from the environment and file, then `--agent ADDR` and
// `--embedded-agent` (consumed from `args`, other words stay).
Result<std::unique_ptr<engine::Session>> openMeshSession(std::vector<std::string>& args);

}  // namespace meshx::cli
