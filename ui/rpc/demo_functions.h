#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace meshx::rpc {
class RpcServer;
}

namespace meshx::ui {

// The demo functions `meshx rpc-serve` offers, for the RPC page's in-process server:
//   echo      returns its argument
//   ping      returns "pong"
//   hostname  returns the machine's host name
//   do_work   sleeps a random time in [min, max] ms (argument [min, max], {"min":..,"max":..}
//             or one number; at most 60 s) and returns `instanceId`, the serving instance
// Registers them before the server starts. Errors: those of RpcServer::add.
Status addDemoFunctions(rpc::RpcServer& server, const std::string& instanceId);

// The serving instance named by a do_work result: the string itself, or an object's "instance"
// or "id" member; empty when the result names none. Pure; any thread.
std::string instanceOf(const nlohmann::json& result);

}  // namespace meshx::ui
