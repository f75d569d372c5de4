#include "cli/rpc_cli_options.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "rpc/serialize/serializer_registry.h"
#include "rpc/telemetry_printer.h"
#include "rpc/wire/crc32_checksum.h"
#include "telemetry/tap/tap_server.h"
#include "telemetry/telemetry_bus.h"

namespace meshx::cli {

namespace {

Error bad(const std::string& message) {
    return makeError(Code::InvalidArgument, message);
}

const std::string* find(const CliValues& values, const std::string& name) {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
}

// A duration in milliseconds; `infinite` is the word that means "none" (or empty: not allowed).
Result<std::optional<rpc::Millis>> duration(const std::string& name, const std::string& text,
                                            const char* infinite) {
    if (infinite != nullptr && text == infinite) {
        return std::optional<rpc::Millis>{};
    }
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v > 86400000ull * 365) {
        return bad("--" + name + " takes milliseconds" +
                   (infinite != nullptr ? std::string(" or '") + infinite + "'" : std::string()) +
                   ", not '" + text + "'");
    }
    return std::optional<rpc::Millis>{rpc::Millis(static_cast<int64_t>(v))};
}

// Sets `target` from a plain millisecond option (no "infinity").
Status millis(const CliValues& values, const std::string& name, rpc::Millis& target) {
    if (const std::string* v = find(values, name)) {
        auto d = duration(name, *v, nullptr);
        if (!d) {
            return d.error();
        }
        target = **d;
    }
    return {};
}

Status optionalMillis(const CliValues& values, const std::string& name, const char* infinite,
                      std::optional<rpc::Millis>& target) {
    if (const std::string* v = find(values, name)) {
        auto d = duration(name, *v, infinite);
        if (!d) {
            return d.error();
        }
        target = *d;
    }
    return {};
}

const rpc::wire::Checksum* checksumByName(const std::string& name, bool& ok) {
    ok = true;
    if (name == "crc32") {
        return &rpc::wire::Crc32Checksum::instance();
    }
    ok = name == "none";
    return nullptr;
}

}  // namespace

Result<CliValues> parseCli(const std::vector<std::string>& args,
                           const std::vector<CliOption>& spec) {
    CliValues values;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (!a.starts_with("--") || a.size() == 2) {
            return bad("unexpected argument '" + a + "'");
        }
        std::string name = a.substr(2);
        std::optional<std::string> inlineValue;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name.resize(eq);
        }
        const CliOption* opt = nullptr;
        for (const auto& o : spec) {
            if (o.name == name) {
                opt = &o;
                break;
            }
        }
        if (opt == nullptr) {
            return bad("unknown option '--" + name + "' (see --help)");
        }
        if (opt->valueName.empty()) {
            if (inlineValue) {
                return bad("--" + name + " takes no value");
            }
            values[name] = "1";
        } else if (inlineValue) {
            values[name] = *inlineValue;
        } else if (i + 1 < args.size()) {
            values[name] = args[++i];
        } else {
            return bad("--" + name + " needs a value (" + opt->valueName + ")");
        }
    }
    return values;
}

std::string cliHelp(const std::vector<CliOption>& spec) {
    std::ostringstream out;
    for (const auto& o : spec) {
        std::string left = "  --" + o.name + (o.valueName.empty() ? "" : " " + o.valueName);
        out << left;
        if (left.size() < 30) {
            out << std::string(30 - left.size(), ' ');
        } else {
            out << "\n" << std::string(30, ' ');
        }
        out << o.help << "\n";
    }
    return out.str();
}

