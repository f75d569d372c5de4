#include "telemetry/otlp/otlp_json.h"

#include <nlohmann/json.hpp>

namespace meshx::telemetry::otlp {

namespace {

using nlohmann::json;

json encodeValue(const AttrValue& v) {
    if (const auto* s = std::get_if<std::string>(&v))
        return {{"stringValue", *s}};
    if (const auto* i = std::get_if<int64_t>(&v))
        return {{"intValue", std::to_string(*i)}};
    if (const auto* b = std::get_if<bool>(&v))
        return {{"boolValue", *b}};
    return {{"doubleValue", std::get<double>(v)}};
}

json encodeAttributes(const Attributes& attributes) {
    json out = json::array();
    for (const auto& [k, v] : attributes)
        out.push_back({{"key", k}, {"value", encodeValue(v)}});
    return out;
}

json encodeSpan(const Span& s) {
    json j = {{"traceId", toHex(s.traceId)}, {"spanId", toHex(s.spanId)}};
    if (s.hasParent())
        j["parentSpanId"] = toHex(s.parentSpanId);
    j["name"] = s.name;
    j["kind"] = static_cast<int>(s.kind);
    j["startTimeUnixNano"] = std::to_string(s.startTimeUnixNano);
    j["endTimeUnixNano"] = std::to_string(s.endTimeUnixNano);
    j["attributes"] = encodeAttributes(s.attributes);
    j["droppedAttributesCount"] = 0;
    json events = json::array();
    for (const SpanEvent& e : s.events) {
        events.push_back({{"timeUnixNano", std::to_string(e.timeUnixNano)},
                          {"name", e.name},
                          {"attributes", encodeAttributes(e.attributes)},
                          {"droppedAttributesCount", 0}});
    }
    j["events"] = std::move(events);
    j["droppedEventsCount"] = 0;
    json status = {{"code", static_cast<int>(s.status)}};
    if (!s.statusMessage.empty())
        status["message"] = s.statusMessage;
    j["status"] = std::move(status);
    j["links"] = json::array();
    j["droppedLinksCount"] = 0;
    // W3C trace flags: sampled (0x01), plus OTLP's "has the remote-parent bit" marker (0x100);
    // 0x200 says the parent is remote. Only sampled spans are ever exported.
    j["flags"] = 0x101 | (s.remoteParent ? 0x200 : 0);
    return j;
}

struct DecodeError {
    std::string what;
};

[[noreturn]] void fail(std::string what) {
    throw DecodeError{std::move(what)};
}

const json* member(const json& obj, const char* key) {
    if (!obj.is_object())
        return nullptr;
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
}

const json& arrayOrEmpty(const json& obj, const char* key, const char* where) {
    static const json kEmpty = json::array();
    const json* v = member(obj, key);
    if (v == nullptr)
        return kEmpty;
    if (!v->is_array())
        fail(std::string(where) + "." + key + " is not an array");
    return *v;
}

std::string stringOr(const json& obj, const char* key, const char* where) {
    const json* v = member(obj, key);
    if (v == nullptr)
        return {};
    if (!v->is_string())
        fail(std::string(where) + "." + key + " is not a string");
    return v->get<std::string>();
}

// A 64-bit unsigned number written as a decimal string or a JSON number.
uint64_t u64(const json& obj, const char* key, const char* where) {
    const json* v = member(obj, key);
    if (v == nullptr)
        return 0;
    if (v->is_number_unsigned())
        return v->get<uint64_t>();
    if (v->is_number_integer() && v->get<int64_t>() >= 0)
        return static_cast<uint64_t>(v->get<int64_t>());
    if (v->is_string()) {
        const std::string s = v->get<std::string>();
        char* end = nullptr;
        errno = 0;
        const unsigned long long n = std::strtoull(s.c_str(), &end, 10);
        if (!s.empty() && *end == '\0' && errno == 0 && s[0] != '-')
            return n;
    }
    fail(std::string(where) + "." + key + " is not an unsigned 64-bit number");
}

AttrValue decodeValue(const json& v) {
    if (!v.is_object())
        return std::string();
    if (const json* s = member(v, "stringValue"); s != nullptr && s->is_string())
        return s->get<std::string>();
    if (const json* b = member(v, "boolValue"); b != nullptr && b->is_boolean())
        return b->get<bool>();
    if (const json* i = member(v, "intValue"); i != nullptr) {
        if (i->is_number_integer())
            return i->get<int64_t>();
        if (i->is_string()) {
            const std::string s = i->get<std::string>();
            char* end = nullptr;
            errno = 0;
            const long long n = std::strtoll(s.c_str(), &end, 10);
            if (!s.empty() && *end == '\0' && errno == 0)
                return static_cast<int64_t>(n);
        }
        fail("intValue is not a 64-bit integer");
    }
    if (const json* d = member(v, "doubleValue"); d != nullptr && d->is_number())
        return d->get<double>();
    if (const json* a = member(v, "arrayValue"); a != nullptr)
        return a->dump();
    if (const json* m = member(v, "kvlistValue"); m != nullptr)
        return m->dump();
    if (const json* by = member(v, "bytesValue"); by != nullptr && by->is_string())
        return by->get<std::string>();
    return std::string();
}

Attributes decodeAttributes(const json& obj, const char* where) {
    Attributes out;
    for (const json& kv : arrayOrEmpty(obj, "attributes", where)) {
        if (!kv.is_object())
            fail(std::string(where) + ".attributes has a non-object entry");
        std::string key = stringOr(kv, "key", "attribute");
        const json* value = member(kv, "value");
        out.emplace_back(std::move(key), value != nullptr ? decodeValue(*value) : std::string());
    }
    return out;
}

template <size_t N>
std::array<uint8_t, N> decodeId(const json& obj, const char* key, bool required) {
    std::array<uint8_t, N> id{};
    const std::string hex = stringOr(obj, key, "span");
    if (hex.empty()) {
        if (required)
            fail(std::string("span.") + key + " is missing");
        return id;
    }
    if (!fromHex(hex, id))
        fail(std::string("span.") + key + " is not " + std::to_string(2 * N) + " hex digits");
    return id;
}

int enumNumber(const json& obj, const char* key, std::initializer_list<const char*> names) {
    const json* v = member(obj, key);
    if (v == nullptr)
        return 0;
    if (v->is_number_integer())
        return v->get<int>();
    if (v->is_string()) {
        int i = 0;
        for (const char* n : names) {
            if (v->get<std::string>() == n)
                return i;
            ++i;
        }
    }
    fail(std::string(key) + " is not a known enum value");
}

Span decodeSpan(const json& j) {
    if (!j.is_object())
        fail("a span is not an object");
    Span s;
    s.traceId = decodeId<16>(j, "traceId", true);
    s.spanId = decodeId<8>(j, "spanId", true);
    s.parentSpanId = decodeId<8>(j, "parentSpanId", false);
    if (const json* f = member(j, "flags"); f != nullptr && f->is_number_unsigned())
        s.remoteParent = (f->get<uint64_t>() & 0x200) != 0;
    s.name = stringOr(j, "name", "span");
    const int kind = enumNumber(j, "kind",
                                {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
                                 "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"});
    s.kind = kind >= 0 && kind <= 5 ? static_cast<SpanKind>(kind) : SpanKind::Unspecified;
    s.startTimeUnixNano = u64(j, "startTimeUnixNano", "span");
    s.endTimeUnixNano = u64(j, "endTimeUnixNano", "span");
    s.attributes = decodeAttributes(j, "span");
    for (const json& e : arrayOrEmpty(j, "events", "span")) {
        SpanEvent ev;
        ev.timeUnixNano = u64(e, "timeUnixNano", "event");
        ev.name = stringOr(e, "name", "event");
        ev.attributes = decodeAttributes(e, "event");
        s.events.push_back(std::move(ev));
    }
    if (const json* st = member(j, "status"); st != nullptr) {
        const int code =
            enumNumber(*st, "code", {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"});
        s.status = code >= 0 && code <= 2 ? static_cast<StatusCode>(code) : StatusCode::Unset;
        s.statusMessage = stringOr(*st, "message", "status");
    }
    return s;
}

}  // namespace

std::string encodeTraces(const std::vector<ResourceSpans>& batches) {
    json resourceSpans = json::array();
    for (const ResourceSpans& rs : batches) {
        json spans = json::array();
        for (const Span& s : rs.spans)
            spans.push_back(encodeSpan(s));
        json scope = {{"name", rs.scopeName}};
        if (!rs.scopeVersion.empty())
            scope["version"] = rs.scopeVersion;
        resourceSpans.push_back(
            {{"resource",
              {{"attributes", encodeAttributes(rs.resource)}, {"droppedAttributesCount", 0}}},
             {"scopeSpans", json::array({{{"scope", scope}, {"spans", std::move(spans)}}})}});
    }
    return json{{"resourceSpans", std::move(resourceSpans)}}.dump(-1, ' ', false,
                                                                  json::error_handler_t::replace);
}

Result<std::vector<ResourceSpans>> decodeTraces(std::string_view body) {
    json root = json::parse(body, nullptr, false);
    if (root.is_discarded())
        return makeError(Code::ParseError, "the body is not JSON");
    std::vector<ResourceSpans> out;
    try {
        if (!root.is_object())
            fail("the body is not an object");
        for (const json& rs : arrayOrEmpty(root, "resourceSpans", "request")) {
            Attributes resource;
            if (const json* r = member(rs, "resource"); r != nullptr)
                resource = decodeAttributes(*r, "resource");
            for (const json& ss : arrayOrEmpty(rs, "scopeSpans", "resourceSpans")) {
                ResourceSpans batch;
                batch.resource = resource;
                if (const json* sc = member(ss, "scope"); sc != nullptr) {
                    batch.scopeName = stringOr(*sc, "name", "scope");
                    batch.scopeVersion = stringOr(*sc, "version", "scope");
                }
                for (const json& s : arrayOrEmpty(ss, "spans", "scopeSpans"))
                    batch.spans.push_back(decodeSpan(s));
                out.push_back(std::move(batch));
            }
        }
    } catch (const DecodeError& e) {
        return makeError(Code::ParseError, e.what);
    }
    return out;
}

}  // namespace meshx::telemetry::otlp
