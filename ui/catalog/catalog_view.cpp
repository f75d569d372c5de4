#include "ui/catalog/catalog_view.h"

#include <QAction>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include "engine/agent_monitor.h"
#include "engine/catalog_watch.h"
#include "ui/catalog/catalog_model.h"
#include "ui/catalog/catalog_nodes_model.h"
#include "ui/shared/first_run_guide.h"
#include "ui/shared/health_badge_delegate.h"
#include "ui/shared/hint_line.h"
#include "ui/shared/view_parts.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"
#include "ui/shell/service_commands.h"

namespace meshx::ui {

CatalogView::CatalogView(ConsoleContext& context, QWidget* parent)
    : QWidget(parent), context_(context) {
    watch_ = &context_.session().engine().catalog();
    instances_ = new CatalogModel(this);
    nodes_ = new CatalogNodesModel(this);

    start_ = addViewAction(this, tr("&Start service…"), QKeySequence::New, "catalogStart");
    stop_ = addViewAction(this, tr("S&top instance"), QKeySequence::Delete, "catalogStop");
    refresh_ = addViewAction(this, tr("&Refresh"), QKeySequence::Refresh, "catalogRefresh");
    auto* focusDc =
        addViewAction(this, tr("&Datacenter"), QKeySequence(Qt::ALT | Qt::Key_D), "pickDc");
    auto* focusNodes =
        addViewAction(this, tr("&Nodes"), QKeySequence(Qt::ALT | Qt::Key_N), "focusNodes");
    connect(start_, &QAction::triggered, this, &CatalogView::startServiceRequested);
    connect(stop_, &QAction::triggered, this, &CatalogView::stopSelected);
    connect(refresh_, &QAction::triggered, watch_, &engine::CatalogWatch::refresh);

    dcBox_ = new QComboBox(this);
    dcBox_->setObjectName(QStringLiteral("datacenter"));
    dcBox_->setMinimumContentsLength(12);
    dcBox_->setToolTip(
        tr("Datacenter (Alt+D): the catalog of another datacenter, as ?dc= reads it"));
    connect(focusDc, &QAction::triggered, dcBox_, [this] {
        dcBox_->setFocus();
        dcBox_->showPopup();
    });
    connect(dcBox_, &QComboBox::activated, this,
            [this](int i) { setDatacenter(dcBox_->itemData(i).toString()); });
    auto* toolbar = new QToolBar(this);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    toolbar->addAction(start_);
    toolbar->addAction(stop_);
    toolbar->addAction(refresh_);
    auto* top = new QHBoxLayout;
    auto* dcLabel = new QLabel(tr("&Datacenter"), this);
    dcLabel->setBuddy(dcBox_);
    top->addWidget(dcLabel);
    top->addWidget(dcBox_);
    top->addStretch(1);
    top->addWidget(toolbar);

    nodesTable_ = new QTableView(this);
    nodesTable_->setObjectName(QStringLiteral("catalogNodes"));
    nodesTable_->setModel(nodes_);
    nodesTable_->setSelectionBehavior(QAbstractItemView::SelectRows);
    nodesTable_->setSelectionMode(QAbstractItemView::SingleSelection);
    nodesTable_->verticalHeader()->hide();
    nodesTable_->verticalHeader()->setDefaultSectionSize(nodesTable_->fontMetrics().height() + 10);
    nodesTable_->horizontalHeader()->setStretchLastSection(true);
    nodesTable_->horizontalHeader()->resizeSection(CatalogNodesModel::Node, 120);
    nodesTable_->horizontalHeader()->resizeSection(CatalogNodesModel::Address, 90);
    nodesTable_->horizontalHeader()->resizeSection(CatalogNodesModel::Instances, 70);
    nodesTable_->setItemDelegateForColumn(
        CatalogNodesModel::Health,
        new HealthBadgeDelegate(CatalogNodesModel::HealthRole, nodesTable_));
    connect(focusNodes, &QAction::triggered, nodesTable_, [this] { nodesTable_->setFocus(); });
    connect(nodesTable_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                instances_->setNodeFilter(current.data(CatalogNodesModel::NodeRole).toString());
                updateWidgets();
            });

