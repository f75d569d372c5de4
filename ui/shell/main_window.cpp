#include "ui/shell/main_window.h"

#include <QApplication>
#include <QCloseEvent>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolButton>

#include "engine/agent_monitor.h"
#include "meshx/version.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"
#include "ui/shell/console_settings.h"
#include "ui/shell/mesh_runner.h"
#include "ui/shell/page_registry.h"
#include "ui/shell/placeholder_page.h"
#include "ui/shell/service_commands.h"
#include "ui/shell/shortcuts_page.h"

namespace meshx::ui {

MainWindow::MainWindow(QWidget* parent) : MainWindow(PageRegistry::console(), parent) {}

MainWindow::MainWindow(const PageRegistry& pages, QWidget* parent)
    : QMainWindow(parent), pages_(pages) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral("Meshx console %1").arg(QString::fromLatin1(kVersion)));
    tabs_ = new QTabWidget(this);
    tabs_->setObjectName(QStringLiteral("viewTabs"));
    tabs_->setDocumentMode(true);
    setCentralWidget(tabs_);

    progressLabel_ = new QLabel(this);
    progressLabel_->setObjectName(QStringLiteral("progressLabel"));
    progress_ = new QProgressBar(this);
    progress_->setObjectName(QStringLiteral("progress"));
    progress_->setRange(0, 0);
    progress_->setMaximumWidth(120);
    progress_->setMaximumHeight(14);
    cancel_ = new QToolButton(this);
    cancel_->setObjectName(QStringLiteral("cancelCommand"));
    cancel_->setText(tr("Cancel"));
    cancel_->setToolTip(
        tr("Cancel queued commands; a start in progress is undone when it ends "
           "(Esc)"));
    cancel_->setShortcut(QKeySequence(Qt::Key_Escape));
    for (QWidget* w : {static_cast<QWidget*>(progressLabel_), static_cast<QWidget*>(progress_),
                       static_cast<QWidget*>(cancel_)}) {
        statusBar()->addWidget(w);
        w->hide();
    }
    agentStatus_ = new QLabel(tr("No agent connected"), this);
    agentStatus_->setObjectName(QStringLiteral("agentStatus"));
    agentStatus_->setTextFormat(Qt::PlainText);
    statusBar()->addPermanentWidget(agentStatus_);
    changeAgent_ = new QToolButton(this);
    changeAgent_->setObjectName(QStringLiteral("changeAgent"));
    changeAgent_->setText(tr("Change agent…"));
    changeAgent_->setAutoRaise(true);
    changeAgent_->setToolTip(
        tr("Settings (Ctrl+,): agent address, token, TLS. CONSUL_HTTP_ADDR in the environment "
           "wins over the saved address."));
    connect(changeAgent_, &QToolButton::clicked, this,
            [this] { showTab(QStringLiteral("settings")); });
    statusBar()->addPermanentWidget(changeAgent_);

    buildTabs();
    buildMenus();
    for (const WindowExtension& extend : pages_.windowExtensions()) {
        extend(*this);
    }
    resize(1100, 700);
    restoreLayout();
}

MainWindow::~MainWindow() {
    // Views and the context use the session: they go first, while it still exists.
    teardownSession();
}

QStringList MainWindow::tabNames() {
    return PageRegistry::console().ids();
}

void MainWindow::buildTabs() {
    // In tab order, each added before the next is made: a per-window page may look up one
    // registered before it (the graph finds the telemetry page).
    for (const PageSpec& spec : pages_.pages()) {
        QWidget* page = spec.perWindow ? spec.perWindow(*this) : placeholder(spec.id);
        page->setObjectName(spec.id);
        tabs_->addTab(page, tr(spec.title));
    }
}

QWidget* MainWindow::placeholder(const QString& id) {
    const PageSpec* spec = pages_.find(id);
    Q_ASSERT(spec);
    return new PlaceholderPage(tr(spec->title), tr(spec->hint), tabs_);
}

