#include "ui/services/services_view.h"

#include <QCheckBox>
#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "engine/agent_monitor.h"
#include "mesh/service_mesh.h"
#include "ui/services/start_service_dialog.h"
#include "ui/shared/first_run_guide.h"
#include "ui/shared/health_badge_delegate.h"
#include "ui/shared/health_history_model.h"
#include "ui/shared/health_status.h"
#include "ui/shared/hint_line.h"
#include "ui/shared/service_filter_model.h"
#include "ui/shared/services_model.h"
#include "ui/shared/view_parts.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"
#include "ui/shell/service_commands.h"
#include "ui/shell/start_preview.h"

namespace meshx::ui {

namespace {

const QString kHeaderKey = QStringLiteral("services/header");
const QString kSplitKey = QStringLiteral("services/split");

QString words(const Error& e) {
    return QString::fromStdString(e.toString());
}

}  // namespace

ServicesView::ServicesView(ConsoleContext& context, QWidget* parent)
    : QWidget(parent), context_(context) {
    filter_ = new ServiceFilterModel(this);
    filter_->setSourceModel(&context_.services());
    filter_->setSortRole(Qt::DisplayRole);

    // Actions: shortcuts live while focus is in this view, and show in the menus.
    start_ = makeAction(tr("&Start service…"), QKeySequence::New, "startService");
    stop_ = makeAction(tr("S&top service"), QKeySequence::Delete, "stopService");
    takeOver_ = makeAction(tr("&Take over (force registration)…"),
                           QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N), "takeOver");
    ttlPassing_ = makeAction(tr("TTL &passing"), QKeySequence(Qt::ALT | Qt::Key_1), "ttlPassing");
    ttlWarning_ = makeAction(tr("TTL &warning"), QKeySequence(Qt::ALT | Qt::Key_2), "ttlWarning");
    ttlCritical_ =
        makeAction(tr("TTL &critical"), QKeySequence(Qt::ALT | Qt::Key_3), "ttlCritical");
    restartProxy_ =
        makeAction(tr("&Restart proxy"), QKeySequence(Qt::CTRL | Qt::Key_R), "restartProxy");
    infoAction_ = makeAction(tr("&Info"), QKeySequence(Qt::CTRL | Qt::Key_I), "info");
    proxyInfo_ =
        makeAction(tr("&Proxy info"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_I), "proxyInfo");
    connect(start_, &QAction::triggered, this, [this] { openStartDialog(); });
    connect(stop_, &QAction::triggered, this, &ServicesView::stopSelected);
    connect(takeOver_, &QAction::triggered, this, &ServicesView::takeOverSelected);
    connect(ttlPassing_, &QAction::triggered, this,
            [this] { setTtlOfSelected(QStringLiteral("passing")); });
    connect(ttlWarning_, &QAction::triggered, this,
            [this] { setTtlOfSelected(QStringLiteral("warning")); });
    connect(ttlCritical_, &QAction::triggered, this,
            [this] { setTtlOfSelected(QStringLiteral("critical")); });
    connect(restartProxy_, &QAction::triggered, this, &ServicesView::restartProxyOfSelected);
    connect(infoAction_, &QAction::triggered, this, &ServicesView::showInfoOfSelected);
    connect(proxyInfo_, &QAction::triggered, this, &ServicesView::showProxyInfoOfSelected);

    menu_ = new QMenu(this);
    menu_->addAction(start_);
    menu_->addAction(stop_);
    menu_->addAction(takeOver_);
    menu_->addSeparator();
    QMenu* ttl = menu_->addMenu(tr("Set TTL &status"));
    ttl->addAction(ttlPassing_);
    ttl->addAction(ttlWarning_);
    ttl->addAction(ttlCritical_);
    menu_->addAction(restartProxy_);
    menu_->addSeparator();
    menu_->addAction(infoAction_);
    menu_->addAction(proxyInfo_);

    auto* toolbar = new QToolBar(this);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    toolbar->addAction(start_);
    toolbar->addAction(stop_);
    auto* ttlButton = new QToolButton(toolbar);
    ttlButton->setText(tr("Set TTL"));
    ttlButton->setMenu(ttl);
    ttlButton->setPopupMode(QToolButton::InstantPopup);
    toolbar->addWidget(ttlButton);
    toolbar->addAction(restartProxy_);
    toolbar->addAction(infoAction_);
    toolbar->addAction(proxyInfo_);

