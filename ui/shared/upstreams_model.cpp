#include "ui/shared/upstreams_model.h"

#include <QFont>

#include <algorithm>

namespace meshx::ui {

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

std::string keyOf(const UpstreamsModel::Row& r) {
    return r.sidecarId + '\n' + r.destination;
}

}  // namespace

bool UpstreamsModel::Row::operator==(const Row& o) const {
    return proxyServiceId == o.proxyServiceId && sidecarId == o.sidecarId &&
           destination == o.destination && bind == o.bind && health.passing == o.health.passing &&
           health.total == o.health.total && health.known == o.health.known && owned == o.owned &&
           denied == o.denied && decision == o.decision;
}

UpstreamsModel::UpstreamsModel(QObject* parent) : QAbstractTableModel(parent) {}

void UpstreamsModel::setSnapshot(const engine::AgentSnapshot& snapshot) {
    snapshot_ = snapshot;
    rebuild();
}

void UpstreamsModel::setDestinationHealth(
    const std::map<std::string, engine::DestinationHealth>& health) {
    health_ = health;
    rebuild();
}

void UpstreamsModel::setOwned(const std::set<std::string>& ids) {
    owned_ = ids;
    rebuild();
}

void UpstreamsModel::setIntentions(const std::vector<consul::Intention>& intentions) {
    // The agent validated them; one it would not have (a newer Consul's) leaves the verdicts
    // as they were rather than guessing.
    if (auto verdicts = engine::IntentionVerdicts::fromIntentions(intentions)) {
        setVerdicts(*verdicts);
    }
}

void UpstreamsModel::setVerdicts(const engine::IntentionVerdicts& verdicts) {
    verdicts_ = verdicts;
    rebuild();
}

void UpstreamsModel::rebuild() {
    std::vector<Row> next;
    for (const auto& [id, s] : snapshot_.services) {
        if (s.kind != "connect-proxy" || !s.proxy) {
            continue;
        }
        for (const auto& u : s.proxy->upstreams) {
            Row r;
            r.proxyServiceId = s.proxy->destinationServiceId;
            r.sidecarId = id;
            r.destination = u.destinationName;
            r.bind =
                !u.localBindSocketPath.empty()
                    ? "unix://" + u.localBindSocketPath
                    : (u.localBindAddress.empty() ? std::string("127.0.0.1") : u.localBindAddress) +
                          ":" + std::to_string(u.localBindPort);
            if (auto it = health_.find(u.destinationName); it != health_.end()) {
                r.health = it->second;
            }
            r.owned = owned_.count(r.proxyServiceId) > 0;
            std::string source = s.proxy->destinationServiceName;
            if (auto svc = snapshot_.services.find(r.proxyServiceId);
                source.empty() && svc != snapshot_.services.end()) {
                source = svc->second.service;
            }
            const engine::IntentionVerdict v = verdicts_.decide(source, u.destinationName);
            r.denied = !v.allowed;
            r.decision = v.decision;
            next.push_back(std::move(r));
        }
    }
    std::set<std::string> nextKeys;
    for (const auto& r : next) {
        nextKeys.insert(keyOf(r));
    }
    for (int i = static_cast<int>(rows_.size()) - 1; i >= 0; --i) {
        if (!nextKeys.count(keyOf(rows_[static_cast<size_t>(i)]))) {
            beginRemoveRows({}, i, i);
            rows_.erase(rows_.begin() + i);
            endRemoveRows();
        }
    }
    std::map<std::string, int> at;
    for (size_t i = 0; i < rows_.size(); ++i) {
        at[keyOf(rows_[i])] = static_cast<int>(i);
    }
    std::vector<Row> added;
    for (auto& r : next) {
        auto it = at.find(keyOf(r));
        if (it == at.end()) {
            added.push_back(std::move(r));
            continue;
        }
        Row& current = rows_[static_cast<size_t>(it->second)];
        if (!(current == r)) {
            current = std::move(r);
            emit dataChanged(index(it->second, 0), index(it->second, ColumnCount - 1));
        }
    }
    if (!added.empty()) {
        const int first = static_cast<int>(rows_.size());
        beginInsertRows({}, first, first + static_cast<int>(added.size()) - 1);
        for (auto& r : added) {
            rows_.push_back(std::move(r));
        }
        endInsertRows();
    }
}

