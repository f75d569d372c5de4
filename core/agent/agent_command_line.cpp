#include "agent/agent_command_line.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "agent/go_duration.h"

namespace meshx::agent {

const char* const kAgentUsage = R"(Usage: meshx-agent -dev [options]

Runs a development Consul agent that serves the HTTP API subset Meshx uses: agent services and
checks (TTL, TCP, HTTP, alias), catalog and health with blocking queries and filters, Connect CA
roots and leaf certificates, intentions and authorize, KV.

Options:
  -dev                         development mode (in-memory state, CA generated at start)
  -client ADDR                 address the HTTP API binds to (default 127.0.0.1);
                               unix:///path serves on a unix socket instead
  -http-port N                 HTTP API port (default 8500; 0 picks a free port)
  -node NAME                   node name (default: host name)
  -node-id UUID                node ID (default: random)
  -datacenter DC               datacenter (default dc1)
  -acl-master-token T          enable ACLs; requests need this token
  -default-intention-policy P  allow or deny when no intention matches
                               (default: allow, deny when ACLs are enabled)
  -log-level LEVEL             trace, debug, info, warn, err (default info)
  -leaf-cert-ttl DURATION      lifetime of leaf certificates (default 72h)
  -sidecar-min-port N          lowest auto-assigned sidecar port (default 21000)
  -sidecar-max-port N          highest auto-assigned sidecar port (default 21255)
  --help, --version

The start banner prints the bound address as a line "    HTTP address: http://HOST:PORT".
)";

namespace {

Error invalidValue(const std::string& value, const std::string& flag, const std::string& why) {
    return makeError(Code::InvalidArgument,
                     "invalid value \"" + value + "\" for flag -" + flag + ": " + why);
}

std::optional<int64_t> parseInt(const std::string& s) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

}  // namespace

Result<AgentCommandLine> AgentCommandLine::parse(const std::vector<std::string>& args) {
    AgentCommandLine cl;
    std::string client = "127.0.0.1";
    int64_t port = 8500;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        if (arg.rfind("--", 0) == 0) {
            arg = arg.substr(2);
        } else if (arg.rfind('-', 0) == 0) {
            arg = arg.substr(1);
        } else {
            return makeError(Code::InvalidArgument, "unexpected argument: " + arg);
        }
        std::optional<std::string> inlineValue;
        if (const size_t eq = arg.find('='); eq != std::string::npos) {
            inlineValue = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
        }
        auto value = [&]() -> Result<std::string> {
            if (inlineValue) {
                return *inlineValue;
            }
            if (i + 1 >= args.size()) {
                return makeError(Code::InvalidArgument, "flag needs an argument: -" + arg);
            }
            return args[++i];
        };
        if (arg == "help" || arg == "h") {
            cl.help = true;
            continue;
        }
        if (arg == "version") {
            cl.version = true;
            continue;
        }
        if (arg == "dev") {
            cl.dev = true;
            continue;
        }
        static const char* const kValued[] = {"client",
                                              "http-port",
                                              "node",
                                              "node-id",
                                              "datacenter",
                                              "acl-master-token",
                                              "acl-initial-management-token",
                                              "default-intention-policy",
                                              "log-level",
                                              "leaf-cert-ttl",
                                              "sidecar-min-port",
                                              "sidecar-max-port"};
        if (std::find(std::begin(kValued), std::end(kValued), arg) == std::end(kValued)) {
            return makeError(Code::InvalidArgument, "flag provided but not defined: -" + arg);
        }
        auto v = value();
        if (!v) {
            return v.error();
        }
        if (arg == "client") {
            client = *v;
        } else if (arg == "http-port") {
            auto p = parseInt(*v);
            if (!p) {
                return invalidValue(*v, arg, "parse error");
            }
            if (*p < 0 || *p > 65535) {
                return invalidValue(*v, arg, "port out of range 0..65535");
            }
            port = *p;
        } else if (arg == "node") {
            cl.config.nodeName = *v;
        } else if (arg == "node-id") {
            cl.config.nodeId = *v;
        } else if (arg == "datacenter") {
            cl.config.datacenter = *v;
        } else if (arg == "acl-master-token" || arg == "acl-initial-management-token") {
            cl.config.aclMasterToken = *v;
        } else if (arg == "default-intention-policy") {
            if (*v != "allow" && *v != "deny") {
                return invalidValue(*v, arg, "must be allow or deny");
            }
            cl.config.defaultIntentionPolicy = *v;
        } else if (arg == "log-level") {
            auto level = parseLogLevel(*v);
            if (!level) {
                return invalidValue(*v, arg, level.error().message);
            }
            cl.config.logLevel = *level;
        } else if (arg == "leaf-cert-ttl") {
            auto d = parseGoDuration(*v);
            if (!d || d->count() <= 0) {
                return invalidValue(*v, arg, "not a positive duration");
            }
            cl.config.leafCertTtl = std::chrono::duration_cast<std::chrono::seconds>(*d);
            if (cl.config.leafCertTtl.count() < 1) {
                cl.config.leafCertTtl = std::chrono::seconds(1);
            }
        } else if (arg == "sidecar-min-port" || arg == "sidecar-max-port") {
            auto p = parseInt(*v);
            if (!p || *p < 0 || *p > 65535) {
                return invalidValue(*v, arg, "parse error");
            }
            (arg == "sidecar-min-port" ? cl.config.sidecarMinPort : cl.config.sidecarMaxPort) = *p;
        } else {
            return makeError(Code::InvalidArgument, "flag provided but not defined: -" + arg);
        }
    }
    if (client.rfind("unix://", 0) == 0) {
        auto a = net::Address::parse(client);
        if (!a) {
            return invalidValue(client, "client", a.error().message);
        }
        cl.listen = *a;
    } else {
        std::string host = client;
        if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
            host = host.substr(1, host.size() - 2);
        }
        if (host.empty()) {
            return invalidValue(client, "client", "empty address");
        }
        cl.listen = net::Address::tcp(host, static_cast<uint16_t>(port));
    }
    return cl;
}

}  // namespace meshx::agent
