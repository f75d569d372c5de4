#include "ui/telemetry/telemetry_page.h"

#include <QCheckBox>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <chrono>

#include "rpc/telemetry_printer.h"
#include "telemetry/export/prometheus_endpoint.h"
#include "telemetry/filter/event_filter.h"
#include "telemetry/telemetry_bus.h"
#include "telemetry/watch/tap_subscriber.h"
#include "ui/shared/hint_line.h"
#include "ui/shell/console_session.h"
#include "ui/telemetry/mesh_taps.h"
#include "ui/telemetry/request_trip.h"
#include "ui/telemetry/telemetry_plots.h"
#include "ui/telemetry/telemetry_stream_model.h"

namespace meshx::ui {

using telemetry::EventFilter;
using telemetry::RpcRecord;

namespace {

const QString kGroup = QStringLiteral("live/telemetry/");

QString key(const char* name) {
    return kGroup + QLatin1String(name);
}

}  // namespace

TelemetryPage::TelemetryPage(telemetry::TelemetryBus& bus, QWidget* parent, size_t rowsPerSecond)
    : QWidget(parent), bus_(bus) {
    setObjectName(QStringLiteral("telemetryPage"));
    QSettings settings;
    const auto limit = static_cast<size_t>(
        std::clamp(settings.value(key("historyLimit"), 50000).toLongLong(), 100LL, 1000000LL));
    model_ = new TelemetryStreamModel(limit, this);

    auto* layout = new QVBoxLayout(this);

    // Tool row: pause, auto-scroll, clear, columns, export, Prometheus, status.
    auto* tools = new QHBoxLayout;
    pause_ = new QToolButton(this);
    pause_->setObjectName(QStringLiteral("pause"));
    pause_->setText(tr("Pause"));
    pause_->setCheckable(true);
    pause_->setToolTip(
        tr("Freeze the table and plots; events keep arriving and are shown on "
           "resume (up to the history bound)."));
    autoScrollButton_ = new QToolButton(this);
    autoScrollButton_->setObjectName(QStringLiteral("autoScroll"));
    autoScrollButton_->setText(tr("Auto-scroll"));
    autoScrollButton_->setCheckable(true);
    autoScrollButton_->setChecked(true);
    auto* clear = new QToolButton(this);
    clear->setText(tr("Clear"));
    columns_ = new QToolButton(this);
    columns_->setObjectName(QStringLiteral("columns"));
    columns_->setText(tr("Columns"));
    columns_->setPopupMode(QToolButton::InstantPopup);
    auto* exportCsv = new QToolButton(this);
    exportCsv->setText(tr("Export CSV…"));
    auto* exportJson = new QToolButton(this);
    exportJson->setText(tr("Export JSON lines…"));
    promOn_ = new QCheckBox(tr("Prometheus on 127.0.0.1:"), this);
    promOn_->setObjectName(QStringLiteral("prometheus"));
    promOn_->setToolTip(
        tr("Serve aggregate metrics at http://127.0.0.1:PORT/metrics (off by "
           "default; never on another interface)."));
    promPort_ = new QSpinBox(this);
    promPort_->setRange(1, 65535);
    promPort_->setValue(settings.value(key("prometheusPort"), 9464).toInt());
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("streamStatus"));
    tools->addWidget(pause_);
    tools->addWidget(autoScrollButton_);
    tools->addWidget(clear);
    tools->addWidget(columns_);
    tools->addWidget(exportCsv);
    tools->addWidget(exportJson);
    tools->addSpacing(12);
    tools->addWidget(promOn_);
    tools->addWidget(promPort_);
    tools->addStretch(1);
    tools->addWidget(status_);
    layout->addLayout(tools);

