#include "ui/proxy_logs/proxy_view.h"

#include <QAction>
#include <QCheckBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include "engine/agent_monitor.h"
#include "ui/proxy_logs/proxy_log_filter_model.h"
#include "ui/proxy_logs/proxy_summary.h"
#include "ui/shared/health_status.h"
#include "ui/shared/hint_line.h"
#include "ui/shared/proxy_log_model.h"
#include "ui/shared/service_filter_model.h"
#include "ui/shared/services_model.h"
#include "ui/shell/console_context.h"
#include "ui/shell/service_commands.h"

namespace meshx::ui {

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

QString esc(const std::string& s) {
    return QString::fromStdString(s).toHtmlEscaped();
}

QString badge(const QString& status, const QString& text) {
    return QStringLiteral("<span style=\"background-color:%1; color:white\">&nbsp;%2&nbsp;</span>")
        .arg(health::badgeColour(status).name(), text.toHtmlEscaped());
}

QString destinationBadge(const engine::DestinationHealth& h) {
    if (!h.known) {
        return badge(QStringLiteral("none"), QObject::tr("health unknown"));
    }
    const QString status = h.total > 0 && h.passing == h.total ? QStringLiteral("passing")
                           : h.passing > 0                     ? QStringLiteral("warning")
                                                               : QStringLiteral("critical");
    return badge(status, QObject::tr("%1/%2 healthy").arg(h.passing).arg(h.total));
}

}  // namespace

