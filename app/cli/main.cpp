// meshx: the command-line front end of the Meshx engine.

#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "meshx/version.h"

namespace {

constexpr const char* kUsage = R"(Usage: meshx [--help] [--version] <command> [args]

Commands:
  shell [--json] [--agent ADDR] [--embedded-agent]
        The mesh engine as a REPL: start, stop, connect, disconnect, list, list-upstream,
        info, proxy-info, proxy-restart, ttl-get, ttl-set, agent, quit (see meshx shell --help).
  serve --service NAME [--id ID] [--template T] [--agent ADDR] -- CMD ARGS...
        Run any program as a mesh service while it runs; ARGS may use {{address}}, {{port}},
        {{id}}, {{name}}.
  rpc-serve --service NAME [--id ID] | --address ADDR [options]
        A MeshxRpc-compatible server with demo functions echo, ping, do_work, hostname, as a
        mesh service (sidecar proxy, TTL check) or a plain server; prints a ready line.
  rpc-call --upstream NAME | --address ADDR --fn F [--arg JSON] [--count N] [--concurrency C]
        Calls F through a client pool (over a mesh upstream or directly); one JSON line per
        result with the instance that served it, then a summary.
  rpc-bench --address ADDR [--size BYTES] [--seconds S] [--concurrency C]
        Echo benchmark: p50/p99 latency, calls/s and MiB/s. Every MeshxRpc option (block size,
        checksum, serializer, shared key, refs, timeouts, pool) is settable: see each --help.
  node --name NAME@HOST [--cookie C] [--json] [--agent ADDR] [--embedded-agent]
        A hidden Erlang node through the mesh (no EPMD): connect, list, rpc, spawn, disconnect,
        services, quit (see meshx node --help). Cookie also from MESHX_NODE_COOKIE.
  tap --address ADDR | --service NAME [--filter EXPR] [--json]
        Live telemetry from other Meshx processes' taps, one line per event (docs/taps.md).
  template render --template FILE|JSON --hash JSON
        Render a structured Mustache template (a registration, an upstream, a proxy argv)
        against a hash and print the JSON result.

Environment:
  CONSUL_HTTP_ADDR     agent address: host:port, http://..., https://..., unix:///path
  CONSUL_HTTP_TOKEN    ACL token sent as X-Consul-Token (never printed)
  CONSUL_CACERT, CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY   TLS files for https agents
  MESHX_CONFIG         JSON config file (default ~/.config/meshx/config.json)
  MESHX_RPC_SHARED_KEY the rpc-* commands' shared key (never printed)
  MESHX_TAP_LISTEN     where this process's telemetry tap listens (default tcp://127.0.0.1:0; off)

Exit codes: 0 success, 1 runtime failure, 2 bad input.
)";

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::fputs(kUsage, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version" || args[0] == "version") {
        std::printf("meshx %s\n", meshx::kVersion);
        return 0;
    }
    const std::map<std::string, std::function<int(const std::vector<std::string>&)>> commands = {
        {"template", meshx::cli::templateCommand}, {"shell", meshx::cli::shellCommand},
        {"serve", meshx::cli::serveCommand},       {"rpc-serve", meshx::cli::rpcServeCommand},
        {"rpc-call", meshx::cli::rpcCallCommand},  {"rpc-bench", meshx::cli::rpcBenchCommand},
        {"node", meshx::cli::nodeCommand},         {"tap", meshx::cli::tapCommand},
    };
    auto it = commands.find(args[0]);
    if (it == commands.end()) {
        std::fprintf(stderr, "meshx: unknown command '%s' (see meshx --help)\n", args[0].c_str());
        return 2;
    }
    return it->second(std::vector<std::string>(args.begin() + 1, args.end()));
}