bool MainWindow::showTab(const QString& name) {
    const int index = static_cast<int>(pages_.ids().indexOf(name));
    if (index < 0) {
        return false;
    }
    tabs_->setCurrentIndex(index);
    return true;
}

QWidget* MainWindow::pageWidget(const QString& id) const {
    const int index = static_cast<int>(pages_.ids().indexOf(id));
    return index < 0 ? nullptr : tabs_->widget(index);
}

bool MainWindow::triggerPageAction(const QString& id, const QString& action) {
    if (!showTab(id)) {
        return false;
    }
    auto* a = pageWidget(id)->findChild<QAction*>(action);
    if (a == nullptr) {
        return false;
    }
    a->trigger();
    return true;
}

void MainWindow::showAgentSettings() {
    showTab(QStringLiteral("settings"));
    statusBar()->showMessage(tr("Set the agent address (and token), then Save and reconnect."),
                             10000);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* settings = file->addAction(tr("&Settings…"));
    settings->setShortcut(QKeySequence::Preferences);
    if (settings->shortcut().isEmpty()) {
        settings->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    }
    connect(settings, &QAction::triggered, this, [this] { showTab(QStringLiteral("settings")); });
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    if (quit->shortcut().isEmpty()) {
        quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    }
    connect(quit, &QAction::triggered, this, &QWidget::close);

    serviceMenu_ = menuBar()->addMenu(tr("&Service"));
    serviceMenu_->setEnabled(false);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (const PageSpec& spec : pages_.pages()) {
        // Each page's own key (Ctrl+1..Ctrl+9 for the first nine); the rest by Ctrl+Tab or this
        // menu (Alt+V).
        QAction* a = view->addAction(tr(spec.title));
        a->setShortcut(spec.shortcut);
        connect(a, &QAction::triggered, this, [this, id = spec.id] { showTab(id); });
    }

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* shortcuts = help->addAction(tr("&Keyboard shortcuts"));
    shortcuts->setObjectName(QStringLiteral("showShortcuts"));
    shortcuts->setShortcut(QKeySequence::HelpContents);
    if (shortcuts->shortcut().isEmpty()) {
        shortcuts->setShortcut(QKeySequence(Qt::Key_F1));
    }
    connect(shortcuts, &QAction::triggered, this, &MainWindow::showShortcuts);
    QAction* about = help->addAction(tr("&About"));
    connect(about, &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("Meshx console"),
                           tr("Meshx console %1\nLaunch, wire and watch services on a Consul "
                              "mesh.")
                               .arg(QString::fromLatin1(kVersion)));
    });
}

void MainWindow::replacePage(const QString& id, QWidget* page) {
    const int index = static_cast<int>(pages_.ids().indexOf(id));
    Q_ASSERT(index >= 0);
    const int current = tabs_->currentIndex();
    QWidget* old = tabs_->widget(index);
    page->setObjectName(id);
    tabs_->removeTab(index);
    tabs_->insertTab(index, page, tr(pages_.pages()[static_cast<std::size_t>(index)].title));
    delete old;
    tabs_->setCurrentIndex(current);
}

void MainWindow::setSession(std::unique_ptr<ConsoleSession> session) {
    teardownSession();
    session_ = std::move(session);
    context_ = new ConsoleContext(*session_, this);
    serviceMenu_->clear();
    for (const PageSpec& spec : pages_.pages()) {
        if (spec.perSession) {
            replacePage(spec.id, spec.perSession(*context_, *this));
        }
    }

    connect(&context_->monitor(), &engine::AgentMonitor::reachabilityChanged, this,
            &MainWindow::updateAgentStatus);
    connect(&context_->monitor(), &engine::AgentMonitor::selfChanged, this,
            &MainWindow::updateAgentStatus);
    connect(&session_->runner(), &MeshRunner::busyChanged, this, &MainWindow::onBusy);
    connect(cancel_, &QToolButton::clicked, context_, [this] {
        context_->commands().cancel();
        statusBar()->showMessage(tr("Cancelled: queued commands will not run; a start in "
                                    "progress is stopped again when it returns."),
                                 8000);
    });
    context_->start();
    updateAgentStatus();
    if (!session_->startupNote().isEmpty()) {
        statusBar()->showMessage(session_->startupNote(), 15000);
    }
    emit sessionChanged(session_.get());
}

