#include "ui/rpc/demo_functions.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "rpc/rpc_server.h"

namespace meshx::ui {

namespace {

constexpr int64_t kMaxSleepMs = 60000;

int64_t clampMs(const nlohmann::json& v) {
    if (!v.is_number()) {
        return 0;
    }
    return std::clamp<int64_t>(v.get<int64_t>(), 0, kMaxSleepMs);
}

std::string hostName() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof(buf) - 1) != 0) {
        return "localhost";
    }
    return buf;
}

}  // namespace

Status addDemoFunctions(rpc::RpcServer& server, const std::string& instanceId) {
    if (auto s = server.addJson(
            "echo",
            [](const nlohmann::json& arg) -> rpc::RpcResult<nlohmann::json> { return arg; });
        !s) {
        return s;
    }
    if (auto s = server.addJson("ping",
                                [](const nlohmann::json&) -> rpc::RpcResult<nlohmann::json> {
                                    return nlohmann::json("pong");
                                });
        !s) {
        return s;
    }
    if (auto s = server.addJson("hostname",
                                [](const nlohmann::json&) -> rpc::RpcResult<nlohmann::json> {
                                    return nlohmann::json(hostName());
                                });
        !s) {
        return s;
    }
    return server.addJson(
        "do_work", [instanceId](const nlohmann::json& arg) -> rpc::RpcResult<nlohmann::json> {
            int64_t lo = 0;
            int64_t hi = 0;
            if (arg.is_array() && arg.size() == 2) {
                lo = clampMs(arg[0]);
                hi = clampMs(arg[1]);
            } else if (arg.is_object()) {
                lo = clampMs(arg.value("min", nlohmann::json(0)));
                hi = clampMs(arg.value("max", nlohmann::json(0)));
            } else {
                lo = hi = clampMs(arg);
            }
            if (hi < lo) {
                std::swap(lo, hi);
            }
            thread_local std::mt19937_64 rng{std::random_device{}()};
            std::uniform_int_distribution<int64_t> pick(lo, hi);
            std::this_thread::sleep_for(std::chrono::milliseconds(pick(rng)));
            return nlohmann::json(instanceId);
        });
}

std::string instanceOf(const nlohmann::json& result) {
    if (result.is_string()) {
        return result.get<std::string>();
    }
    if (result.is_object()) {
        for (const char* key : {"instance", "id", "service_id"}) {
            auto it = result.find(key);
            if (it != result.end() && it->is_string()) {
                return it->get<std::string>();
            }
        }
    }
    return {};
}

}  // namespace meshx::ui