QStringList UpstreamsModel::destinations() const {
    QStringList names;
    for (const auto& r : rows_) {
        names << q(r.destination);
    }
    names.removeDuplicates();
    return names;
}

QStringList UpstreamsModel::proxyServices() const {
    QStringList ids;
    for (const auto& [id, s] : snapshot_.services) {
        if (s.kind == "connect-proxy" && s.proxy && !s.proxy->destinationServiceId.empty()) {
            ids << q(s.proxy->destinationServiceId);
        }
    }
    ids.removeDuplicates();
    ids.sort();
    return ids;
}

const UpstreamsModel::Row* UpstreamsModel::rowAt(int row) const {
    return row >= 0 && row < static_cast<int>(rows_.size()) ? &rows_[static_cast<size_t>(row)]
                                                            : nullptr;
}

int UpstreamsModel::rowOf(const QString& proxyServiceId, const QString& destination) const {
    for (size_t i = 0; i < rows_.size(); ++i) {
        if (q(rows_[i].proxyServiceId) == proxyServiceId &&
            q(rows_[i].destination) == destination) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

QString UpstreamsModel::healthWord(const engine::DestinationHealth& h) {
    if (!h.known) {
        return QStringLiteral("unknown");
    }
    if (h.total > 0 && h.passing == h.total) {
        return QStringLiteral("passing");
    }
    return h.passing > 0 ? QStringLiteral("warning") : QStringLiteral("critical");
}

int UpstreamsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int UpstreamsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant UpstreamsModel::data(const QModelIndex& idx, int role) const {
    const Row* r = rowAt(idx.row());
    if (!r || !idx.isValid()) {
        return {};
    }
    switch (role) {
        case ProxyServiceIdRole:
            return q(r->proxyServiceId);
        case DestinationRole:
            return q(r->destination);
        case HealthRole:
            return r->denied ? QStringLiteral("critical") : healthWord(r->health);
        case DeniedRole:
            return r->denied;
        case OwnedRole:
            return r->owned;
        default:
            break;
    }
    const auto column = static_cast<Column>(idx.column());
    if (role == Qt::DisplayRole) {
        switch (column) {
            case ProxyService:
                return q(r->proxyServiceId);
            case Destination:
                return q(r->destination);
            case BindAddress:
                return q(r->bind);
            case DestinationHealth: {
                const QString health =
                    !r->health.known ? tr("unknown")
                    : r->health.total == 0
                        ? tr("no instances")
                        : tr("%1/%2 healthy").arg(r->health.passing).arg(r->health.total);
                return r->denied ? tr("denied · %1").arg(health) : health;
            }
            case Sidecar:
                return q(r->sidecarId);
            case ColumnCount:
                break;
        }
        return {};
    }
    if (role == Qt::FontRole && column == ProxyService && r->owned) {
        QFont f;
        f.setBold(true);
        return f;
    }
    if (role == Qt::ToolTipRole && column == DestinationHealth) {
        if (r->denied) {
            return tr("An intention denies %1 → %2: connections through this upstream are "
                      "refused.\n%3")
                .arg(q(r->proxyServiceId), q(r->destination), q(r->decision));
        }
        return r->decision.empty() ? tr("Allowed: no intention matches (default allow).")
                                   : tr("Allowed. %1").arg(q(r->decision));
    }
    if (role == Qt::ToolTipRole && column == BindAddress) {
        return tr("The service dials this local address to reach %1 through its sidecar.")
            .arg(q(r->destination));
    }
    return {};
}

QVariant UpstreamsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (static_cast<Column>(section)) {
        case ProxyService:
            return tr("Proxy service");
        case Destination:
            return tr("Destination");
        case BindAddress:
            return tr("Local bind address");
        case DestinationHealth:
            return tr("Destination health");
        case Sidecar:
            return tr("Sidecar");
        case ColumnCount:
            break;
    }
    return {};
}

}  // namespace meshx::ui
