#include "proxy/proxy.h"

#include <future>

namespace meshx::proxy {

namespace {
constexpr const char* kLogger = "proxy";
}

Proxy::Proxy(Logger& log, std::shared_ptr<Authorizer> authorizer,
             std::shared_ptr<Discovery> discovery, Options options)
    : log_(log),
      authorizer_(std::move(authorizer)),
      discovery_(std::move(discovery)),
      options_(options),
      cachingAuthorizer_(loop_, authorizer_, options_.authorizationCacheTtl),
      ctx_{loop_, log_, sessions_, cachingAuthorizer_, stats_, nullptr, options.reusePort} {}

Proxy::~Proxy() {
    shutdown(std::chrono::milliseconds(0));
}

void Proxy::lifecycle(std::string_view message, std::initializer_list<Logger::Field> fields) {
    if (options_.lifecycleLogs) {
        log_.log(Logger::Level::Info, kLogger, message, fields);
    }
}

void Proxy::start() {
    if (!thread_.joinable()) {
        thread_ = std::thread([this] { loop_.run(); });
    }
}

Status Proxy::setConfig(const ProxyConfig& config) {
    Resolved r{config, {}, {}};
    if (config.publicBindPort != 0) {
        auto bind = SocketAddress::resolve(config.publicBindAddress, config.publicBindPort);
        if (!bind) {
            return bind.error();
        }
        r.publicBind = *bind;
        auto app = SocketAddress::resolve(config.localServiceAddress, config.localServicePort);
        if (!app) {
            return app.error();
        }
        r.localApp = *app;
    }
    loop_.post([this, r = std::move(r)]() mutable {
        if (stopping_) {
            return;
        }
        if (!desired_ || desired_->config.skipped != r.config.skipped) {
            for (const auto& why : r.config.skipped) {
                log_.error(kLogger, "upstream skipped", {{"error", why}});
            }
        }
        desired_ = std::move(r);
        reconcile();
    });
    return {};
}

void Proxy::setTls(std::shared_ptr<const TlsContext> tls) {
    loop_.post([this, tls = std::move(tls)] {
        if (stopping_) {
            return;
        }
        bool first = ctx_.tls == nullptr;
        ctx_.tls = tls;
        if (!first) {
            lifecycle("TLS certificates updated", {{"uri", tls->identity().uri()}});
        }
        reconcile();
    });
}

void Proxy::reconcile() {
    if (!desired_ || !ctx_.tls) {
        return;
    }
    if (!ready_) {
        ready_ = true;
        // The I/O backend is part of the line so logs (and tests) say which one relays.
        lifecycle("Proxy loaded config and ready to serve", {{"io_backend", loop_.backendName()}});
        if (!loop_.fallbackReason().empty()) {
            log_.warn(kLogger, "io_uring unavailable, relaying with epoll",
                      {{"error", loop_.fallbackReason()}});
        }
        lifecycle("Parsed TLS identity", {{"uri", ctx_.tls->identity().uri()}});
    }
    reconcilePublic();
    reconcileUpstreams();
}

void Proxy::reconcilePublic() {
    const ProxyConfig& cfg = desired_->config;
    if (cfg.publicBindPort == 0) {
        if (public_) {
            lifecycle("Stopping listener", {{"listener", "public listener"}});
            public_.reset();
        }
        reportPublic({}, {});
        return;
    }
    auto settings = std::make_shared<InboundSettings>();
    settings->service = cfg.proxiedServiceName;
    settings->localApp = desired_->localApp;
    settings->localConnectTimeout = cfg.localConnectTimeout;
    settings->handshakeTimeout = cfg.handshakeTimeout;
    settings->turnTiming = cfg.turnTiming;

    if (public_ && !(publicBind_ == desired_->publicBind)) {
        lifecycle("Stopping listener", {{"listener", "public listener"}});
        public_.reset();
    }
    if (public_) {
        public_->setSettings(std::move(settings));
        reportPublic({}, public_->address().toString());
        return;
    }
    auto listener = std::make_unique<PublicListener>(ctx_, std::move(settings));
    if (auto st = listener->listen(desired_->publicBind); !st) {
        log_.error(kLogger, "failed to start listener",
                   {{"listener", "public listener"}, {"error", st.error().message}});
        reportPublic(st, {});
        retryLater();
        return;
    }
    std::string bound = listener->address().toString();
    lifecycle("Starting listener", {{"listener", "public listener"}, {"bind_addr", bound}});
    public_ = std::move(listener);
    publicBind_ = desired_->publicBind;
    reportPublic({}, bound);
}

void Proxy::reportPublic(const Status& status, const std::string& address) {
    if (options_.onPublicListener) {
        options_.onPublicListener(status, address);
    }
}

void Proxy::reconcileUpstreams() {
    std::map<std::string, const UpstreamConfig*> want;
    for (const auto& u : desired_->config.upstreams) {
        want.emplace(u.bindKey(), &u);
    }
    for (auto it = upstreams_.begin(); it != upstreams_.end();) {
        auto w = want.find(it->first);
        if (w != want.end() && *w->second == it->second.listener->config()) {
            ++it;
            continue;
        }
        lifecycle("Stopping listener", {{"listener", it->second.listener->config().toString()}});
        it = upstreams_.erase(it);
    }
    for (const auto& [key, cfg] : want) {
        if (upstreams_.find(key) == upstreams_.end() && !startUpstream(*cfg)) {
            retryLater();
        }
    }
}

void Proxy::retryLater() {
    if (retryTimer_ != 0) {
        return;
    }
    // The port may belong to a listener of the previous config that is still closing, or to
    // another process that will let go: try again rather than give up until the next config.
    retryTimer_ = loop_.runAfter(std::chrono::seconds(2), [this] {
        retryTimer_ = 0;
        if (!stopping_) {
            reconcile();
        }
    });
}

bool Proxy::startUpstream(const UpstreamConfig& config) {
    auto listener = std::make_unique<UpstreamListener>(ctx_, config);
    if (auto st = listener->listen(); !st) {
        log_.error(kLogger, "failed to start listener",
                   {{"listener", config.toString()}, {"error", st.error().message}});
        return false;
    }
    std::string bound = listener->address().toString();
    lifecycle("Starting listener", {{"listener", config.toString()}, {"bind_addr", bound}});
    Upstream up;
    up.generation = ++upstreamGeneration_;
    if (discovery_) {
        std::string key = config.bindKey();
        uint64_t generation = up.generation;
        EventLoop* loop = &loop_;
        // Key and generation find the listener if it still exists when the update reaches the
        // loop; an update for a listener that was replaced in the meantime is dropped.
        up.watch = discovery_->watch(
            config, [this, loop, key, generation](std::vector<UpstreamInstance> instances) {
                loop->post([this, key, generation, instances = std::move(instances)]() mutable {
                    auto it = upstreams_.find(key);
                    if (it != upstreams_.end() && it->second.generation == generation) {
                        it->second.listener->setInstances(std::move(instances));
                    }
                });
            });
    }
    up.listener = std::move(listener);
    upstreams_.emplace(config.bindKey(), std::move(up));
    return true;
}

void Proxy::beginShutdown(std::chrono::milliseconds grace) {
    if (!thread_.joinable()) {
        return;
    }
    loop_.post([this, grace] {
        stopping_ = true;
        if (retryTimer_ != 0) {
            loop_.cancelTimer(retryTimer_);
            retryTimer_ = 0;
        }
        public_.reset();
        upstreams_.clear();
        if (sessions_.size() == 0) {
            loop_.quit();
            return;
        }
        sessions_.setOnEmpty([this] { loop_.quit(); });
        loop_.runAfter(grace, [this] {
            sessions_.abortAll();
            loop_.quit();
        });
    });
}

void Proxy::waitShutdown() {
    if (thread_.joinable()) {
        thread_.join();
    }
}

template <typename T>
T Proxy::roundTrip(std::function<T()> fn) {
    if (!thread_.joinable()) {
        return fn();
    }
    std::promise<T> promise;
    auto future = promise.get_future();
    loop_.post([&] { promise.set_value(fn()); });
    return future.get();
}

std::vector<Proxy::ListenerInfo> Proxy::listeners() {
    return roundTrip<std::vector<ListenerInfo>>([this] {
        std::vector<ListenerInfo> out;
        if (public_) {
            out.push_back({"public listener", public_->address()});
        }
        for (const auto& [key, u] : upstreams_) {
            out.push_back({u.listener->config().toString(), u.listener->address()});
        }
        return out;
    });
}

size_t Proxy::sessionCount() {
    return roundTrip<size_t>([this] { return sessions_.size(); });
}

}  // namespace meshx::proxy
