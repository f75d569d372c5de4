// `meshx tap --address ADDR | --service NAME [--filter EXPR] [--source LIST] [--json]`: live
// telemetry from other Meshx processes' taps (docs/taps.md), one line per event, in the manner
// of `hubble observe`. Several taps (every instance of a service) are merged as lines arrive.

#include <poll.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/mesh_config.h"
#include "consul/agent_endpoints.h"
#include "consul/catalog_endpoints.h"
#include "consul/consul_client.h"
#include "net/address.h"
#include "telemetry/tap/tap_client.h"
#include "telemetry/tap/tap_pretty.h"
#include "telemetry/tap/tap_protocol.h"

namespace meshx::cli {

namespace {

constexpr const char* kTapUsage =
    "Usage: meshx tap (--address ADDR ... | --service NAME [--agent ADDR]) [--filter EXPR]\n"
    "                 [--source LIST] [--json] [--count N]\n"
    "\n"
    "Streams live telemetry from the taps of running Meshx processes, one line per event:\n"
    "time, process, source, event name, and for RPC events the function, result, times and\n"
    "sizes. Several taps are merged as their lines arrive.\n"
    "\n"
    "  --address ADDR  a tap: tcp://127.0.0.1:PORT, 127.0.0.1:PORT or unix:///path (repeatable)\n"
    "  --service NAME  every tap the agent knows for service NAME: the registrations' Meta\n"
    "                  key meshx-tap, from /v1/agent/services and /v1/catalog/service/NAME\n"
    "  --agent ADDR    the agent for --service (default CONSUL_HTTP_ADDR, 127.0.0.1:8500)\n"
    "  --filter EXPR   the console's display filter, applied in the tapped process\n"
    "                  (e.g. 'fun == \"echo\" and t.exec > 2ms')\n"
    "  --source LIST   comma-separated sources (rpc.client,rpc.server,proxy,mesh; 'rpc' = both)\n"
    "  --json          print the tap's raw JSON lines (hello, event, heartbeat)\n"
    "  --count N       exit 0 after N events\n"
    "\n"
    "The ACL token, when a tap requires one, is CONSUL_HTTP_TOKEN (sent as X-Consul-Token,\n"
    "never printed). Exit codes: 0 done, 1 no tap reachable or every tap lost, 2 bad input.\n";

int usageError(const std::string& message) {
    std::fprintf(stderr, "meshx tap: %s\n", message.c_str());
    return 2;
}

// The tap addresses advertised by service `name`: local registrations first, then the catalog.
Result<std::vector<std::string>> discoverTaps(consul::ConsulClient& client,
                                              const std::string& name) {
    std::set<std::string> found;
    std::vector<std::string> ordered;
    auto add = [&](const std::map<std::string, std::string>& meta) {
        auto it = meta.find(telemetry::kTapMetaKey);
        if (it != meta.end() && !it->second.empty() && found.insert(it->second).second) {
            ordered.push_back(it->second);
        }
    };
    auto local = client.call(consul::endpoints::agentServices());
    if (!local) {
        return local.error();
    }
    for (const auto& [id, svc] : *local) {
        if (svc.service == name) {
            add(svc.meta);
        }
    }
    auto catalog = client.call(consul::endpoints::catalogService(name));
    if (!catalog) {
        return catalog.error();
    }
    for (const auto& node : catalog->value) {
        add(node.serviceMeta);
    }
    return ordered;
}

struct Tap {
    telemetry::TapClient client;
    std::string name;  // as given or advertised
    std::chrono::steady_clock::time_point lastLine;
    std::chrono::milliseconds silenceLimit{10000};
    uint64_t dropped = 0;
};

}  // namespace

int tapCommand(const std::vector<std::string>& args) {
    std::vector<std::string> addresses;
    std::string service, agent, filter, sources;
    bool json = false;
    long long count = -1;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const bool hasValue = i + 1 < args.size();
        if (a == "--help" || a == "-h") {
            std::fputs(kTapUsage, stdout);
            return 0;
        } else if (a == "--json") {
            json = true;
        } else if (a == "--address" && hasValue) {
            addresses.push_back(args[++i]);
        } else if (a == "--service" && hasValue) {
            service = args[++i];
        } else if (a == "--agent" && hasValue) {
            agent = args[++i];
        } else if (a == "--filter" && hasValue) {
            filter = args[++i];
        } else if (a == "--source" && hasValue) {
            sources = args[++i];
        } else if (a == "--count" && hasValue) {
            char* end = nullptr;
            count = std::strtoll(args[++i].c_str(), &end, 10);
            if (*end != '\0' || count <= 0) {
                return usageError("--count needs a positive number");
            }
        } else {
            return usageError("unexpected argument '" + a + "' (see meshx tap --help)");
        }
    }
    if (addresses.empty() == service.empty()) {
        return usageError("give --address ADDR or --service NAME");
    }

