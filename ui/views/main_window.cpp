#include "views/main_window.h"

#include <QCloseEvent>
#include <QLabel>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>

#include "meshx/version.h"
#include "views/placeholder_page.h"

namespace meshx::ui {

namespace {

struct TabSpec {
    const char* name;
    const char* title;
    const char* hint;
};

constexpr TabSpec kTabs[] = {
    {"services", "Services",
     "Every service on the agent with its health, sidecar and checks; start and stop your own."},
    {"upstreams", "Upstreams",
     "Upstreams of each proxy service with their local bind address and destination health."},
    {"proxy-logs", "Proxy logs", "Live stdout and stderr of each sidecar proxy, with restarts."},
    {"telemetry", "Telemetry", "The live stream of RPC events, filters, plots and request trips."},
    {"rpc", "RPC", "Start RPC servers and client pools, call functions, run load."},
    {"nodes", "Nodes", "Erlang distribution nodes connected through the mesh."},
    {"intentions", "Intentions", "Allow and deny rules between services."},
    {"settings", "Settings", "Agent address, token, TLS files, templates, port range."},
};

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral("Meshx console %1").arg(QString::fromLatin1(kVersion)));
    tabs_ = new QTabWidget(this);
    tabs_->setObjectName(QStringLiteral("viewTabs"));
    tabs_->setDocumentMode(true);
    for (const auto& spec : kTabs) {
        auto* page = new PlaceholderPage(tr(spec.title), tr(spec.hint), tabs_);
        page->setObjectName(QString::fromLatin1(spec.name));
        tabs_->addTab(page, tr(spec.title));
    }
    setCentralWidget(tabs_);

    agentStatus_ = new QLabel(tr("No agent connected"), this);
    agentStatus_->setObjectName(QStringLiteral("agentStatus"));
    statusBar()->addPermanentWidget(agentStatus_);

    resize(1100, 700);
    restoreLayout();
}

MainWindow::~MainWindow() = default;

QStringList MainWindow::tabNames() {
    QStringList names;
    for (const auto& spec : kTabs) {
        names << QString::fromLatin1(spec.name);
    }
    return names;
}

void MainWindow::setAgentStatus(const QString& text) {
    agentStatus_->setText(text);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveLayout();
    event->accept();
}

void MainWindow::restoreLayout() {
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    tabs_->setCurrentIndex(settings.value(QStringLiteral("window/tab"), 0).toInt());
}

void MainWindow::saveLayout() {
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/tab"), tabs_->currentIndex());
}

}  // namespace meshx::ui