    search_ = new QLineEdit(this);
    search_->setObjectName(QStringLiteral("search"));
    search_->setClearButtonEnabled(true);
    search_->setPlaceholderText(tr("Search: web  tag:v2  meta:version=2  (Ctrl+F)"));
    auto* focusSearch = new QAction(this);
    focusSearch->setShortcut(QKeySequence::Find);
    focusSearch->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(focusSearch, &QAction::triggered, search_, [this] {
        search_->setFocus();
        search_->selectAll();
    });
    QWidget::addAction(focusSearch);
    regex_ = new QCheckBox(tr("Rege&x"), this);
    regex_->setObjectName(QStringLiteral("regex"));
    sidecars_ = new QCheckBox(tr("Side&cars"), this);
    sidecars_->setObjectName(QStringLiteral("showSidecars"));
    sidecars_->setToolTip(tr("Show sidecar proxies as rows of their own"));
    auto* columns = new QToolButton(this);
    columns->setText(tr("Columns"));
    columns->setPopupMode(QToolButton::InstantPopup);
    connect(search_, &QLineEdit::textChanged, this, &ServicesView::applySearch);
    connect(regex_, &QCheckBox::toggled, this, &ServicesView::applySearch);
    connect(sidecars_, &QCheckBox::toggled, filter_, &ServiceFilterModel::setShowSidecars);

    auto* searchRow = new QHBoxLayout;
    searchRow->addWidget(toolbar);
    searchRow->addStretch(1);
    searchRow->addWidget(search_, 2);
    searchRow->addWidget(regex_);
    searchRow->addWidget(sidecars_);
    searchRow->addWidget(columns);

    banner_ = new HintLine(this);
    banner_->setObjectName(QStringLiteral("agentBanner"));
    banner_->hide();

