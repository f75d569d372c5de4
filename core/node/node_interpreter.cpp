#include "node/node_interpreter.h"

#include <vector>

#include "mesh/service_mesh.h"
#include "node/node.h"
#include "node/node_error.h"

namespace meshx::node {

using nlohmann::json;
using Reply = NodeInterpreter::Reply;

namespace {

Reply failure(const Error& error) {
    Reply r = CommandReply::failure(error);
    if (auto reason = remoteExceptionReason(error)) {
        r.json["reason"] = *reason;
    }
    return r;
}

Reply usage(const std::string& message) {
    return failure(makeError(Code::InvalidArgument, message));
}

Reply success(json fields, std::string text) {
    return CommandReply::success(std::move(fields), std::move(text));
}

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Takes the next word off the front of `rest`; empty when none is left.
std::string_view nextWord(std::string_view& rest) {
    size_t b = 0;
    while (b < rest.size() && isSpace(rest[b])) {
        ++b;
    }
    size_t e = b;
    while (e < rest.size() && !isSpace(rest[e])) {
        ++e;
    }
    std::string_view word = rest.substr(b, e - b);
    rest.remove_prefix(e);
    return word;
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && isSpace(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && isSpace(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

const char* directionName(PeerDirection d) {
    return d == PeerDirection::Outgoing ? "outgoing" : "incoming";
}

}  // namespace

NodeInterpreter::NodeInterpreter(Node& node, mesh::ServiceMesh* mesh) : node_(node), mesh_(mesh) {}

Reply NodeInterpreter::execute(std::string_view line) {
    std::string_view rest = line;
    const std::string verb(nextWord(rest));
    if (verb.empty()) {
        return {};
    }
    if (verb == "quit" || verb == "exit") {
        auto r = success({{"bye", true}}, "bye");
        r.quit = true;
        return r;
    }
    if (verb == "help") {
        return success({{"help", kHelp}}, kHelp);
    }
    if (verb == "list") {
        json nodes = json::array();
        std::string text;
        for (const auto& p : node_.list()) {
            nodes.push_back({{"name", p.name},
                             {"direction", directionName(p.direction)},
                             {"endpoint", p.endpoint},
                             {"handshakes", p.handshakes}});
            text += (text.empty() ? "" : "\n") + p.name + "  " + directionName(p.direction) + "  " +
                    p.endpoint;
        }
        return success({{"nodes", nodes}}, text.empty() ? "(no connected nodes)" : text);
    }
    if (verb == "services") {
        if (!mesh_) {
            return failure(makeError(Code::InvalidState, "no mesh engine"));
        }
        json fields = {{"services", mesh_->list()}, {"upstreams", json::array()}};
        std::string text = "services:";
        for (const auto& s : mesh_->list()) {
            text += " " + s;
        }
        if (auto id = node_.serviceId()) {
            auto upstreams = mesh_->listUpstream(*id);
            if (!upstreams) {
                return failure(upstreams.error());
            }
            fields["upstreams"] = *upstreams;
            text += "\nupstreams of " + *id + ":";
            for (const auto& u : *upstreams) {
                text += " " + u;
            }
        }
        return success(fields, text);
    }
    if (verb == "connect" || verb == "disconnect") {
        const std::string target(nextWord(rest));
        if (target.empty() || !trimmed(rest).empty()) {
            return usage("usage: " + verb + " NODE");
        }
        auto s = verb == "connect" ? node_.connect(target) : node_.disconnect(target);
        if (!s) {
            return failure(s.error());
        }
        json fields = {{"node", target}};
        std::string text = (verb == "connect" ? "connected to " : "disconnected from ") + target;
        if (verb == "connect") {
            for (const auto& p : node_.list()) {
                if (p.name == target) {
                    fields["endpoint"] = p.endpoint;
                    text += " via " + p.endpoint;
                }
            }
        }
        return success(fields, text);
    }
    if (verb == "rpc" || verb == "spawn") {
        const std::string target(nextWord(rest));
        const std::string module(nextWord(rest));
        const std::string function(nextWord(rest));
        if (function.empty()) {
            return usage("usage: " + verb + " NODE MOD FUN [ARGS]");
        }
        std::string_view args = trimmed(rest);
        auto result = verb == "rpc" ? node_.rpc(target, module, function, args)
                                    : node_.spawn(target, module, function, args);
        if (!result) {
            return failure(result.error());
        }
        const std::string text = result->toString();
        return success({{"node", target}, {verb == "rpc" ? "result" : "pid", text}}, text);
    }
    return usage("unknown command '" + verb + "' (try help)");
}

}  // namespace meshx::node