    // Filter row and saved filters.
    auto* filterRow = new QHBoxLayout;
    filter_ = new QLineEdit(this);
    filter_->setObjectName(QStringLiteral("filter"));
    filter_->setClearButtonEnabled(true);
    filter_->setPlaceholderText(
        tr("Display filter, e.g. fun == echo and t.exec > 2ms or remote.svc_ref matches \"-2$\""));
    auto* apply = new QPushButton(tr("Apply"), this);
    auto* save = new QPushButton(tr("Save"), this);
    save->setToolTip(tr("Keep this filter as a button (right-click a button to remove it)."));
    filterRow->addWidget(new QLabel(tr("Filter"), this));
    filterRow->addWidget(filter_, 1);
    filterRow->addWidget(apply);
    filterRow->addWidget(save);
    layout->addLayout(filterRow);
    savedBar_ = new QHBoxLayout;
    savedBar_->addStretch(1);
    layout->addLayout(savedBar_);
    hint_ = new HintLine(this);
    layout->addWidget(hint_);
    // Says when the rows are a sample (more events than the view can show); hidden otherwise.
    samplingNotice_ = new QLabel(this);
    samplingNotice_->setObjectName(QStringLiteral("samplingNotice"));
    samplingNotice_->setWordWrap(true);
    samplingNotice_->setStyleSheet(
        QStringLiteral("QLabel { background: #fff3cd; color: #664d03; border: 1px solid #e0c36a; "
                       "padding: 3px; }"));
    // The time column's first formatting loads the time zone and calendar: here, not in the
    // first take of a flood.
    {
        RpcRecord probe;
        probe.timeUs = QDateTime::currentMSecsSinceEpoch() * 1000;
        (void)TelemetryStreamModel::cellText(probe, TelemetryStreamModel::Time);
    }
    // Polished and laid out once now (style sheet, fonts, word wrap): in a fresh console its
    // first appearance, in the middle of a flood, cost the GUI thread ~10 ms of CPU otherwise.
    samplingNotice_->ensurePolished();
    samplingNotice_->setText(
        tr("Rows are sampled: showing 1 in 10.0 rows (200000 rows/s match the "
           "filter). Counters count every event: 0 received, 0 matched."));
    (void)samplingNotice_->heightForWidth(1000);
    samplingNotice_->clear();
    // Its row is kept while hidden (two lines): the notice appearing or going never re-lays the
    // page out, which resized the table and the plots and re-rendered the plots' buffers (~30 ms
    // of the GUI thread at the start of a flood).
    QSizePolicy policy = samplingNotice_->sizePolicy();
    policy.setRetainSizeWhenHidden(true);
    samplingNotice_->setSizePolicy(policy);
    samplingNotice_->setMinimumHeight(2 * samplingNotice_->fontMetrics().lineSpacing() + 8);
    samplingNotice_->setVisible(false);
    layout->addWidget(samplingNotice_);

