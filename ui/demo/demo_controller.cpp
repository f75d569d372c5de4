#include "ui/demo/demo_controller.h"

#include "ui/shared/services_model.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QRandomGenerator>

#include "consul/agent_endpoints.h"
#include "consul/catalog_endpoints.h"
#include "consul/consul_api.h"
#include "mesh/service_mesh.h"
#include "ui/demo/demo_process.h"
#include "ui/nodes/node_workbench.h"
#include "ui/rpc/instance_count_model.h"
#include "ui/rpc/rpc_workbench.h"
#include "ui/shared/services_model.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"

namespace meshx::ui {

namespace {

QString& binDirOverride() {
    static QString dir;
    return dir;
}

QString randomCookie() {
    static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    QString out;
    for (int i = 0; i < 20; ++i) {
        out += QLatin1Char(kAlphabet[QRandomGenerator::system()->bounded(26)]);
    }
    return out;
}

}  // namespace

DemoController::DemoController(DemoScript script, ConsoleContext& context, QObject* parent)
    : QObject(parent),
      script_(std::move(script)),
      context_(&context),
      rpc_(new RpcWorkbench(this)),
      node_(new NodeWorkbench(this)),
      lane_(2),
      cookie_(randomCookie()) {
    DemoStep cleanup;
    cleanup.title = tr("Clean up");
    cleanup.explanation =
        tr("Stop every process the demo launched (SIGTERM, so each provider deregisters "
           "itself; SIGKILL past a deadline), close the client pool or our node, remove the "
           "upstream, deregister whatever a killed provider left behind, and check that no "
           "process or registration of the demo is left.");
    cleanup.timeoutMs = 90000;
    cleanup.action = [](DemoController& d, DemoStep::Done done) { d.cleanupAsync(done); };
    script_.steps.push_back(std::move(cleanup));
    states_.assign(script_.steps.size(), StepState::Pending);
    notes_.assign(script_.steps.size(), QString());
    deadline_.setSingleShot(true);
    connect(&deadline_, &QTimer::timeout, this, [this] {
        const int ms = script_.steps[static_cast<size_t>(current_)].timeoutMs;
        stepDone(current_, token_,
                 makeError(Code::Timeout,
                           "the step did not finish within " + std::to_string(ms / 1000) + " s"));
    });
}

DemoController::~DemoController() {
    cleanupNow();
}

bool DemoController::allPassed() const {
    return std::all_of(states_.begin(), states_.end(),
                       [](StepState s) { return s == StepState::Passed; });
}

ConsoleContext& DemoController::context() {
    Q_ASSERT(context_);
    return *context_;
}

InstanceCountModel& DemoController::counts() {
    return rpc_->counts();
}

void DemoController::log(const QString& text) {
    emit logLine(text);
}

void DemoController::setBinDir(const QString& dir) {
    binDirOverride() = dir;
}

QString DemoController::binDir() {
    return binDirOverride().isEmpty() ? QCoreApplication::applicationDirPath() : binDirOverride();
}

QString DemoController::agentAddress() const {
    return context_ ? context_->session().agentAddress() : QString();
}

QString DemoController::cookieHome() const {
    if (!cookieDir_) {
        auto dir = std::make_unique<QTemporaryDir>();
        QFile file(dir->filePath(QStringLiteral(".erlang.cookie")));
        if (file.open(QIODevice::WriteOnly)) {
            file.write(cookie_.toLatin1());
            file.close();
            file.setPermissions(QFileDevice::ReadOwner);
        }
        const_cast<DemoController*>(this)->cookieDir_ = std::move(dir);
    }
    return cookieDir_->path();
}

DemoProcess* DemoController::launchMeshx(const QString& label, const QStringList& args,
                                         const QStringList& services) {
    auto* p = new DemoProcess(label, this);
    connect(p, &DemoProcess::line, this, [this](const QString& who, const QString& text) {
        emit logLine(QStringLiteral("[%1] %2").arg(who, text));
    });
    connect(p, &DemoProcess::finished, this, [this](const QString& who, int code, bool crashed) {
        emit logLine(crashed ? tr("[%1] exited (killed or crashed)").arg(who)
                             : tr("[%1] exited with code %2").arg(who).arg(code));
    });
    processes_.push_back(p);
    for (const QString& id : services) {
        services_.insert(id.toStdString());
    }
    QStringList full = args;
    full.insert(1, QStringLiteral("--agent"));
    full.insert(2, agentAddress());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (context_ && context_->session().config().hasToken()) {
        env.insert(QStringLiteral("CONSUL_HTTP_TOKEN"),
                   QString::fromStdString(context_->session().config().token));
    }
    // A MESHX_CONFIG naming no file (test runs set one) would stop the child at start-up: give
    // it an empty config instead, so it uses the defaults as this console did.
    const QString config = env.value(QStringLiteral("MESHX_CONFIG"));
    if (!config.isEmpty() && !QFileInfo::exists(config)) {
        const QString empty = QDir(cookieHome()).filePath(QStringLiteral("meshx-config.json"));
        QFile file(empty);
        if (file.open(QIODevice::WriteOnly)) {
            file.write("{}\n");
        }
        env.insert(QStringLiteral("MESHX_CONFIG"), empty);
    }
    if (args.contains(QStringLiteral("erl"))) {
        env.insert(QStringLiteral("HOME"), cookieHome());  // erl reads $HOME/.erlang.cookie
    }
    p->start(QDir(binDir()).filePath(QStringLiteral("meshx")), full, env,
             QStringLiteral("meshx ") + full.join(QLatin1Char(' ')));
    return p;
}

DemoProcess* DemoController::process(const QString& label) const {
    for (DemoProcess* p : processes_) {
        if (p->label() == label) {
            return p;
        }
    }
    return nullptr;
}

void DemoController::noteUpstream(const QString& upstream, const QString& proxyId, bool ownsProxy) {
    upstreams_.push_back({upstream.toStdString(), proxyId.toStdString(), ownsProxy});
}

void DemoController::waitUntil(std::function<bool()> test, int timeoutMs,
                               std::function<void(bool)> done) {
    if (test()) {
        done(true);
        return;
    }
    auto* timer = new QTimer(this);
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    timer->setInterval(100);
    connect(timer, &QTimer::timeout, this, [timer, clock, timeoutMs, test, done] {
        const bool ok = test();
        if (ok || clock->elapsed() > timeoutMs) {
            timer->stop();
            timer->deleteLater();
            done(ok);
        }
    });
    timer->start();
}

void DemoController::waitForLine(DemoProcess* p, std::function<bool(const QString&)> match,
                                 int timeoutMs, std::function<void(Result<QString>)> done) {
    waitUntil(
        [p, match] { return !p->findLine(match).isEmpty() || p->exited(); }, timeoutMs,
        [p, match, done, timeoutMs](bool) {
            const QString found = p->findLine(match);
            if (!found.isEmpty()) {
                done(found);
            } else if (p->exited()) {
                done(makeError(Code::ProxyFailed,
                               p->label().toStdString() + " exited before it was ready"));
            } else {
                done(makeError(Code::Timeout, p->label().toStdString() + " was not ready within " +
                                                  std::to_string(timeoutMs / 1000) + " s"));
            }
        });
}

void DemoController::probeUntil(std::function<Result<bool>()> probe, int timeoutMs,
                                std::function<void(Status)> done) {
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    auto lastError = std::make_shared<QString>();
    auto attempt = std::make_shared<std::function<void()>>();
    // The function holds itself only through a weak pointer: no cycle once the wait ends.
    std::weak_ptr<std::function<void()>> weak = attempt;
    *attempt = [this, probe, timeoutMs, done, clock, lastError, weak] {
        // The retry holds the chain strongly only while a probe is in flight or scheduled.
        auto self = weak.lock();
        lane_.run<Result<bool>>(
            this, probe, [this, timeoutMs, done, clock, lastError, self](Result<bool> r) {
                if (r && *r) {
                    done({});
                    return;
                }
                if (!r) {
                    *lastError = QString::fromStdString(r.error().message);
                }
                if (clock->elapsed() > timeoutMs) {
                    done(makeError(Code::Timeout,
                                   "not within " + std::to_string(timeoutMs / 1000) + " s" +
                                       (lastError->isEmpty() ? std::string()
                                                             : ": " + lastError->toStdString())));
                    return;
                }
                QTimer::singleShot(250, this, [self] { (*self)(); });
            });
    };
    // Keep the chain alive while it runs: each scheduled retry holds a strong copy.
    QTimer::singleShot(0, this, [attempt] { (*attempt)(); });
}

Result<int> DemoController::passingConnectInstances(const std::string& service) {
    if (!context_) {
        return makeError(Code::InvalidState, "no session");
    }
    consul::endpoints::HealthQuery q;
    q.passing = true;
    auto r = context_->session().api().call(consul::endpoints::healthConnect(service, q));
    if (!r) {
        return r.error();
    }
    return static_cast<int>(r->value.size());
}

void DemoController::next() {
    if (running_ || finished_) {
        return;
    }
    running_ = true;
    runStep(current_);
}

void DemoController::runAll() {
    auto_ = true;
    next();
}

void DemoController::abort() {
    if (finished_) {
        return;
    }
    const int cleanup = stepCount() - 1;
    if (current_ == cleanup && running_) {
        return;  // already cleaning up
    }
    if (running_ && current_ < cleanup) {
        states_[static_cast<size_t>(current_)] = StepState::Failed;
        notes_[static_cast<size_t>(current_)] = tr("stopped by the user");
    }
    for (int i = current_; i < cleanup; ++i) {
        if (states_[static_cast<size_t>(i)] == StepState::Pending) {
            states_[static_cast<size_t>(i)] = StepState::Skipped;
        }
    }
    ++token_;
    deadline_.stop();
    current_ = cleanup;
    running_ = true;
    runStep(cleanup);
}

void DemoController::runStep(int index) {
    current_ = index;
    const DemoStep& step = script_.steps[static_cast<size_t>(index)];
    states_[static_cast<size_t>(index)] = StepState::Running;
    const uint64_t token = ++token_;
    emit stepChanged(index);
    emit logLine(tr("── Step %1/%2: %3").arg(index + 1).arg(stepCount()).arg(step.title));
    deadline_.start(step.timeoutMs);
    if (!context_) {
        stepDone(index, token, makeError(Code::InvalidState, "the session is gone"));
        return;
    }
    step.action(*this, [this, index, token](Result<QString> r) {
        // Never re-enter a step's caller: finish on the event loop.
        QMetaObject::invokeMethod(
            this, [this, index, token, r] { stepDone(index, token, r); }, Qt::QueuedConnection);
    });
}

void DemoController::stepDone(int index, uint64_t token, Result<QString> result) {
    if (token != token_ || states_[static_cast<size_t>(index)] != StepState::Running) {
        return;  // late answer of a step that timed out or was stopped
    }
    deadline_.stop();
    const bool ok = result.ok();
    states_[static_cast<size_t>(index)] = ok ? StepState::Passed : StepState::Failed;
    notes_[static_cast<size_t>(index)] =
        ok ? *result : QString::fromStdString(result.error().message);
    emit logLine(ok ? QStringLiteral("✔ %1").arg(*result)
                    : QStringLiteral("✘ %1").arg(notes_[static_cast<size_t>(index)]));
    const int cleanup = stepCount() - 1;
    if (index == cleanup) {
        running_ = false;
        finished_ = true;
        cleanedUp_ = true;
        emit stepChanged(index);
        emit demoFinished(allPassed());
        return;
    }
    if (!ok) {
        for (int i = index + 1; i < cleanup; ++i) {
            states_[static_cast<size_t>(i)] = StepState::Skipped;
        }
        emit stepChanged(index);
        runStep(cleanup);
        return;
    }
    current_ = index + 1;
    emit stepChanged(index);
    if (auto_) {
        runStep(current_);
    } else {
        running_ = false;
        emit stepChanged(current_);
    }
}

void DemoController::cleanupAsync(DemoStep::Done done) {
    rpc_->cancelLoad();
    if (rpc_->poolOpen()) {
        rpc_->closePool();
    }
    auto afterNode = [this, done] {
        for (DemoProcess* p : processes_) {
            p->terminate();
        }
        auto allExited = [this] {
            return std::all_of(processes_.begin(), processes_.end(),
                               [](DemoProcess* p) { return !p->running(); });
        };
        waitUntil(allExited, 20000, [this, done, allExited](bool exited) {
            if (!exited) {
                for (DemoProcess* p : processes_) {
                    if (p->running()) {
                        emit logLine(tr("[%1] did not stop on SIGTERM: SIGKILL").arg(p->label()));
                        p->kill();
                    }
                }
            }
            waitUntil(allExited, 10000, [this, done](bool gone) {
                if (!gone) {
                    done(makeError(Code::Timeout, "a demo process is still running"));
                    return;
                }
                offGui<Result<QString>>(
                    [this] { return cleanupRegistrations(true); },
                    [this, done](Result<QString> r) {
                        if (!r) {
                            done(r.error());
                            return;
                        }
                        cleanedUp_ = true;
                        const QString text =
                            tr("%1 processes stopped; %2").arg(processes_.size()).arg(*r);
                        if (!context_) {
                            done(text);
                            return;
                        }
                        // The agent is clean; the Services view must be too before the step
                        // ends (it polls every second, and a screenshot right after the demo
                        // showed the old rows with health "none").
                        context_->refresh();
                        waitUntil([this] { return !showsDemoServices(); }, 10000,
                                  [this, done, text](bool clean) {
                                      if (!clean) {
                                          done(makeError(Code::Timeout,
                                                         "the Services view still lists the "
                                                         "demo's services"));
                                          return;
                                      }
                                      done(text);
                                  });
                    });
            });
        });
    };
    if (node_->started()) {
        node_->stop(afterNode);
    } else {
        afterNode();
    }
}

bool DemoController::showsDemoServices() const {
    if (!context_) {
        return false;
    }
    for (const auto& id : services_) {
        for (const std::string& each : {id, id + "-sidecar-proxy"}) {
            if (context_->services().find(QString::fromStdString(each))) {
                return true;
            }
        }
    }
    for (const auto& up : upstreams_) {
        if (up.ownsProxy && context_->services().find(QString::fromStdString(up.proxyId))) {
            return true;
        }
    }
    return false;
}

// Blocking (a worker thread, or the GUI thread at teardown). Reads only what no step changes
// any more: the clean-up runs after every other step.
Result<QString> DemoController::cleanupRegistrations(bool verify) {
    if (!context_) {
        return QString(tr("the session is gone (it stopped its own services)"));
    }
    auto& mesh = context_->session().mesh();
    auto& api = context_->session().api();
    for (const auto& up : upstreams_) {
        (void)mesh.disconnect({up.name}, up.proxyId, false);
        if (up.ownsProxy) {
            (void)mesh.stop(up.proxyId);
        }
    }
    QStringList removed;
    for (const auto& id : services_) {
        if (auto gone = mesh.removeLeftover(id); gone) {
            for (const auto& each : *gone) {
                removed << QString::fromStdString(each);
            }
        }
    }
    if (!verify) {
        return removed.join(QStringLiteral(", "));
    }
    auto after = api.call(consul::endpoints::agentServices());
    if (!after) {
        return after.error();
    }
    QStringList left;
    for (const auto& id : services_) {
        for (const std::string& each : {id, id + "-sidecar-proxy"}) {
            if (after->count(each) > 0) {
                left << QString::fromStdString(each);
            }
        }
    }
    for (const auto& up : upstreams_) {
        if (up.ownsProxy && after->count(up.proxyId) > 0) {
            left << QString::fromStdString(up.proxyId);
        }
    }
    if (!left.isEmpty()) {
        return makeError(Code::InvalidState,
                         "still registered: " + left.join(QStringLiteral(", ")).toStdString());
    }
    QString text =
        removed.isEmpty()
            ? tr("no leftover registration")
            : tr("deregistered what was left behind: %1").arg(removed.join(QStringLiteral(", ")));
    return text + tr("; nothing of the demo is left on the agent");
}

void DemoController::cleanupNow() {
    if (cleanedUp_) {
        return;
    }
    cleanedUp_ = true;
    ++token_;
    deadline_.stop();
    lane_.waitForIdle();
    node_->stopNow();  // also stops our node service
    rpc_->cancelLoad();
    if (rpc_->poolOpen()) {
        rpc_->closePool();
    }
    for (DemoProcess* p : processes_) {
        p->terminate();
    }
    for (DemoProcess* p : processes_) {
        if (!p->waitForExit(8000)) {
            p->kill();
            p->waitForExit(3000);
        }
    }
    (void)cleanupRegistrations(false);
}

}  // namespace meshx::ui
