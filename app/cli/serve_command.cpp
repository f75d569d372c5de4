// `meshx serve --service NAME [--id ID] [--template T] [--agent ADDR] -- CMD ARGS...`:
// runs any program as a mesh service for as long as it runs.

#include <sys/prctl.h>

#include <QCoreApplication>
#include <QProcess>

#include <csignal>
#include <cstdio>

#include "cli/commands.h"
#include "cli/mesh_session.h"
#include "common/unix_signals.h"
#include "mesh/bind_retry.h"
#include "mesh/port_allocator.h"
#include "mesh/service_mesh.h"
#include "telemetry/otlp/otlp_exporter.h"
#include "template/template_renderer.h"

namespace meshx::cli {

namespace {

constexpr const char* kServeUsage =
    "Usage: meshx serve --service NAME [--id ID] [--template T] [--agent ADDR] [--embedded-agent]\n"
    "                   -- CMD ARGS...\n\n"
    "Registers NAME with a TTL check and a sidecar proxy, then runs CMD. ARGS may use "
    "{{address}},\n"
    "{{port}}, {{id}} and {{name}}: the endpoint the program must listen on. The service stays\n"
    "registered while the program runs; when it exits (or on SIGTERM) the service is stopped and\n"
    "deregistered, and meshx serve exits with the program's exit code.\n";

int usageError(const std::string& message) {
    std::fprintf(stderr, "meshx serve: %s\n", message.c_str());
    return 2;
}

}  // namespace

int serveCommand(const std::vector<std::string>& argsIn) {
    std::vector<std::string> args;
    std::vector<std::string> command;
    std::string service;
    std::string id;
    std::string templateName;
    for (size_t i = 0; i < argsIn.size(); ++i) {
        const auto& a = argsIn[i];
        if (a == "--") {
            command.assign(argsIn.begin() + static_cast<long>(i) + 1, argsIn.end());
            break;
        }
        if (a == "--help") {
            std::fputs(kServeUsage, stdout);
            return 0;
        }
        if ((a == "--service" || a == "--id" || a == "--template") && i + 1 < argsIn.size()) {
            (a == "--service" ? service : a == "--id" ? id : templateName) = argsIn[++i];
        } else {
            args.push_back(a);
        }
    }
    if (service.empty()) {
        return usageError("--service is required");
    }
    if (command.empty()) {
        return usageError("the program to run goes after --");
    }

    int argc = 1;
    char name[] = "meshx";
    char* argv[] = {name, nullptr};
    QCoreApplication app(argc, argv);
    UnixSignals signalWatch({SIGTERM, SIGINT, SIGHUP});
    // OpenTelemetry export when OTEL_EXPORTER_OTLP_* say so (docs/opentelemetry.md). The program
    // and its sidecar inherit the same variables and export their own spans.
    telemetry::otlp::OtlpExporter::startFromEnvironment(service);

    auto session = openMeshSession(args);
    if (!session) {
        std::fprintf(stderr, "meshx serve: %s\n", session.error().toString().c_str());
        return session.error().code == Code::InvalidArgument ? 2 : 1;
    }
    if (!args.empty()) {
        return usageError("unexpected argument '" + args.front() + "'");
    }
    auto& mesh = (*session)->mesh();
    mesh::ServiceTemplate tmpl = (*session)->defaultTemplate();
    if (!templateName.empty()) {
        auto named = (*session)->namedTemplate(templateName);
        if (!named) {
            return usageError(named.error().toString());
        }
        tmpl = *named;
    }
    auto params = id.empty() ? mesh::ServiceParams::named(service)
                             : mesh::ServiceParams::namedWithId(service, id);
    int exitCode = 0;
    bool signalled = false;
    // The port is claimed for us (no other engine on the host hands it out), but a program that
    // knows nothing of claims may still have taken it; our program then fails to bind and exits.
    // When it exits failing while someone else listens on its port, the service moves to the
    // next port, a bounded number of times.
    for (int attempt = 1;; ++attempt) {
        auto started = mesh.start(params, tmpl, false,
                                  std::chrono::milliseconds((*session)->config().startTimeoutMs));
        if (!started) {
            std::fprintf(stderr, "meshx serve: %s\n", started.error().toString().c_str());
            return 1;
        }
        const nlohmann::json hash = {{"name", service},
                                     {"id", started->serviceId},
                                     {"address", started->address.host()},
                                     {"port", started->address.port()}};
        auto rendered = tmpl::TemplateRenderer(hash).renderArgv(command);
        if (!rendered) {
            mesh.stopAll();
            return usageError(rendered.error().toString());
        }
        std::fprintf(stderr, "==> meshx serve: %s listening at %s\n", started->serviceId.c_str(),
                     started->address.toString().c_str());

        QProcess program;
        program.setProcessChannelMode(QProcess::ForwardedChannels);
        program.setInputChannelMode(QProcess::ForwardedInputChannel);
        // The program dies with us, even when we are SIGKILLed. It stays in our process group
        // and is only ever signalled by its pid (QProcess::terminate/kill), never by group.
        program.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        QStringList programArgs;
        for (size_t i = 1; i < rendered->size(); ++i) {
            programArgs << QString::fromStdString((*rendered)[i]);
        }
        bool failedToStart = false;
        QObject::connect(&program, &QProcess::finished, &app,
                         [&](int code, QProcess::ExitStatus status) {
                             exitCode = status == QProcess::NormalExit ? code : 128 + SIGKILL;
                             QCoreApplication::quit();
                         });
        QObject::connect(&program, &QProcess::errorOccurred, &app, [&](QProcess::ProcessError e) {
            if (e == QProcess::FailedToStart) {
                std::fprintf(stderr, "meshx serve: cannot run '%s': %s\n",
                             rendered->front().c_str(), qPrintable(program.errorString()));
                exitCode = 127;
                failedToStart = true;
                QCoreApplication::quit();
            }
        });
        auto onSignal = QObject::connect(&signalWatch, &UnixSignals::caught, &app, [&](int) {
            signalled = true;
            program.terminate();
            if (!program.waitForFinished(5000)) {
                program.kill();
                program.waitForFinished(2000);
            }
            exitCode = 0;
            QCoreApplication::quit();
        });
        program.start(QString::fromStdString(rendered->front()), programArgs);
        QCoreApplication::exec();
        QObject::disconnect(onSignal);
        program.disconnect();

        const bool portTaken = !signalled && !failedToStart && exitCode != 0 &&
                               !mesh::PortAllocator::bindable(started->address);
        if (portTaken && attempt < mesh::kBindAttempts) {
            std::fprintf(stderr,
                         "==> meshx serve: the program exited with %d and %s is taken by another "
                         "process: trying the next port\n",
                         exitCode, started->address.toString().c_str());
            (void)mesh.stop(started->serviceId);
            continue;
        }
        mesh.stopAll();
        std::fprintf(stderr, "==> meshx serve: %s stopped\n", started->serviceId.c_str());
        return exitCode;
    }
}

}  // namespace meshx::cli