    // Table above; plots, trip and detail below.
    auto* split = new QSplitter(Qt::Vertical, this);
    table_ = new QTableView(split);
    table_->setObjectName(QStringLiteral("stream"));
    table_->setModel(model_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setAlternatingRowColors(true);
    table_->setWordWrap(false);
    table_->verticalHeader()->setVisible(false);
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 4);
    table_->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    table_->horizontalHeader()->setSectionsMovable(true);
    table_->horizontalHeader()->setDefaultSectionSize(84);
    table_->horizontalHeader()->resizeSection(TelemetryStreamModel::Time, 110);
    table_->horizontalHeader()->resizeSection(TelemetryStreamModel::Result, 120);
    bottom_ = new QTabWidget(split);
    plots_ = new TelemetryPlots(bottom_);
    trip_ = new RequestTripView(bottom_);
    detail_ = new QPlainTextEdit(bottom_);
    detail_->setObjectName(QStringLiteral("detail"));
    detail_->setReadOnly(true);
    detail_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    bottom_->addTab(plots_, tr("Plots"));
    bottom_->addTab(trip_, tr("Request trip"));
    bottom_->addTab(detail_, tr("Event detail"));
    tapList_ = new QTreeWidget(bottom_);
    tapList_->setObjectName(QStringLiteral("tapList"));
    tapList_->setRootIsDecorated(false);
    tapList_->setHeaderLabels({tr("Tap"), tr("Services"), tr("Process"), tr("State"), tr("Events"),
                               tr("Dropped"), tr("Last error")});
    bottom_->addTab(tapList_, tr("Taps"));
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);

    const QStringList hidden =
        settings
            .value(key("hiddenColumns"),
                   QStringList{QStringLiteral("local.conn_ref"), QStringLiteral("remote.node_ref"),
                               QStringLiteral("t.hsk"), QStringLiteral("t.idle"),
                               QStringLiteral("blocks.recv"), QStringLiteral("blocks.send")})
            .toStringList();
    for (int c = 0; c < TelemetryStreamModel::ColumnCount; ++c) {
        table_->setColumnHidden(c, hidden.contains(TelemetryStreamModel::columnField(c)));
    }
    buildColumnMenu();
    saved_ = settings
                 .value(key("savedFilters"),
                        QStringList{QStringLiteral("result != ok"),
                                    QStringLiteral("event == call and source == rpc.client")})
                 .toStringList();
    for (const QString& f : saved_)
        addSavedFilterButton(f);

    subscription_ = bus_.subscribe(kQueueCapacity);
    taps_ = new MeshTaps(this);
    remote_ = taps_->subscriberPtr();
    maxRowsPerTake_ = std::max<size_t>(1000, rowsPerSecond * 2 * kTakeMs / 1000);
    // The first takes are small and grow while quick: in a fresh process each new row is also
    // fresh memory (the history's first growth), so a full take would fault ~400 pages at once.
    rowsPerTake_ = kMinRowsPerTake;
    ingest_ = std::make_unique<TelemetryIngest>(
        std::vector<std::shared_ptr<telemetry::Subscription>>{subscription_, remote_},
        rowsPerSecond);
    prometheus_ = new telemetry::PrometheusEndpoint(
        [ingest = ingest_.get()] { return ingest->renderPrometheus(); }, this);

    connect(pause_, &QToolButton::toggled, this, &TelemetryPage::setPaused);
    connect(autoScrollButton_, &QToolButton::toggled, this, &TelemetryPage::setAutoScroll);
    // The user scrolling up (wheel, scroll bar, drag) means "let me read": stop following.
    // actionTriggered carries only user actions, never our own scrollToBottom().
    connect(table_->verticalScrollBar(), &QAbstractSlider::actionTriggered, this, [this](int) {
        QScrollBar* bar = table_->verticalScrollBar();
        if (autoScroll_ && bar->sliderPosition() < bar->maximum()) {
            setAutoScroll(false);
            hint_->showInfo(
                tr("Auto-scroll stopped: you scrolled up. Press Auto-scroll to "
                   "follow new events again."));
        }
    });
    connect(clear, &QToolButton::clicked, this, [this] {
        model_->clear();
        held_.clear();
        plotsGeneration_ = ingest_->clearSeries();
        plots_->series().clear();
        plots_->markDirty();
        updateWidgets();
    });
    connect(table_->horizontalHeader(), &QHeaderView::customContextMenuRequested, this,
            [this](const QPoint& at) {
                columnMenu_->popup(table_->horizontalHeader()->mapToGlobal(at));
            });
    connect(filter_, &QLineEdit::textChanged, this, &TelemetryPage::validateFilter);
    connect(filter_, &QLineEdit::returnPressed, this, [this] { applyFilter(filter_->text()); });
    connect(apply, &QPushButton::clicked, this, [this] { applyFilter(filter_->text()); });
    connect(save, &QPushButton::clicked, this, &TelemetryPage::saveCurrentFilter);
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &TelemetryPage::onCurrentChanged);
    connect(exportCsv, &QToolButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export CSV"), QStringLiteral("telemetry.csv"), tr("CSV (*.csv)"));
        if (path.isEmpty())
            return;
        if (auto s = exportTo(path, ExportFormat::Csv); !s.ok())
            hint_->showError(QString::fromStdString(s.error().message));
        else
            hint_->showSuccess(tr("Wrote %n row(s) to %1", nullptr, model_->rowCount()).arg(path));
    });
    connect(exportJson, &QToolButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export JSON lines"),
                                                          QStringLiteral("telemetry.jsonl"),
                                                          tr("JSON lines (*.jsonl *.json)"));
        if (path.isEmpty())
            return;
        if (auto s = exportTo(path, ExportFormat::JsonLines); !s.ok())
            hint_->showError(QString::fromStdString(s.error().message));
        else
            hint_->showSuccess(tr("Wrote %n row(s) to %1", nullptr, model_->rowCount()).arg(path));
    });
    connect(promOn_, &QCheckBox::toggled, this, [this](bool on) {
        if (auto s = setPrometheus(on, static_cast<quint16>(promPort_->value())); !s.ok())
            hint_->showError(QString::fromStdString(s.error().message));
    });

    connect(taps_, &MeshTaps::targetsChanged, this, [this] {
        ingest_->setServiceNames(taps_->serviceNames());
        refreshTapList();
        updateWidgets();
    });
    drainTimer_ = new QTimer(this);
    drainTimer_->setInterval(kTakeMs);
    connect(drainTimer_, &QTimer::timeout, this, &TelemetryPage::takeBatch);
    drainTimer_->start();
    plotTimer_ = new QTimer(this);
    plotTimer_->setInterval(500);
    connect(plotTimer_, &QTimer::timeout, this, [this] {
        // Never waits for the worker's counting: when it holds the buckets, the next tick.
        if (plots_->isVisible() && !paused_ &&
            ingest_->syncSeries(plots_->series(), plotsGeneration_, false)) {
            plots_->markDirty();
            plots_->refresh();
        }
        if (tapList_->isVisible())
            refreshTapList();
    });
    plotTimer_->start();
    hint_->showInfo(tr("Live RPC telemetry of this console and of every tap the agent advertises. "
                       "Select a call to see its trip; filter like Wireshark (fields: %1 ...).")
                        .arg(QStringLiteral("fun result t.exec service process remote.svc_ref")));
    updateWidgets();
}

