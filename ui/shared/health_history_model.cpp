#include "ui/shared/health_history_model.h"

#include <QDateTime>

#include "ui/shared/health_status.h"

namespace meshx::ui {

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

std::string keyOf(const std::string& serviceId, const std::string& checkId) {
    return serviceId + '\n' + checkId;
}

}  // namespace

HealthHistoryModel::HealthHistoryModel(QObject* parent) : HealthHistoryModel(Options{}, parent) {}

HealthHistoryModel::HealthHistoryModel(Options options, QObject* parent)
    : BoundedRowsModel(options.capacity, parent), options_(options) {
    flushTimer_.setInterval(33);
    flushTimer_.setSingleShot(true);
    connect(&flushTimer_, &QTimer::timeout, this, &HealthHistoryModel::flush);
}

void HealthHistoryModel::observe(const std::vector<consul::HealthCheck>& checks, qint64 timeUs) {
    std::set<std::string> seen;
    bool flapChanged = false;
    for (const auto& c : checks) {
        const std::string key = keyOf(c.serviceId, c.checkId);
        seen.insert(key);
        auto it = known_.find(key);
        if (it != known_.end() && it->second.status == c.status) {
            continue;
        }
        Transition t;
        t.timeUs = timeUs;
        t.serviceName = c.serviceName;
        t.serviceId = c.serviceId;
        t.checkId = c.checkId;
        t.checkName = c.name;
        t.from = it == known_.end() ? std::string() : it->second.status;
        t.to = c.status;
        t.output = c.output;
        known_[key] = Known{c.status, c.serviceName, c.name};
        recent_[key].push_back(timeUs);
        flapChanged = true;
        t.flapping = recent_[key].size() >= static_cast<size_t>(options_.flapThreshold);
        record(std::move(t));
    }
    for (auto it = known_.begin(); it != known_.end();) {
        if (seen.count(it->first)) {
            ++it;
            continue;
        }
        const auto nl = it->first.find('\n');
        Transition t;
        t.timeUs = timeUs;
        t.serviceName = it->second.serviceName;
        t.serviceId = it->first.substr(0, nl);
        t.checkId = it->first.substr(nl + 1);
        t.checkName = it->second.checkName;
        t.from = it->second.status;
        t.to = "removed";
        recent_.erase(it->first);
        it = known_.erase(it);
        record(std::move(t));
        flapChanged = true;
    }
    // The window slides even without transitions: a service calms down.
    for (auto& [key, times] : recent_) {
        while (!times.empty() &&
               timeUs - times.front() > std::chrono::microseconds(options_.flapWindow).count()) {
            times.pop_front();
            flapChanged = true;
        }
    }
    if (flapChanged) {
        std::set<std::string> now;
        for (const auto& [key, times] : recent_) {
            if (times.size() >= static_cast<size_t>(options_.flapThreshold)) {
                now.insert(key.substr(0, key.find('\n')));
            }
        }
        if (now != flapping_) {
            flapping_ = std::move(now);
            emit flappingChanged();
        }
    }
    if (!pending_.empty() && !flushTimer_.isActive()) {
        flushTimer_.start();
    }
}

void HealthHistoryModel::record(Transition t) {
    ++counts_[t.serviceId];
    pending_.push_back(std::move(t));
}

void HealthHistoryModel::flush() {
    if (pending_.empty()) {
        return;
    }
    appendBatch(pending_);
}

std::set<std::string> HealthHistoryModel::flappingServices() const {
    return flapping_;
}

int HealthHistoryModel::transitionCount(const std::string& serviceId) const {
    auto it = counts_.find(serviceId);
    return it == counts_.end() ? 0 : it->second;
}

const HealthHistoryModel::Transition* HealthHistoryModel::transitionAt(int row) const {
    return rowAt(row);
}

int HealthHistoryModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant HealthHistoryModel::data(const QModelIndex& idx, int role) const {
    const Transition* t = transitionAt(idx.row());
    if (!t || !idx.isValid()) {
        return {};
    }
    if (role == ServiceIdRole) {
        return q(t->serviceId);
    }
    if (role == TimeUsRole) {
        return t->timeUs;
    }
    if (role == ToStatusRole) {
        return q(t->to);
    }
    const auto column = static_cast<Column>(idx.column());
    if (role == Qt::DisplayRole) {
        switch (column) {
            case Time:
                return QDateTime::fromMSecsSinceEpoch(t->timeUs / 1000)
                    .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
            case Service:
                return q(t->serviceName);
            case Instance:
                return q(t->serviceId);
            case Check:
                return q(t->checkName.empty() ? t->checkId : t->checkName);
            case From:
                return t->from.empty() ? tr("(new)") : q(t->from);
            case To:
                return t->flapping ? q(t->to) + tr(" · flapping") : q(t->to);
            case Output:
                return q(t->output).simplified().left(300);
            case ColumnCount:
                break;
        }
        return {};
    }
    if (role == Qt::ToolTipRole && (column == Output || column == Check)) {
        return q(t->checkId) + QStringLiteral("\n") + q(t->output).left(4000);
    }
    if (role == Qt::ForegroundRole && column == To) {
        return health::badgeColour(q(t->to));
    }
    return {};
}

QVariant HealthHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (static_cast<Column>(section)) {
        case Time:
            return tr("Time");
        case Service:
            return tr("Service");
        case Instance:
            return tr("Instance");
        case Check:
            return tr("Check");
        case From:
            return tr("From");
        case To:
            return tr("To");
        case Output:
            return tr("Output");
        case ColumnCount:
            break;
    }
    return {};
}

}  // namespace meshx::ui
