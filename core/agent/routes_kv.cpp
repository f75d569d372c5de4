// /v1/kv/:key (GET with recurse/keys/raw and blocking, PUT with flags/cas, DELETE), per
// datacenter (?dc=): the agent's own store, and one store per other datacenter it knows.
#include <QByteArray>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>

#include "agent/agent_services.h"
#include "agent/api_router.h"
#include "agent/blocking_query.h"
#include "agent/datacenter_param.h"
#include "agent/index_keys.h"
#include "agent/kv_store.h"
#include "agent/request_body.h"

namespace meshx::agent {

namespace {

std::optional<uint64_t> parseUint(const std::string& s) {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

// Go's url.QueryEscape.
std::string queryEscape(const std::string& text) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out += ch;
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

// Go's url.Values.Encode of the request's query: keys sorted, each key's values in order.
// Consul echoes a `token` parameter too; here its value is `<hidden>` (secrets never go into
// error texts).
std::string encodeQuery(const HttpRequest& req) {
    std::vector<std::pair<std::string, std::string>> pairs = req.query;
    std::stable_sort(pairs.begin(), pairs.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string out;
    for (const auto& [k, v] : pairs) {
        out += (out.empty() ? "" : "&") + queryEscape(k) + "=" +
               (k == "token" ? std::string("<hidden>") : queryEscape(v));
    }
    return out;
}

// Consul's conflictingFlags: more than one of `flags` present -> 400 with the whole query.
bool conflictingFlags(const ApiCall& call, std::initializer_list<std::string_view> flags) {
    int found = 0;
    for (std::string_view f : flags) {
        found += call.request().hasQuery(f) ? 1 : 0;
    }
    if (found < 2) {
        return false;
    }
    call.text(400, "Conflicting flags: " + encodeQuery(call.request()) + "\n");
    return true;
}

OJson entryJson(const KvEntry& e) {
    OJson value = nullptr;
    if (!e.value.empty()) {
        value = QByteArray::fromStdString(e.value).toBase64().toStdString();
    }
    return OJson{{"LockIndex", e.lockIndex},
                 {"Key", e.key},
                 {"Flags", e.flags},
                 {"Value", value},
                 {"CreateIndex", e.createIndex},
                 {"ModifyIndex", e.modifyIndex}};
}

void getKey(AgentServices& s, KvStore& store, const ApiCall& call, const std::string& key) {
    auto params = BlockingParams::parse(call.request());
    if (!params) {
        call.fail(params.error());
        return;
    }
    const HttpRequest& req = call.request();
    const bool keys = req.hasQuery("keys");
    const bool recurse = req.hasQuery("recurse") || keys;
    if (key.empty() && !recurse) {
        call.text(400, "Missing key name");
        return;
    }
    const bool raw = req.hasQuery("raw");
    const std::string separator = req.queryOr("separator");
    KvStore* kv = &store;
    const bool pretty = call.pretty();
    serveIndexed(
        call, s.blocking, *params, {index_keys::kKv},
        [kv, key, recurse] {
            if (!recurse) {
                if (const KvEntry* e = kv->get(key)) {
                    return e->modifyIndex;
                }
            }
            return kv->tableIndex();
        },
        [kv, key, recurse, keys, raw, separator, pretty]() {
            if (keys) {
                OJson out = OJson::array();
                std::string last;
                for (const KvEntry* e : kv->withPrefix(key)) {
                    std::string k = e->key;
                    if (!separator.empty()) {
                        const size_t at = k.find(separator, key.size());
                        if (at != std::string::npos) {
                            k = k.substr(0, at + separator.size());
                        }
                    }
                    if (k != last) {
                        out.push_back(k);
                        last = k;
                    }
                }
                // Consul answers the root's empty key list with [], other prefixes with 404.
                if (out.empty() && !key.empty()) {
                    return HttpResponse::empty(404);
                }
                return HttpResponse::json(200, out, pretty);
            }
            if (recurse) {
                OJson out = OJson::array();
                for (const KvEntry* e : kv->withPrefix(key)) {
                    out.push_back(entryJson(*e));
                }
                if (out.empty()) {
                    return HttpResponse::empty(404);
                }
                return HttpResponse::json(200, out, pretty);
            }
            const KvEntry* e = kv->get(key);
            if (e == nullptr) {
                return HttpResponse::empty(404);
            }
            if (raw) {
                HttpResponse r = HttpResponse::text(200, e->value);
                r.setHeader("X-Content-Type-Options", "nosniff");
                return r;
            }
            return HttpResponse::json(200, OJson::array({entryJson(*e)}), pretty);
        });
}

}  // namespace

void addKvRoutes(ApiRouter& router, AgentServices& s) {
    AgentServices* sp = &s;
    // Other datacenters' stores, made when first used (KV is not replicated between
    // datacenters in Consul either).
    auto others = std::make_shared<std::map<std::string, std::unique_ptr<KvStore>>>();
    router.add("/v1/kv/", {"GET", "PUT", "DELETE"}, [sp, others](const ApiCall& call) {
        const std::string key = call.suffix();
        const HttpRequest& req = call.request();
        const std::string permission = req.method == "GET" ? "key:read" : "key:write";
        if (auto acl = call.require(permission, key); !acl) {
            call.fail(acl.error());
            return;
        }
        const auto dc = datacenterOf(call, sp->state);
        if (!dc) {
            return;
        }
        KvStore* store = &sp->kv;
        if (!dc->empty()) {
            auto& slot = (*others)[*dc];
            if (!slot) {
                slot = std::make_unique<KvStore>(sp->indexes);
            }
            store = slot.get();
        }
        if (req.method == "GET") {
            getKey(*sp, *store, call, key);
            return;
        }
        // Checked before anything else, so `?recurse&cas=N` never deletes a subtree.
        if (req.method == "DELETE" ? conflictingFlags(call, {"recurse", "cas"})
                                   : conflictingFlags(call, {"cas", "acquire", "release"})) {
            return;
        }
        std::optional<uint64_t> cas;
        if (auto c = req.queryValue("cas")) {
            cas = parseUint(*c);
            if (!cas) {
                call.text(400, "Invalid CAS index");
                return;
            }
        }
        if (req.method == "DELETE") {
            if (key.empty() && !req.hasQuery("recurse")) {
                call.text(400, "Missing key name");
                return;
            }
            call.json(200, store->remove(key, req.hasQuery("recurse"), cas));
            return;
        }
        if (key.empty()) {
            call.text(400, "Missing key name");
            return;
        }
        if (req.hasQuery("acquire") || req.hasQuery("release")) {
            call.text(400, "sessions are not supported by the Meshx dev agent");
            return;
        }
        uint64_t flags = 0;
        if (auto f = req.queryValue("flags")) {
            auto v = parseUint(*f);
            if (!v) {
                call.text(400, "Invalid flag value");
                return;
            }
            flags = *v;
        }
        call.json(200, store->put(key, req.body, flags, cas));
    });
}

}  // namespace meshx::agent