TelemetryPage::~TelemetryPage() {
    saveSettings();
    // The endpoint's callback reads the ingest: stop serving before the ingest goes.
    prometheus_->stop();
}

void TelemetryPage::setContext(ConsoleContext* context) {
    taps_->setContext(context);
}

void TelemetryPage::refreshTapList() {
    const auto states = taps_->subscriber().taps();
    tapList_->clear();
    for (const auto& t : states) {
        auto* item = new QTreeWidgetItem(tapList_);
        QStringList services;
        for (const auto& s : t.services)
            services << QString::fromStdString(s);
        item->setText(0, QString::fromStdString(t.address));
        item->setText(1,
                      services.join(QStringLiteral(", ")) +
                          (t.node.empty() ? QString()
                                          : tr(" (node %1)").arg(QString::fromStdString(t.node))));
        item->setText(
            2, t.pid > 0
                   ? QStringLiteral("%1[%2]").arg(QString::fromStdString(t.program)).arg(t.pid)
                   : QString());
        item->setText(3, t.ownProcess    ? tr("this console (local bus)")
                         : t.unreachable ? tr("not reachable")
                         : t.connected   ? tr("connected")
                                         : tr("retrying"));
        item->setText(4, QString::number(t.events));
        item->setText(5, QString::number(t.tapDropped));
        item->setText(6, QString::fromStdString(t.lastError));
    }
}

void TelemetryPage::flush() {
    ingest_->processNow();
    absorb(ingest_->take());
}

void TelemetryPage::takeBatch() {
    // Twice a tick's share of the row budget at most: a backlog drains over a few ticks instead
    // of stalling one. And a time budget: when a tick's rows took longer than kTickBudgetMs
    // (a slow view, a loaded machine), the next ticks take fewer, growing back while they are
    // quick; the rows left wait in the ingest's bounded hand-over. When the worker is handing
    // over right now, this tick takes nothing rather than wait for it.
    TelemetryIngest::Batch batch;
    if (!ingest_->tryTake(batch, rowsPerTake_))
        return;
    QElapsedTimer spent;
    spent.start();
    absorb(std::move(batch));
    const qint64 ms = spent.elapsed();
    if (ms > kTickBudgetMs)
        rowsPerTake_ = std::max(kMinRowsPerTake, rowsPerTake_ / 2);
    else if (ms < kTickBudgetMs / 2)
        rowsPerTake_ = std::min(maxRowsPerTake_, rowsPerTake_ + rowsPerTake_ / 4 + 1);
}

