#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "proxy/authorizer.h"
#include "proxy/caching_authorizer.h"
#include "proxy/discovery.h"
#include "proxy/event_loop.h"
#include "proxy/logger.h"
#include "proxy/proxy_config.h"
#include "proxy/proxy_context.h"
#include "proxy/proxy_stats.h"
#include "proxy/public_listener.h"
#include "proxy/session_tracker.h"
#include "proxy/tls_context.h"
#include "proxy/upstream_listener.h"

namespace meshx::proxy {

// The data plane of one sidecar: a loop thread running the public listener and one listener per
// upstream, reconciled against the latest configuration and certificates.
//
// Control-plane code (watchers on their own threads) pushes state in with setConfig() and
// setTls(); nothing listens until both have arrived (Consul's "ready"). A new configuration
// opens, closes or replaces listeners to match it — upstreams removed by the engine stop
// listening without a restart, which Consul's proxy cannot do — while connections already open
// run on. New certificates apply to new connections.
class Proxy {
  public:
    struct Options {
        // How long an authorization decision is reused for the same client identity.
        std::chrono::milliseconds authorizationCacheTtl{1000};
        // Bind listeners with SO_REUSEPORT: set when several Proxy objects (one loop thread
        // each) serve the same config in one process.
        bool reusePort = false;
        // Info lines about the proxy's life (ready, listeners started and stopped, certificates
        // updated). Off for the extra loops of a multi-loop process, which would repeat them.
        bool lifecycleLogs = true;
        // Loop thread, after each reconciliation of the public listener: ok with its bound
        // address ("" when the config wants none), or the bind error. Lets the engine's start
        // wait until the sidecar accepts connections (ProxyProgram::Options::onPublicListener).
        std::function<void(const Status& status, const std::string& address)> onPublicListener;
    };

    // Any thread. `authorizer` answers on any thread; `discovery` may be null when no config
    // will name upstreams.
    Proxy(Logger& log, std::shared_ptr<Authorizer> authorizer, std::shared_ptr<Discovery> discovery,
          Options options);
    Proxy(Logger& log, std::shared_ptr<Authorizer> authorizer, std::shared_ptr<Discovery> discovery)
        : Proxy(log, std::move(authorizer), std::move(discovery), Options{}) {}
    // Any thread but the loop's. Shuts down without grace if still running.
    ~Proxy();
    Proxy(const Proxy&) = delete;
    Proxy& operator=(const Proxy&) = delete;

    // Any thread. Starts the loop thread.
    void start();

    // Any thread. Host names in the config are resolved here, on the caller's thread, so the
    // loop never waits on DNS. Errors (InvalidArgument) name the address that did not resolve;
    // the previous config stays in force.
    Status setConfig(const ProxyConfig& config);
    // Any thread.
    void setTls(std::shared_ptr<const TlsContext> tls);

    // Any thread but the loop's; blocks. Stops accepting, closes every listener, waits up to
    // `grace` for open connections to end by themselves, closes what is left, stops the loop.
    void shutdown(std::chrono::milliseconds grace) {
        beginShutdown(grace);
        waitShutdown();
    }
    // The two halves of shutdown(), so several proxies can wait out their grace together.
    // Any thread.
    void beginShutdown(std::chrono::milliseconds grace);
    // Any thread but the loop's; blocks until the loop has stopped.
    void waitShutdown();

    struct ListenerInfo {
        std::string name;  // `public listener` or the upstream string
        SocketAddress address;
    };
    // Any thread but the loop's; blocks for one loop round trip. Listeners currently open.
    std::vector<ListenerInfo> listeners();
    // Any thread but the loop's; blocks for one loop round trip.
    size_t sessionCount();
    // Any thread.
    const ProxyStats& stats() const { return stats_; }
    bool running() const { return thread_.joinable(); }

  private:
    struct Resolved {
        ProxyConfig config;
        SocketAddress publicBind;
        SocketAddress localApp;
    };
    struct Upstream {
        uint64_t generation = 0;
        std::unique_ptr<UpstreamListener> listener;
        std::unique_ptr<DiscoveryWatch> watch;
    };

    // Info line about the proxy's life, unless Options::lifecycleLogs is off.
    void lifecycle(std::string_view message, std::initializer_list<Logger::Field> fields = {});

    // Loop thread.
    void reconcile();
    void reconcilePublic();
    void reportPublic(const Status& status, const std::string& address);
    void reconcileUpstreams();
    // False when the listener could not bind.
    bool startUpstream(const UpstreamConfig& config);
    // Tries reconcile() again shortly (once pending at most).
    void retryLater();
    template <typename T>
    T roundTrip(std::function<T()> fn);

    Logger& log_;
    std::shared_ptr<Authorizer> authorizer_;
    std::shared_ptr<Discovery> discovery_;
    Options options_;
    ProxyStats stats_;
    // Declared before everything that registers with it, so it is destroyed last.
    EventLoop loop_;
    SessionTracker sessions_{loop_};
    CachingAuthorizer cachingAuthorizer_;
    ProxyContext ctx_;

    // Loop thread state.
    std::optional<Resolved> desired_;
    bool ready_ = false;
    bool stopping_ = false;
    std::unique_ptr<PublicListener> public_;
    SocketAddress publicBind_;  // as configured (the listener's own address has the real port)
    uint64_t upstreamGeneration_ = 0;
    // Set while a listener that failed to bind (port still taken) waits for another try.
    EventLoop::TimerId retryTimer_ = 0;
    std::map<std::string, Upstream> upstreams_;  // by bind address

    std::thread thread_;
};

}  // namespace meshx::proxy
