#include "consul/consul_client.h"

#include <chrono>

#include <QLoggingCategory>
#include <QThreadPool>

#include "consul/consul_error.h"
#include "consul/context_relay.h"
#include "consul/curl_transport.h"

// Debug lines are opt-in (QT_LOGGING_RULES="meshx.consul.debug=true").
Q_LOGGING_CATEGORY(lcConsul, "meshx.consul", QtInfoMsg)

namespace meshx::consul {

namespace {

// Turns a transport answer into the ConsulApi contract: non-2xx statuses become typed errors
// carrying status and body, unless the request declared them meaningful.
Result<Response> finish(const Request& request, Result<Response> response,
                        const std::string& token) {
    if (!response) {
        return response;
    }
    const int status = response->status;
    if ((status >= 200 && status < 300) || request.accepts(status)) {
        return response;
    }
    Error error = makeHttpError(request.describe(), status, response->body);
    error.message = redact(std::move(error.message), token);
    return error;
}

}  // namespace

Result<std::unique_ptr<ConsulClient>> ConsulClient::create(const MeshConfig& config,
                                                           ClientOptions options) {
    auto transport = CurlTransport::create(config, options);
    if (!transport) {
        return transport.error();
    }
    return std::unique_ptr<ConsulClient>(new ConsulClient(std::move(*transport), options));
}

ConsulClient::ConsulClient(std::unique_ptr<CurlTransport> transport, const ClientOptions& options)
    : transport_(std::move(transport)),
      workers_(std::make_unique<QThreadPool>()),
      alive_(std::make_shared<std::atomic<bool>>(true)) {
    workers_->setMaxThreadCount(std::max(1, options.asyncThreads));
    workers_->setObjectName(QStringLiteral("meshx-consul-async"));
}

ConsulClient::~ConsulClient() {
    alive_->store(false);
    shutdown_.cancel();
    workers_->waitForDone();
}

Result<Response> ConsulClient::send(const Request& request) {
    const auto started = std::chrono::steady_clock::now();
    auto result = finish(request, transport_->perform(request, shutdown_), transport_->token());
    if (lcConsul().isDebugEnabled()) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
        // Method, path and outcome only: headers carry the token, bodies may carry keys.
        qCDebug(lcConsul).noquote()
            << QString::fromStdString(request.describe())
            << (result ? QStringLiteral("-> %1").arg(result->status)
                       : QString::fromStdString("-> " + std::string(codeName(result.error().code))))
            << ms << "ms";
    }
    return result;
}

void ConsulClient::sendAsync(Request request, QObject* context, ResponseCallback done) {
    // Made here, on a thread where `context` is known to be alive (see ContextRelay).
    auto* relay = new ContextRelay(context, ContextRelay::OnDestroy::Deliver);
    workers_->start([this, relay, request = std::move(request), done = std::move(done),
                     alive = alive_]() mutable {
        // `this` is safe here: the destructor waits for every worker task.
        auto result = send(request);
        relay->post([done = std::move(done), result = std::move(result), alive]() mutable {
            if (alive->load()) {
                done(std::move(result));
            }
        });
        delete relay;
    });
}

const AgentEndpoint& ConsulClient::endpoint() const {
    return transport_->endpoint();
}

std::size_t ConsulClient::handlesCreated() const {
    return transport_->pool().created();
}

}  // namespace meshx::consul