void TelemetryPage::absorb(TelemetryIngest::Batch&& batch) {
    received_ += batch.events;
    matched_ += batch.matched;
    skipped_ += batch.skipped;
    const qint64 nowMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
    if (batch.matched > 0)
        recent_.push_back({nowMs, batch.matched, batch.skipped});
    while (!recent_.empty() && recent_.front().atMs < nowMs - kSamplingWindowMs)
        recent_.pop_front();
    for (auto& f : batch.flows) {
        flows_.push_back(std::move(f));
        if (flows_.size() > kFlowHistory)
            flows_.pop_front();
    }
    updateSamplingNotice();
    if (batch.rows.empty()) {
        if (batch.events > 0)
            updateWidgets();
        return;
    }
    if (paused_) {
        for (auto& r : batch.rows)
            held_.push_back(std::move(r));
        ingest_->recycle(std::move(batch.rows));
        if (held_.size() > model_->historyLimit()) {
            held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(
                                                           held_.size() - model_->historyLimit()));
        }
        updateWidgets();
        return;
    }
    const int before = model_->rowCount();
    // The records the history trimmed come back in the batch's vector: the worker frees them.
    ingest_->recycle(model_->append(std::move(batch.rows)));
    if (autoScroll_ && model_->rowCount() != before)
        table_->scrollToBottom();
    updateWidgets();
}

bool TelemetryPage::sampling() const {
    return !samplingNotice_->isHidden();
}

void TelemetryPage::updateSamplingNotice() {
    uint64_t matched = 0, skipped = 0;
    for (const TakeCount& t : recent_) {
        matched += t.matched;
        skipped += t.skipped;
    }
    if (skipped == 0) {
        samplingNotice_->setVisible(false);
        return;
    }
    // The words change every tick (counts); re-wrapping and re-laying the page out 15 times a
    // second is work for nothing: twice a second is enough to read.
    const qint64 nowMs = noticeClock_.isValid() ? noticeClock_.elapsed() : 0;
    if (!samplingNotice_->isHidden() && noticeClock_.isValid() &&
        nowMs - noticeTextMs_ < kNoticeTextMs)
        return;
    if (!noticeClock_.isValid())
        noticeClock_.start();
    noticeTextMs_ = noticeClock_.elapsed();
    const uint64_t shown = matched - skipped;
    const QString ratio = shown == 0
                              ? tr("no rows shown")
                              : tr("showing 1 in %1 rows")
                                    .arg(QString::number(double(matched) / double(shown), 'f', 1));
    const double seconds = double(kSamplingWindowMs) / 1000.0;
    samplingNotice_->setText(
        tr("Rows are sampled: %1 (%2 rows/s match the filter, more than the view can show). "
           "Counters, aggregates, plots and the graph count every event: %3 received, %4 "
           "matched since the filter was applied.")
            .arg(ratio)
            .arg(QString::number(double(matched) / seconds, 'f', 0))
            .arg(received_)
            .arg(matched_));
    samplingNotice_->setVisible(true);
}

void TelemetryPage::syncPlots() {
    ingest_->syncSeries(plots_->series(), plotsGeneration_);
    plots_->markDirty();
}

bool TelemetryPage::applyFilter(const QString& text) {
    if (filter_->text() != text)
        filter_->setText(text);
    telemetry::FilterError detail;
    auto parsed = EventFilter::parse(text.toStdString(), &detail);
    if (!parsed) {
        validateFilter(text);
        return false;
    }
    // Hold the worker's passes: what it counted under the old filter is taken first, then the
    // filter and the plot base change together, so no event counts under both.
    ingest_->withPassesHeld([&] {
        absorb(ingest_->take());
        model_->setFilter(*parsed);
        rebuildPlots();
        matched_ = 0;
        // The replica is the new base already; only changes from now on are copied to it.
        plotsGeneration_ = ingest_->resetFilter(*parsed, plots_->series());
    });
    if (text.trimmed().isEmpty())
        hint_->showInfo(tr("No filter: every event is shown."));
    else
        hint_->showSuccess(
            tr("Filter applied: %n of the history's events match.", nullptr, model_->rowCount()));
    if (autoScroll_)
        table_->scrollToBottom();
    updateWidgets();
    return true;
}

