#include "proxy/agent_http_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "consul/consul_error.h"
#include "consul/url_encoding.h"
#include "meshx/version.h"
#include "proxy/agent_connection.h"
#include "proxy/agent_response_reader.h"

namespace meshx::proxy {

namespace {

using Clock = std::chrono::steady_clock;

std::string lastSslError() {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    char text[256] = "unknown TLS error";
    if (e != 0) {
        ERR_error_string_n(e, text, sizeof text);
    }
    return text;
}

// The TLS context every https:// connection of one client shares. Files are loaded here so a
// typo fails at start-up, as ConsulClient does.
Result<SSL_CTX*> makeTlsContext(const MeshConfig& config) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == nullptr) {
        return makeError(Code::Internal, "TLS: " + lastSslError());
    }
    auto fail = [ctx](const std::string& what, const std::string& path) {
        SSL_CTX_free(ctx);
        ERR_clear_error();
        return makeError(Code::InvalidArgument, what + " '" + path + "' cannot be read");
    };
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (!config.caCert.empty()) {
        if (SSL_CTX_load_verify_locations(ctx, config.caCert.c_str(), nullptr) != 1) {
            return fail("CA certificate", config.caCert);
        }
    } else {
        SSL_CTX_set_default_verify_paths(ctx);
    }
    if (!config.clientCert.empty() &&
        SSL_CTX_use_certificate_chain_file(ctx, config.clientCert.c_str()) != 1) {
        return fail("client certificate", config.clientCert);
    }
    if (!config.clientKey.empty() &&
        SSL_CTX_use_PrivateKey_file(ctx, config.clientKey.c_str(), SSL_FILETYPE_PEM) != 1) {
        return fail("client key", config.clientKey);
    }
    SSL_CTX_set_verify(ctx, config.tlsVerify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
    return ctx;
}

}  // namespace

Result<std::unique_ptr<AgentHttpClient>> AgentHttpClient::create(const MeshConfig& config,
                                                                 consul::ClientOptions options) {
    // The token goes into a header line verbatim: a control character would let it inject
    // headers. The message does not quote it.
    if (std::any_of(config.token.begin(), config.token.end(),
                    [](unsigned char c) { return c < 0x20 || c == 0x7F; })) {
        return makeError(Code::InvalidArgument, "ACL token contains control characters");
    }
    std::unique_ptr<AgentHttpClient> client(new AgentHttpClient(config, options));
    if (config.agent.scheme == AgentEndpoint::Scheme::Https) {
        auto ctx = makeTlsContext(config);
        if (!ctx) {
            return ctx.error();
        }
        client->tls_ = *ctx;
    }
    return client;
}

AgentHttpClient::AgentHttpClient(const MeshConfig& config, const consul::ClientOptions& options)
    : config_(config), options_(options) {
    if (options_.userAgent.empty()) {
        options_.userAgent = std::string("meshx/") + kVersion;
    }
    const AgentEndpoint& ep = config_.agent;
    // CONSUL_TLS_SERVER_NAME: verify and send SNI for that name while connecting to the host.
    serverName_ = !config_.tlsServerName.empty() ? config_.tlsServerName : ep.host;
    if (ep.scheme == AgentEndpoint::Scheme::Unix) {
        hostHeader_ = "localhost";  // the agent ignores it; HTTP/1.1 requires one
    } else {
        const std::string host = ep.scheme == AgentEndpoint::Scheme::Https ? serverName_ : ep.host;
        const bool ipv6 = host.find(':') != std::string::npos;
        hostHeader_ = (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(ep.port);
    }
}

AgentHttpClient::~AgentHttpClient() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        queue_.clear();
    }
    shutdown_.cancel();
    wake_.notify_all();
    for (auto& worker : workers_) {
        worker.join();
    }
    if (tls_ != nullptr) {
        SSL_CTX_free(tls_);
    }
}