ProxyView::ProxyView(ConsoleContext& context, QWidget* parent)
    : QWidget(parent), context_(context) {
    services_ = new ServiceFilterModel(this);
    services_->setSourceModel(&context_.services());
    services_->setOnlyWithSidecar(true);
    list_ = new QTableView(this);
    list_->setObjectName(QStringLiteral("proxyList"));
    list_->setModel(services_);
    list_->setSelectionBehavior(QAbstractItemView::SelectRows);
    list_->setSelectionMode(QAbstractItemView::SingleSelection);
    list_->setSortingEnabled(true);
    list_->sortByColumn(ServicesModel::Id, Qt::AscendingOrder);
    list_->verticalHeader()->hide();
    list_->setWordWrap(false);
    for (int c = 0; c < ServicesModel::ColumnCount; ++c) {
        list_->setColumnHidden(c, c != ServicesModel::Id && c != ServicesModel::Owned);
    }
    list_->horizontalHeader()->resizeSection(ServicesModel::Owned, 36);
    list_->horizontalHeader()->setStretchLastSection(true);
    list_->setMinimumWidth(220);

    summary_ = new QLabel(this);
    summary_->setObjectName(QStringLiteral("proxySummary"));
    summary_->setTextFormat(Qt::RichText);
    summary_->setWordWrap(true);
    summary_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    summary_->setMargin(6);

    logFilter_ = new ProxyLogFilterModel(this);
    logFilter_->setSourceModel(&context_.logs());
    log_ = new QTableView(this);
    log_->setObjectName(QStringLiteral("logTable"));
    log_->setModel(logFilter_);
    log_->setSelectionBehavior(QAbstractItemView::SelectRows);
    log_->setSelectionMode(QAbstractItemView::SingleSelection);
    log_->verticalHeader()->hide();
    log_->setWordWrap(false);
    log_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    log_->verticalHeader()->setDefaultSectionSize(log_->fontMetrics().height() + 4);
    log_->horizontalHeader()->setStretchLastSection(true);
    log_->horizontalHeader()->resizeSection(ProxyLogModel::Time, 110);
    log_->horizontalHeader()->resizeSection(ProxyLogModel::Service, 150);
    log_->horizontalHeader()->resizeSection(ProxyLogModel::Stream, 60);
    log_->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    detail_ = new QPlainTextEdit(this);
    detail_->setObjectName(QStringLiteral("logDetail"));
    detail_->setReadOnly(true);
    detail_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    detail_->setMaximumHeight(detail_->fontMetrics().height() * 3 + 12);
    detail_->setPlaceholderText(tr("Select a line to read it whole."));

    search_ = new QLineEdit(this);
    search_->setObjectName(QStringLiteral("logSearch"));
    search_->setClearButtonEnabled(true);
    search_->setPlaceholderText(tr("Search the log (Ctrl+F)"));
    regex_ = new QCheckBox(tr("Rege&x"), this);
    stdout_ = new QCheckBox(tr("stdout"), this);
    stderr_ = new QCheckBox(tr("stderr"), this);
    events_ = new QCheckBox(tr("events"), this);
    allServices_ = new QCheckBox(tr("&All services"), this);
    allServices_->setObjectName(QStringLiteral("allServices"));
    for (QCheckBox* box : {stdout_, stderr_, events_}) {
        box->setChecked(true);
    }
    auto applyFilter = [this] {
        logFilter_->setSearch(search_->text(), regex_->isChecked());
        logFilter_->setKinds(stdout_->isChecked(), stderr_->isChecked(), events_->isChecked());
        if (!logFilter_->searchError().isEmpty()) {
            hint_->showError(logFilter_->searchError());
        }
        updateCounts();
    };
    connect(search_, &QLineEdit::textChanged, this, applyFilter);
    for (QCheckBox* box : {regex_, stdout_, stderr_, events_}) {
        connect(box, &QCheckBox::toggled, this, applyFilter);
    }
    // Only the log's scope changes: the summary and its process info stay as they are.
    connect(allServices_, &QCheckBox::toggled, this, [this](bool all) {
        logFilter_->setServiceId(all ? QString() : selectedId());
        updateCounts();
        if (follow_->isChecked()) {
            log_->scrollToBottom();
        }
    });

    auto* toolbar = new QToolBar(this);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    follow_ = toolbar->addAction(tr("&Follow"));
    follow_->setObjectName(QStringLiteral("follow"));
    follow_->setCheckable(true);
    follow_->setChecked(true);
    follow_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_End));
    follow_->setToolTip(tr("Keep the newest line in view (Ctrl+End)"));
    pause_ = toolbar->addAction(tr("&Pause"));
    pause_->setObjectName(QStringLiteral("pause"));
    pause_->setCheckable(true);
    pause_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    pause_->setToolTip(tr("Hold new lines back (they wait, bounded) (Ctrl+P)"));
    QAction* clear = toolbar->addAction(tr("&Clear"));
    clear->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    restart_ = toolbar->addAction(tr("&Restart proxy"));
    restart_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    auto* find = new QAction(this);
    find->setShortcut(QKeySequence::Find);
    for (QAction* a : {follow_, pause_, clear, restart_, find}) {
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(a);
    }
    connect(find, &QAction::triggered, search_, [this] {
        search_->setFocus();
        search_->selectAll();
    });
    connect(follow_, &QAction::toggled, this, &ProxyView::setFollow);
    connect(pause_, &QAction::toggled, this, &ProxyView::setPaused);
    connect(clear, &QAction::triggered, this, [this] {
        context_.logs().clear();
        updateCounts();
    });
    connect(restart_, &QAction::triggered, this, [this] {
        const QString id = selectedId();
        if (id.isEmpty()) {
            return;
        }
        context_.commands().restartProxy(id, this, [this, id](Status st) {
            if (!st) {
                hint_->showError(
                    tr("Could not restart the proxy of %1: %2.").arg(id, q(st.error().toString())));
                return;
            }
            hint_->showSuccess(tr("Restarting the proxy of %1.").arg(id));
            refreshProcess();
        });
    });
    counts_ = new QLabel(this);
    counts_->setObjectName(QStringLiteral("logCounts"));

    auto* logBar = new QHBoxLayout;
    logBar->addWidget(toolbar);
    logBar->addWidget(search_, 1);
    logBar->addWidget(regex_);
    logBar->addWidget(stdout_);
    logBar->addWidget(stderr_);
    logBar->addWidget(events_);
    logBar->addWidget(allServices_);
    logBar->addWidget(counts_);

    auto* logBox = new QWidget(this);
    auto* logLayout = new QVBoxLayout(logBox);
    logLayout->setContentsMargins(0, 0, 0, 0);
    logLayout->addLayout(logBar);
    logLayout->addWidget(log_, 1);
    logLayout->addWidget(detail_);

    // The summary takes the height its lines need; the log gets the rest.
    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(summary_);
    rightLayout->addWidget(logBox, 1);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(QStringLiteral("proxySplit"));
    split->addWidget(list_);
    split->addWidget(right);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 4);
    split->setSizes({240, 1000});
    QSettings settings;
    split->restoreState(settings.value(QStringLiteral("proxy/split")).toByteArray());
    connect(split, &QSplitter::splitterMoved, this,
            [split] { QSettings().setValue(QStringLiteral("proxy/split"), split->saveState()); });

    hint_ = new HintLine(this);
    hint_->showInfo(tr("Pick a service with a sidecar to see its proxy and log."));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(split, 1);
    layout->addWidget(hint_);

    connect(list_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ProxyView::onSelection);
    connect(log_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                detail_->setPlainText(current.data(ProxyLogModel::FullTextRole).toString());
            });
    connect(&context_.logs(), &ProxyLogModel::batchInserted, this, &ProxyView::onBatch);
    connect(&context_.services(), &QAbstractItemModel::dataChanged, this,
            &ProxyView::renderSummary);
    connect(&context_.monitor(), &engine::AgentMonitor::destinationsChanged, this,
            &ProxyView::renderSummary);
    processTimer_.setInterval(2000);
    connect(&processTimer_, &QTimer::timeout, this, &ProxyView::refreshProcess);
    processTimer_.start();
    onSelection();
}

QString ProxyView::selectedId() const {
    const QModelIndexList rows = list_->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.front().data(ServicesModel::IdRole).toString();
}

