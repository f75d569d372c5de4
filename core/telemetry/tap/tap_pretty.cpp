#include "telemetry/tap/tap_pretty.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace meshx::telemetry {

namespace {

std::string localTime(int64_t timeUs) {
    const std::time_t t = static_cast<std::time_t>(timeUs / 1000000);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%06lld", tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(timeUs % 1000000));
    return buf;
}

std::string text(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        return {};
    }
    return it->is_string() ? it->get<std::string>() : it->dump();
}

int64_t number(const nlohmann::json& j, const char* group, const char* key) {
    auto g = j.find(group);
    if (g == j.end() || !g->is_object()) {
        return -1;
    }
    auto v = g->find(key);
    return v != g->end() && v->is_number() ? v->get<int64_t>() : -1;
}

}  // namespace

std::string formatTapLine(const nlohmann::json& line) {
    if (!line.is_object() || line.value("type", "") != "event") {
        return {};
    }
    const auto process = line.value("process", nlohmann::json::object());
    const auto meta = line.value("meta", nlohmann::json::object());
    const auto metrics = line.value("metrics", nlohmann::json::object());
    std::string out = localTime(line.value("time_us", int64_t{0}));
    out += "  " + text(process, "program") + "[" + text(process, "pid") + "]";
    if (const std::string svc = text(process, "service_id"); !svc.empty()) {
        out += " " + svc;
    }
    const std::string source = line.value("source", "");
    out += "  " + source + "  " + line.value("name", "");
    if (source.rfind("rpc.", 0) == 0) {
        if (const std::string fun = text(meta, "fun_name"); !fun.empty()) {
            out += "  " + fun;
        }
        if (const std::string result = text(meta, "result"); !result.empty()) {
            out += "  " + result;
        }
        // MeshxRpc's t_req: ser+dser+exec+send+recv.
        int64_t req = 0;
        bool any = false;
        std::string times;
        for (const char* k : {"ser", "dser", "exec", "send", "recv", "hsk", "idle"}) {
            const int64_t v = number(metrics, "time", k);
            if (v < 0) {
                continue;
            }
            any = true;
            if (std::string(k) != "hsk" && std::string(k) != "idle") {
                req += v;
            }
            if (v > 0) {
                times += " t." + std::string(k) + "=" + std::to_string(v) + "us";
            }
        }
        if (any) {
            out += "  t.req=" + std::to_string(req) + "us" + times;
        }
        const int64_t sizeSend = number(metrics, "size", "send");
        const int64_t sizeRecv = number(metrics, "size", "recv");
        if (sizeSend >= 0 || sizeRecv >= 0) {
            out += "  size=" + std::to_string(std::max<int64_t>(sizeSend, 0)) + "/" +
                   std::to_string(std::max<int64_t>(sizeRecv, 0));
        }
    } else if (meta.contains("line")) {
        out += "  " + text(meta, "line");
    } else if (!meta.empty()) {
        out += "  " + meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return out;
}

}  // namespace meshx::telemetry
