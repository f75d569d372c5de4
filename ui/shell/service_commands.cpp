#include "ui/shell/service_commands.h"

#include <QPointer>

#include "mesh/service_mesh.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"
#include "ui/shell/mesh_runner.h"
#include "ui/shell/start_preview.h"

namespace meshx::ui {

namespace {

Error cancelled(const std::string& what) {
    return makeError(Code::Closed, "cancelled: " + what);
}

}  // namespace

ServiceCommands::ServiceCommands(ConsoleContext& context, QObject* parent)
    : QObject(parent),
      context_(context),
      cancelBefore_(std::make_shared<std::atomic<uint64_t>>(0)) {}

template <typename R>
void ServiceCommands::command(const QString& label, std::function<R()> work, QObject* receiver,
                              std::function<void(R)> done) {
    QPointer<QObject> target(receiver);
    context_.session().runner().command<R>(label, std::move(work), this,
                                           [this, target, done = std::move(done)](R result) {
                                               context_.refresh();
                                               if (target) {
                                                   done(std::move(result));
                                               }
                                           });
}

void ServiceCommands::cancel() {
    cancelBefore_->store(nextSeq_);
}

void ServiceCommands::start(const StartPreview& preview, bool forceRegistration, QObject* receiver,
                            std::function<void(Result<mesh::Started>)> done) {
    mesh::ServiceMesh* mesh = &context_.session().mesh();
    const auto timeout = std::chrono::milliseconds(context_.session().config().startTimeoutMs);
    const uint64_t seq = nextSeq_++;
    auto gate = cancelBefore_;
    const std::string id = preview.params.hash.value("id", std::string());
    command<Result<mesh::Started>>(
        tr("Starting %1").arg(QString::fromStdString(id)),
        [mesh, params = preview.params, tmpl = preview.tmpl, forceRegistration, timeout, seq, gate,
         id]() -> Result<mesh::Started> {
            if (seq < gate->load()) {
                return cancelled("start of " + id + " was not sent");
            }
            auto started = mesh->start(params, tmpl, forceRegistration, timeout);
            if (started && seq < gate->load()) {
                (void)mesh->stop(started->serviceId);
                return cancelled(started->serviceId + " had started; it was stopped again");
            }
            return started;
        },
        receiver, std::move(done));
}

void ServiceCommands::stop(const QString& serviceId, QObject* receiver, StatusDone done) {
    mesh::ServiceMesh* mesh = &context_.session().mesh();
    const uint64_t seq = nextSeq_++;
    auto gate = cancelBefore_;
    command<Status>(
        tr("Stopping %1").arg(serviceId),
        [mesh, id = serviceId.toStdString(), seq, gate]() -> Status {
            if (seq < gate->load()) {
                return cancelled("stop of " + id + " was not sent");
            }
            return mesh->stop(id);
        },
        receiver, std::move(done));
}

void ServiceCommands::setTtlStatus(const QString& serviceId, const QString& status,
                                   QObject* receiver, StatusDone done) {
    mesh::ServiceMesh* mesh = &context_.session().mesh();
    const uint64_t seq = nextSeq_++;
    auto gate = cancelBefore_;
    command<Status>(
        tr("Setting %1 to %2").arg(serviceId, status),
        [mesh, id = serviceId.toStdString(), s = status.toStdString(), seq, gate]() -> Status {
            if (seq < gate->load()) {
                return cancelled("TTL status of " + id + " was not set");
            }
            return mesh->setTtlStatus(id, s);
        },
        receiver, std::move(done));
}

void ServiceCommands::restartProxy(const QString& serviceId, QObject* receiver, StatusDone done) {
    mesh::ServiceMesh* mesh = &context_.session().mesh();
    const uint64_t seq = nextSeq_++;
    auto gate = cancelBefore_;
    command<Status>(
        tr("Restarting the proxy of %1").arg(serviceId),
        [mesh, id = serviceId.toStdString(), seq, gate]() -> Status {
            if (seq < gate->load()) {
                return cancelled("restart of " + id + "'s proxy was not sent");
            }
            return mesh->proxyRestart(id);
        },
        receiver, std::move(done));
}

void ServiceCommands::connectUpstream(const QString& destination, const QString& proxyServiceId,
                                      QObject* receiver,
                                      std::function<void(Result<net::Address>)> done) {
    mesh::ServiceMesh* mesh = &context_.session().mesh();
    const uint64_t seq = nextSeq_++;
    auto gate = cancelBefore_;
    mesh::ProxyService proxy = mesh::ProxyService::defaults();
    if (!proxyServiceId.trimmed().isEmpty()) {
        proxy.id = proxyServiceId.trimmed().toStdString();
        proxy.name = proxy.id;
    }
    command<Result<net::Address>>(
        tr("Connecting %1 to %2").arg(QString::fromStdString(proxy.id), destination),
        [mesh, dest = destination.toStdString(), proxy, seq, gate]() -> Result<net::Address> {
            if (seq < gate->load()) {
                return cancelled("connect to " + dest + " was not sent");
            }
            auto results =
                mesh->connect({nlohmann::json(dest)}, mesh::defaultUpstreamTemplate(), proxy);
            if (!results) {
                return results.error();
            }
            if (results->empty()) {
                return makeError(Code::Internal, "connect answered nothing for " + dest);
            }
            return results->front();
        },
        receiver, std::move(done));
}

void ServiceCommands::disconnectUpstream(const QString& destination, const QString& proxyServiceId,
                                         bool restartProxy, QObject* receiver, StatusDone done) {
    mesh::ServiceMesh* mesh = &context_.session().mesh();
    const uint64_t seq = nextSeq_++;
    auto gate = cancelBefore_;
    command<Status>(
        tr("Disconnecting %1 from %2").arg(proxyServiceId, destination),
        [mesh, dest = destination.toStdString(), proxyId = proxyServiceId.toStdString(),
         restartProxy, seq, gate]() -> Status {
            if (seq < gate->load()) {
                return cancelled("disconnect of " + dest + " was not sent");
            }
            auto removed = mesh->disconnect({dest}, proxyId, restartProxy);
            if (!removed) {
                return removed.error();
            }
            if (removed->empty()) {
                return makeError(Code::NotFound, dest + " is not an upstream of " + proxyId);
            }
            return {};
        },
        receiver, std::move(done));
}

void ServiceCommands::info(const QString& serviceId, QObject* receiver,
                           std::function<void(Result<nlohmann::json>)> done) {
    mesh::ServiceMesh* mesh = &context_.session().mesh();
    context_.session().runner().query<Result<nlohmann::json>>(
        [mesh, id = serviceId.toStdString()] { return mesh->info(id); }, receiver, std::move(done));
}

void ServiceCommands::proxyInfo(const QString& serviceId, QObject* receiver,
                                std::function<void(Result<mesh::ProxyInfo>)> done) {
    mesh::ServiceMesh* mesh = &context_.session().mesh();
    context_.session().runner().query<Result<mesh::ProxyInfo>>(
        [mesh, id = serviceId.toStdString()] { return mesh->proxyInfo(id); }, receiver,
        std::move(done));
}

}  // namespace meshx::ui