    table_ = new QTableView(this);
    table_->setObjectName(QStringLiteral("catalogInstances"));
    table_->setModel(instances_);
    setUpRowTable(table_);
    table_->setWordWrap(false);
    table_->setItemDelegateForColumn(CatalogModel::Health,
                                     new HealthBadgeDelegate(CatalogModel::HealthRole, table_));
    QHeaderView* header = table_->horizontalHeader();
    header->setStretchLastSection(true);
    header->resizeSection(CatalogModel::Service, 110);
    header->resizeSection(CatalogModel::Id, 140);
    header->resizeSection(CatalogModel::Node, 100);
    header->resizeSection(CatalogModel::Address, 130);
    header->resizeSection(CatalogModel::Health, 100);
    header->resizeSection(CatalogModel::Control, 80);
    header->resizeSection(CatalogModel::Tags, 70);
    popUpOnRows(table_, {stop_, refresh_});
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &CatalogView::updateWidgets);

    guide_ = new FirstRunGuide(
        tr("No services in this catalog yet"),
        tr("Start a service of your own, run the guided demo E4 to see a mesh come up, or "
           "connect the console to another agent (a real Consul cluster shows every node here)."),
        this);
    guide_->setObjectName(QStringLiteral("catalogGuide"));
    guide_->addAction(tr("Start service… (Ctrl+N)"), QStringLiteral("guideStart"),
                      [this] { emit startServiceRequested(); });
    guide_->addAction(tr("Run demo E4"), QStringLiteral("guideDemo"),
                      [this] { emit demoRequested(QStringLiteral("e4")); });
    guide_->addAction(tr("Connect to an agent…"), QStringLiteral("guideConnect"),
                      [this] { emit connectRequested(); });
    stack_ = new QStackedWidget(this);
    stack_->addWidget(table_);
    stack_->addWidget(guide_);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(QStringLiteral("catalogSplit"));
    split->addWidget(nodesTable_);
    split->addWidget(stack_);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 3);
    split->setSizes({400, 860});

    banner_ = new HintLine(this);
    banner_->setObjectName(QStringLiteral("catalogBanner"));
    banner_->hide();
    hint_ = new HintLine(this);
    hint_->setObjectName(QStringLiteral("catalogHint"));
    hint_->showInfo(
        tr("Pick a node to see only its instances. Instances on other nodes are "
           "read-only; yours (★) can be stopped (Del)."));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(banner_);
    layout->addWidget(split, 1);
    layout->addWidget(hint_);

    connect(watch_, &engine::CatalogWatch::changed, this, &CatalogView::onSnapshot);
    connect(watch_, &engine::CatalogWatch::datacentersChanged, this, &CatalogView::onDatacenters);
    connect(watch_, &engine::CatalogWatch::failed, this, [this](const QString& error) {
        banner_->showError(
            tr("The catalog watch failed: %1 — the last known state stays.").arg(error));
        banner_->show();
    });
    connect(&context_, &ConsoleContext::ownedChanged, this, &CatalogView::updateOwnership);
    connect(&context_.monitor(), &engine::AgentMonitor::selfChanged, this,
            &CatalogView::updateOwnership);
    updateOwnership();
    watch_->watch();
    updateWidgets();
}

CatalogView::~CatalogView() = default;

void CatalogView::setDatacenter(const QString& dc) {
    QString want = dc;
    if (context_.monitor().hasSelf() &&
        want == QString::fromStdString(context_.monitor().self().datacenter)) {
        want.clear();  // the agent's own: no ?dc=
    }
    if (want.toStdString() == watch_->datacenter() && watch_->loaded()) {
        return;
    }
    banner_->hide();
    watch_->watch(want.toStdString());
    onDatacenters();
    hint_->showInfo(tr("Datacenter %1.").arg(dc.isEmpty() ? tr("of the agent") : dc));
}

QString CatalogView::datacenter() const {
    return QString::fromStdString(watch_->datacenter());
}

bool CatalogView::selectNode(const QString& node) {
    const int row = nodes_->rowOf(node);
    if (row < 0) {
        return false;
    }
    nodesTable_->setCurrentIndex(nodes_->index(row, 0));
    return true;
}

