#include "telemetry/otlp/otlp_config.h"

#include <unistd.h>

#include <cstdlib>

#include "meshx/version.h"

namespace meshx::telemetry::otlp {

namespace {

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return std::string(s);
}

int hexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool percentDecode(const std::string& in, std::string& out) {
    out.clear();
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (i + 2 >= in.size())
            return false;
        const int hi = hexValue(in[i + 1]);
        const int lo = hexValue(in[i + 2]);
        if (hi < 0 || lo < 0)
            return false;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return true;
}

Result<long> readNumber(const OtlpConfig::Getenv& getenv, const char* name, long fallback,
                        long min) {
    const std::string text = getenv(name);
    if (text.empty())
        return fallback;
    char* end = nullptr;
    const long v = std::strtol(text.c_str(), &end, 10);
    if (end == text.c_str() || *end != '\0' || v < min) {
        return makeError(
            Code::InvalidArgument,
            std::string(name) + ": '" + text + "' is not a whole number >= " + std::to_string(min));
    }
    return v;
}

std::string firstSet(const OtlpConfig::Getenv& getenv, const char* specific, const char* general) {
    std::string v = getenv(specific);
    return v.empty() ? getenv(general) : v;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> parseKeyValueList(const std::string& text,
                                                                           const char* variable) {
    std::vector<std::pair<std::string, std::string>> out;
    size_t start = 0;
    int entry = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        if (comma == std::string::npos)
            comma = text.size();
        const std::string item = trim(std::string_view(text).substr(start, comma - start));
        start = comma + 1;
        ++entry;
        if (item.empty())
            continue;
        const size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0) {
            return makeError(
                Code::InvalidArgument,
                std::string(variable) + ": entry " + std::to_string(entry) + " is not key=value");
        }
        std::string key = trim(std::string_view(item).substr(0, eq));
        std::string value;
        if (key.empty() || !percentDecode(trim(std::string_view(item).substr(eq + 1)), value)) {
            return makeError(Code::InvalidArgument, std::string(variable) + ": entry " +
                                                        std::to_string(entry) +
                                                        " has a bad key or %-escape");
        }
        out.emplace_back(std::move(key), std::move(value));
    }
    return out;
}