std::vector<CliOption> rpcCommonSpec() {
    std::string serializers;
    for (const auto& n : rpc::SerializerRegistry::global().names()) {
        serializers += (serializers.empty() ? "" : ", ") + n;
    }
    return {
        {"pool-id", "ID", "pool id: default svc_ref and telemetry prefix (meshx_rpc_<command>)"},
        {"blk-max-size", "BYTES", "blk_max_size, 200..268435456; equal on both sides (16384)"},
        {"checksum", "crc32|none", "cks_mfa: per-block checksum (none)"},
        {"digest", "crc32", "hsk_dgt_mfa: handshake digest (crc32)"},
        {"serializer", "NAME", "default, " + serializers + " (default)"},
        {"shared-key", "KEY",
         "shared_key; prefer $MESHX_RPC_SHARED_KEY, which stays out of ps (empty)"},
        {"conn-ref", "REF", "conn_ref: this side's connection ref (random 1..2^32-1)"},
        {"node-ref", "REF", "node_ref (nonode@nohost)"},
        {"svc-ref", "REF", "svc_ref (the pool id)"},
        {"timeout-hsk", "MS", "timeout_hsk (5000)"},
        {"timeout-cks", "MS", "timeout_cks (500; accepted, checksums run inline)"},
        {"quiet-on-hsk-error", "", "quiet_on_hsk_error?: close without an error frame"},
        {"no-nodelay", "", "leave Nagle on (the original's socket_opts)"},
        {"max-message-size", "BYTES", "refuse larger messages (268435456)"},
        {"telemetry", "pretty|json", "print RPC telemetry events on stderr"},
    };
}

std::vector<CliOption> rpcServerSpec() {
    return {
        {"timeout-execute", "MS|infinity", "timeout_execute: abandon longer calls (infinity)"},
        {"max-connections", "N", "ranch max_connections (1024)"},
        {"explain-protocol-errors", "",
         "ours: answer a broken request with an error frame naming the fault (the original "
         "closes the connection)"},
    };
}

std::vector<CliOption> rpcClientSpec() {
    return {
        {"pool-size", "N", "pool size: workers (5)"},
        {"max-overflow", "N", "max_overflow: temporary workers (10)"},
        {"strategy", "lifo|fifo", "worker hand-out order (lifo)"},
        {"idle-reconnect", "MS|never", "idle_reconnect, ±10% (600000)"},
        {"conn-max-age", "MS|never", "reconnect a connection this old, ±10%, to rebalance (never)"},
        {"retry-idle-error", "MS", "retry_idle_error, ±10% (1000)"},
        {"retry-hsk-fail", "MS", "retry_hsk_fail, ±10% (5000)"},
        {"retry-proxy-fail", "MS", "retry_proxy_fail, ±10% (1000)"},
        {"timeout-connect", "MS", "timeout_connect (5000)"},
        {"retry-on", "ERR,ERR", "exec_retry_on_error (closed,tcp_closed)"},
        {"timeout", "MS|infinity", "call timeout (infinity)"},
        {"retries", "N", "call retries on retry-on errors (5)"},
        {"retry-sleep", "MS", "first retry sleep, doubled per retry, ±10% (100)"},
    };
}

std::vector<CliOption> meshSpec() {
    return {
        {"agent", "ADDR", "Consul agent (default $CONSUL_HTTP_ADDR or the config file)"},
        {"embedded-agent", "", "run an in-process dev agent instead"},
    };
}

Result<uint64_t> cliNumber(const CliValues& values, const std::string& name, uint64_t fallback,
                           uint64_t min, uint64_t max) {
    const std::string* text = find(values, name);
    if (text == nullptr) {
        return fallback;
    }
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (ec != std::errc() || end != text->data() + text->size() || v < min || v > max) {
        return bad("--" + name + " takes a number in " + std::to_string(min) + ".." +
                   std::to_string(max) + ", not '" + *text + "'");
    }
    return v;
}