bool ProxyView::selectService(const QString& id) {
    for (int r = 0; r < services_->rowCount(); ++r) {
        const QModelIndex idx = services_->index(r, 0);
        if (idx.data(ServicesModel::IdRole).toString() == id) {
            list_->selectionModel()->select(
                idx, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
            return true;
        }
    }
    return false;
}

void ProxyView::setFollow(bool follow) {
    if (follow_->isChecked() != follow) {
        follow_->setChecked(follow);
    }
    if (follow) {
        log_->scrollToBottom();
    }
}

void ProxyView::setPaused(bool paused) {
    if (pause_->isChecked() != paused) {
        pause_->setChecked(paused);
    }
    context_.logs().setPaused(paused);
    updateCounts();
}

void ProxyView::setLogSearch(const QString& text, bool regex) {
    regex_->setChecked(regex);
    search_->setText(text);
}

void ProxyView::onSelection() {
    const QString id = selectedId();
    logFilter_->setServiceId(allServices_->isChecked() ? QString() : id);
    process_.reset();
    processError_.clear();
    refreshProcess();
    renderSummary();
    updateCounts();
    updateWidgets();
    if (follow_->isChecked()) {
        log_->scrollToBottom();
    }
    if (id.isEmpty()) {
        hint_->showInfo(tr("Pick a service with a sidecar to see its proxy and log."));
    } else {
        hint_->showInfo(
            tr("Log of %1's proxy: Ctrl+F searches, Ctrl+P pauses, Ctrl+End follows.").arg(id));
    }
}

void ProxyView::refreshProcess() {
    const QString id = selectedId();
    if (id.isEmpty() || !isVisible() || processInFlight_) {
        return;
    }
    processInFlight_ = true;
    context_.commands().proxyInfo(id, this, [this, id](Result<mesh::ProxyInfo> info) {
        processInFlight_ = false;
        if (id != selectedId()) {
            refreshProcess();
            return;
        }
        if (info) {
            process_ = *info;
            processError_.clear();
        } else {
            process_.reset();
            processError_ = info.error().code == Code::ServiceNotOwned
                                ? tr("not started by this console: its process is not ours "
                                     "to show")
                                : q(info.error().message);
        }
        renderSummary();
        updateWidgets();
    });
}

void ProxyView::renderSummary() {
    const QString id = selectedId();
    if (id.isEmpty()) {
        summary_->setText(tr("<i>No service selected.</i>"));
        return;
    }
    const ProxySummary s = ProxySummary::build(id.toStdString(), context_.monitor().snapshot(),
                                               context_.monitor().destinations(), process_,
                                               context_.monitor().nodeAddress());
    QString html = QStringLiteral("<b>%1</b>").arg(id.toHtmlEscaped());
    if (s.sidecarId.empty()) {
        html += tr(" has no sidecar registered.");
        summary_->setText(html);
        return;
    }
    html +=
        tr(" — sidecar %1 %2").arg(esc(s.sidecarId), badge(q(s.sidecarHealth), q(s.sidecarHealth)));
    html += QStringLiteral("<table cellspacing=\"2\">");
    html += tr("<tr><td>public listener&nbsp;</td><td><tt>%1</tt> → local service "
               "<tt>%2</tt></td></tr>")
                .arg(esc(s.publicListener), esc(s.localService));
    for (const auto& u : s.upstreams) {
        html += tr("<tr><td>upstream</td><td><tt>%1</tt> → <b>%2</b> → %3</td></tr>")
                    .arg(esc(u.bind), esc(u.destination), destinationBadge(u.health));
    }
    if (s.upstreams.empty()) {
        html += tr("<tr><td>upstreams</td><td>none</td></tr>");
    }
    if (s.process) {
        const auto& p = *s.process;
        QStringList argv;
        for (const auto& a : p.argv) {
            argv << q(a);
        }
        html += tr("<tr><td>process</td><td>%1%2, restarts %3 of %4, last exit: %5</td></tr>")
                    .arg(QString::fromLatin1(mesh::proxyStateName(p.state)),
                         p.pid ? tr(" (pid %1)").arg(p.pid) : QString())
                    .arg(p.restarts)
                    .arg(p.maxRestarts)
                    .arg(p.lastExitReason.empty() ? tr("none") : esc(p.lastExitReason));
        html += tr("<tr><td>command</td><td><tt>%1</tt></td></tr>")
                    .arg(argv.join(QLatin1Char(' ')).toHtmlEscaped());
    } else if (!processError_.isEmpty()) {
        html += tr("<tr><td>process</td><td>%1</td></tr>").arg(processError_.toHtmlEscaped());
    }
    html += QStringLiteral("</table>");
    summary_->setText(html);
}

void ProxyView::onBatch() {
    if (follow_->isChecked()) {
        log_->scrollToBottom();
    }
    updateCounts();
}

void ProxyView::updateCounts() {
    const auto dropped = context_.logs().dropped();
    QString text = tr("%n line(s)", nullptr, logFilter_->rowCount());
    if (dropped > 0) {
        text += tr(", %1 dropped").arg(dropped);
    }
    if (context_.logs().paused()) {
        text += tr(", paused");
    }
    counts_->setText(text);
}

void ProxyView::updateWidgets() {
    restart_->setEnabled(process_.has_value());
}

}  // namespace meshx::ui
