#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/command_line.h"

namespace meshx::proxy {

class SharedRoots;

// `meshx-proxy -host`: one process serving many sidecars, each the same ProxyProgram a
// `meshx-proxy -sidecar-for ID` process runs (its own agent client, watches, Proxy with public and
// upstream listeners, intentions, discovery, flow events), on threads of its own. A process per
// sidecar costs ~14 ms of exec and dynamic linking alone on our VM and ~48 ms in all at 1,000
// sidecars (docs/benchmarks.md); a hosted sidecar costs only its own start-up.
//
// The engine (mesh::ProxyHostProcess) drives it through a line protocol; fields are separated by
// one TAB, lines end with "\n":
//
//   standard input (engine -> host)
//     add <key> <arg>...   start a sidecar with these meshx-proxy arguments
//                          (e.g. "add\t7\t-sidecar-for\tweb-1"); <key> names it from now on
//     remove <key>         stop it, as SIGTERM stops a meshx-proxy process (grace below)
//     end of input         stop every sidecar, then exit 0 (the engine went away)
//   standard output (host -> engine)
//     O <key> <text>       a line the sidecar wrote to its standard output (banner, log lines)
//     E <key> <text>       ... to its standard error (start-up failures)
//     L <key> <address>    its public listener listens (address as bound; empty when its config
//                          wants none): from now on it accepts connections. Again only after
//                          an F. The engine's start waits for it.
//     F <key> <error>      its public listener could not bind (it retries every 2 s); again only
//                          after an L
//     X <key> <code>       the sidecar ended with exit code <code>: 0 after remove, 1 when its
//                          start failed (no registration, bad agent reply); always the last line
//                          of that key
//     H <text>             the host's own message (a malformed command)
//
// A key is any text without TAB or newline, unique among the running sidecars (an add with a key
// in use ends at once with E and X 2). Flags that make no sense in a host (-host, -help,
// -version) end the same way with X 2. The sidecars share the host's environment (agent address,
// token, TLS files, OTEL_*); CONNECT_SIDECAR_FOR and CONNECT_PROXY_ID are ignored, every add
// names its own. The host's tap and OTLP exporter are the process's (app/proxy/main.cpp).
//
// Thread: run() on the thread that owns the host; requestStop() from any thread.
class ProxyHost {
  public:
    struct Options {
        int in = 0;          // commands (fd)
        FILE* out = stdout;  // events, one writer at a time under a mutex
        // How long a removed sidecar's open connections may run on: below the engine's stop
        // timeout (3 s), so a remove ends with X before the engine gives up on it.
        std::chrono::milliseconds shutdownGrace{std::chrono::milliseconds(2000)};
        CommandLine::Env env;  // null: the process environment
    };

    explicit ProxyHost(Options options);
    // Stops and joins every sidecar still running.
    ~ProxyHost();
    ProxyHost(const ProxyHost&) = delete;
    ProxyHost& operator=(const ProxyHost&) = delete;

    // Reads commands until end of input or requestStop(), then stops every sidecar and waits for
    // them (each X line is written). Returns 0. The calling thread.
    int run();
    // Any thread. run() returns after stopping the sidecars.
    void requestStop();

    // The number of sidecars running now. Any thread.
    size_t sidecarCount();

    // One output line of the protocol (`kind` O, E, X or H). Any thread.
    void writeLine(char kind, std::string_view key, std::string_view text);

  private:
    struct Sidecar;

    void command(std::string_view line);
    void add(const std::string& key, std::vector<std::string> args);
    void remove(const std::string& key);
    // Joins the sidecars whose programs have returned.
    void reap();
    void stopAll();
    void wake();
    // The host's one CA roots watch for its sidecars (SharedRoots), made with the first sidecar
    // that talks to the host's agent; null when the environment names no usable agent.
    std::shared_ptr<SharedRoots> sharedRoots();

    Options options_;
    std::mutex outMutex_;
    std::mutex mutex_;  // sidecars_ and each Sidecar's `finished`
    std::map<std::string, std::unique_ptr<Sidecar>> sidecars_;
    std::atomic<bool> stopRequested_{false};
    int wakePipe_[2] = {-1, -1};
    std::shared_ptr<SharedRoots> sharedRoots_;  // run() thread
    bool sharedRootsTried_ = false;
};

}  // namespace meshx::proxy
