#include "proxy/command_line.h"

#include <cstdlib>

#include "proxy/logger.h"

namespace meshx::proxy {

const char* CommandLine::usage() {
    return R"(Usage: meshx-proxy -sidecar-for SERVICE_ID [options]

Runs the sidecar proxy of a service registered with the Consul agent, like
`consul connect proxy -sidecar-for`: a public mTLS listener in front of the local service
and one plain listener per upstream, configured and kept up to date by the agent.

Options:
  -sidecar-for ID     service whose connect-proxy registration to serve ($CONNECT_SIDECAR_FOR)
  -proxy-id ID        the connect-proxy service ID itself; wins over -sidecar-for
                      ($CONNECT_PROXY_ID)
  -http-addr ADDR     agent address: host:port, http(s)://host:port or unix:///path
                      (default $CONSUL_HTTP_ADDR or 127.0.0.1:8500)
  -token T            ACL token (default $CONSUL_HTTP_TOKEN)
  -log-level LEVEL    trace, debug, info, warn, err (default info)
  -config-file FILE   run without an agent from a JSON file (service registration, TLS files,
                      fixed upstream instances): benchmarks and demos
  -workers N          event-loop threads sharing each listener port (SO_REUSEPORT), 1..64
                      (default 1: one thread serves every connection)
  -host               serve many sidecars in this one process: the engine adds and removes
                      them with lines on standard input (docs/architecture.md, "Proxy host")
  --help, --version
)";
}

Result<CommandLine> CommandLine::parse(const std::vector<std::string>& args, const Env& env) {
    CommandLine cl;
    cl.sidecarFor = env("CONNECT_SIDECAR_FOR");
    cl.proxyId = env("CONNECT_PROXY_ID");
    cl.httpAddr = env("CONSUL_HTTP_ADDR");
    cl.token = env("CONSUL_HTTP_TOKEN");

    for (size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        if (arg.size() < 2 || arg[0] != '-') {
            return makeError(Code::InvalidArgument, "unexpected argument: " + arg);
        }
        std::string name = arg.substr(arg[1] == '-' ? 2 : 1);
        std::string value;
        bool hasValue = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            hasValue = true;
        }
        if (name == "help" || name == "h") {
            cl.help = true;
            continue;
        }
        if (name == "version" || name == "v") {
            cl.version = true;
            continue;
        }
        if (name == "host" && !hasValue) {
            cl.host = true;
            continue;
        }
        std::string workers;
        std::string* target = nullptr;
        if (name == "sidecar-for") {
            target = &cl.sidecarFor;
        } else if (name == "proxy-id") {
            target = &cl.proxyId;
        } else if (name == "http-addr") {
            target = &cl.httpAddr;
        } else if (name == "token") {
            target = &cl.token;
        } else if (name == "log-level") {
            target = &cl.logLevel;
        } else if (name == "config-file") {
            target = &cl.configFile;
        } else if (name == "workers") {
            target = &workers;
        } else {
            return makeError(Code::InvalidArgument, "flag provided but not defined: -" + name);
        }
        if (!hasValue) {
            if (i + 1 >= args.size()) {
                return makeError(Code::InvalidArgument, "flag needs an argument: -" + name);
            }
            value = args[++i];
        }
        *target = value;
        if (target == &workers) {
            char* end = nullptr;
            long n = std::strtol(value.c_str(), &end, 10);
            if (value.empty() || *end != '\0' || n < 1 || n > 64) {
                return makeError(Code::InvalidArgument,
                                 "invalid value \"" + value + "\" for flag -workers: 1..64");
            }
            cl.workers = static_cast<int>(n);
        }
    }
    if (cl.help || cl.version) {
        return cl;
    }
    if (auto level = Logger::parseLevel(cl.logLevel); !level) {
        return level.error();
    }
    if (cl.sidecarFor.empty() && cl.proxyId.empty() && cl.configFile.empty() && !cl.host) {
        return makeError(Code::InvalidArgument,
                         "-sidecar-for, -proxy-id, -config-file or -host is required");
    }
    return cl;
}

}  // namespace meshx::proxy