    // The agent settings matter only to --service; a plain --address needs no config file.
    MeshConfig config;
    if (!service.empty()) {
        auto loaded = MeshConfig::load();
        if (!loaded) {
            return usageError(loaded.error().toString());
        }
        config = std::move(*loaded);
        if (!agent.empty()) {
            auto ep = AgentEndpoint::parse(agent);
            if (!ep) {
                return usageError(ep.error().toString());
            }
            config.agent = *ep;
        }
        auto client = consul::ConsulClient::create(config);
        if (!client) {
            return usageError(client.error().toString());
        }
        auto found = discoverTaps(**client, service);
        if (!found) {
            std::fprintf(stderr, "meshx tap: %s\n", found.error().toString().c_str());
            return 1;
        }
        if (found->empty()) {
            std::fprintf(stderr, "meshx tap: no instance of %s advertises a tap (Meta key %s)\n",
                         service.c_str(), telemetry::kTapMetaKey);
            return 1;
        }
        addresses = *found;
    }

    telemetry::TapClient::Request request;
    request.filter = filter;
    request.sources = sources;
    if (service.empty()) {
        if (const char* token = std::getenv("CONSUL_HTTP_TOKEN")) {
            config.token = token;
        }
    }
    request.token = config.token;
    std::vector<Tap> taps;
    for (const auto& text : addresses) {
        auto addr = net::Address::parse(text);
        if (!addr) {
            if (service.empty()) {
                return usageError(addr.error().toString());
            }
            std::fprintf(stderr, "meshx tap: %s: %s\n", text.c_str(), addr.error().message.c_str());
            continue;
        }
        auto client = telemetry::TapClient::connect(*addr, request, std::chrono::seconds(5));
        if (!client) {
            std::fprintf(stderr, "meshx tap: %s\n", client.error().message.c_str());
            continue;
        }
        taps.push_back(Tap{std::move(*client), text, std::chrono::steady_clock::now()});
    }
    if (taps.empty()) {
        return 1;
    }

    long long events = 0;
    int exitCode = 0;
    std::vector<pollfd> fds;
    std::vector<std::string> lines;
    while (!taps.empty()) {
        fds.clear();
        for (const auto& t : taps) {
            fds.push_back({t.client.fd(), POLLIN, 0});
        }
        ::poll(fds.data(), fds.size(), 500);
        const auto now = std::chrono::steady_clock::now();
        for (size_t i = 0; i < taps.size(); ++i) {
            Tap& t = taps[i];
            lines.clear();
            Status status;
            if (fds[i].revents != 0) {
                status = t.client.readAvailable(lines);
            }
            if (!lines.empty()) {
                t.lastLine = now;
            }
            for (const auto& line : lines) {
                auto j = nlohmann::json::parse(line, nullptr, false);
                const std::string type = j.is_object() ? j.value("type", "") : "";
                if (json) {
                    std::printf("%s\n", line.c_str());
                } else if (type == "event") {
                    std::printf("%s\n", telemetry::formatTapLine(j).c_str());
                }
                if (type == "hello") {
                    const auto p = j.value("process", nlohmann::json::object());
                    t.silenceLimit = std::max(
                        std::chrono::milliseconds(5000),
                        3 * std::chrono::milliseconds(j.value("heartbeat_ms", int64_t{2000})));
                    std::fprintf(stderr, "==> meshx tap: %s: %s[%s] schema %d\n", t.name.c_str(),
                                 p.value("program", "").c_str(),
                                 p.value("pid", nlohmann::json()).dump().c_str(),
                                 j.value("schema", 0));
                } else if (type == "heartbeat") {
                    const uint64_t dropped = j.value("dropped", uint64_t{0});
                    if (dropped > t.dropped && !json) {
                        std::fprintf(
                            stderr, "meshx tap: %s: %llu events dropped (tap queue full)\n",
                            t.name.c_str(), static_cast<unsigned long long>(dropped - t.dropped));
                    }
                    t.dropped = dropped;
                } else if (type == "event") {
                    ++events;
                }
                if (count > 0 && events >= count) {
                    std::fflush(stdout);
                    return 0;
                }
            }
            std::fflush(stdout);
            if (!status) {
                std::fprintf(stderr, "meshx tap: %s: %s\n", t.name.c_str(),
                             status.error().message.c_str());
                if (status.error().code != Code::Closed) {
                    // A filter the tap refused is bad input, like any usage error.
                    exitCode = t.client.reader().status() == 400 && exitCode != 1 ? 2 : 1;
                }
                t.name.clear();  // removed below
            } else if (now - t.lastLine > t.silenceLimit) {
                std::fprintf(stderr, "meshx tap: %s: no line (not even a heartbeat) for %lld ms\n",
                             t.name.c_str(), static_cast<long long>(t.silenceLimit.count()));
                exitCode = 1;
                t.name.clear();
            }
        }
        std::erase_if(taps, [](const Tap& t) { return t.name.empty(); });
    }
    if (exitCode != 0) {
        return exitCode;
    }
    return count > 0 ? 1 : 0;  // every tap ended before --count events came
}

}  // namespace meshx::cli
