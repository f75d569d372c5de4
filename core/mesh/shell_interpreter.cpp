#include "mesh/shell_interpreter.h"

#include <charconv>
#include <functional>
#include <map>

#include "common/mesh_config.h"
#include "consul/agent_endpoints.h"
#include "consul/agent_types.h"
#include "consul/consul_api.h"
#include "mesh/service_mesh.h"
#include "mesh/service_template.h"

namespace meshx::mesh {

using nlohmann::json;
using Reply = ShellInterpreter::Reply;

namespace {

Reply failure(const Error& error) {
    return CommandReply::failure(error);
}

Reply usage(const std::string& message) {
    return CommandReply::usage(message);
}

Reply success(json fields, std::string text) {
    return CommandReply::success(std::move(fields), std::move(text));
}

std::string joined(const std::vector<std::string>& items, const char* sep = "\n") {
    std::string out;
    for (const auto& i : items) {
        out += (out.empty() ? "" : sep) + i;
    }
    return out;
}

// Words and --flags of one command. Flags named in `withValue` take the next word.
struct Args {
    std::vector<std::string> words;
    std::map<std::string, std::string> flags;
};

Result<Args> parseArgs(const std::vector<std::string>& tokens,
                       const std::vector<std::string>& withValue,
                       const std::vector<std::string>& bare) {
    Args args;
    for (size_t i = 1; i < tokens.size(); ++i) {
        const auto& t = tokens[i];
        if (!t.starts_with("--")) {
            args.words.push_back(t);
            continue;
        }
        const std::string name = t.substr(2);
        if (std::find(withValue.begin(), withValue.end(), name) != withValue.end()) {
            if (i + 1 >= tokens.size()) {
                return makeError(Code::InvalidArgument, t + " needs a value");
            }
            args.flags[name] = tokens[++i];
        } else if (std::find(bare.begin(), bare.end(), name) != bare.end()) {
            args.flags[name] = "";
        } else {
            return makeError(Code::InvalidArgument, "unknown option " + t);
        }
    }
    return args;
}

}  // namespace

ShellInterpreter::ShellInterpreter(ServiceMesh& mesh, consul::ConsulApi& api,
                                   const MeshConfig& config)
    : mesh_(mesh), api_(api), config_(config) {}

Result<std::vector<std::string>> ShellInterpreter::split(const std::string& line) {
    std::vector<std::string> words;
    std::string cur;
    bool inWord = false;
    char quote = 0;
    for (char c : line) {
        if (quote) {
            if (c == quote) {
                quote = 0;
            } else {
                cur += c;
            }
        } else if (c == '"' || c == '\'') {
            quote = c;
            inWord = true;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (inWord) {
                words.push_back(cur);
                cur.clear();
                inWord = false;
            }
        } else {
            cur += c;
            inWord = true;
        }
    }
    if (quote) {
        return makeError(Code::ParseError, "unterminated quote");
    }
    if (inWord) {
        words.push_back(cur);
    }
    return words;
}

Reply ShellInterpreter::execute(const std::string& line) {
    auto tokens = split(line);
    if (!tokens) {
        return failure(tokens.error());
    }
    if (tokens->empty() || tokens->front().starts_with("#")) {
        Reply r;  // blank line or comment: no reply
        return r;
    }
    const std::string verb = tokens->front();
    const ProxyService defaultProxy = ProxyService::defaults();

    if (verb == "quit" || verb == "exit") {
        Reply r = success({{"bye", true}}, "bye");
        r.quit = true;
        return r;
    }
    if (verb == "help") {
        return success({{"help", kHelp}}, kHelp);
    }
    if (verb == "start") {
        auto a = parseArgs(*tokens, {"template", "timeout"}, {"force"});
        if (!a) {
            return failure(a.error());
        }
        if (a->words.empty() || a->words.size() > 2) {
            return usage("usage: start NAME [ID] [--template T] [--force] [--timeout MS]");
        }
        ServiceTemplate tmpl = defaultServiceTemplate(config_);
        if (a->flags.count("template")) {
            auto named = namedServiceTemplate(config_, a->flags["template"]);
            if (!named) {
                return failure(named.error());
            }
            tmpl = *named;
        }
        int timeoutMs = config_.startTimeoutMs;
        if (a->flags.count("timeout")) {
            const auto& v = a->flags["timeout"];
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), timeoutMs);
            if (ec != std::errc{} || end != v.data() + v.size() || timeoutMs < 0) {
                return usage("--timeout must be a number of milliseconds");
            }
        }
        const auto params = a->words.size() == 2
                                ? ServiceParams::namedWithId(a->words[0], a->words[1])
                                : ServiceParams::named(a->words[0]);
        auto started = mesh_.start(params, tmpl, a->flags.count("force") > 0,
                                   std::chrono::milliseconds(timeoutMs));
        if (!started) {
            return failure(started.error());
        }
        return success(
            {{"service_id", started->serviceId}, {"address", started->address.toString()}},
            started->serviceId + " " + started->address.toString());
    }
    if (verb == "stop") {
        if (tokens->size() != 2) {
            return usage("usage: stop ID");
        }
        auto st = mesh_.stop((*tokens)[1]);
        return st ? success({{"service_id", (*tokens)[1]}}, "stopped " + (*tokens)[1])
                  : failure(st.error());
    }
    if (verb == "connect") {
        auto a = parseArgs(*tokens, {"proxy"}, {});
        if (!a) {
            return failure(a.error());
        }
        if (a->words.empty()) {
            return usage("usage: connect NAME... [--proxy ID]");
        }
        ProxyService proxy = defaultProxy;
        if (a->flags.count("proxy")) {
            proxy = ProxyService{a->flags["proxy"], a->flags["proxy"]};
        }
        std::vector<json> upstreams(a->words.begin(), a->words.end());
        auto results = mesh_.connect(upstreams, defaultUpstreamTemplate(), proxy);
        if (!results) {
            return failure(results.error());
        }
        json list = json::array();
        std::string text;
        bool allOk = true;
        for (size_t i = 0; i < results->size(); ++i) {
            const auto& r = (*results)[i];
            json item = {{"name", a->words[i]}, {"ok", r.ok()}};
            if (r) {
                item["address"] = r->toString();
                text += a->words[i] + " " + r->toString() + "\n";
            } else {
                allOk = false;
                item["error"] = std::string(codeName(r.error().code));
                item["message"] = r.error().message;
                text += a->words[i] + " error: " + r.error().toString() + "\n";
            }
            list.push_back(item);
        }
        Reply reply = success({{"proxy_id", proxy.id}, {"upstreams", list}}, text);
        if (!allOk) {
            reply.json["ok"] = false;
            reply.json["error"] = "upstream_failed";
        }
        if (!reply.text.empty()) {
            reply.text.pop_back();
        }
        return reply;
    }
    if (verb == "disconnect") {
        auto a = parseArgs(*tokens, {"proxy"}, {"restart"});
        if (!a) {
            return failure(a.error());
        }
        if (a->words.empty()) {
            return usage("usage: disconnect NAME... [--proxy ID] [--restart]");
        }
        const std::string proxyId = a->flags.count("proxy") ? a->flags["proxy"] : defaultProxy.id;
        auto removed = mesh_.disconnect(a->words, proxyId, a->flags.count("restart") > 0);
        if (!removed) {
            return failure(removed.error());
        }
        return success({{"proxy_id", proxyId}, {"removed", *removed}},
                       removed->empty() ? "nothing removed" : "removed " + joined(*removed, " "));
    }
    if (verb == "list") {
        auto ids = mesh_.list();
        return success({{"services", ids}}, ids.empty() ? "(none)" : joined(ids));
    }
    if (verb == "list-upstream") {
        if (tokens->size() > 2) {
            return usage("usage: list-upstream [PROXY_ID]");
        }
        const std::string proxyId = tokens->size() == 2 ? (*tokens)[1] : defaultProxy.id;
        auto names = mesh_.listUpstream(proxyId);
        if (!names) {
            return failure(names.error());
        }
        return success({{"proxy_id", proxyId}, {"upstreams", *names}},
                       names->empty() ? "(none)" : joined(*names));
    }
    if (verb == "info" || verb == "proxy-info" || verb == "proxy-restart" || verb == "ttl-get") {
        if (tokens->size() != 2) {
            return usage("usage: " + verb + " ID");
        }
        const std::string& id = (*tokens)[1];
        if (verb == "info") {
            auto info = mesh_.info(id);
            return info ? success({{"info", *info}}, info->dump(4)) : failure(info.error());
        }
        if (verb == "proxy-info") {
            auto info = mesh_.proxyInfo(id);
            return info ? success({{"proxy", info->toJson()}}, info->toJson().dump(4))
                        : failure(info.error());
        }
        if (verb == "proxy-restart") {
            auto st = mesh_.proxyRestart(id);
            return st ? success({{"service_id", id}}, "restarting the proxy of " + id)
                      : failure(st.error());
        }
        auto status = mesh_.ttlStatus(id);
        return status ? success({{"service_id", id}, {"status", *status}}, *status)
                      : failure(status.error());
    }
    if (verb == "ttl-set") {
        if (tokens->size() != 3) {
            return usage("usage: ttl-set ID passing|warning|critical");
        }
        auto st = mesh_.setTtlStatus((*tokens)[1], (*tokens)[2]);
        return st ? success({{"service_id", (*tokens)[1]}, {"status", (*tokens)[2]}},
                            (*tokens)[1] + " " + (*tokens)[2])
                  : failure(st.error());
    }
    if (verb == "agent") {
        auto self = api_.call(consul::endpoints::agentSelf());
        if (!self) {
            return failure(self.error());
        }
        const auto& c = config_;
        return success({{"agent", c.agent.toString()},
                        {"datacenter", self->datacenter},
                        {"node", self->nodeName},
                        {"version", self->version},
                        {"token", c.hasToken() ? "set" : "none"}},
                       c.agent.toString() + " datacenter " + self->datacenter + " node " +
                           self->nodeName + (c.hasToken() ? " (token set)" : " (no token)"));
    }
    return usage("unknown command '" + verb + "' (try help)");
}

}  // namespace meshx::mesh
