#include "consul/kv_endpoints.h"

#include <QByteArray>

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

Request& inDatacenter(Request& request, const std::string& dc) {
    if (!dc.empty()) {
        request.param("dc", dc);
    }
    return request;
}

uint64_t index(const nlohmann::json& o, const char* key) {
    const auto it = o.find(key);
    if (it == o.end() || it->is_null()) {
        return 0;
    }
    if (!it->is_number_unsigned() && !it->is_number_integer()) {
        throw std::runtime_error(std::string(key) + " is not a number");
    }
    return it->get<uint64_t>();
}

// [{"Key","Value"(base64 or null),"Flags","CreateIndex","ModifyIndex","LockIndex"}, ...]
Result<std::vector<KvEntry>> decodeEntries(const Response& response) {
    auto json = response.json();
    if (!json) {
        return json.error();
    }
    if (!json->is_array()) {
        return makeError(Code::ProtocolError, "KV entries: reply is not a JSON list");
    }
    std::vector<KvEntry> out;
    out.reserve(json->size());
    try {
        for (const auto& e : *json) {
            if (!e.is_object() || !e.contains("Key") || !e["Key"].is_string()) {
                return makeError(Code::ProtocolError, "KV entries: an entry has no Key");
            }
            KvEntry entry;
            entry.key = e["Key"].get<std::string>();
            if (const auto v = e.find("Value"); v != e.end() && v->is_string()) {
                const auto text = v->get<std::string>();
                const auto decoded = QByteArray::fromBase64Encoding(
                    QByteArray::fromRawData(text.data(), static_cast<qsizetype>(text.size())),
                    QByteArray::AbortOnBase64DecodingErrors);
                if (!decoded) {
                    return makeError(Code::ProtocolError,
                                     "KV entries: the value of " + entry.key + " is not base64");
                }
                entry.value = decoded.decoded.toStdString();
            }
            entry.flags = index(e, "Flags");
            entry.createIndex = index(e, "CreateIndex");
            entry.modifyIndex = index(e, "ModifyIndex");
            entry.lockIndex = index(e, "LockIndex");
            out.push_back(std::move(entry));
        }
    } catch (const std::exception& ex) {
        return makeError(Code::ProtocolError, std::string("KV entries: ") + ex.what());
    }
    return out;
}

Result<bool> decodeBool(const Response& response, const char* what) {
    auto json = response.json();
    if (!json || !json->is_boolean()) {
        return makeError(Code::ProtocolError, std::string(what) + ": reply is not true or false");
    }
    return json->get<bool>();
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

Call<void> kvDelete(const std::string& key, bool recurse, const std::string& dc) {
    auto request = Request::del(kvPath(key));
    if (recurse) {
        request.param("recurse");
    }
    return {std::move(inDatacenter(request, dc)), ignoreBody};
}

Call<Indexed<std::vector<KvEntry>>> kvList(const std::string& prefix, const std::string& dc,
                                           const Blocking& blocking) {
    auto request = Request::get(kvPath(prefix));
    request.param("recurse");
    inDatacenter(request, dc);
    request.acceptStatuses = {404};  // nothing under the prefix
    using Value = Indexed<std::vector<KvEntry>>;
    return {withBlocking(request, blocking), [](const Response& response) -> Result<Value> {
                if (response.status == 404) {
                    return Value{{}, response.index};
                }
                auto entries = decodeEntries(response);
                if (!entries) {
                    return entries.error();
                }
                return Value{std::move(*entries), response.index};
            }};
}

Call<Indexed<std::optional<KvEntry>>> kvEntry(const std::string& key, const std::string& dc) {
    auto request = Request::get(kvPath(key));
    inDatacenter(request, dc);
    request.acceptStatuses = {404};
    using Value = Indexed<std::optional<KvEntry>>;
    return {std::move(request), [](const Response& response) -> Result<Value> {
                if (response.status == 404) {
                    return Value{std::nullopt, response.index};
                }
                auto entries = decodeEntries(response);
                if (!entries) {
                    return entries.error();
                }
                if (entries->size() != 1) {
                    return makeError(Code::ProtocolError, "KV get: expected one entry");
                }
                return Value{std::move(entries->front()), response.index};
            }};
}

Call<bool> kvPutCas(const std::string& key, std::string value, uint64_t cas,
                    const std::string& dc) {
    auto request = Request::put(kvPath(key));
    request.param("cas", std::to_string(cas));
    inDatacenter(request, dc);
    request.body = std::move(value);
    request.contentType = "application/octet-stream";
    return {std::move(request),
            [](const Response& response) { return decodeBool(response, "KV put"); }};
}

Call<bool> kvDeleteCas(const std::string& key, uint64_t cas, const std::string& dc) {
    auto request = Request::del(kvPath(key));
    request.param("cas", std::to_string(cas));
    inDatacenter(request, dc);
    return {std::move(request),
            [](const Response& response) { return decodeBool(response, "KV delete"); }};
}

}  // namespace meshx::consul::endpoints
