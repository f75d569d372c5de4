#include "rpc/error_term.h"

#include "rpc/serialize/serializer_registry.h"

namespace meshx::rpc::error_term {

using nlohmann::json;

json atom(std::string_view name) {
    return {{"$atom", std::string(name)}};
}

json fromError(const RpcError& error) {
    if (!error.remote.is_null())
        return error.remote;
    if (error.detail.empty())
        return atom(toString(error.code));
    return {{"$tuple", json::array({atom(toString(error.code)), error.detail})}};
}

Payload encode(const json& term, std::string_view serializer, size_t maxTermSize) {
    auto& reg = SerializerRegistry::global();
    Payload p;
    auto flag = reg.serialize(serializer, term, p.bytes);
    if (!flag || p.bytes.size() > maxTermSize) {
        p.bytes.clear();
        flag = reg.serialize(serializer, atom(!flag ? "serialization_fail" : "error_too_long"),
                             p.bytes);
    }
    p.serFlag = flag ? *flag : 0;
    return p;
}

namespace {
// The name in an atom-like position: "x" (ETF atoms decode to strings) or {"$atom": "x"}.
std::string nameOf(const json& v) {
    if (v.is_string())
        return v.get<std::string>();
    if (v.is_object() && v.contains("$atom") && v["$atom"].is_string())
        return v["$atom"].get<std::string>();
    return {};
}
}  // namespace

RpcError toError(const json& term) {
    RpcError e;
    e.remote = term;
    std::string name = nameOf(term);
    if (name.empty() && term.is_array() && !term.empty())
        name = nameOf(term[0]);
    if (name.empty() && term.is_object() && term.contains("$tuple") && term["$tuple"].is_array() &&
        !term["$tuple"].empty()) {
        name = nameOf(term["$tuple"][0]);
    }
    e.code = name.empty() ? RpcErrc::Remote : rpcErrcFromName(name);
    if (term.is_object() && term.contains("message") && term["message"].is_string()) {
        e.detail = term["message"].get<std::string>();  // an Elixir exception struct
    } else if (e.code == RpcErrc::Remote || !term.is_string()) {
        e.detail = term.dump(-1, ' ', false, json::error_handler_t::replace);
    }
    return e;
}

}  // namespace meshx::rpc::error_term
