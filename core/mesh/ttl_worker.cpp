#include "mesh/ttl_worker.h"

#include "consul/agent_endpoints.h"
#include "consul/consul_api.h"
#include "telemetry/lifecycle_event.h"

namespace meshx::mesh {

namespace {

consul::endpoints::CheckStatus toCheckStatus(const std::string& status) {
    if (status == "warning") {
        return consul::endpoints::CheckStatus::Warning;
    }
    if (status == "critical") {
        return consul::endpoints::CheckStatus::Critical;
    }
    return consul::endpoints::CheckStatus::Passing;
}

}  // namespace

TtlWorker::TtlWorker(consul::ConsulApi& api, std::string serviceId, std::string checkId,
                     std::string status, std::chrono::milliseconds interval,
                     std::chrono::milliseconds firstDelay, QObject* parent)
    : QObject(parent),
      api_(api),
      serviceId_(std::move(serviceId)),
      checkId_(std::move(checkId)),
      status_(std::move(status)),
      interval_(interval),
      firstDelay_(firstDelay),
      timer_(this) {
    timer_.setSingleShot(true);
    connect(&timer_, &QTimer::timeout, this, &TtlWorker::push);
}

bool TtlWorker::isValidStatus(const std::string& status) {
    return status == "passing" || status == "warning" || status == "critical";
}

void TtlWorker::start() {
    stopped_ = false;
    if (firstDelay_.count() <= 0) {
        push();
        return;
    }
    timer_.start(firstDelay_);
}

void TtlWorker::halt() {
    stopped_ = true;
    timer_.stop();
}

void TtlWorker::stop() {
    halt();
    // The reply is ignored, as the original does: the check may already be gone with its service.
    (void)api_.call(consul::endpoints::deregisterCheck(checkId_));
}

Status TtlWorker::setStatus(const std::string& status) {
    if (!isValidStatus(status)) {
        return makeError(Code::InvalidArgument,
                         "TTL status must be passing, warning or critical, "
                         "not '" +
                             status + "'");
    }
    status_ = status;
    if (!stopped_) {
        push();
    }
    return {};
}

void TtlWorker::push() {
    if (inFlight_) {
        repush_ = true;
        return;
    }
    inFlight_ = true;
    timer_.stop();
    const std::string pushed = status_;
    api_.callAsync<void>(consul::endpoints::updateCheck(checkId_, toCheckStatus(pushed)), this,
                         [this, pushed](Result<void> r) {
                             inFlight_ = false;
                             if (stopped_) {
                                 // An answer to an update sent before stop(): the check is
                                 // deregistered now, so neither count it nor schedule more.
                                 return;
                             }
                             if (r.ok()) {
                                 ++updates_;
                                 emit statusPushed(QString::fromStdString(pushed));
                             } else if (r.error().code == Code::NotFound) {
                                 emit checkLost(QString::fromStdString(serviceId_));
                             } else {
                                 emit updateFailed(QString::fromStdString(r.error().toString()));
                             }
                             if (repush_) {
                                 repush_ = false;
                                 push();
                                 return;
                             }
                             timer_.start(interval_);
                         });
}

}  // namespace meshx::mesh
