#include "rpc/telemetry_printer.h"

#include "telemetry/event_json.h"

#include <cmath>
#include <cstdio>

namespace meshx::rpc {

namespace {

using nlohmann::json;

std::string str(const json& v) {
    if (v.is_string())
        return v.get<std::string>();
    return v.dump();
}

std::string refs(const json& r) {
    if (!r.is_object() || r.empty())
        return "-";
    return "conn_ref=" + str(r.value("conn_ref", json(""))) +
           " node_ref=" + str(r.value("node_ref", json(""))) +
           " svc_ref=" + str(r.value("svc_ref", json("")));
}

// Milliseconds with 3 decimals, as MeshxRpc prints them; a time under a microsecond (ser/dser
// of a small term, kept in ns) gets a 4th so it does not print as 0.000.
std::string ms(double micros) {
    char buf[32];
    std::snprintf(buf, sizeof buf, micros > 0 && micros < 1.0 ? "%.4f" : "%.3f", micros / 1000.0);
    return buf;
}

}  // namespace

bool TelemetryPrinter::isRpcEvent(const telemetry::Event& e) {
    return e.source == "rpc.client" || e.source == "rpc.server";
}

std::string TelemetryPrinter::prettyBytes(uint64_t v) {
    static const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    if (v < 1000)
        return std::to_string(v) + "B";
    double d = static_cast<double>(v);
    int u = 0;
    while (d >= 1000.0 && u < 4) {
        d /= 1000.0;
        ++u;
    }
    // Like Elixir's Float.round(x, 3) printed as a float: "1.235MB", "40.0KB".
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", std::round(d * 1000.0) / 1000.0);
    std::string text(buf);
    while (text.size() > 2 && text.back() == '0' && text[text.size() - 2] != '.')
        text.pop_back();
    return text + units[u];
}

std::string TelemetryPrinter::format(const telemetry::Event& e) {
    if (e.jsonPending()) {
        // A typed event straight from a bus reader: printing is an edge, make its JSON here.
        telemetry::Event copy = e;
        telemetry::event_json::materialize(copy);
        return format(copy);
    }
    const json& meta = e.meta;
    const json& m = e.metrics;
    std::string name = "[";
    for (const auto& p : meta.value("prefix", json::array()))
        name += str(p) + ", ";
    name += e.name;
    if (meta.contains("fun_name"))
        name += ", " + str(meta["fun_name"]);
    name += "]";

    std::string out = name + " -> " + str(meta.value("result", json(""))) + "\n";
    out += "local: " + refs(meta.value("local", json::object())) + "\n";
    out += "remote: " + refs(meta.value("remote", json::object())) + "\n";
    out += "address: " + str(meta.value("address", json(""))) + "\n";
    out += "meta: hsk_ref=" + str(meta.value("hsk_ref", json(0)));
    if (meta.contains("req_ref"))
        out += " req_ref=" + str(meta["req_ref"]);
    if (meta.contains("state"))
        out += " state=" + str(meta["state"]);
    out += "\n";

    const json time = m.value("time", json::object());
    double total = 0;
    std::string parts;
    for (const char* k : {"hsk", "ser", "send", "recv", "exec", "dser"}) {
        const double v = time.value(k, 0.0);
        if (v <= 0)
            continue;
        total += v;
        parts += std::string(parts.empty() ? "" : ", ") + k + ": " + ms(v);
    }
    out += "t_req: " + ms(total) + " ms [" + parts + "]\n";
    out += "t_idle: " + ms(time.value("idle", 0.0)) + " ms\n";
    const json size = m.value("size", json::object());
    out += "size: [send: " + prettyBytes(size.value("send", uint64_t(0))) +
           ", recv: " + prettyBytes(size.value("recv", uint64_t(0))) + "]\n";
    const json blocks = m.value("blocks", json::object());
    out += "blocks: [send: " + str(blocks.value("send", json(0))) +
           ", recv: " + str(blocks.value("recv", json(0))) + "]\n";
    return out;
}

}  // namespace meshx::rpc
