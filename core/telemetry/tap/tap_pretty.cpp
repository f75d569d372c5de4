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

// metrics GROUP.KEY as integer nanoseconds, or -1 when absent.
int64_t nanos(const nlohmann::json& j, const char* group, const char* key) {
    return number(j, group, key);
}

// metrics time.KEY in microseconds (maybe fractional), or -1 when absent.
double micros(const nlohmann::json& j, const char* key) {
    auto g = j.find("time");
    if (g == j.end() || !g->is_object()) {
        return -1;
    }
    auto v = g->find(key);
    return v != g->end() && v->is_number() ? v->get<double>() : -1;
}

// 412 ns -> "0.412us", 15000 ns -> "15us", 15500 ns -> "15.5us", 2500000000 ns -> "2.5s".
std::string formatMicros(int64_t ns) {
    char buf[40];
    if (ns >= 1000000000) {
        std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e9);
    } else {
        std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1000.0);
    }
    std::string out = buf;
    while (!out.empty() && out.back() == '0') {
        out.pop_back();
    }
    if (!out.empty() && out.back() == '.') {
        out.pop_back();
    }
    return out + (ns >= 1000000000 ? "s" : "us");
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
        // MeshxRpc's t_req: ser+dser+exec+send+recv, in nanoseconds so that a sub-microsecond
        // ser/dser (metrics time_ns) shows as such.
        int64_t reqNs = 0;
        bool any = false;
        std::string times;
        for (const char* k : {"ser", "dser", "exec", "send", "recv", "hsk", "idle"}) {
            int64_t ns = nanos(metrics, "time_ns", k);
            if (ns < 0) {
                const double us = micros(metrics, k);
                ns = us < 0 ? -1 : static_cast<int64_t>(us * 1000.0 + 0.5);
            }
            if (ns < 0) {
                continue;
            }
            any = true;
            if (std::string(k) != "hsk" && std::string(k) != "idle") {
                reqNs += ns;
            }
            if (ns > 0) {
                times += " t." + std::string(k) + "=" + formatMicros(ns);
            }
        }
        if (any) {
            out += "  t.req=" + formatMicros(reqNs) + times;
        }
        const int64_t sizeSend = number(metrics, "size", "send");
        const int64_t sizeRecv = number(metrics, "size", "recv");
        if (sizeSend >= 0 || sizeRecv >= 0) {
            out += "  size=" + std::to_string(std::max<int64_t>(sizeSend, 0)) + "/" +
                   std::to_string(std::max<int64_t>(sizeRecv, 0));
        }
    } else if (source == "proxy.flow") {
        // direction  peer -> service (where)  then what the event adds.
        out += "  " + text(meta, "direction") + "  ";
        const std::string peer = text(meta, "peer_id");
        out += (peer.empty() ? text(meta, "src") : peer) + " -> " + text(meta, "service");
        if (const std::string instance = text(meta, "instance"); !instance.empty()) {
            out += " [" + instance + "]";
        }
        if (const std::string dst = text(meta, "dst"); !dst.empty()) {
            out += " (" + dst + ")";
        }
        if (const int64_t up = number(metrics, "bytes", "to_upstream"); up >= 0) {
            out += "  bytes=" + std::to_string(up) + "/" +
                   std::to_string(std::max<int64_t>(number(metrics, "bytes", "to_downstream"), 0));
        }
        if (const int64_t d = number(metrics, "time", "duration"); d >= 0) {
            out += "  dur=" + formatMicros(d * 1000);
        }
        if (const std::string turn = text(meta, "turn"); !turn.empty()) {
            // A timed turn (one request): this sidecar's relay each way and its wait between.
            out += "  turn=" + turn;
            for (const char* k : {"request", "wait", "answer"}) {
                if (const int64_t ns = number(metrics, "time_ns", k); ns >= 0) {
                    out += " t." + std::string(k) + "=" + formatMicros(ns);
                }
            }
        }
        if (const std::string reason = text(meta, "reason"); !reason.empty()) {
            out += "  reason=\"" + reason + "\"";
        }
        if (const std::string intention = text(meta, "intention"); !intention.empty()) {
            out += "  intention=\"" + intention + "\"";
        }
    } else if (meta.contains("line")) {
        out += "  " + text(meta, "line");
    } else if (!meta.empty()) {
        out += "  " + meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return out;
}

}  // namespace meshx::telemetry
