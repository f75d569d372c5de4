#include "engine/intentions_watch.h"

#include "consul/blocking_watcher.h"
#include "consul/connect_endpoints.h"
#include "consul/consul_api.h"

namespace meshx::engine {

IntentionsWatch::IntentionsWatch(consul::ConsulApi& api, QObject* parent)
    : QObject(parent), api_(api) {}

IntentionsWatch::~IntentionsWatch() {
    if (watcher_) {
        watcher_->stop();
    }
}

void IntentionsWatch::start() {
    if (watcher_) {
        return;
    }
    consul::BlockingWatcher::Options options;
    options.wait = std::chrono::seconds(60);
    options.backoff.initial = std::chrono::milliseconds(200);
    options.backoff.max = std::chrono::seconds(2);
    watcher_ = consul::BlockingWatcher::typed<consul::Indexed<std::vector<consul::Intention>>>(
        api_, consul::endpoints::intentions(), options, this,
        [this](const consul::Indexed<std::vector<consul::Intention>>& list, uint64_t) {
            setError({});
            intentions_ = list.value;
            // The agent validated them; one it would not have (a newer Consul's) leaves the
            // verdicts as they were rather than guessing.
            if (auto v = IntentionVerdicts::fromIntentions(intentions_)) {
                verdicts_ = std::move(*v);
            }
            emit changed();
        },
        [this](const Error& error, std::chrono::milliseconds retryIn) {
            setError("Cannot read intentions: " + error.message + " (retrying in " +
                     std::to_string(retryIn.count()) + " ms)");
        });
    watcher_->start();
}

void IntentionsWatch::agentRecovered() {
    setError({});
}

void IntentionsWatch::setError(std::string error) {
    if (error == lastError_) {
        return;
    }
    lastError_ = std::move(error);
    emit errorChanged(QString::fromStdString(lastError_));
}

}  // namespace meshx::engine
