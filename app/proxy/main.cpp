// meshx-proxy: the built-in sidecar proxy (like `consul connect proxy -sidecar-for ID`).
// Only argument parsing and signals live here; the program is ProxyProgram in core/proxy.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "meshx/version.h"
#include "proxy/command_line.h"
#include "proxy/proxy_program.h"
#include "telemetry/otlp/otlp_exporter.h"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    auto cl = meshx::proxy::CommandLine::parse(args, [](const char* name) {
        const char* v = std::getenv(name);
        return std::string(v == nullptr ? "" : v);
    });
    if (!cl) {
        std::fprintf(stderr, "%s\n\n%s", cl.error().message.c_str(),
                     meshx::proxy::CommandLine::usage());
        return 1;
    }
    if (cl->help) {
        std::fputs(meshx::proxy::CommandLine::usage(), stdout);
        return 0;
    }
    if (cl->version) {
        std::printf("meshx-proxy %s\n", meshx::kVersion);
        return 0;
    }

    // Block the stop signals in every thread (threads inherit the mask) and take them in one
    // thread with sigwait: no async-signal-safety concerns, no thread interrupted mid-call.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);

    // OpenTelemetry export when OTEL_EXPORTER_OTLP_* say so (docs/opentelemetry.md); its thread
    // starts after the mask above, so the stop signals stay with sigwait.
    meshx::telemetry::otlp::OtlpExporter::startFromEnvironment(
        cl->sidecarFor.empty() ? "meshx-proxy" : cl->sidecarFor + "-sidecar-proxy");
    meshx::proxy::ProxyProgram program(std::move(*cl));
    std::thread([&stop, &program] {
        int sig = 0;
        sigwait(&stop, &sig);
        program.requestStop();
    }).detach();
    return program.run();
}
