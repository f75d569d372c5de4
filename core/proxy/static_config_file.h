#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "proxy/proxy_config.h"
#include "proxy/tls_context.h"
#include "proxy/upstream_instance.h"

namespace meshx::proxy {

// Everything `meshx-proxy -config-file FILE` needs to run without an agent:
//
//   {
//     "service": { <the proxy's registration, as GET /v1/agent/service/:id returns it> },
//     "tls": {"cert_file": "leaf.pem", "key_file": "leaf.key", "roots_file": "ca.pem",
//             "trust_domain": "<uuid>.consul"},
//     "instances": {"db": [{"id": "db-1", "address": "127.0.0.1", "port": 21001,
//                           "service": "db", "datacenter": "dc1"}]},
//     "deny": ["web"]
//   }
//
// Relative file names are read relative to the config file.
struct StaticConfigFile {
    ProxyConfig config;
    TlsMaterial tls;
    std::map<std::string, std::vector<UpstreamInstance>> instances;
    std::set<std::string> denied;

    // Any thread (reads files, resolves host names). Errors: InvalidArgument naming the file or
    // key that is wrong.
    static Result<StaticConfigFile> load(const std::string& path);

  private:
    static Result<StaticConfigFile> parse(const std::string& path);  // may throw json errors
};

}  // namespace meshx::proxy