bool CatalogView::selectInstance(const QString& node, const QString& id) {
    const int row = instances_->rowOf(node, id);
    if (row < 0) {
        return false;
    }
    table_->selectionModel()->select(
        instances_->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    table_->setCurrentIndex(instances_->index(row, 0));
    return true;
}

void CatalogView::stopSelected() {
    const QModelIndexList rows = table_->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        hint_->showError(tr("Select an instance first."));
        return;
    }
    const QModelIndex row = rows.front();
    const QString id = row.data(CatalogModel::IdRole).toString();
    if (!row.data(CatalogModel::OwnedRole).toBool()) {
        hint_->showError(tr("%1 on node %2 was not started by this console: it is read-only here.")
                             .arg(id, row.data(CatalogModel::NodeRole).toString()));
        return;
    }
    hint_->showInfo(tr("Stopping %1…").arg(id));
    context_.commands().stop(id, this, [this, id](Status status) {
        if (!status) {
            hint_->showError(tr("Could not stop %1: %2")
                                 .arg(id, QString::fromStdString(status.error().toString())));
            return;
        }
        hint_->showSuccess(tr("Stopped %1.").arg(id));
        watch_->refresh();
    });
}

void CatalogView::onSnapshot() {
    banner_->hide();
    const QString node = instances_->nodeFilter();
    const QModelIndexList selected = table_->selectionModel()->selectedRows();
    const QString selNode =
        selected.isEmpty() ? QString() : selected.front().data(CatalogModel::NodeRole).toString();
    const QString selId =
        selected.isEmpty() ? QString() : selected.front().data(CatalogModel::IdRole).toString();
    nodes_->setSnapshot(watch_->snapshot());
    instances_->setSnapshot(watch_->snapshot());
    if (!selectNode(node)) {
        selectNode({});
    }
    if (!selId.isEmpty()) {
        selectInstance(selNode, selId);
    }
    updateWidgets();
}

void CatalogView::onDatacenters() {
    const QSignalBlocker block(dcBox_);
    dcBox_->clear();
    const std::string own =
        context_.monitor().hasSelf() ? context_.monitor().self().datacenter : std::string();
    for (const auto& dc : watch_->datacenters()) {
        const QString name = QString::fromStdString(dc);
        dcBox_->addItem(dc == own ? tr("%1 (this agent)").arg(name) : name, name);
    }
    if (dcBox_->count() == 0) {
        dcBox_->addItem(tr("this agent's"), QString());
    }
    const QString current = watch_->datacenter().empty()
                                ? QString::fromStdString(own)
                                : QString::fromStdString(watch_->datacenter());
    const int index = dcBox_->findData(current);
    dcBox_->setCurrentIndex(index < 0 ? 0 : index);
}

void CatalogView::updateOwnership() {
    const engine::AgentMonitor& m = context_.monitor();
    instances_->setOwnership(m.hasSelf() ? m.self().nodeName : std::string(),
                             m.hasSelf() ? m.self().datacenter : std::string(), context_.owned());
    if (dcBox_->count() > 0) {
        onDatacenters();
    }
    updateWidgets();
}

void CatalogView::updateWidgets() {
    const bool empty = watch_->loaded() && watch_->snapshot().instances.empty();
    stack_->setCurrentWidget(empty ? static_cast<QWidget*>(guide_) : table_);
    if (empty) {
        const QString dc = watch_->datacenter().empty() ? tr("this agent's datacenter")
                                                        : tr("datacenter %1").arg(datacenter());
        guide_->setText(tr("No service instances in %1 yet (%n node(s) known). Start a service of "
                           "your own, run the guided demo E4 to see a mesh come up, or connect "
                           "the console to another agent — a real Consul cluster shows every "
                           "node here.",
                           nullptr, static_cast<int>(watch_->snapshot().nodes.size()))
                            .arg(dc));
    }
    const QModelIndexList rows = table_->selectionModel()->selectedRows();
    const bool owned = !rows.isEmpty() && rows.front().data(CatalogModel::OwnedRole).toBool();
    stop_->setEnabled(owned);
    stop_->setToolTip(owned ? tr("Stop this instance (Del)")
                            : tr("Only instances this console started can be stopped here"));
}

}  // namespace meshx::ui
