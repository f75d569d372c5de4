// OtlpHttpSender for meshx-proxy without libcurl: the same class (telemetry/otlp/
// otlp_http_sender.h, the exporter's only way out) implemented over AgentConnection, the
// proxy's plain HTTP/1.1 socket (TCP, or TLS with the OpenSSL it already links).
//
// Why a second definition of one class: libcurl brings ~27 of the shared libraries a sidecar
// would load at every start (docs/benchmarks.md, "meshx-proxy start cost"), and the exporter
// constructs its sender directly. meshx-proxy links this object itself (app/proxy/CMakeLists.txt),
// so the linker never pulls otlp_http_sender.cpp.o (libcurl) out of meshx_telemetry_otlp's
// archive; every other program keeps the libcurl sender. It must define every member
// otlp_http_sender.cpp defines (redact and replyForStatus are shared, in otlp_http_reply.cpp):
// one missing makes the link pull the libcurl object and fail on duplicate symbols, loudly. The
// meshx_proxy_loads_no_qt_no_curl test guards the outcome.
//
// Differences from the libcurl sender, none visible to a collector: one connection per post
// (exports are seconds apart), no proxy environment variables (http_proxy), no compression.

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "common/mesh_config.h"
#include "meshx/version.h"
#include "proxy/agent_connection.h"
#include "proxy/agent_response_reader.h"
#include "telemetry/otlp/otlp_http_sender.h"

namespace meshx::telemetry::otlp {

namespace {

struct Target {
    AgentEndpoint endpoint;  // scheme, host, port
    std::string host;        // as in the URL, for Host and TLS verification
    std::string pathAndQuery;
    std::string basicAuth;  // base64 of user:password, when the URL holds one
};

// http(s)://[user:pass@]host[:port][/path][?query]; OtlpConfig already refused other schemes.
std::optional<Target> parseUrl(const std::string& url) {
    Target t;
    std::string rest;
    if (url.rfind("http://", 0) == 0) {
        t.endpoint.scheme = AgentEndpoint::Scheme::Http;
        t.endpoint.port = 80;
        rest = url.substr(7);
    } else if (url.rfind("https://", 0) == 0) {
        t.endpoint.scheme = AgentEndpoint::Scheme::Https;
        t.endpoint.port = 443;
        rest = url.substr(8);
    } else {
        return std::nullopt;
    }
    const size_t slash = rest.find_first_of("/?");
    std::string authority = rest.substr(0, slash);
    t.pathAndQuery = slash == std::string::npos ? "/" : rest.substr(slash);
    if (t.pathAndQuery[0] == '?') {
        t.pathAndQuery.insert(0, "/");
    }
    if (const size_t at = authority.rfind('@'); at != std::string::npos) {
        const std::string user = authority.substr(0, at);
        authority.erase(0, at + 1);
        std::string encoded(4 * ((user.size() + 2) / 3) + 1, '\0');
        const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                      reinterpret_cast<const unsigned char*>(user.data()),
                                      static_cast<int>(user.size()));
        encoded.resize(static_cast<size_t>(std::max(n, 0)));
        t.basicAuth = encoded;
    }
    std::string host = authority;
    std::string port;
    if (!authority.empty() && authority[0] == '[') {
        const size_t close = authority.find(']');
        if (close == std::string::npos) {
            return std::nullopt;
        }
        host = authority.substr(1, close - 1);
        if (close + 1 < authority.size() && authority[close + 1] == ':') {
            port = authority.substr(close + 2);
        }
    } else if (const size_t colon = authority.rfind(':'); colon != std::string::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty()) {
        return std::nullopt;
    }
    if (!port.empty()) {
        unsigned long p = 0;
        for (char c : port) {
            if (!std::isdigit(static_cast<unsigned char>(c))) {
                return std::nullopt;
            }
            p = p * 10 + static_cast<unsigned long>(c - '0');
            if (p > 65535) {
                return std::nullopt;
            }
        }
        t.endpoint.port = static_cast<uint16_t>(p);
    }
    t.endpoint.host = host;
    t.host = authority;
    return t;
}

SSL_CTX* clientTls() {
    // Verification as libcurl's default: the system CA store, host name checked.
    static SSL_CTX* ctx = [] {
        SSL_CTX* c = SSL_CTX_new(TLS_client_method());
        if (c != nullptr) {
            SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
            SSL_CTX_set_default_verify_paths(c);
            SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
        }
        return c;
    }();
    return ctx;
}

}  // namespace

OtlpHttpSender::OtlpHttpSender(std::string url,
                               std::vector<std::pair<std::string, std::string>> headers,
                               std::chrono::milliseconds timeout)
    : url_(std::move(url)), headers_(std::move(headers)), timeout_(timeout) {}

OtlpHttpSender::~OtlpHttpSender() = default;

OtlpHttpSender::Reply OtlpHttpSender::post(const std::string& body) {
    const auto target = parseUrl(url_);
    if (!target) {
        return {Outcome::Rejected, 0, "endpoint is not an http(s) URL"};
    }
    SSL_CTX* tls = nullptr;
    if (target->endpoint.scheme == AgentEndpoint::Scheme::Https) {
        tls = clientTls();
        if (tls == nullptr) {
            return {Outcome::Retryable, 0, "TLS could not start"};
        }
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    consul::CancelToken never;
    auto connection = proxy::AgentConnection::open(target->endpoint, tls, target->endpoint.host,
                                                   deadline, never, never);
    if (!connection) {
        return {Outcome::Retryable, 0, redact(connection.error().message)};
    }
    static const std::string kAgent = std::string("meshx-otlp/") + kVersion;
    std::string request = "POST " + target->pathAndQuery + " HTTP/1.1\r\nHost: " + target->host +
                          "\r\nUser-Agent: " + kAgent +
                          "\r\nContent-Type: application/json\r\nConnection: close\r\n"
                          "Content-Length: " +
                          std::to_string(body.size()) + "\r\n";
    if (!target->basicAuth.empty()) {
        request += "Authorization: Basic " + target->basicAuth + "\r\n";
    }
    for (const auto& [k, v] : headers_) {
        request += k + ": " + v + "\r\n";
    }
    request += "\r\n";
    request += body;
    if (auto st = (*connection)->writeAll(request, deadline); !st) {
        return {Outcome::Retryable, 0, redact(st.error().message)};
    }
    // The reply body may echo what we sent; only the status is kept.
    proxy::AgentResponseReader reader(64u << 20);
    char buffer[16384];
    while (!reader.done()) {
        auto n = (*connection)->readSome(buffer, sizeof buffer, deadline);
        if (!n) {
            return {Outcome::Retryable, 0, redact(n.error().message)};
        }
        auto st = *n == 0 ? reader.finish() : reader.feed(std::string_view(buffer, *n));
        if (!st) {
            return {Outcome::Retryable, 0, redact(st.error().message)};
        }
        if (*n == 0) {
            break;
        }
    }
    auto reply = reader.take();
    if (!reply) {
        return {Outcome::Retryable, 0, redact(reply.error().message)};
    }
    return replyForStatus(reply->status);
}

}  // namespace meshx::telemetry::otlp