std::string AgentHttpClient::encode(const consul::Request& request) const {
    std::string out;
    out.reserve(256 + (request.body ? request.body->size() : 0));
    out += consul::methodName(request.method);
    out += ' ';
    out += request.target();
    out += " HTTP/1.1\r\nHost: ";
    out += hostHeader_;
    out += "\r\nUser-Agent: ";
    out += options_.userAgent;
    out += "\r\nAccept: application/json\r\nConnection: close\r\n";
    if (!config_.token.empty()) {
        out += "X-Consul-Token: ";
        out += config_.token;
        out += "\r\n";
    }
    if (request.body) {
        out += "Content-Type: ";
        out += request.contentType;
        out += "\r\nContent-Length: ";
        out += std::to_string(request.body->size());
        out += "\r\n";
    } else if (request.method == consul::Method::Put || request.method == consul::Method::Post) {
        out += "Content-Length: 0\r\n";
    }
    out += "\r\n";
    if (request.body) {
        out += *request.body;
    }
    return out;
}

Result<consul::Response> AgentHttpClient::exchange(const consul::Request& request) const {
    const auto started = Clock::now();
    const auto deadline = started + request.deadlineWith(options_.requestTimeout);
    const auto connectDeadline = std::min(deadline, started + options_.connectTimeout);
    auto connection = AgentConnection::open(config_.agent, tls_, serverName_, connectDeadline,
                                            request.cancel, shutdown_);
    if (!connection) {
        return connection.error();
    }
    if (auto st = (*connection)->writeAll(encode(request), deadline); !st) {
        return st.error();
    }
    AgentResponseReader reader(options_.maxResponseBytes);
    char buffer[16384];
    while (!reader.done()) {
        auto n = (*connection)->readSome(buffer, sizeof buffer, deadline);
        if (!n) {
            return n.error();
        }
        auto st = *n == 0 ? reader.finish() : reader.feed(std::string_view(buffer, *n));
        if (!st) {
            return st.error();
        }
        if (*n == 0) {
            break;
        }
    }
    return reader.take();
}

Result<consul::Response> AgentHttpClient::send(const consul::Request& request) {
    const std::string what = request.describe();
    if (request.cancel.cancelled() || shutdown_.cancelled()) {
        return makeError(Code::Closed, what + ": cancelled");
    }
    auto response = exchange(request);
    if (!response) {
        Error error = response.error();
        error.message = what + ": " + error.message;
        if (error.code == Code::AgentUnreachable) {
            error.message += " [agent " + config_.agent.toString() + "]";
        }
        error.message = consul::redact(std::move(error.message), config_.token);
        return error;
    }
    const int status = response->status;
    if ((status >= 200 && status < 300) || request.accepts(status)) {
        return response;
    }
    Error error = consul::makeHttpError(what, status, response->body);
    error.message = consul::redact(std::move(error.message), config_.token);
    return error;
}

void AgentHttpClient::sendAsync(consul::Request request, QObject* context, ResponseCallback done) {
    if (context != nullptr) {
        // A programming error, not an outside one: this client has no event loop to deliver to.
        std::fputs("AgentHttpClient::sendAsync: a context needs ConsulClient (Qt)\n", stderr);
        std::abort();
    }
    std::lock_guard lock(mutex_);
    if (stopping_) {
        return;
    }
    queue_.emplace_back(
        [this, request = std::move(request), done = std::move(done)] { done(send(request)); });
    // A thread only when none is idle, up to the configured count: most sidecars never ask.
    if (idle_ == 0 &&
        workers_.size() < static_cast<std::size_t>(std::max(1, options_.asyncThreads))) {
        workers_.emplace_back([this] { work(); });
    } else {
        wake_.notify_one();
    }
}

void AgentHttpClient::work() {
    std::unique_lock lock(mutex_);
    for (;;) {
        ++idle_;
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        --idle_;
        if (stopping_) {
            return;
        }
        auto task = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        task();
        lock.lock();
    }
}

}  // namespace meshx::proxy
