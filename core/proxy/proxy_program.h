#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "proxy/command_line.h"
#include "proxy/event_loop.h"

namespace meshx::proxy {

class AgentHttpClient;

class Authorizer;
class CertificateWatcher;
class ConfigWatcher;
class Discovery;
class Logger;
class Proxy;
class SharedRoots;

// What `meshx-proxy` does once its flags are parsed: print the banner, find the sidecar's
// registration (or read -config-file), run the proxy with its watches until asked to stop, then
// shut down with a grace period.
//
// Output as Consul's proxy writes it: the `==>` banners, the mode block and every log line go
// to `out` (errors included, indented by 4); failures of the command itself to `err`.
//
// The thread that calls run() becomes the control thread: watch results are posted to it, so
// starting and replacing watches happens in one place, in order.
class ProxyProgram {
  public:
    struct Options {
        FILE* out = stdout;
        FILE* err = stderr;
        // How long open connections may run on after a stop request.
        std::chrono::milliseconds shutdownGrace{std::chrono::seconds(5)};
        // Retry delays while the agent cannot be reached at start.
        std::chrono::milliseconds retryInitial{250};
        std::chrono::milliseconds retryMax{std::chrono::seconds(10)};
        // Called when the public listener starts listening (`listening` true, `detail` its
        // address, "" when the config wants none) or fails to bind (false, the error), each time
        // this changes; on a proxy loop thread. A host turns it into L/F protocol lines, a
        // sidecar process run by the engine into "==> Public listener ..." lines: the engine's
        // start waits for it (docs/architecture.md, "Started means listening").
        std::function<void(bool listening, const std::string& detail)> onPublicListener;
        // A proxy host's one CA roots watch, used instead of a watch of this sidecar's own (the
        // host gives it only to sidecars of its own agent). Null: its own watch.
        std::shared_ptr<SharedRoots> sharedRoots;
    };

    ProxyProgram(CommandLine commandLine, Options options);
    explicit ProxyProgram(CommandLine commandLine)
        : ProxyProgram(std::move(commandLine), Options{}) {}
    ~ProxyProgram();

    // Blocks until stopped. Returns the exit code: 0 after a requested stop, 1 when start-up
    // failed (bad config, no sidecar registered, agent error other than unreachable).
    int run();
    // Any thread, also before run(). Begins the shutdown.
    void requestStop();

  private:
    void runStatic();
    void lookUpAgent();
    void startAgentMode(const std::string& proxyId);
    void onConfig(const struct ProxyConfig& config);
    // Creates the -workers proxies and starts their loops.
    void startProxies(const std::function<std::shared_ptr<Authorizer>()>& authorizer,
                      const std::function<std::shared_ptr<Discovery>()>& discovery);
    void fail(const std::string& what);
    void banner(const std::vector<std::pair<std::string, std::string>>& mode);
    void line(FILE* stream, const std::string& text);
    // Proxy loop thread: forwards a change of the public listener's state to the option.
    void publicListener(const Status& status, const std::string& address);

    CommandLine cl_;
    Options options_;
    EventLoop control_;
    std::atomic<bool> stopRequested_{false};
    int exitCode_ = 0;
    int retries_ = 0;
    // What onPublicListener last said: 0 nothing yet, 1 listening, 2 failed (proxy loop thread).
    std::atomic<int> publicReported_{0};

    // Destroyed in reverse: watches stop before the client, the client (and its callbacks)
    // before the proxy they post into.
    std::unique_ptr<Logger> log_;
    // One per -workers loop, all serving the same config on shared ports.
    std::vector<std::unique_ptr<Proxy>> proxies_;
    std::unique_ptr<AgentHttpClient> client_;
    std::unique_ptr<ConfigWatcher> configWatcher_;
    std::unique_ptr<CertificateWatcher> certificates_;
};

}  // namespace meshx::proxy
