#include "ui/graph/graph_page.h"

#include <QDateTime>
#include <QHeaderView>
#include <QSplitter>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "ui/graph/service_graph_view.h"
#include "ui/shared/hint_line.h"
#include "ui/telemetry/telemetry_page.h"

namespace meshx::ui {

GraphPage::GraphPage(TelemetryPage& telemetry, QWidget* parent)
    : QWidget(parent), telemetry_(telemetry) {
    setObjectName(QStringLiteral("graphPage"));
    auto* layout = new QVBoxLayout(this);
    hint_ = new HintLine(this);
    layout->addWidget(hint_);
    auto* split = new QSplitter(Qt::Vertical, this);
    view_ = new ServiceGraphView(split);
    edges_ = new QTreeWidget(split);
    edges_->setObjectName(QStringLiteral("graphEdges"));
    edges_->setRootIsDecorated(false);
    edges_->setHeaderLabels({tr("From"), tr("To"), tr("Calls/s"), tr("Errors"), tr("p99"),
                             tr("Calls"), tr("Flows"), tr("Denied"), tr("Last denial"),
                             tr("Spans")});
    edges_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);
    hint_->showInfo(
        tr("Services seen in the telemetry of every tap (calls: client ends; flows: "
           "sidecars; spans: received OpenTelemetry parent/child spans across services). "
           "Click an edge to filter the stream on it."));

    connect(view_, &ServiceGraphView::edgeClicked, this, &GraphPage::selectEdge);
    connect(edges_, &QTreeWidget::itemActivated, this,
            [this](QTreeWidgetItem* item, int) { selectEdge(edges_->indexOfTopLevelItem(item)); });
    connect(edges_, &QTreeWidget::itemClicked, this,
            [this](QTreeWidgetItem* item, int) { selectEdge(edges_->indexOfTopLevelItem(item)); });
    timer_ = new QTimer(this);
    timer_->setInterval(1000);
    connect(timer_, &QTimer::timeout, this, [this] {
        if (isVisible())
            refresh();
    });
    timer_->start();
}

void GraphPage::refresh() {
    auto snapshot = telemetry_.graphSnapshot(QDateTime::currentMSecsSinceEpoch() * 1000);
    const int selected = view_->selectedEdge();
    edges_->clear();
    for (const auto& e : snapshot.edges) {
        auto* item = new QTreeWidgetItem(edges_);
        item->setText(0, QString::fromStdString(e.from));
        item->setText(1, QString::fromStdString(e.to));
        item->setText(2, QString::number(e.callsPerSec, 'f', 1));
        item->setText(3, QStringLiteral("%1 %").arg(100.0 * e.errorRate, 0, 'f', 1));
        item->setText(4, QStringLiteral("%1 ms").arg(double(e.p99Us) / 1000.0, 0, 'f', 2));
        item->setText(5, QString::number(e.calls));
        item->setText(6, QString::number(e.flows));
        item->setText(7, QString::number(e.denied));
        item->setText(8, QString::fromStdString(e.lastDenial));
        item->setText(9, QString::number(e.spans));
        if (e.denied > 0 || e.errorRate > 0)
            for (int c = 0; c < item->columnCount(); ++c)
                item->setForeground(c, QColor(0xd6, 0x27, 0x28));
    }
    view_->setSnapshot(std::move(snapshot));
    if (selected >= 0 && selected < edges_->topLevelItemCount())
        edges_->topLevelItem(selected)->setSelected(true);
}

void GraphPage::selectEdge(int edge) {
    const auto& edges = view_->snapshot().edges;
    if (edge < 0 || edge >= static_cast<int>(edges.size()))
        return;
    view_->setSelectedEdge(edge);
    const auto& e = edges[static_cast<size_t>(edge)];
    if (e.filter.empty()) {
        hint_->showInfo(tr("%1 → %2: sidecar flows only, no RPC event to filter on.")
                            .arg(QString::fromStdString(e.from), QString::fromStdString(e.to)));
        return;
    }
    const QString filter = QString::fromStdString(e.filter);
    if (telemetry_.applyFilter(filter)) {
        hint_->showSuccess(
            tr("Stream filtered on %1 → %2: %3")
                .arg(QString::fromStdString(e.from), QString::fromStdString(e.to), filter));
        emit streamFiltered(filter);
    }
}

}  // namespace meshx::ui