void TelemetryPage::validateFilter(const QString& text) {
    telemetry::FilterError detail;
    auto parsed = EventFilter::parse(text.toStdString(), &detail);
    if (parsed) {
        filter_->setStyleSheet(
            text.trimmed().isEmpty()
                ? QString()
                : QStringLiteral("QLineEdit { background: #d8f5d8; color: black; }"));
        filter_->setProperty("valid", true);
        filter_->setToolTip({});
        if (text.trimmed() != QString::fromStdString(model_->filter().text()).trimmed())
            hint_->showInfo(tr("Valid filter: press Enter or Apply."));
        return;
    }
    filter_->setStyleSheet(QStringLiteral("QLineEdit { background: #f7c6c6; color: black; }"));
    filter_->setProperty("valid", false);
    const QString message = QString::fromStdString(detail.toString());
    filter_->setToolTip(message);
    hint_->showError(tr("Filter: %1").arg(message));
}

void TelemetryPage::saveCurrentFilter() {
    const QString text = filter_->text().trimmed();
    if (text.isEmpty() || saved_.contains(text))
        return;
    if (!EventFilter::parse(text.toStdString())) {
        validateFilter(text);
        return;
    }
    saved_ << text;
    addSavedFilterButton(text);
    saveSettings();
}

void TelemetryPage::addSavedFilterButton(const QString& text) {
    auto* b = new QToolButton(this);
    b->setObjectName(QStringLiteral("savedFilter"));
    b->setText(text.size() > 32 ? text.left(30) + QStringLiteral("…") : text);
    b->setToolTip(text);
    b->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(b, &QToolButton::clicked, this, [this, text] { applyFilter(text); });
    connect(b, &QToolButton::customContextMenuRequested, this, [this, b, text] {
        QMenu menu;
        QAction* remove = menu.addAction(tr("Remove saved filter"));
        if (menu.exec(QCursor::pos()) == remove) {
            saved_.removeAll(text);
            b->deleteLater();
            saveSettings();
        }
    });
    savedBar_->insertWidget(savedBar_->count() - 1, b);
}

void TelemetryPage::rebuildPlots() {
    // The plot follows the filter: rebuilt from the history it keeps, then fed live.
    CallSeries& series = plots_->series();
    series.clear();
    const EventFilter& filter = model_->filter();
    for (const RpcRecord& r : model_->history()) {
        if (r.isPlotted() && filter.matches(r))
            series.add(r);
    }
    for (const RpcRecord& r : held_) {
        if (r.isPlotted() && filter.matches(r))
            series.add(r);
    }
    plots_->markDirty();
    if (plots_->isVisible())
        plots_->refresh();
}

void TelemetryPage::setPaused(bool paused) {
    if (paused_ == paused)
        return;
    paused_ = paused;
    if (pause_->isChecked() != paused)
        pause_->setChecked(paused);
    if (!paused_)
        syncPlots();  // the worker kept counting while the plots were frozen
    if (!paused_ && !held_.empty()) {
        std::vector<RpcRecord> batch;
        batch.swap(held_);
        ingest_->recycle(model_->append(std::move(batch)));
        if (autoScroll_)
            table_->scrollToBottom();
    }
    updateWidgets();
}

void TelemetryPage::setAutoScroll(bool on) {
    autoScroll_ = on;
    if (autoScrollButton_->isChecked() != on)
        autoScrollButton_->setChecked(on);
    if (on)
        table_->scrollToBottom();
}

void TelemetryPage::buildColumnMenu() {
    if (columnMenu_ == nullptr) {
        columnMenu_ = new QMenu(this);
        columns_->setMenu(columnMenu_);
    }
    columnMenu_->clear();
    for (int c = 0; c < TelemetryStreamModel::ColumnCount; ++c) {
        QAction* a = columnMenu_->addAction(TelemetryStreamModel::columnName(c));
        a->setCheckable(true);
        a->setChecked(!table_->isColumnHidden(c));
        connect(a, &QAction::toggled, this, [this, c](bool on) { setColumnVisible(c, on); });
    }
}

