#include "ui/upstreams/upstreams_view.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "engine/agent_monitor.h"
#include "mesh/service_mesh.h"
#include "ui/shared/health_badge_delegate.h"
#include "ui/shared/hint_line.h"
#include "ui/shared/services_model.h"
#include "ui/shared/upstreams_model.h"
#include "ui/shared/view_parts.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"
#include "ui/shell/service_commands.h"

namespace meshx::ui {

UpstreamsView::UpstreamsView(ConsoleContext& context, QWidget* parent)
    : QWidget(parent), context_(context) {
    filter_ = new QSortFilterProxyModel(this);
    filter_->setSourceModel(&context_.upstreams());
    filter_->setFilterCaseSensitivity(Qt::CaseInsensitive);
    filter_->setFilterKeyColumn(-1);

    destination_ = makeNameCombo(this, "destination", 16, tr("destination service"));
    proxyService_ = makeNameCombo(this, "proxyService", 16, QString());
    proxyService_->setToolTip(
        tr("The service whose sidecar gets the upstream; the default "
           "proxy service is started when it is not running yet."));
    restart_ = new QCheckBox(tr("Restart proxy on disconnect"), this);
    restart_->setObjectName(QStringLiteral("restartOnDisconnect"));
    restart_->setToolTip(
        tr("Restart the proxy so connections already open through the "
           "upstream are closed too."));
    restart_->setChecked(QSettings().value(QStringLiteral("upstreams/restart"), false).toBool());
    connect(restart_, &QCheckBox::toggled, this,
            [](bool on) { QSettings().setValue(QStringLiteral("upstreams/restart"), on); });

    connect_ = addViewAction(this, tr("&Connect"), QKeySequence(Qt::CTRL | Qt::Key_Return),
                             "connectUpstream");
    disconnect_ =
        addViewAction(this, tr("&Disconnect"), QKeySequence::Delete, "disconnectUpstream");
    connect(connect_, &QAction::triggered, this, [this] {
        connectUpstream(destination_->currentText().trimmed(),
                        proxyService_->currentText().trimmed());
    });
    connect(disconnect_, &QAction::triggered, this, &UpstreamsView::disconnectSelected);
    auto* connectButton = new QPushButton(this);
    connectButton->setText(tr("Connect"));
    connect(connectButton, &QPushButton::clicked, connect_, &QAction::trigger);
    auto* disconnectButton = new QPushButton(tr("Disconnect"), this);
    connect(disconnectButton, &QPushButton::clicked, disconnect_, &QAction::trigger);
    connect(disconnect_, &QAction::changed, disconnectButton,
            [this, disconnectButton] { disconnectButton->setEnabled(disconnect_->isEnabled()); });

    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Connect"), this));
    bar->addWidget(destination_);
    bar->addWidget(new QLabel(tr("to the sidecar of"), this));
    bar->addWidget(proxyService_);
    bar->addWidget(connectButton);
    bar->addStretch(1);
    bar->addWidget(restart_);
    bar->addWidget(disconnectButton);

    banner_ = new HintLine(this);
    banner_->hide();

    table_ = new QTableView(this);
    table_->setObjectName(QStringLiteral("upstreamsTable"));
    table_->setModel(filter_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(UpstreamsModel::ProxyService, Qt::AscendingOrder);
    setUpRowTable(table_);
    table_->setItemDelegateForColumn(UpstreamsModel::DestinationHealth,
                                     new HealthBadgeDelegate(UpstreamsModel::HealthRole, table_));
    QHeaderView* header = table_->horizontalHeader();
    header->setStretchLastSection(true);
    header->resizeSection(UpstreamsModel::ProxyService, 180);
    header->resizeSection(UpstreamsModel::Destination, 160);
    header->resizeSection(UpstreamsModel::BindAddress, 170);
    header->resizeSection(UpstreamsModel::DestinationHealth, 210);
    header->restoreState(QSettings().value(QStringLiteral("upstreams/header")).toByteArray());
    connect(header, &QHeaderView::sectionResized, this, [header] {
        QSettings().setValue(QStringLiteral("upstreams/header"), header->saveState());
    });
    popUpOnRows(table_, {disconnect_});

    hint_ = new HintLine(this);
    hint_->showInfo(
        tr("Name a destination and connect it; your service then dials the local "
           "bind address shown here."));

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(banner_);
    layout->addWidget(table_, 1);
    layout->addWidget(hint_);

    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &UpstreamsView::updateWidgets);
    connect(&context_.services(), &QAbstractItemModel::rowsInserted, this,
            &UpstreamsView::refreshPickers);
    connect(&context_.services(), &QAbstractItemModel::rowsRemoved, this,
            &UpstreamsView::refreshPickers);
    connect(&context_.upstreams(), &QAbstractItemModel::rowsRemoved, this,
            &UpstreamsView::updateWidgets);
    connect(&context_, &ConsoleContext::ownedChanged, this, &UpstreamsView::updateWidgets);
    connect(&context_.monitor(), &engine::AgentMonitor::reachabilityChanged, this,
            [this](bool reachable, const QString& error) {
                banner_->setVisible(!reachable);
                if (!reachable) {
                    banner_->showError(tr("The agent is not answering (%1); upstream health "
                                          "shown is the last known.")
                                           .arg(error));
                }
                updateWidgets();
            });
    refreshPickers();
    updateWidgets();
}

void UpstreamsView::refreshPickers() {
    const QString destination = destination_->currentText();
    const QString proxy = proxyService_->currentText();
    destination_->clear();
    destination_->addItems(context_.services().serviceNames());
    destination_->setCurrentText(destination);
    QStringList proxies{QString::fromStdString(mesh::ProxyService::defaults().id)};
    for (const auto& id : context_.owned()) {
        proxies << QString::fromStdString(id);
    }
    proxies.removeDuplicates();
    proxyService_->clear();
    proxyService_->addItems(proxies);
    proxyService_->setCurrentText(proxy.isEmpty() ? proxies.front() : proxy);
}

bool UpstreamsView::selectUpstream(const QString& proxyServiceId, const QString& destination) {
    for (int r = 0; r < filter_->rowCount(); ++r) {
        const QModelIndex idx = filter_->index(r, 0);
        if (idx.data(UpstreamsModel::ProxyServiceIdRole).toString() == proxyServiceId &&
            idx.data(UpstreamsModel::DestinationRole).toString() == destination) {
            table_->selectionModel()->select(
                idx, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
            return true;
        }
    }
    return false;
}

void UpstreamsView::connectUpstream(const QString& destination, const QString& proxyServiceId) {
    if (destination.isEmpty()) {
        hint_->showError(tr("Name the destination service to connect to."));
        return;
    }
    const QString proxy = proxyServiceId.isEmpty()
                              ? QString::fromStdString(mesh::ProxyService::defaults().id)
                              : proxyServiceId;
    hint_->showInfo(tr("Connecting %1 to %2…").arg(proxy, destination));
    context_.commands().connectUpstream(
        destination, proxy, this, [this, destination, proxy](Result<net::Address> address) {
            if (!address) {
                hint_->showError(tr("Could not connect %1 to %2: %3.")
                                     .arg(proxy, destination,
                                          QString::fromStdString(address.error().toString())));
                return;
            }
            hint_->showSuccess(
                tr("%1 reaches %2 at %3.")
                    .arg(proxy, destination, QString::fromStdString(address->toString())));
            refreshPickers();
        });
}

void UpstreamsView::disconnectSelected() {
    const QModelIndexList rows = table_->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        hint_->showError(tr("Select an upstream to disconnect."));
        return;
    }
    const QString proxy = rows.front().data(UpstreamsModel::ProxyServiceIdRole).toString();
    const QString destination = rows.front().data(UpstreamsModel::DestinationRole).toString();
    const bool restart = restart_->isChecked();
    context_.commands().disconnectUpstream(
        destination, proxy, restart, this, [this, destination, proxy, restart](Status st) {
            if (!st) {
                hint_->showError(
                    tr("Could not disconnect %1 from %2: %3.")
                        .arg(proxy, destination, QString::fromStdString(st.error().toString())));
                return;
            }
            hint_->showSuccess(
                restart
                    ? tr("Disconnected %1 from %2 and restarted its proxy.").arg(proxy, destination)
                    : tr("Disconnected %1 from %2; connections already "
                         "open stay until the proxy restarts.")
                          .arg(proxy, destination));
        });
}

void UpstreamsView::updateWidgets() {
    const QModelIndexList rows = table_->selectionModel()->selectedRows();
    const bool owned = !rows.isEmpty() && rows.front().data(UpstreamsModel::OwnedRole).toBool();
    disconnect_->setEnabled(owned);
    connect_->setEnabled(context_.monitor().reachable());
}

}  // namespace meshx::ui
