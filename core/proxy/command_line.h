#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"

namespace meshx::proxy {

// The flags of `meshx-proxy`, named and defaulted as `consul connect proxy` names them.
struct CommandLine {
    std::string sidecarFor;  // -sidecar-for, env CONNECT_SIDECAR_FOR
    std::string proxyId;     // -proxy-id, env CONNECT_PROXY_ID (wins over -sidecar-for)
    std::string httpAddr;    // -http-addr, env CONSUL_HTTP_ADDR (empty: the MeshConfig default)
    std::string token;       // -token, env CONSUL_HTTP_TOKEN; a secret, never printed
    std::string logLevel = "info";  // -log-level
    std::string configFile;         // -config-file: run without an agent (benchmarks, demos)
    int workers = 1;                // -workers: event loops (threads) sharing the listeners
    bool host = false;  // -host: serve many sidecars, added and removed on stdin (ProxyHost)
    bool help = false;
    bool version = false;

    using Env = std::function<std::string(const char* name)>;

    // Any thread. Go flag syntax: `-name value`, `-name=value`, one or two dashes. Errors
    // (InvalidArgument): unknown flag, missing value, nothing to run (no -sidecar-for, -proxy-id,
    // -config-file or -host), bad log level.
    static Result<CommandLine> parse(const std::vector<std::string>& args, const Env& env);

    static const char* usage();
};

}  // namespace meshx::proxy
