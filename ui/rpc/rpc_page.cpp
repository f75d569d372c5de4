#include "ui/rpc/rpc_page.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTime>
#include <QVBoxLayout>

#include "common/hostname.h"
#include "engine/agent_monitor.h"
#include "mesh/service_mesh.h"
#include "telemetry/tap/tap_protocol.h"
#include "ui/rpc/direct_address.h"
#include "ui/rpc/rpc_workbench.h"
#include "ui/shared/hint_line.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"
#include "ui/shell/mesh_runner.h"
#include "ui/shell/service_commands.h"

namespace meshx::ui {

namespace {

// A count cell drawn over a bar as long as the instance's share of its run.
class ShareBarDelegate : public QStyledItemDelegate {
  public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override {
        const double share = index.data(Qt::UserRole).toDouble();
        if (share > 0) {
            QRectF bar = QRectF(option.rect).adjusted(2, 3, -2, -3);
            bar.setWidth(bar.width() * share);
            QColor c = option.palette.color(QPalette::Highlight);
            c.setAlpha(110);
            painter->fillRect(bar, c);
        }
        QStyledItemDelegate::paint(painter, option, index);
    }
};

QPushButton* button(const QString& text, const char* name, QWidget* parent) {
    auto* b = new QPushButton(text, parent);
    b->setObjectName(QString::fromLatin1(name));
    return b;
}

QSpinBox* spin(const char* name, int lo, int hi, int value, QWidget* parent) {
    auto* s = new QSpinBox(parent);
    s->setObjectName(QString::fromLatin1(name));
    s->setRange(lo, hi);
    s->setValue(value);
    return s;
}

}  // namespace

struct RpcPage::Widgets {
    QLineEdit* serviceName;
    QLabel* serverState;
    QPushButton* startServer;
    QPushButton* stopServer;
    QLineEdit* upstreamName;
    QComboBox* agentServices;  // running services on the agent: attach to one directly
    QPushButton* attach;
    QSpinBox* poolSize;
    QLabel* poolState;
    QPushButton* openPool;
    QPushButton* closePool;
    QComboBox* function;
    QLineEdit* args;
    QPushButton* call;
    QPushButton* cast;
    QPlainTextEdit* results;
    QSpinBox* calls;
    QSpinBox* concurrency;
    QSpinBox* minSleep;
    QSpinBox* maxSleep;
    QPushButton* runLoad;
    QPushButton* cancelLoad;
    QPushButton* clearRuns;
    QProgressBar* progress;
    QTableView* counts;
};

RpcPage::RpcPage(QWidget* parent)
    : QWidget(parent), workbench_(new RpcWorkbench(this)), w_(std::make_unique<Widgets>()) {
    Widgets& w = *w_;

    // Server
    auto* serverBox = new QGroupBox(tr("RPC server on a new mesh service"), this);
    w.serviceName = new QLineEdit(QStringLiteral("service1"), serverBox);
    w.serviceName->setObjectName(QStringLiteral("rpcServiceName"));
    w.serviceName->setToolTip(
        tr("The service to start; the server listens on the endpoint the engine gives it and "
           "serves echo, ping, do_work and hostname, as `meshx rpc-serve` does."));
    w.startServer = button(tr("Start service + server"), "rpcStartServer", serverBox);
    w.stopServer = button(tr("Stop"), "rpcStopServer", serverBox);
    w.serverState = new QLabel(tr("not running"), serverBox);
    w.serverState->setObjectName(QStringLiteral("rpcServerState"));
    w.serverState->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* serverRow = new QHBoxLayout;
    serverRow->addWidget(new QLabel(tr("Service"), serverBox));
    serverRow->addWidget(w.serviceName, 1);
    serverRow->addWidget(w.startServer);
    serverRow->addWidget(w.stopServer);
    auto* serverLayout = new QVBoxLayout(serverBox);
    serverLayout->addLayout(serverRow);
    serverLayout->addWidget(w.serverState);

    // Pool
    auto* poolBox = new QGroupBox(tr("Client pool on an upstream"), this);
    w.upstreamName = new QLineEdit(QStringLiteral("service1"), poolBox);
    w.upstreamName->setObjectName(QStringLiteral("rpcUpstreamName"));
    w.upstreamName->setToolTip(
        tr("Connected as an upstream of the default proxy service; the pool dials its local "
           "address and the sidecar spreads the connections over healthy instances."));
    w.poolSize = spin("rpcPoolSize", 1, 64, 20, poolBox);
    w.openPool = button(tr("Connect + open pool"), "rpcOpenPool", poolBox);
    w.closePool = button(tr("Close"), "rpcClosePool", poolBox);
    w.poolState = new QLabel(tr("no pool"), poolBox);
    w.poolState->setObjectName(QStringLiteral("rpcPoolState"));
    auto* poolRow = new QHBoxLayout;
    poolRow->addWidget(new QLabel(tr("Upstream"), poolBox));
    poolRow->addWidget(w.upstreamName, 1);
    poolRow->addWidget(new QLabel(tr("Workers"), poolBox));
    poolRow->addWidget(w.poolSize);
    poolRow->addWidget(w.openPool);
    poolRow->addWidget(w.closePool);
    // Any running service the agent lists (not only the ones started here): pick it to use its
    // name as the upstream, or attach a pool straight to that instance's address.
    w.agentServices = new QComboBox(poolBox);
    w.agentServices->setObjectName(QStringLiteral("rpcAgentServices"));
    w.agentServices->setToolTip(
        tr("Services running on the agent (MeshxRpc ones advertise a telemetry tap). Picking one "
           "fills the upstream name; Attach opens the pool on that instance's own address, "
           "without the sidecars."));
    w.agentServices->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    w.attach = button(tr("Attach to instance"), "rpcAttach", poolBox);
    auto* attachRow = new QHBoxLayout;
    attachRow->addWidget(new QLabel(tr("Running on the agent"), poolBox));
    attachRow->addWidget(w.agentServices, 1);
    attachRow->addWidget(w.attach);
    auto* poolLayout = new QVBoxLayout(poolBox);
    poolLayout->addLayout(poolRow);
    poolLayout->addLayout(attachRow);
    poolLayout->addWidget(w.poolState);

    // Call
    auto* callBox = new QGroupBox(tr("Call"), this);
    w.function = new QComboBox(callBox);
    w.function->setObjectName(QStringLiteral("rpcFunction"));
    w.function->setEditable(true);
    w.function->addItems({QStringLiteral("echo"), QStringLiteral("ping"), QStringLiteral("do_work"),
                          QStringLiteral("hostname")});
    w.args = new QLineEdit(QStringLiteral("{\"hello\": \"mesh\"}"), callBox);
    w.args->setObjectName(QStringLiteral("rpcArgs"));
    w.args->setPlaceholderText(tr("argument as JSON, e.g. [100, 300] for do_work"));
    w.call = button(tr("Call"), "rpcCall", callBox);
    w.cast = button(tr("Cast"), "rpcCast", callBox);
    w.results = new QPlainTextEdit(callBox);
    w.results->setObjectName(QStringLiteral("rpcResults"));
    w.results->setReadOnly(true);
    w.results->setMaximumBlockCount(500);
    auto* callRow = new QHBoxLayout;
    callRow->addWidget(w.function);
    callRow->addWidget(w.args, 1);
    callRow->addWidget(w.call);
    callRow->addWidget(w.cast);
    auto* callLayout = new QVBoxLayout(callBox);
    callLayout->addLayout(callRow);
    callLayout->addWidget(w.results, 1);

    // Load
    auto* loadBox = new QGroupBox(tr("Load: which instance served each call"), this);
    w.calls = spin("rpcLoadCalls", 1, 100000, 20, loadBox);
    w.concurrency = spin("rpcLoadConcurrency", 1, 64, 20, loadBox);
    w.minSleep = spin("rpcLoadMin", 0, 60000, 50, loadBox);
    w.maxSleep = spin("rpcLoadMax", 0, 60000, 200, loadBox);
    w.minSleep->setSuffix(tr(" ms"));
    w.maxSleep->setSuffix(tr(" ms"));
    w.runLoad = button(tr("Run"), "rpcRunLoad", loadBox);
    w.cancelLoad = button(tr("Cancel"), "rpcCancelLoad", loadBox);
    w.clearRuns = button(tr("Clear"), "rpcClearRuns", loadBox);
    w.progress = new QProgressBar(loadBox);
    w.progress->setObjectName(QStringLiteral("rpcLoadProgress"));
    w.progress->setRange(0, 1);
    w.progress->setValue(0);
    w.counts = new QTableView(loadBox);
    w.counts->setObjectName(QStringLiteral("rpcCounts"));
    w.counts->setModel(&workbench_->counts());
    w.counts->setItemDelegate(new ShareBarDelegate(w.counts));
    w.counts->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    w.counts->verticalHeader()->hide();
    auto* loadForm = new QFormLayout;
    auto* loadRow1 = new QHBoxLayout;
    loadRow1->addWidget(w.calls);
    loadRow1->addWidget(new QLabel(tr("concurrency"), loadBox));
    loadRow1->addWidget(w.concurrency);
    loadForm->addRow(tr("Calls (do_work)"), loadRow1);
    auto* loadRow2 = new QHBoxLayout;
    loadRow2->addWidget(w.minSleep);
    loadRow2->addWidget(new QLabel(tr("to"), loadBox));
    loadRow2->addWidget(w.maxSleep);
    loadForm->addRow(tr("Sleep"), loadRow2);
    auto* loadButtons = new QHBoxLayout;
    loadButtons->addWidget(w.runLoad);
    loadButtons->addWidget(w.cancelLoad);
    loadButtons->addWidget(w.clearRuns);
    loadButtons->addWidget(w.progress, 1);
    auto* loadLayout = new QVBoxLayout(loadBox);
    loadLayout->addLayout(loadForm);
    loadLayout->addLayout(loadButtons);
    loadLayout->addWidget(w.counts, 1);

    hint_ = new HintLine(this);
    hint_->setObjectName(QStringLiteral("rpcHint"));

    auto* left = new QVBoxLayout;
    left->addWidget(serverBox);
    left->addWidget(poolBox);
    left->addWidget(callBox, 1);
    auto* columns = new QHBoxLayout;
    columns->addLayout(left, 3);
    columns->addWidget(loadBox, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(columns, 1);
    layout->addWidget(hint_);

    connect(w.startServer, &QPushButton::clicked, this, &RpcPage::startServer);
    connect(w.stopServer, &QPushButton::clicked, this, &RpcPage::stopServer);
    connect(w.openPool, &QPushButton::clicked, this, &RpcPage::openPool);
    connect(w.closePool, &QPushButton::clicked, this, &RpcPage::closePool);
    connect(w.attach, &QPushButton::clicked, this, &RpcPage::attachToInstance);
    connect(w.agentServices, &QComboBox::activated, this, [this](int index) {
        const QString name = w_->agentServices->itemData(index, kNameRole).toString();
        if (!name.isEmpty() && !workbench_->poolOpen())
            w_->upstreamName->setText(name);
    });
    connect(w.call, &QPushButton::clicked, this, [this] { callFunction(false); });
    connect(w.cast, &QPushButton::clicked, this, [this] { callFunction(true); });
    connect(w.args, &QLineEdit::returnPressed, this, [this] { callFunction(false); });
    connect(w.args, &QLineEdit::textChanged, this, &RpcPage::updateWidgets);
    connect(w.runLoad, &QPushButton::clicked, this, &RpcPage::runLoad);
    connect(w.cancelLoad, &QPushButton::clicked, workbench_, &RpcWorkbench::cancelLoad);
    connect(w.clearRuns, &QPushButton::clicked, this, [this] {
        workbench_->counts().clear();
        updateWidgets();
    });
    connect(workbench_, &RpcWorkbench::stateChanged, this, &RpcPage::updateWidgets);
    connect(workbench_, &RpcWorkbench::loadProgress, this, [this](int done, int total, int) {
        w_->progress->setRange(0, total);
        w_->progress->setValue(done);
    });
    connect(workbench_, &RpcWorkbench::loadFinished, this,
            [this](const RpcWorkbench::LoadSummary& s) {
                QStringList served;
                for (const auto& [who, n] : s.counts) {
                    served << QStringLiteral("%1 ×%2").arg(QString::fromStdString(who)).arg(n);
                }
                const QString text = tr("%1 calls in %2 s: %3 ok, %4 failed · %5")
                                         .arg(s.calls)
                                         .arg(s.seconds, 0, 'f', 2)
                                         .arg(s.ok)
                                         .arg(s.failed)
                                         .arg(served.join(QStringLiteral(", ")));
                if (s.failed > 0) {
                    hint_->showError(text + tr(" · first error: %1").arg(s.firstError));
                } else {
                    hint_->showSuccess(text);
                }
            });
    hint_->showInfo(
        tr("Start a server on a new service, or open a pool on an upstream, then call a "
           "function or run load."));
    updateWidgets();
}

RpcPage::~RpcPage() = default;

void RpcPage::setContext(ConsoleContext* context) {
    if (!context && context_) {
        workbench_->cancelLoad();
        if (workbench_->poolOpen()) {
            workbench_->closePool();
        }
        if (workbench_->serverRunning()) {
            workbench_->stopServer();
        }
        serverServiceId_.clear();
    }
    if (context_)
        disconnect(&context_->monitor(), nullptr, this, nullptr);
    context_ = context;
    if (context_) {
        connect(&context_->monitor(), &engine::AgentMonitor::servicesChanged, this,
                &RpcPage::refreshAgentServices);
    }
    refreshAgentServices();
    updateWidgets();
}

void RpcPage::refreshAgentServices() {
    QComboBox* box = w_->agentServices;
    const QString current = box->currentData(kAddressRole).toString();
    box->clear();
    if (!context_)
        return;
    const engine::AgentMonitor& monitor = context_->monitor();
    const std::string nodeAddress = monitor.nodeAddress();
    for (const auto& [id, svc] : monitor.snapshot().services) {
        if (!svc.kind.empty())
            continue;  // sidecars and gateways are not RPC servers
        const std::string address = directAddress(monitor.snapshot().services, id, nodeAddress);
        if (address.empty())
            continue;
        const bool tapped = svc.meta.count(telemetry::kTapMetaKey) > 0 &&
                            !svc.meta.at(telemetry::kTapMetaKey).empty();
        box->addItem(QStringLiteral("%1 — %2 @ %3%4")
                         .arg(QString::fromStdString(svc.service), QString::fromStdString(id),
                              QString::fromStdString(address), tapped ? tr(" · tap") : QString()));
        box->setItemData(box->count() - 1, QString::fromStdString(address), kAddressRole);
        box->setItemData(box->count() - 1, QString::fromStdString(svc.service), kNameRole);
        box->setItemData(box->count() - 1, QString::fromStdString(id), kIdRole);
    }
    const int again = box->findData(current, kAddressRole);
    if (again >= 0)
        box->setCurrentIndex(again);
    updateWidgets();
}

bool RpcPage::selectAgentService(const QString& serviceId) {
    const int i = w_->agentServices->findData(serviceId, kIdRole);
    if (i >= 0)
        w_->agentServices->setCurrentIndex(i);
    return i >= 0;
}

void RpcPage::attachToInstance() {
    const QString text = w_->agentServices->currentData(kAddressRole).toString();
    const QString id = w_->agentServices->currentData(kIdRole).toString();
    auto at = net::Address::parse(text.toStdString());
    if (!at) {
        hint_->showError(tr("Pick a running service to attach to."));
        return;
    }
    const int size = w_->poolSize->value();
    if (Status s = workbench_->openPool(*at, size); !s) {
        hint_->showError(tr("Could not open a pool on %1 at %2: %3")
                             .arg(id, text, QString::fromStdString(s.error().message)));
        updateWidgets();
        return;
    }
    busy_ = true;
    hint_->showInfo(tr("Pool open on %1 at %2; waiting for a first answer…").arg(id, text));
    workbench_->waitForAnswer(
        QStringLiteral("ping"), std::chrono::seconds(30), this,
        [this, id, text](Result<int> tries) {
            busy_ = false;
            if (!tries)
                hint_->showError(tr("Attached to %1 at %2, but it does not answer: %3")
                                     .arg(id, text, QString::fromStdString(tries.error().message)));
            else
                hint_->showSuccess(tr("Attached a pool to the running %1 at %2.").arg(id, text));
            emit poolReady(tries.ok());
            updateWidgets();
        });
    updateWidgets();
}

void RpcPage::startServer() {
    if (!context_) {
        return;
    }
    const QString name = w_->serviceName->text().trimmed();
    if (name.isEmpty()) {
        hint_->showError(tr("Name the service the server runs as."));
        return;
    }
    mesh::ServiceMesh* mesh = &context_->session().mesh();
    const std::string id = name.toStdString() + "-console-" + shortHostname();
    const auto timeout = std::chrono::milliseconds(context_->session().config().startTimeoutMs);
    const mesh::ServiceTemplate tmpl = context_->session().engine().defaultTemplate();
    busy_ = true;
    updateWidgets();
    hint_->showInfo(tr("Starting %1…").arg(QString::fromStdString(id)));
    context_->session().runner().command<Result<mesh::Started>>(
        tr("Starting %1").arg(QString::fromStdString(id)),
        [mesh, name = name.toStdString(), id, timeout, tmpl] {
            return mesh->start(mesh::ServiceParams::namedWithId(name, id), tmpl, false, timeout);
        },
        this,
        [this](Result<mesh::Started> started) {
            busy_ = false;
            if (!started) {
                hint_->showError(tr("Could not start the service: %1")
                                     .arg(QString::fromStdString(started.error().message)));
                updateWidgets();
                return;
            }
            const QString serviceId = QString::fromStdString(started->serviceId);
            auto s = workbench_->startServer(started->address, serviceId);
            if (!s) {
                hint_->showError(tr("The service started but the server could not listen on "
                                    "%1: %2; stopping the service.")
                                     .arg(QString::fromStdString(started->address.toString()),
                                          QString::fromStdString(s.error().message)));
                if (context_) {
                    context_->commands().stop(serviceId, this, [](Status) {});
                }
                updateWidgets();
                return;
            }
            serverServiceId_ = serviceId;
            if (context_) {
                context_->refresh();
            }
            hint_->showSuccess(
                tr("%1 serves echo, ping, do_work and hostname at %2 behind its sidecar.")
                    .arg(serviceId, workbench_->serverAddress()));
            updateWidgets();
        });
}

void RpcPage::stopServer() {
    const QString id = serverServiceId_;
    serverServiceId_.clear();
    workbench_->stopServer([this, id] {
        if (context_ && !id.isEmpty()) {
            context_->commands().stop(id, this, [this, id](Status s) {
                if (s) {
                    hint_->showSuccess(tr("Stopped %1 and deregistered it.").arg(id));
                } else {
                    hint_->showError(tr("Could not stop %1: %2")
                                         .arg(id, QString::fromStdString(s.error().message)));
                }
            });
        }
    });
}

void RpcPage::openPool() {
    if (!context_) {
        return;
    }
    const QString dest = w_->upstreamName->text().trimmed();
    if (dest.isEmpty()) {
        hint_->showError(tr("Name the upstream service to call."));
        return;
    }
    busy_ = true;
    updateWidgets();
    hint_->showInfo(tr("Connecting upstream %1…").arg(dest));
    const int size = w_->poolSize->value();
    context_->commands().connectUpstream(
        dest, QString(), this, [this, dest, size](Result<net::Address> at) {
            busy_ = false;
            if (!at) {
                hint_->showError(tr("Could not connect upstream %1: %2")
                                     .arg(dest, QString::fromStdString(at.error().message)));
                updateWidgets();
                return;
            }
            hint_->showInfo(tr("Waiting for the sidecar to listen for %1 at %2…")
                                .arg(dest, QString::fromStdString(at->toString())));
            busy_ = true;
            workbench_->openPoolWhenListening(
                *at, size, std::chrono::seconds(30), this, [this, dest, size](Status s) {
                    busy_ = false;
                    if (!s) {
                        hint_->showError(tr("Could not open the pool on upstream %1: %2")
                                             .arg(dest, QString::fromStdString(s.error().message)));
                        updateWidgets();
                        return;
                    }
                    // A fresh path through two sidecars may refuse the first connections: the
                    // pool is ready once one ping has come back.
                    busy_ = true;
                    hint_->showInfo(
                        tr("Pool open; waiting for a first answer through %1…").arg(dest));
                    workbench_->waitForAnswer(
                        QStringLiteral("ping"), std::chrono::seconds(60), this,
                        [this, dest, size](Result<int> tries) {
                            busy_ = false;
                            if (!tries) {
                                hint_->showError(
                                    tr("The pool is open but upstream %1 does not answer: %2")
                                        .arg(dest, QString::fromStdString(tries.error().message)));
                            } else {
                                hint_->showSuccess(
                                    tr("Pool of %1 workers on upstream %2 at %3 (answered after "
                                       "%4 ping(s)).")
                                        .arg(size)
                                        .arg(dest, workbench_->poolAddress())
                                        .arg(*tries));
                            }
                            emit poolReady(tries.ok());
                            updateWidgets();
                        });
                    updateWidgets();
                });
            updateWidgets();
        });
}

void RpcPage::closePool() {
    workbench_->closePool();
    hint_->showInfo(tr("Pool closed (the upstream stays connected)."));
}

void RpcPage::callFunction(bool cast) {
    if (!workbench_->poolOpen()) {
        hint_->showError(tr("Open a client pool on an upstream first."));
        return;
    }
    const QString text = w_->args->text().trimmed();
    nlohmann::json arg = nullptr;
    if (!text.isEmpty()) {
        arg = nlohmann::json::parse(text.toStdString(), nullptr, false);
        if (arg.is_discarded()) {
            hint_->showError(tr("The argument is not valid JSON."));
            return;
        }
    }
    const QString fun = w_->function->currentText().trimmed();
    const QString verb = cast ? QStringLiteral("cast") : QStringLiteral("call");
    workbench_->call(fun, arg, cast, this, [this, fun, verb, text](RpcWorkbench::CallOutcome out) {
        QString line = QStringLiteral("%1 %2 %3(%4) → %5 (%6 ms)")
                           .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss.zzz")), verb,
                                fun, text, out.text)
                           .arg(out.millis, 0, 'f', 1);
        if (!out.instance.isEmpty()) {
            line += tr(" · served by %1").arg(out.instance);
        }
        w_->results->appendPlainText(line);
        if (out.ok) {
            hint_->showSuccess(tr("%1 %2: %3").arg(verb, fun, out.text));
        } else {
            hint_->showError(tr("%1 %2 failed: %3").arg(verb, fun, out.text));
        }
    });
}

void RpcPage::runLoad() {
    RpcWorkbench::LoadSpec spec;
    spec.calls = w_->calls->value();
    spec.concurrency = w_->concurrency->value();
    spec.minSleepMs = w_->minSleep->value();
    spec.maxSleepMs = std::max(w_->minSleep->value(), w_->maxSleep->value());
    auto s = workbench_->runLoad(spec);
    if (!s) {
        hint_->showError(QString::fromStdString(s.error().message));
        return;
    }
    w_->progress->setRange(0, spec.calls);
    w_->progress->setValue(0);
    hint_->showInfo(
        tr("Running %1 do_work calls, %2 at a time…").arg(spec.calls).arg(spec.concurrency));
}

void RpcPage::updateWidgets() {
    Widgets& w = *w_;
    const bool session = context_ != nullptr;
    const bool server = workbench_->serverRunning();
    const bool pool = workbench_->poolOpen();
    const bool load = workbench_->loadRunning();
    w.startServer->setEnabled(session && !server && !busy_);
    w.stopServer->setEnabled(server);
    w.serviceName->setEnabled(!server);
    w.serverState->setText(server
                               ? tr("%1 listening at %2")
                                     .arg(workbench_->serverInstance(), workbench_->serverAddress())
                               : tr("not running"));
    w.openPool->setEnabled(session && !pool && !busy_);
    w.closePool->setEnabled(pool);
    w.upstreamName->setEnabled(!pool);
    w.agentServices->setEnabled(!pool);
    w.attach->setEnabled(session && !pool && !busy_ && w.agentServices->count() > 0);
    w.poolSize->setEnabled(!pool);
    w.poolState->setText(
        pool ? tr("%1 workers on %2").arg(workbench_->poolSize()).arg(workbench_->poolAddress())
             : tr("no pool"));
    const QString text = w.args->text().trimmed();
    const bool argOk =
        text.isEmpty() || !nlohmann::json::parse(text.toStdString(), nullptr, false).is_discarded();
    w.args->setStyleSheet(argOk ? QString() : QStringLiteral("background: #f8d7da; color: #000"));
    w.call->setEnabled(pool && argOk);
    w.cast->setEnabled(pool && argOk);
    w.runLoad->setEnabled(pool && !load);
    w.cancelLoad->setEnabled(load);
    w.clearRuns->setEnabled(!load && workbench_->counts().runCount() > 0);
}

}  // namespace meshx::ui