void TelemetryPage::setColumnVisible(int column, bool visible) {
    table_->setColumnHidden(column, !visible);
    const auto actions = columnMenu_->actions();
    if (column >= 0 && column < actions.size() && actions[column]->isChecked() != visible) {
        const QSignalBlocker block(actions[column]);
        actions[column]->setChecked(visible);
    }
    saveSettings();
}

bool TelemetryPage::columnVisible(int column) const {
    return !table_->isColumnHidden(column);
}

QList<int> TelemetryPage::shownColumns() const {
    QList<int> columns;
    const QHeaderView* header = table_->horizontalHeader();
    for (int v = 0; v < header->count(); ++v) {
        const int c = header->logicalIndex(v);
        if (!table_->isColumnHidden(c))
            columns << c;
    }
    return columns;
}

Status TelemetryPage::exportTo(const QString& path, ExportFormat format) const {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        return Error{Code::IoError, "cannot write " + path.toStdString() + ": " +
                                        file.errorString().toStdString()};
    }
    const bool ok = format == ExportFormat::Csv ? model_->exportCsv(file, shownColumns())
                                                : model_->exportJsonLines(file);
    if (!ok || !file.flush()) {
        return Error{Code::IoError, "cannot write " + path.toStdString() + ": " +
                                        file.errorString().toStdString()};
    }
    return {};
}

Status TelemetryPage::setPrometheus(bool on, quint16 port) {
    Status result;
    if (on) {
        result = prometheus_->start(port);
        if (result.ok()) {
            hint_->showSuccess(
                tr("Prometheus metrics at http://127.0.0.1:%1/metrics").arg(prometheus_->port()));
        }
    } else {
        prometheus_->stop();
    }
    {
        const QSignalBlocker block(promOn_);
        promOn_->setChecked(prometheus_->running());
    }
    if (prometheus_->running())
        promPort_->setValue(prometheus_->port());
    saveSettings();
    return result;
}

void TelemetryPage::selectRow(int row) {
    table_->selectRow(row);
    table_->setCurrentIndex(model_->index(row, 0));
    onCurrentChanged();
}

void TelemetryPage::onCurrentChanged() {
    const RpcRecord* r = model_->record(table_->currentIndex().row());
    if (r == nullptr)
        return;
    detail_->setPlainText(QString::fromStdString(rpc::TelemetryPrinter::format(r->toEvent())) +
                          QStringLiteral("\n\n") + QString::fromStdString(r->toJson().dump(2)));
    trip_->setTrip(RequestTrip::find(*r, model_->history(), flows_));
}

uint64_t TelemetryPage::dropped() const {
    return subscription_->dropped() + remote_->dropped();
}

telemetry::RpcAggregate TelemetryPage::aggregate() const {
    return ingest_->aggregate();
}

telemetry::SpanLinks::Stats TelemetryPage::spanStats() const {
    return ingest_->spanStats();
}

telemetry::ServiceGraph::Snapshot TelemetryPage::graphSnapshot(int64_t nowUs) const {
    return ingest_->graphSnapshot(nowUs);
}

void TelemetryPage::updateWidgets() {
    QString text = tr("%1 events · %2 shown · %3 in history")
                       .arg(received_)
                       .arg(model_->rowCount())
                       .arg(model_->historySize());
    if (skipped_ > 0)
        text += tr(" · %1 rows sampled out").arg(skipped_);
    if (const uint64_t d = dropped(); d > 0)
        text += tr(" · %1 dropped").arg(d);
    if (const auto n = taps_->targets().size(); n > 0)
        text += tr(" · %n tap(s)", nullptr, static_cast<int>(n));
    if (paused_)
        text += tr(" · paused, %1 held").arg(held_.size());
    status_->setText(text);
    promPort_->setEnabled(!prometheus_->running());
}

void TelemetryPage::saveSettings() const {
    QSettings settings;
    QStringList hidden;
    for (int c = 0; c < TelemetryStreamModel::ColumnCount; ++c) {
        if (table_->isColumnHidden(c))
            hidden << TelemetryStreamModel::columnField(c);
    }
    settings.setValue(key("hiddenColumns"), hidden);
    settings.setValue(key("savedFilters"), saved_);
    settings.setValue(key("prometheusPort"), promPort_->value());
}

}  // namespace meshx::ui
