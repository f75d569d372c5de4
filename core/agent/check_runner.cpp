#include "agent/check_runner.h"

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <random>

namespace meshx::agent {

namespace {

constexpr auto kDefaultTimeout = std::chrono::seconds(10);

std::chrono::milliseconds toMs(std::chrono::nanoseconds d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

// Go's dial error texts for the common socket errors.
std::string dialError(const std::string& addr, QAbstractSocket::SocketError error,
                      const QString& qtText) {
    switch (error) {
        case QAbstractSocket::ConnectionRefusedError:
            return "dial tcp " + addr + ": connect: connection refused";
        case QAbstractSocket::SocketTimeoutError:
            return "dial tcp " + addr + ": i/o timeout";
        case QAbstractSocket::HostNotFoundError:
            return "dial tcp: lookup " + addr.substr(0, addr.rfind(':')) + ": no such host";
        case QAbstractSocket::NetworkError:
            return "dial tcp " + addr + ": connect: network is unreachable";
        default:
            return "dial tcp " + addr + ": " + qtText.toStdString();
    }
}

}  // namespace

struct CheckRunner::Probe {
    std::string checkId;
    CheckType definition;
    QTimer timer;
    QPointer<QObject> inFlight;
};

CheckRunner::CheckRunner(AgentState& state, QObject* parent) : QObject(parent), state_(state) {}

CheckRunner::~CheckRunner() = default;

void CheckRunner::onCheckChanged(const std::string& checkId, bool removed) {
    const CheckRecord* check = removed ? nullptr : state_.check(checkId);
    const bool probed = check != nullptr && (check->type == "tcp" || check->type == "http");
    auto it = probes_.find(checkId);
    if (it != probes_.end() && (!probed || it->second->definition != check->definition)) {
        if (it->second->inFlight) {
            it->second->inFlight->deleteLater();
        }
        probes_.erase(it);
        it = probes_.end();
    }
    if (!probed || it != probes_.end()) {
        return;
    }
    auto probe = std::make_unique<Probe>();
    probe->checkId = checkId;
    probe->definition = check->definition;
    probe->timer.setSingleShot(true);
    const std::string id = checkId;
    const bool tcp = check->type == "tcp";
    connect(&probe->timer, &QTimer::timeout, this, [this, id, tcp] {
        if (tcp) {
            runTcp(id);
        } else {
            runHttp(id);
        }
    });
    // First probe at a random moment within the interval, as Consul staggers checks.
    thread_local std::mt19937_64 rng{std::random_device{}()};
    const auto interval = std::max<int64_t>(1, toMs(check->definition.interval).count());
    std::uniform_int_distribution<int64_t> first(0, interval - 1);
    Probe& ref = *probe;
    probes_[checkId] = std::move(probe);
    schedule(ref, std::chrono::milliseconds(first(rng)));
}

void CheckRunner::schedule(Probe& probe, std::chrono::milliseconds delay) {
    probe.timer.start(static_cast<int>(std::min<int64_t>(delay.count(), 1 << 30)));
}

void CheckRunner::runTcp(const std::string& checkId) {
    auto it = probes_.find(checkId);
    if (it == probes_.end()) {
        return;
    }
    Probe& probe = *it->second;
    const std::string addr = probe.definition.tcp;
    std::string host = addr.substr(0, addr.rfind(':'));
    if (!host.empty() && host.front() == '[') {
        host = host.substr(1, host.size() - 2);
    }
    if (host.empty()) {
        host = "127.0.0.1";
    }
    const auto port =
        static_cast<quint16>(std::strtoul(addr.substr(addr.rfind(':') + 1).c_str(), nullptr, 10));
    auto* socket = new QTcpSocket(this);
    probe.inFlight = socket;
    auto* timeout = new QTimer(socket);
    timeout->setSingleShot(true);
    const auto limit = probe.definition.timeout.count() > 0 ? toMs(probe.definition.timeout)
                                                            : toMs(kDefaultTimeout);
    auto finish = [this, checkId, socket, timeout](const std::string& status,
                                                   const std::string& output) {
        timeout->stop();
        socket->disconnect();
        socket->abort();
        socket->deleteLater();
        auto p = probes_.find(checkId);
        if (p == probes_.end()) {
            return;
        }
        state_.applyProbeResult(checkId, status, output);
        auto again = probes_.find(checkId);  // the result may have changed the checks
        if (again != probes_.end()) {
            schedule(*again->second, toMs(again->second->definition.interval));
        }
    };
    connect(socket, &QTcpSocket::connected, this,
            [finish, addr] { finish(kHealthPassing, "TCP connect " + addr + ": Success"); });
    connect(socket, &QTcpSocket::errorOccurred, this,
            [finish, addr, socket](QAbstractSocket::SocketError e) {
                finish(kHealthCritical, dialError(addr, e, socket->errorString()));
            });
    connect(timeout, &QTimer::timeout, this,
            [finish, addr] { finish(kHealthCritical, "dial tcp " + addr + ": i/o timeout"); });
    timeout->start(static_cast<int>(limit.count()));
    socket->connectToHost(QString::fromStdString(host), port);
}

void CheckRunner::runHttp(const std::string& checkId) {
    auto it = probes_.find(checkId);
    if (it == probes_.end()) {
        return;
    }
    Probe& probe = *it->second;
    if (http_ == nullptr) {
        http_ = new QNetworkAccessManager(this);
        http_->setProxy(QNetworkProxy::NoProxy);
    }
    const CheckType& def = probe.definition;
    const std::string url = def.http;
    QNetworkRequest request(QUrl(QString::fromStdString(url)));
    request.setRawHeader("User-Agent", "Consul Health Check");
    request.setRawHeader("Accept", "text/plain, text/*, */*");
    for (const auto& [name, values] : def.header) {
        for (const auto& v : values) {
            request.setRawHeader(QByteArray::fromStdString(name), QByteArray::fromStdString(v));
        }
    }
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         def.disableRedirects ? QNetworkRequest::ManualRedirectPolicy
                                              : QNetworkRequest::NoLessSafeRedirectPolicy);
    const auto limit = def.timeout.count() > 0 ? toMs(def.timeout) : toMs(kDefaultTimeout);
    request.setTransferTimeout(static_cast<int>(limit.count()));
    const std::string method = def.method.empty() ? "GET" : def.method;
    QNetworkReply* reply = http_->sendCustomRequest(request, QByteArray::fromStdString(method),
                                                    QByteArray::fromStdString(def.body));
    if (def.tlsSkipVerify) {
        reply->ignoreSslErrors();
    }
    probe.inFlight = reply;
    connect(reply, &QNetworkReply::finished, this, [this, checkId, reply, url, method] {
        reply->deleteLater();
        if (probes_.find(checkId) == probes_.end()) {
            return;
        }
        const int code = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        std::string status;
        std::string output;
        if (code == 0) {
            status = kHealthCritical;
            output = method.substr(0, 1) +
                     QString::fromStdString(method.substr(1)).toLower().toStdString() + " \"" +
                     url + "\": " + reply->errorString().toStdString();
        } else {
            const std::string reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute)
                                           .toString()
                                           .toStdString();
            const std::string body = reply->read(4096).toStdString();
            output = "HTTP " + method + " " + url + ": " + std::to_string(code) + " " + reason +
                     " Output: " + body;
            status = code >= 200 && code < 300 ? kHealthPassing
                     : code == 429             ? kHealthWarning
                                               : kHealthCritical;
        }
        state_.applyProbeResult(checkId, status, output);
        auto again = probes_.find(checkId);
        if (again != probes_.end()) {
            schedule(*again->second, toMs(again->second->definition.interval));
        }
    });
}

}  // namespace meshx::agent