    table_ = new QTableView(this);
    table_->setObjectName(QStringLiteral("servicesTable"));
    table_->setModel(filter_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(ServicesModel::Name, Qt::AscendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setAlternatingRowColors(true);
    table_->setWordWrap(false);
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 10);
    table_->setItemDelegateForColumn(
        ServicesModel::Health,
        new HealthBadgeDelegate(ServicesModel::HealthRole, table_, ServicesModel::NoteRole));
    table_->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(table_, &QWidget::customContextMenuRequested, this,
            [this](const QPoint& pos) { menu_->popup(table_->viewport()->mapToGlobal(pos)); });
    QHeaderView* header = table_->horizontalHeader();
    header->setSectionsMovable(true);
    header->setStretchLastSection(true);
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    header->resizeSection(ServicesModel::Owned, 40);
    header->resizeSection(ServicesModel::Name, 140);
    // Sized so every column, Checks included, fits the default window (about 1080 px wide)
    // without a horizontal scroll bar.
    header->resizeSection(ServicesModel::Id, 150);
    header->resizeSection(ServicesModel::Address, 120);
    header->resizeSection(ServicesModel::Tags, 90);
    header->resizeSection(ServicesModel::Sidecar, 170);
    header->resizeSection(ServicesModel::Health, 150);
    header->setSectionHidden(ServicesModel::Meta, true);
    connect(header, &QWidget::customContextMenuRequested, this, &ServicesView::showColumnMenu);
    connect(columns, &QToolButton::clicked, this, [this, columns] {
        showColumnMenu(columns->mapTo(table_->horizontalHeader(), QPoint(0, columns->height())));
    });

    checks_ = new QTreeWidget(this);
    checks_->setObjectName(QStringLiteral("checksList"));
    checks_->setHeaderLabels({tr("Check"), tr("Status"), tr("Output")});
    checks_->setRootIsDecorated(false);
    checks_->header()->resizeSection(0, 220);
    checks_->setItemDelegateForColumn(1, new HealthBadgeDelegate(Qt::UserRole, checks_));

    historyFilter_ = new QSortFilterProxyModel(this);
    historyFilter_->setSourceModel(&context_.history());
    historyFilter_->setFilterRole(HealthHistoryModel::ServiceIdRole);
    historyFilter_->setSortRole(HealthHistoryModel::TimeUsRole);
    history_ = new QTableView(this);
    history_->setObjectName(QStringLiteral("historyTable"));
    history_->setModel(historyFilter_);
    history_->setSortingEnabled(true);
    history_->sortByColumn(HealthHistoryModel::Time, Qt::DescendingOrder);
    history_->verticalHeader()->hide();
    history_->setWordWrap(false);
    history_->setAlternatingRowColors(true);
    history_->horizontalHeader()->setStretchLastSection(true);
    history_->horizontalHeader()->resizeSection(HealthHistoryModel::Time, 170);
    history_->horizontalHeader()->resizeSection(HealthHistoryModel::To, 150);
    history_->verticalHeader()->setDefaultSectionSize(history_->fontMetrics().height() + 6);
    allHistory_ = new QCheckBox(tr("All services"), this);
    allHistory_->setObjectName(QStringLiteral("allHistory"));
    connect(allHistory_, &QCheckBox::toggled, this, &ServicesView::updateDetails);
    auto* historyBox = new QWidget(this);
    auto* historyLayout = new QVBoxLayout(historyBox);
    historyLayout->setContentsMargins(0, 0, 0, 0);
    historyLayout->addWidget(allHistory_);
    historyLayout->addWidget(history_);

    info_ = new QPlainTextEdit(this);
    info_->setObjectName(QStringLiteral("infoText"));
    info_->setReadOnly(true);
    info_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    info_->setPlaceholderText(tr("Info (Ctrl+I) and Proxy info (Ctrl+Shift+I) show here."));

    details_ = new QTabWidget(this);
    details_->setObjectName(QStringLiteral("serviceDetails"));
    details_->addTab(checks_, tr("Checks"));
    details_->addTab(historyBox, tr("Health history"));
    details_->addTab(info_, tr("Info"));

    guide_ = new FirstRunGuide(
        tr("No services on this agent yet"),
        tr("Start a service of your own (it registers with a health check and a sidecar), run "
           "the guided demo E4 to see a small mesh come up and go, or connect the console to "
           "another agent."),
        this);
    guide_->setObjectName(QStringLiteral("servicesGuide"));
    guide_->addAction(tr("Start service… (Ctrl+N)"), QStringLiteral("guideStart"),
                      [this] { start_->trigger(); });
    guide_->addAction(tr("Run demo E4"), QStringLiteral("guideDemo"),
                      [this] { emit demoRequested(QStringLiteral("e4")); });
    guide_->addAction(tr("Connect to an agent…"), QStringLiteral("guideConnect"),
                      [this] { emit connectRequested(); });
    tableStack_ = new QStackedWidget(this);
    tableStack_->addWidget(table_);
    tableStack_->addWidget(guide_);

    auto* split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("servicesSplit"));
    split->addWidget(tableStack_);
    split->addWidget(details_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    hint_ = new HintLine(this);
    hint_->showInfo(tr("Select a service, or start one with Ctrl+N."));

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(searchRow);
    layout->addWidget(banner_);
    layout->addWidget(split, 1);
    layout->addWidget(hint_);

    QSettings settings;
    header->restoreState(settings.value(kHeaderKey).toByteArray());
    split->restoreState(settings.value(kSplitKey).toByteArray());
    connect(split, &QSplitter::splitterMoved, this,
            [split] { QSettings().setValue(kSplitKey, split->saveState()); });
    auto saveHeader = [header] { QSettings().setValue(kHeaderKey, header->saveState()); };
    connect(header, &QHeaderView::sectionResized, this, saveHeader);
    connect(header, &QHeaderView::sectionMoved, this, saveHeader);
    connect(header, &QHeaderView::sortIndicatorChanged, this, saveHeader);

    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateDetails();
        updateWidgets();
    });
    connect(&context_.services(), &QAbstractItemModel::dataChanged, this, [this] {
        updateDetails();
        updateWidgets();
    });
    connect(&context_.services(), &QAbstractItemModel::rowsRemoved, this,
            &ServicesView::updateWidgets);
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved}) {
        connect(&context_.services(), signal, this, &ServicesView::updateGuide);
    }
    connect(&context_.services(), &QAbstractItemModel::modelReset, this,
            &ServicesView::updateGuide);
    connect(&context_.monitor(), &engine::AgentMonitor::servicesChanged, this,
            &ServicesView::updateGuide);
    connect(&context_, &ConsoleContext::ownedChanged, this, &ServicesView::updateWidgets);
    connect(&context_.monitor(), &engine::AgentMonitor::reachabilityChanged, this,
            &ServicesView::onReachability);
    updateWidgets();
}

void ServicesView::updateGuide() {
    // Only once the agent answered: a console still connecting is not an empty one.
    const bool empty = context_.monitor().reachable() && context_.services().rowCount() == 0;
    tableStack_->setCurrentWidget(empty ? static_cast<QWidget*>(guide_) : table_);
}

ServicesView::~ServicesView() {
    QSettings().setValue(kHeaderKey, table_->horizontalHeader()->saveState());
}

QAction* ServicesView::makeAction(const QString& text, const QKeySequence& shortcut,
                                  const char* name) {
    return addViewAction(this, text, shortcut, name);
}

