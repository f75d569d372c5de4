#include "ui/shared/proxy_log_model.h"

#include <QColor>
#include <QDateTime>
#include <QGuiApplication>
#include <QPalette>

#include "telemetry/event.h"
#include "telemetry/lifecycle_event.h"
#include "telemetry/log_line.h"
#include "telemetry/telemetry_bus.h"

namespace meshx::ui {

namespace {

using telemetry::LifecycleEvent;

std::string detail(const nlohmann::json& details, const char* key) {
    if (!details.contains(key)) {
        return {};
    }
    const auto& v = details[key];
    return v.is_string() ? v.get<std::string>() : v.dump();
}

// One readable sentence per lifecycle step.
std::string describe(const LifecycleEvent& e) {
    const auto& d = e.details;
    if (e.name == LifecycleEvent::kProxyStarted) {
        std::string argv;
        if (d.contains("argv") && d["argv"].is_array()) {
            for (const auto& a : d["argv"]) {
                argv += (argv.empty() ? "" : " ") + (a.is_string() ? a.get<std::string>() : "");
            }
        }
        return "proxy started, pid " + detail(d, "pid") + (argv.empty() ? "" : ": " + argv);
    }
    if (e.name == LifecycleEvent::kProxyExited) {
        return "proxy exited: " + detail(d, "reason");
    }
    if (e.name == LifecycleEvent::kProxyRestarted) {
        return "proxy restarted (restart " + detail(d, "restarts") + ") after " +
               detail(d, "reason");
    }
    if (e.name == LifecycleEvent::kProxyGaveUp) {
        return "proxy gave up after " + detail(d, "restarts") +
               " restarts: " + detail(d, "reason") + "; it stays down until restarted";
    }
    if (e.name == LifecycleEvent::kProxyStopped) {
        return std::string("proxy stopped") +
               (d.value("forced", false) ? " (SIGKILL was needed)" : "");
    }
    if (e.name == LifecycleEvent::kServiceRegistered) {
        return std::string(d.value("reregistered", false) ? "service registered again at "
                                                          : "service registered at ") +
               detail(d, "address");
    }
    if (e.name == LifecycleEvent::kServiceDeregistered) {
        return "service deregistered";
    }
    if (e.name == LifecycleEvent::kTtlStatus) {
        return "TTL status set to " + detail(d, "status");
    }
    if (e.name == LifecycleEvent::kUpstreamAdded) {
        return "upstream " + detail(d, "upstream") + " added at " + detail(d, "address");
    }
    if (e.name == LifecycleEvent::kUpstreamRemoved) {
        return "upstream " + detail(d, "upstream") + " removed";
    }
    return e.name;
}

logtext::Level levelOfEvent(const LifecycleEvent& e) {
    if (e.name == LifecycleEvent::kProxyGaveUp) {
        return logtext::Level::Error;
    }
    if (e.name == LifecycleEvent::kProxyExited || e.name == LifecycleEvent::kProxyRestarted) {
        return logtext::Level::Warn;
    }
    return logtext::Level::Info;
}

}  // namespace

ProxyLogModel::ProxyLogModel(QObject* parent) : ProxyLogModel(Options{}, parent) {}

ProxyLogModel::ProxyLogModel(Options options, QObject* parent)
    : BoundedRowsModel(options.capacity, parent), options_(options) {
    auto& bus = options_.bus ? *options_.bus : telemetry::TelemetryBus::global();
    // Room for a few seconds of a flooding proxy between ticks; beyond that the bus drops.
    subscription_ = bus.subscribe(std::max<size_t>(options_.capacity, 20000));
    timer_.setInterval(options_.intervalMs);
    connect(&timer_, &QTimer::timeout, this, &ProxyLogModel::tick);
    timer_.start();
}

ProxyLogModel::~ProxyLogModel() = default;

bool ProxyLogModel::toEntry(const telemetry::Event& event, Entry& out) const {
    if (auto line = telemetry::LogLine::fromEvent(event)) {
        out.timeUs = line->timeUs ? line->timeUs : event.timeUs;
        out.serviceId = QString::fromStdString(line->serviceId);
        out.kind = line->stream == telemetry::LogLine::Stream::Stderr ? Kind::Stderr : Kind::Stdout;
        out.text = logtext::displayable(line->line, options_.maxChars);
        out.level = logtext::levelOf(out.text);
        out.truncated = line->truncated;
        return true;
    }
    if (auto step = LifecycleEvent::fromEvent(event)) {
        out.timeUs = event.timeUs;
        out.serviceId = QString::fromStdString(step->serviceId);
        out.kind = Kind::Event;
        out.text = logtext::displayable("● " + describe(*step), options_.maxChars);
        out.level = levelOfEvent(*step);
        return true;
    }
    return false;
}

void ProxyLogModel::tick() {
    std::vector<telemetry::Event> events;
    // Typed events (RPC, flows) are never log lines: take them as structs, so this GUI-thread
    // reader never builds their JSON just to skip them.
    subscription_->drainTyped(events, options_.batch);
    for (const auto& e : events) {
        Entry entry;
        if (toEntry(e, entry)) {
            pending_.push_back(std::move(entry));
        }
    }
    if (pending_.size() > options_.capacity) {
        const size_t drop = pending_.size() - options_.capacity;
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(drop));
        pendingDropped_ += drop;
    }
    if (!paused_) {
        flushPending();
    }
}