Status applyCommon(const CliValues& values, rpc::RpcCommonOptions& o) {
    if (const std::string* v = find(values, "pool-id")) {
        o.id = *v;
    }
    auto blk = cliNumber(values, "blk-max-size", o.blkMaxSize, 200, 268435456);
    if (!blk) {
        return blk.error();
    }
    o.blkMaxSize = *blk;
    if (const std::string* v = find(values, "checksum")) {
        bool ok = false;
        o.checksum = checksumByName(*v, ok);
        if (!ok) {
            return bad("--checksum is crc32 or none, not '" + *v + "'");
        }
    }
    if (const std::string* v = find(values, "digest")) {
        if (*v != "crc32") {
            return bad("--digest: only crc32 is built in, not '" + *v + "'");
        }
        o.digest = &rpc::wire::Crc32Checksum::instance();
    }
    if (const std::string* v = find(values, "serializer")) {
        if (*v != "default" && rpc::SerializerRegistry::global().byName(*v) == nullptr) {
            return bad("--serializer: unknown serializer '" + *v + "'");
        }
        o.serializer = *v;
    }
    if (const char* env = std::getenv("MESHX_RPC_SHARED_KEY")) {
        o.sharedKey = env;
    }
    if (const std::string* v = find(values, "shared-key")) {
        o.sharedKey = *v;
    }
    for (const auto& [name, field] :
         {std::pair{"conn-ref", &o.connRef}, {"node-ref", &o.nodeRef}, {"svc-ref", &o.svcRef}}) {
        if (const std::string* v = find(values, name)) {
            if (v->empty() || v->size() > 255) {
                return bad(std::string("--") + name + " takes 1..255 bytes");
            }
            *field = *v;
        }
    }
    if (Status s = millis(values, "timeout-hsk", o.timeoutHsk); !s) {
        return s;
    }
    if (Status s = millis(values, "timeout-cks", o.timeoutCks); !s) {
        return s;
    }
    o.quietOnHskError = values.count("quiet-on-hsk-error") != 0;
    o.noDelay = values.count("no-nodelay") == 0;
    auto maxMsg = cliNumber(values, "max-message-size", o.maxMessageSize, 1, 1ull << 32);
    if (!maxMsg) {
        return maxMsg.error();
    }
    o.maxMessageSize = *maxMsg;
    if (const std::string* v = find(values, "telemetry")) {
        if (*v != "pretty" && *v != "json") {
            return bad("--telemetry is pretty or json, not '" + *v + "'");
        }
    }
    return {};
}

Status applyServer(const CliValues& values, rpc::RpcServerOptions& o) {
    if (Status s = applyCommon(values, o); !s) {
        return s;
    }
    if (Status s = optionalMillis(values, "timeout-execute", "infinity", o.timeoutExecute); !s) {
        return s;
    }
    auto maxConn = cliNumber(values, "max-connections", o.maxConnections, 1, 1000000);
    if (!maxConn) {
        return maxConn.error();
    }
    o.maxConnections = *maxConn;
    o.explainProtocolErrors = values.count("explain-protocol-errors") != 0;
    return {};
}

Status applyClient(const CliValues& values, rpc::RpcClientOptions& o) {
    if (Status s = applyCommon(values, o); !s) {
        return s;
    }
    auto size = cliNumber(values, "pool-size", o.size, 0, 10000);
    if (!size) {
        return size.error();
    }
    o.size = *size;
    auto overflow = cliNumber(values, "max-overflow", o.maxOverflow, 0, 10000);
    if (!overflow) {
        return overflow.error();
    }
    o.maxOverflow = *overflow;
    if (o.size == 0 && o.maxOverflow == 0) {
        return bad("--pool-size and --max-overflow are both 0");
    }
    if (const std::string* v = find(values, "strategy")) {
        if (*v == "lifo") {
            o.strategy = rpc::RpcClientOptions::Strategy::Lifo;
        } else if (*v == "fifo") {
            o.strategy = rpc::RpcClientOptions::Strategy::Fifo;
        } else {
            return bad("--strategy is lifo or fifo, not '" + *v + "'");
        }
    }
    if (Status s = optionalMillis(values, "idle-reconnect", "never", o.idleReconnect); !s) {
        return s;
    }
    if (Status s = optionalMillis(values, "conn-max-age", "never", o.connMaxAge); !s) {
        return s;
    }
    for (const auto& [name, field] : {std::pair{"retry-idle-error", &o.retryIdleError},
                                      {"retry-hsk-fail", &o.retryHskFail},
                                      {"retry-proxy-fail", &o.retryProxyFail},
                                      {"timeout-connect", &o.timeoutConnect},
                                      {"retry-sleep", &o.retrySleep}}) {
        if (Status s = millis(values, name, *field); !s) {
            return s;
        }
    }
    if (Status s = optionalMillis(values, "timeout", "infinity", o.callTimeout); !s) {
        return s;
    }
    auto retries = cliNumber(values, "retries", static_cast<uint64_t>(o.retries), 0, 1000);
    if (!retries) {
        return retries.error();
    }
    o.retries = static_cast<int>(*retries);
    if (const std::string* v = find(values, "retry-on")) {
        o.execRetryOnError.clear();
        std::string item;
        std::istringstream in(*v);
        while (std::getline(in, item, ',')) {
            if (item.empty()) {
                continue;
            }
            const rpc::RpcErrc code = rpc::rpcErrcFromName(item);
            if (code == rpc::RpcErrc::Remote && item != "remote") {
                return bad("--retry-on: unknown error '" + item + "'");
            }
            o.execRetryOnError.push_back(code);
        }
    }
    return {};
}