void MainWindow::teardownSession() {
    if (!session_) {
        return;
    }
    emit sessionChanged(nullptr);
    // Back to placeholders, then the context, then the session (which stops our services).
    for (const PageSpec& spec : pages_.pages()) {
        if (spec.perSession) {
            replacePage(spec.id, placeholder(spec.id));
        }
    }
    serviceMenu_->clear();
    serviceMenu_->setEnabled(false);
    delete context_;
    context_ = nullptr;
    session_.reset();
    onBusy(false, {});
}

void MainWindow::reconnect(const ConsoleSettings& settings) {
    statusBar()->showMessage(tr("Reconnecting: stopping the services this console started…"));
    QApplication::setOverrideCursor(Qt::WaitCursor);
    teardownSession();
    auto next = ConsoleSession::open(settings);
    QApplication::restoreOverrideCursor();
    if (!next) {
        setAgentStatus(tr("No agent: %1").arg(QString::fromStdString(next.error().message)));
        statusBar()->showMessage(tr("Could not reconnect: %1. Fix the settings and start the "
                                    "console again.")
                                     .arg(QString::fromStdString(next.error().message)));
        return;
    }
    setSession(std::move(*next));
    showTab(QStringLiteral("services"));
    statusBar()->showMessage(tr("Reconnected to %1.").arg(session_->agentAddress()), 8000);
}

void MainWindow::updateAgentStatus() {
    if (!session_ || !context_) {
        return;
    }
    const engine::AgentMonitor& m = context_->monitor();
    const QString where =
        session_->agentAddress() + (session_->embedded() ? tr(" (embedded dev agent)") : QString());
    const QString token = session_->config().hasToken() ? tr("token set") : tr("no token");
    if (!m.reachable()) {
        setAgentStatus(
            tr("● Agent %1 unreachable: %2 · retrying · %3")
                .arg(where, m.lastError().isEmpty() ? tr("connecting") : m.lastError(), token));
        return;
    }
    QString text = tr("● Agent %1").arg(where);
    if (m.hasSelf()) {
        text += tr(" · datacenter %1 · node %2")
                    .arg(QString::fromStdString(m.self().datacenter),
                         QString::fromStdString(m.self().nodeName));
    }
    setAgentStatus(text + QStringLiteral(" · ") + token);
}

void MainWindow::showShortcuts() {
    if (!shortcuts_) {
        shortcuts_ = new ShortcutsPage(this);
    }
    shortcuts_->collect(*this);
    shortcuts_->show();
    shortcuts_->raise();
    shortcuts_->activateWindow();
}

void MainWindow::onBusy(bool busy, const QString& label) {
    progressLabel_->setText(label + QStringLiteral("…"));
    progressLabel_->setVisible(busy);
    progress_->setVisible(busy);
    cancel_->setVisible(busy);
}

void MainWindow::setAgentStatus(const QString& text) {
    agentStatus_->setText(text);
    const bool bad =
        text.contains(QLatin1String("unreachable")) || text.startsWith(QLatin1String("No agent:"));
    QPalette p = agentStatus_->palette();
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    p.setColor(QPalette::WindowText,
               bad ? (dark ? QColor(0xff, 0x7b, 0x72) : QColor(0xb0, 0x1c, 0x22))
                   : palette().color(QPalette::WindowText));
    agentStatus_->setPalette(p);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveLayout();
    event->accept();
}

void MainWindow::changeEvent(QEvent* event) {
    QMainWindow::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        setAgentStatus(agentStatus_->text());
    }
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
