#include "consul/kv_endpoints.h"

#include <nlohmann/json.hpp>

#include "consul/endpoint_support.h"
#include "consul/url_encoding.h"

namespace meshx::consul::endpoints {

using detail::ignoreBody;
using detail::withBlocking;

namespace {
std::string kvPath(const std::string& key) {
    return "/kv/" + encodeKeyPath(key);
}
}  // namespace

Call<Indexed<std::optional<std::string>>> kvGet(const std::string& key, const Blocking& blocking) {
    auto request = Request::get(kvPath(key));
    request.param("raw");
    request.acceptStatuses = {404};
    using Value = Indexed<std::optional<std::string>>;
    return {withBlocking(request, blocking), [](const Response& response) -> Result<Value> {
                if (response.status == 404) {
                    return Value{std::nullopt, response.index};
                }
                return Value{response.body, response.index};
            }};
}

Call<Indexed<std::vector<std::string>>> kvKeys(const std::string& prefix,
                                               const Blocking& blocking) {
    auto request = Request::get(kvPath(prefix));
    request.param("keys");
    request.acceptStatuses = {404};  // no key under the prefix
    using Value = Indexed<std::vector<std::string>>;
    return {withBlocking(request, blocking), [](const Response& response) -> Result<Value> {
                if (response.status == 404) {
                    return Value{{}, response.index};
                }
                auto json = response.json();
                if (!json) {
                    return json.error();
                }
                if (!json->is_array()) {
                    return makeError(Code::ProtocolError, "KV keys: reply is not a JSON list");
                }
                Value out{{}, response.index};
                for (const auto& key : *json) {
                    if (!key.is_string()) {
                        return makeError(Code::ProtocolError, "KV keys: a key is not a string");
                    }
                    out.value.push_back(key.get<std::string>());
                }
                return out;
            }};
}

Call<bool> kvPut(const std::string& key, std::string value) {
    auto request = Request::put(kvPath(key));
    request.body = std::move(value);
    request.contentType = "application/octet-stream";
    return {std::move(request), [](const Response& response) -> Result<bool> {
                auto json = response.json();
                if (!json || !json->is_boolean()) {
                    return makeError(Code::ProtocolError, "KV put: reply is not true or false");
                }
                return json->get<bool>();
            }};
}

Call<void> kvDelete(const std::string& key, bool recurse) {
    auto request = Request::del(kvPath(key));
    if (recurse) {
        request.param("recurse");
    }
    return {std::move(request), ignoreBody};
}

}  // namespace meshx::consul::endpoints
