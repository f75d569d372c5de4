#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "proxy/command_line.h"

namespace meshx::proxy {

// What `meshx-proxy` does once its flags are parsed: print the banner, build the proxy from the
// agent (or from -config-file), run until asked to stop, shut down with a grace period.
//
// Output as Consul's proxy writes it: the `==>` banners, the mode block and every log line go
// to `out` (errors included, indented by 4); failures of the command itself to `err`.
class ProxyProgram {
  public:
    struct Options {
        FILE* out = stdout;
        FILE* err = stderr;
        // How long open connections may run on after a stop request.
        std::chrono::milliseconds shutdownGrace{std::chrono::seconds(5)};
    };

    // `waitForStop` blocks until SIGTERM/SIGINT (main) or a test's latch; it runs on the thread
    // that calls run().
    ProxyProgram(CommandLine commandLine, std::function<void()> waitForStop, Options options);
    ProxyProgram(CommandLine commandLine, std::function<void()> waitForStop)
        : ProxyProgram(std::move(commandLine), std::move(waitForStop), Options{}) {}

    // Any one thread. Returns the process exit code: 0 after a clean stop, 1 when start-up
    // failed.
    int run();

  private:
    int runStatic();
    int runAgent();
    void banner(const std::vector<std::pair<std::string, std::string>>& mode);
    void line(FILE* stream, const std::string& text);

    CommandLine cl_;
    std::function<void()> waitForStop_;
    Options options_;
};

}  // namespace meshx::proxy
