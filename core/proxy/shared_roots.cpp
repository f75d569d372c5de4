#include "proxy/shared_roots.h"

#include "consul/blocking_query_loop.h"
#include "consul/connect_endpoints.h"

namespace meshx::proxy {

SharedRoots::SharedRoots(std::unique_ptr<consul::ConsulApi> api, ErrorHandler onError)
    : api_(std::move(api)), onError_(std::move(onError)) {
    consul::BlockingQueryLoop::Options options;
    options.mode = consul::BlockingQueryLoop::Mode::Index;
    watch_ = consul::BlockingQueryLoop::typed<consul::Indexed<consul::CaRoots>>(
        *api_, consul::endpoints::caRoots(), options,
        [this](const consul::Indexed<consul::CaRoots>& roots, uint64_t) { onRoots(roots.value); },
        [this](const Error& error, std::chrono::milliseconds retryIn) {
            if (onError_) {
                onError_("failed to watch the CA roots: " + error.message + " (retry in " +
                         std::to_string(retryIn.count()) + "ms)");
            }
        });
}

SharedRoots::~SharedRoots() {
    watch_->stop();
}

uint64_t SharedRoots::subscribe(Handler handler) {
    std::lock_guard lock(mutex_);
    const uint64_t id = nextId_++;
    if (roots_) {
        handler(*roots_);
    }
    handlers_.emplace(id, std::move(handler));
    if (!started_) {
        started_ = true;
        watch_->start();  // its first result waits for our lock
    }
    return id;
}

void SharedRoots::unsubscribe(uint64_t id) {
    std::lock_guard lock(mutex_);
    handlers_.erase(id);
}

void SharedRoots::onRoots(const consul::CaRoots& roots) {
    std::lock_guard lock(mutex_);
    roots_ = roots;
    for (auto& [id, handler] : handlers_) {
        handler(roots);
    }
}

}  // namespace meshx::proxy
