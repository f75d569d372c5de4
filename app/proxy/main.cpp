// meshx-proxy: the built-in sidecar proxy (like `consul connect proxy -sidecar-for ID`).
// Only argument parsing and signals live here; the program is ProxyProgram in core/proxy.

#include <pthread.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/listener_report.h"
#include "common/mesh_config.h"
#include "meshx/version.h"
#include "proxy/command_line.h"
#include "proxy/proxy_host.h"
#include "proxy/proxy_program.h"
#include "proxy/service_read_check.h"
#include "telemetry/otlp/otlp_exporter.h"
#include "telemetry/tap/tap_server.h"

namespace {

constexpr size_t kHostThreadStack = 512 * 1024;

// `meshx-proxy -host` (ProxyHost): many sidecars in this process, driven over stdin. One tap for
// all of them (the engine advertises its address in every hosted sidecar's registration; flow
// events name their service), served before any sidecar thread starts.
int runHost(sigset_t& stop) {
    // About ten descriptors per sidecar (loops, wakers, listeners, agent long polls).
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &files);
    }
    if (auto tap = meshx::telemetry::TapServer::startFromEnvironment("meshx-proxy"); !tap) {
        std::fprintf(stderr, "meshx-proxy: no telemetry tap: %s\n", tap.error().toString().c_str());
    } else if (*tap) {
        meshx::telemetry::TapServer::setProcessServiceId("meshx-proxy-host");
    }
    // Smaller thread stacks (512 KiB, plenty for the proxy's shallow call paths): a host runs
    // about five threads per sidecar, 5,000 at a thousand sidecars, and each thread's exit
    // unmaps its stack under the process's one memory-map lock.
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) == 0) {
        pthread_attr_setstacksize(&attr, kHostThreadStack);
        pthread_setattr_default_np(&attr);
        pthread_attr_destroy(&attr);
    }
    meshx::proxy::ProxyHost host(meshx::proxy::ProxyHost::Options{});
    std::thread([&stop, &host] {
        int sig = 0;
        sigwait(&stop, &sig);
        host.requestStop();
    }).detach();
    return host.run();
}

}  // namespace

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
        cl->host                 ? "meshx-proxy-host"
        : cl->sidecarFor.empty() ? "meshx-proxy"
                                 : cl->sidecarFor + "-sidecar-proxy");
    if (cl->host) {
        return runHost(stop);
    }
    // The live telemetry tap (docs/taps.md), before any thread starts so they inherit the
    // blocked signals. The engine that launches a sidecar sets MESHX_TAP_LISTEN to the address
    // it advertises in the sidecar's registration; a tap that cannot start never stops the proxy.
    if (auto tap = meshx::telemetry::TapServer::startFromEnvironment("meshx-proxy"); !tap) {
        std::fprintf(stderr, "meshx-proxy: no telemetry tap: %s\n", tap.error().toString().c_str());
    } else if (*tap) {
        // The proxy's service id as `consul connect proxy` names a sidecar by default.
        const std::string serviceId =
            !cl->proxyId.empty() ? cl->proxyId : cl->sidecarFor + "-sidecar-proxy";
        meshx::telemetry::TapServer::setProcessServiceId(serviceId);
        // With MESHX_TAP_TOKEN_REQUIRED, subscribers need service:read on this sidecar's
        // registration, as the agent the proxy uses resolves it.
        meshx::MeshConfig agent;
        if (agent.applyEnvironment() && cl->configFile.empty()) {
            if (auto endpoint = meshx::AgentEndpoint::parse(cl->httpAddr); endpoint) {
                agent.agent = *endpoint;
            }
            meshx::telemetry::TapServer::setProcessTokenCheck(
                meshx::proxy::serviceReadCheck(agent, serviceId));
        }
        // No banner line for it: meshx-proxy's output stays `consul connect proxy`'s, line for
        // line. The tap is found through the sidecar's registration (Meta "meshx-tap").
    }

    meshx::proxy::ProxyProgram::Options options;
    if (const char* report = std::getenv(meshx::kListenerReportEnv);
        report != nullptr && std::string_view(report) == "1") {
        // Set by the engine only (ProxySupervisor): its start waits for this line, so a user
        // can connect when start returns. Run by hand, the output stays Consul's.
        options.onPublicListener = [](bool listening, const std::string& detail) {
            std::string text(listening ? meshx::kListenerReadyLine : meshx::kListenerFailedLine);
            text += detail;
            text += '\n';
            std::fputs(text.c_str(), stdout);
            std::fflush(stdout);
        };
    }
    meshx::proxy::ProxyProgram program(std::move(*cl), options);
    std::thread([&stop, &program] {
        int sig = 0;
        sigwait(&stop, &sig);
        program.requestStop();
    }).detach();
    return program.run();
}
