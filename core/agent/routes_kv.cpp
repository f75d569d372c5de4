// /v1/kv/:key (GET with recurse/keys/raw and blocking, PUT with flags/cas, DELETE).
#include <QByteArray>

#include <charconv>

#include "agent/agent_services.h"
#include "agent/api_router.h"
#include "agent/blocking_query.h"
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

void getKey(AgentServices& s, const ApiCall& call, const std::string& key) {
    auto params = BlockingParams::parse(call.request());
    if (!params) {
        call.fail(params.error());
        return;
    }
    const HttpRequest& req = call.request();
    const bool keys = req.hasQuery("keys");
    const bool recurse = req.hasQuery("recurse") || keys;
    const bool raw = req.hasQuery("raw");
    const std::string separator = req.queryOr("separator");
    AgentServices* sp = &s;
    const bool pretty = call.pretty();
    serveIndexed(
        call, s.blocking, *params, {index_keys::kKv},
        [sp, key, recurse] {
            if (!recurse) {
                if (const KvEntry* e = sp->kv.get(key)) {
                    return e->modifyIndex;
                }
            }
            return sp->kv.tableIndex();
        },
        [sp, key, recurse, keys, raw, separator, pretty]() {
            if (keys) {
                OJson out = OJson::array();
                std::string last;
                for (const KvEntry* e : sp->kv.withPrefix(key)) {
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
                if (out.empty()) {
                    return HttpResponse::empty(404);
                }
                return HttpResponse::json(200, out, pretty);
            }
            if (recurse) {
                OJson out = OJson::array();
                for (const KvEntry* e : sp->kv.withPrefix(key)) {
                    out.push_back(entryJson(*e));
                }
                if (out.empty()) {
                    return HttpResponse::empty(404);
                }
                return HttpResponse::json(200, out, pretty);
            }
            const KvEntry* e = sp->kv.get(key);
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
    router.add("/v1/kv/", {"GET", "PUT", "DELETE"}, [sp](const ApiCall& call) {
        const std::string key = call.suffix();
        const HttpRequest& req = call.request();
        const std::string permission = req.method == "GET" ? "key:read" : "key:write";
        if (auto acl = call.require(permission, key); !acl) {
            call.fail(acl.error());
            return;
        }
        if (req.method == "GET") {
            getKey(*sp, call, key);
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
            call.json(200, sp->kv.remove(key, req.hasQuery("recurse"), cas));
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
        call.json(200, sp->kv.put(key, req.body, flags, cas));
    });
}

}  // namespace meshx::agent