QString ServicesView::selectedId() const {
    const QModelIndexList rows = table_->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.front().data(ServicesModel::IdRole).toString();
}

bool ServicesView::selectService(const QString& id) {
    for (int r = 0; r < filter_->rowCount(); ++r) {
        const QModelIndex idx = filter_->index(r, 0);
        if (idx.data(ServicesModel::IdRole).toString() == id) {
            table_->selectionModel()->select(
                idx, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
            table_->setCurrentIndex(idx);
            table_->scrollTo(idx);
            return true;
        }
    }
    return false;
}

void ServicesView::applySearch() {
    filter_->setSearch(search_->text(), regex_->isChecked());
    if (!filter_->searchError().isEmpty()) {
        hint_->showError(filter_->searchError());
    } else if (!search_->text().isEmpty()) {
        hint_->showInfo(tr("%n service(s) match.", nullptr, filter_->rowCount()));
    }
}

void ServicesView::showColumnMenu(const QPoint& pos) {
    QHeaderView* header = table_->horizontalHeader();
    QMenu menu(this);
    for (int c = 0; c < ServicesModel::ColumnCount; ++c) {
        QAction* a = menu.addAction(
            context_.services().headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
        a->setCheckable(true);
        a->setChecked(!header->isSectionHidden(c));
        a->setEnabled(c != ServicesModel::Id);  // the id always shows: actions name it
        connect(a, &QAction::toggled, header, [header, c](bool on) {
            header->setSectionHidden(c, !on);
            QSettings().setValue(kHeaderKey, header->saveState());
        });
    }
    menu.exec(header->mapToGlobal(pos));
}

void ServicesView::openStartDialog(const QString& name, const QString& id, bool force) {
    StartServiceDialog dialog(context_.session().mesh(), context_.session().config(), this);
    if (!name.isEmpty()) {
        dialog.prefill(name, id, force);
    }
    if (dialog.exec() == QDialog::Accepted && dialog.preview().ok()) {
        startService(dialog.preview(), dialog.forceRegistration());
    }
}

void ServicesView::takeOverSelected() {
    const ServicesModel::Row* row = context_.services().find(selectedId());
    if (!row) {
        return;
    }
    openStartDialog(QString::fromStdString(row->name), QString::fromStdString(row->id), true);
}

void ServicesView::startService(const StartPreview& preview, bool forceRegistration) {
    if (!preview.ok()) {
        hint_->showError(preview.error);
        return;
    }
    const QString id = QString::fromStdString(preview.params.hash.value("id", std::string()));
    hint_->showInfo(tr("Starting %1: registering, then waiting for it to pass (up to %2 s)…")
                        .arg(id)
                        .arg(context_.session().config().startTimeoutMs / 1000.0));
    context_.commands().start(
        preview, forceRegistration, this, [this, id](Result<mesh::Started> started) {
            if (!started) {
                QString next;
                switch (started.error().code) {
                    case Code::ServiceNotOwned:
                        next = tr(" Use Take over to register it anyway.");
                        break;
                    case Code::AlreadyStarted:
                        next = tr(" Stop it first to start it again.");
                        break;
                    case Code::ServiceAliveTimeout:
                    case Code::ProxyFailed:
                        next = tr(" See its proxy log in the Proxy logs tab.");
                        break;
                    case Code::AgentUnreachable:
                        next = tr(" Check the agent address in Settings.");
                        break;
                    default:
                        break;
                }
                hint_->showError(tr("Could not start %1: %2.").arg(id, words(started.error())) +
                                 next);
                return;
            }
            hint_->showSuccess(tr("Started %1; it listens on %2.")
                                   .arg(QString::fromStdString(started->serviceId),
                                        QString::fromStdString(started->address.toString())));
            selectService(QString::fromStdString(started->serviceId));
        });
}

void ServicesView::stopSelected() {
    const QString id = selectedId();
    if (id.isEmpty()) {
        hint_->showError(tr("Select a service to stop."));
        return;
    }
    hint_->showInfo(tr("Stopping %1…").arg(id));
    context_.commands().stop(id, this, [this, id](Status st) {
        if (!st) {
            hint_->showError(tr("Could not stop %1: %2.").arg(id, words(st.error())));
            return;
        }
        hint_->showSuccess(tr("Stopped %1 and deregistered it with its sidecar.").arg(id));
    });
}

void ServicesView::setTtlOfSelected(const QString& status) {
    const QString id = selectedId();
    if (id.isEmpty()) {
        hint_->showError(tr("Select one of your services to set its TTL status."));
        return;
    }
    context_.commands().setTtlStatus(id, status, this, [this, id, status](Status st) {
        if (!st) {
            hint_->showError(tr("Could not set %1 to %2: %3.").arg(id, status, words(st.error())));
            return;
        }
        hint_->showSuccess(tr("%1 now reports %2 on each TTL update.").arg(id, status));
    });
}

void ServicesView::restartProxyOfSelected() {
    const QString id = selectedId();
    if (id.isEmpty()) {
        hint_->showError(tr("Select one of your services to restart its proxy."));
        return;
    }
    context_.commands().restartProxy(id, this, [this, id](Status st) {
        if (!st) {
            hint_->showError(
                tr("Could not restart the proxy of %1: %2.").arg(id, words(st.error())));
            return;
        }
        hint_->showSuccess(tr("Restarting the proxy of %1; its log shows the new start.").arg(id));
    });
}

void ServicesView::showInfoOfSelected() {
    const QString id = selectedId();
    if (id.isEmpty()) {
        hint_->showError(tr("Select a service to see its info."));
        return;
    }
    context_.commands().info(id, this, [this, id](Result<nlohmann::json> info) {
        if (!info) {
            hint_->showError(tr("No info for %1: %2.").arg(id, words(info.error())));
            return;
        }
        info_->setPlainText(tr("// info %1\n").arg(id) + QString::fromStdString(info->dump(2)));
        details_->setCurrentWidget(info_);
        hint_->showInfo(tr("Info of %1 as the agent has it.").arg(id));
    });
}

void ServicesView::showProxyInfoOfSelected() {
    const QString id = selectedId();
    if (id.isEmpty()) {
        hint_->showError(tr("Select one of your services to see its proxy."));
        return;
    }
    context_.commands().proxyInfo(id, this, [this, id](Result<mesh::ProxyInfo> info) {
        if (!info) {
            hint_->showError(tr("No proxy info for %1: %2.").arg(id, words(info.error())));
            return;
        }
        info_->setPlainText(tr("// proxy info %1\n").arg(id) +
                            QString::fromStdString(info->toJson().dump(2)));
        details_->setCurrentWidget(info_);
        hint_->showInfo(tr("Proxy of %1 as the engine runs it.").arg(id));
    });
}

void ServicesView::updateDetails() {
    const QString id = selectedId();
    const ServicesModel::Row* row = context_.services().find(id);
    checks_->clear();
    if (row) {
        for (const auto& c : row->checks) {
            auto* item = new QTreeWidgetItem(checks_);
            item->setText(0, QString::fromStdString(c.name.empty() ? c.checkId : c.name));
            item->setToolTip(0, QString::fromStdString(c.checkId));
            item->setText(1, QString::fromStdString(c.status));
            item->setData(1, Qt::UserRole, QString::fromStdString(c.status));
            item->setText(2, QString::fromStdString(c.output).simplified().left(500));
            item->setToolTip(2, QString::fromStdString(c.output).left(4000));
        }
    }
    const QString filter =
        allHistory_->isChecked() || id.isEmpty()
            ? QString()
            : QLatin1Char('^') + QRegularExpression::escape(id) + QLatin1Char('$');
    if (historyFilter_->filterRegularExpression().pattern() != filter) {
        historyFilter_->setFilterRegularExpression(filter);
    }
}

void ServicesView::updateWidgets() {
    const QString id = selectedId();
    const ServicesModel::Row* row = context_.services().find(id);
    const bool owned = row && row->owned;
    const bool reachable = context_.monitor().reachable();
    start_->setEnabled(reachable);
    stop_->setEnabled(owned);
    takeOver_->setEnabled(row && !row->owned && row->kind != "connect-proxy" && reachable);
    ttlPassing_->setEnabled(owned);
    ttlWarning_->setEnabled(owned);
    ttlCritical_->setEnabled(owned);
    restartProxy_->setEnabled(owned);
    infoAction_->setEnabled(row != nullptr && reachable);
    proxyInfo_->setEnabled(owned);
}

void ServicesView::onReachability(bool reachable, const QString& error) {
    if (reachable) {
        banner_->hide();
        hint_->showSuccess(tr("Agent reachable at %1.").arg(context_.session().agentAddress()));
    } else {
        banner_->showError(tr("The agent at %1 is not answering (%2). Showing the last known "
                              "state; this view recovers by itself when the agent returns.")
                               .arg(context_.session().agentAddress(), error));
        banner_->show();
    }
    updateWidgets();
    updateGuide();
}

}  // namespace meshx::ui