void startProcessTap(const std::string& program) {
    const std::string name = "meshx " + program;
    if (auto tap = telemetry::TapServer::startFromEnvironment(name); !tap) {
        std::fprintf(stderr, "%s: no telemetry tap: %s\n", name.c_str(),
                     tap.error().toString().c_str());
    } else if (*tap) {
        std::fprintf(stderr, "==> %s: telemetry tap at %s\n", name.c_str(),
                     (*tap)->toString().c_str());
    }
}

TelemetryTap::TelemetryTap(const std::string& mode) {
    if (mode.empty()) {
        return;
    }
    json_ = mode == "json";
    sub_ = telemetry::TelemetryBus::global().subscribe(100000);
    thread_ = std::thread([this] {
        // A log tail, not synchronisation: print what arrived every 50 ms.
        while (!stop_.load()) {
            flush();
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    });
}

TelemetryTap::~TelemetryTap() {
    stop();
}

void TelemetryTap::stop() {
    if (!sub_) {
        return;
    }
    stop_ = true;
    if (thread_.joinable()) {
        thread_.join();
    }
    flush();
}

void TelemetryTap::flush() {
    std::vector<telemetry::Event> events;
    sub_->drain(events);
    for (const auto& e : events) {
        if (!rpc::TelemetryPrinter::isRpcEvent(e)) {
            continue;
        }
        if (json_) {
            const nlohmann::json line = {{"telemetry", e.name},
                                         {"source", e.source},
                                         {"metrics", e.metrics},
                                         {"meta", e.meta}};
            std::fprintf(stderr, "%s\n", line.dump().c_str());
        } else {
            std::fprintf(stderr, "%s\n", rpc::TelemetryPrinter::format(e).c_str());
        }
    }
    std::fflush(stderr);
}

std::vector<CliOption> specWith(std::vector<CliOption> own,
                                std::initializer_list<std::vector<CliOption> (*)()> groups) {
    for (auto* group : groups) {
        auto more = group();
        own.insert(own.end(), more.begin(), more.end());
    }
    return own;
}

int cliUsageError(const char* command, const std::string& message) {
    std::fprintf(stderr, "meshx %s: %s\n", command, message.c_str());
    return 2;
}

std::optional<int> parseCommandLine(const char* command, const char* usage,
                                    const std::vector<CliOption>& spec,
                                    const std::vector<std::string>& args, CliValues& values) {
    auto parsed = parseCli(args, spec);
    if (!parsed) {
        return cliUsageError(command, parsed.error().message);
    }
    values = std::move(*parsed);
    if (values.count("help")) {
        std::fputs(usage, stdout);
        std::fputs(cliHelp(spec).c_str(), stdout);
        return 0;
    }
    return std::nullopt;
}

}  // namespace meshx::cli