Result<OtlpConfig> OtlpConfig::fromEnvironment(const Getenv& getenv,
                                               const std::string& defaultServiceName) {
    OtlpConfig c;
    const std::string disabled = getenv("OTEL_SDK_DISABLED");
    const std::string exporter = getenv("OTEL_TRACES_EXPORTER");
    std::string endpoint = getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    if (endpoint.empty()) {
        endpoint = getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
        if (!endpoint.empty()) {
            while (!endpoint.empty() && endpoint.back() == '/')
                endpoint.pop_back();
            endpoint += "/v1/traces";
        }
    }
    c.enabled = !endpoint.empty() && disabled != "true" && disabled != "TRUE";
    if (!exporter.empty() && exporter.find("otlp") == std::string::npos) {
        if (exporter != "none")
            c.warnings.push_back("OTEL_TRACES_EXPORTER: only 'otlp' is supported; export is off");
        c.enabled = false;
    }
    if (!endpoint.empty() && endpoint.rfind("http://", 0) != 0 &&
        endpoint.rfind("https://", 0) != 0) {
        return makeError(Code::InvalidArgument, "OTLP endpoint '" + redactUrl(endpoint) +
                                                    "' is not an http:// or https:// URL");
    }
    c.endpoint = endpoint;

    for (const char* var : {"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"}) {
        auto list = parseKeyValueList(getenv(var), var);
        if (!list)
            return list.error();
        for (auto& [k, v] : *list) {
            bool replaced = false;
            for (auto& [hk, hv] : c.headers) {
                if (hk == k) {
                    hv = v;
                    replaced = true;
                }
            }
            if (!replaced)
                c.headers.emplace_back(k, v);
        }
    }

    auto timeout = readNumber(
        [&](const char*) {
            return firstSet(getenv, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
                            "OTEL_EXPORTER_OTLP_TIMEOUT");
        },
        "OTEL_EXPORTER_OTLP_TIMEOUT", 10000, 1);
    if (!timeout)
        return timeout.error();
    c.timeout = std::chrono::milliseconds(*timeout);

    const std::string protocol =
        firstSet(getenv, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL");
    if (!protocol.empty() && protocol != "http/json") {
        c.warnings.push_back("OTEL_EXPORTER_OTLP_PROTOCOL: '" + protocol +
                             "' is not supported; sending http/json (every OTLP/HTTP receiver "
                             "accepts it)");
    }

    auto resource =
        parseKeyValueList(getenv("OTEL_RESOURCE_ATTRIBUTES"), "OTEL_RESOURCE_ATTRIBUTES");
    if (!resource)
        return resource.error();
    std::string service = getenv("OTEL_SERVICE_NAME");
    for (const auto& [k, v] : *resource) {
        if (k == "service.name" && service.empty())
            service = v;
    }
    if (service.empty())
        service = defaultServiceName;
    c.resource.emplace_back("service.name", service);
    for (const auto& [k, v] : *resource) {
        if (k != "service.name")
            c.resource.emplace_back(k, v);
    }
    auto has = [&](std::string_view key) { return findAttribute(c.resource, key) != nullptr; };
    if (!has("telemetry.sdk.name"))
        c.resource.emplace_back("telemetry.sdk.name", std::string("meshx"));
    if (!has("telemetry.sdk.language"))
        c.resource.emplace_back("telemetry.sdk.language", std::string("cpp"));
    if (!has("telemetry.sdk.version"))
        c.resource.emplace_back("telemetry.sdk.version", std::string(kVersion));
    if (!has("process.pid"))
        c.resource.emplace_back("process.pid", static_cast<int64_t>(::getpid()));

    auto sampler = Sampler::parse(getenv("OTEL_TRACES_SAMPLER"), getenv("OTEL_TRACES_SAMPLER_ARG"));
    if (sampler) {
        c.sampler = *sampler;
    } else {
        c.warnings.push_back(sampler.error().message + "; using parentbased_always_on");
    }

    auto delay = readNumber(getenv, "OTEL_BSP_SCHEDULE_DELAY", 5000, 1);
    auto queue = readNumber(getenv, "OTEL_BSP_MAX_QUEUE_SIZE", 2048, 1);
    auto batch = readNumber(getenv, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, 1);
    for (const auto* r : {&delay, &queue, &batch}) {
        if (!*r)
            return r->error();
    }
    c.scheduleDelay = std::chrono::milliseconds(*delay);
    c.maxQueueSize = static_cast<size_t>(*queue);
    c.maxExportBatchSize = std::min(static_cast<size_t>(*batch), c.maxQueueSize);
    return c;
}

Result<OtlpConfig> OtlpConfig::fromProcessEnvironment(const std::string& defaultServiceName) {
    return fromEnvironment(
        [](const char* name) {
            const char* v = std::getenv(name);
            return std::string(v == nullptr ? "" : v);
        },
        defaultServiceName);
}

std::string OtlpConfig::serviceName() const {
    const AttrValue* v = findAttribute(resource, "service.name");
    return v != nullptr ? attributeText(*v) : std::string();
}

std::string OtlpConfig::redactUrl(const std::string& url) {
    const size_t scheme = url.find("://");
    const size_t hostStart = scheme == std::string::npos ? 0 : scheme + 3;
    size_t pathStart = url.find_first_of("/?#", hostStart);
    if (pathStart == std::string::npos)
        pathStart = url.size();
    std::string host = url.substr(hostStart, pathStart - hostStart);
    if (const size_t at = host.rfind('@'); at != std::string::npos)
        host = "***@" + host.substr(at + 1);
    std::string path = url.substr(pathStart);
    if (const size_t q = path.find_first_of("?#"); q != std::string::npos)
        path = path.substr(0, q);
    return url.substr(0, hostStart) + host + path;
}

std::string OtlpConfig::describe() const {
    std::string names;
    for (const auto& [k, v] : headers)
        names += (names.empty() ? "" : ",") + k;
    return "endpoint " + redactUrl(endpoint) + ", service.name " + serviceName() + ", sampler " +
           sampler.describe() +
           (names.empty() ? std::string() : ", headers " + names + " (values hidden)");
}

}  // namespace meshx::telemetry::otlp