void ProxyLogModel::flushPending() {
    if (pending_.empty()) {
        return;
    }
    const size_t incoming = appendBatch(pending_);
    emit batchInserted(static_cast<int>(incoming));
}

void ProxyLogModel::setPaused(bool paused) {
    paused_ = paused;
    if (!paused_) {
        flushPending();
    }
}

void ProxyLogModel::clear() {
    pending_.clear();
    clearRows();
}

uint64_t ProxyLogModel::dropped() const {
    return subscription_->dropped() + pendingDropped_;
}

const ProxyLogModel::Entry* ProxyLogModel::entryAt(int row) const {
    return rowAt(row);
}

int ProxyLogModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ProxyLogModel::data(const QModelIndex& idx, int role) const {
    const Entry* e = entryAt(idx.row());
    if (!e || !idx.isValid()) {
        return {};
    }
    switch (role) {
        case ServiceIdRole:
            return e->serviceId;
        case KindRole:
            return static_cast<int>(e->kind);
        case LevelRole:
            return static_cast<int>(e->level);
        case FullTextRole:
            return e->text;
        default:
            break;
    }
    const auto column = static_cast<Column>(idx.column());
    if (role == Qt::DisplayRole) {
        switch (column) {
            case Time:
                return QDateTime::fromMSecsSinceEpoch(e->timeUs / 1000)
                    .toString(QStringLiteral("HH:mm:ss.zzz"));
            case Service:
                return e->serviceId;
            case Stream:
                return e->kind == Kind::Stdout   ? QStringLiteral("stdout")
                       : e->kind == Kind::Stderr ? QStringLiteral("stderr")
                                                 : QStringLiteral("event");
            case Text:
                // Cells draw elided anyway; a short string keeps layout cheap.
                return e->truncated ? e->text.left(400) + tr(" [line cut by the supervisor]")
                                    : e->text.left(400);
            case ColumnCount:
                break;
        }
        return {};
    }
    if (role == Qt::ForegroundRole) {
        const QPalette palette = QGuiApplication::palette();
        const bool dark = palette.color(QPalette::Base).lightness() < 128;
        if (column == Stream && e->kind == Kind::Stderr) {
            return dark ? QColor(0xf0, 0x9a, 0x6a) : QColor(0xa0, 0x40, 0x10);
        }
        switch (e->level) {
            case logtext::Level::Error:
                return dark ? QColor(0xff, 0x6b, 0x6b) : QColor(0xb0, 0x1c, 0x22);
            case logtext::Level::Warn:
                return dark ? QColor(0xf2, 0xc1, 0x4e) : QColor(0x8a, 0x5a, 0x00);
            case logtext::Level::Debug:
                return palette.color(QPalette::Disabled, QPalette::Text);
            case logtext::Level::Info:
                break;
        }
        if (e->kind == Kind::Event) {
            return dark ? QColor(0x7f, 0xb2, 0xff) : QColor(0x1f, 0x4f, 0xa0);
        }
        return {};
    }
    if (role == Qt::ToolTipRole && column == Text && e->text.size() > 400) {
        return e->text.left(2000);
    }
    return {};
}

QVariant ProxyLogModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (static_cast<Column>(section)) {
        case Time:
            return tr("Time");
        case Service:
            return tr("Service");
        case Stream:
            return tr("Stream");
        case Text:
            return tr("Line");
        case ColumnCount:
            break;
    }
    return {};
}

}  // namespace meshx::ui
