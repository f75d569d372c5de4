#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace meshx::telemetry {

// One tap line as `meshx tap` shows it, in the manner of `hubble observe`: local time, the
// process (program[pid] and service id), source, name, then for RPC events the function,
// result, key times and sizes, and for other events their meta. Returns "" for lines that are
// not events (hello, heartbeat). Pure.
//
//   10:41:02.123456  meshx-proxy[812] web-1  rpc.server  call  echo  ok  t.req=40us t.exec=12us
std::string formatTapLine(const nlohmann::json& line);

}  // namespace meshx::telemetry
