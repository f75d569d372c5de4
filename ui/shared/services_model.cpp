#include "ui/shared/services_model.h"

#include <QColor>
#include <QFont>
#include <QGuiApplication>
#include <QPalette>

#include <algorithm>

#include "ui/shared/health_status.h"

namespace meshx::ui {

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

bool sameChecks(const std::vector<consul::HealthCheck>& a,
                const std::vector<consul::HealthCheck>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const consul::HealthCheck& x, const consul::HealthCheck& y) {
                          return x.checkId == y.checkId && x.status == y.status &&
                                 x.output == y.output && x.name == y.name;
                      });
}

}  // namespace

bool ServicesModel::Row::operator==(const Row& o) const {
    return id == o.id && name == o.name && kind == o.kind && address == o.address &&
           port == o.port && tags == o.tags && meta == o.meta && localAddress == o.localAddress &&
           sidecarId == o.sidecarId && sidecarHealth == o.sidecarHealth &&
           destination == o.destination && health == o.health && owned == o.owned &&
           flapping == o.flapping && sameChecks(checks, o.checks);
}

ServicesModel::ServicesModel(QObject* parent) : QAbstractTableModel(parent) {}

void ServicesModel::setSnapshot(const engine::AgentSnapshot& snapshot) {
    snapshot_ = snapshot;
    rebuild();
}

void ServicesModel::setOwned(const std::set<std::string>& ids) {
    owned_ = ids;
    rebuild();
}

void ServicesModel::setFlapping(const std::set<std::string>& ids) {
    if (ids == flapping_) {
        return;
    }
    flapping_ = ids;
    rebuild();
}

void ServicesModel::rebuild() {
    std::map<std::string, std::vector<consul::HealthCheck>> checksBy;
    for (const auto& c : snapshot_.checks) {
        checksBy[c.serviceId].push_back(c);
    }
    std::map<std::string, std::string> sidecarOf;  // service id -> sidecar id
    for (const auto& [id, s] : snapshot_.services) {
        if (s.kind == "connect-proxy" && s.proxy && !s.proxy->destinationServiceId.empty()) {
            sidecarOf[s.proxy->destinationServiceId] = id;
        }
    }
    std::vector<Row> next;
    next.reserve(snapshot_.services.size());
    for (const auto& [id, s] : snapshot_.services) {
        Row r;
        r.id = id;
        r.name = s.service;
        r.kind = s.kind;
        r.address = s.address;
        r.port = s.port;
        r.tags = s.tags;
        r.meta = s.meta;
        r.checks = checksBy[id];
        std::sort(r.checks.begin(), r.checks.end(),
                  [](const auto& a, const auto& b) { return a.checkId < b.checkId; });
        r.health = health::aggregate(r.checks);
        if (auto it = sidecarOf.find(id); it != sidecarOf.end()) {
            r.sidecarId = it->second;
            r.sidecarHealth = health::aggregate(checksBy[it->second]);
            const auto& proxy = snapshot_.services.at(it->second).proxy;
            if (proxy && proxy->localServicePort > 0) {
                r.localAddress = (proxy->localServiceAddress.empty() ? std::string("127.0.0.1")
                                                                     : proxy->localServiceAddress) +
                                 ":" + std::to_string(proxy->localServicePort);
            }
        }
        if (s.kind == "connect-proxy" && s.proxy) {
            r.destination = s.proxy->destinationServiceId;
        }
        r.owned = owned_.count(id) > 0;
        r.flapping = flapping_.count(id) > 0;
        next.push_back(std::move(r));
    }

    // Removed rows, from the bottom so the indexes above stay valid.
    for (int i = static_cast<int>(rows_.size()) - 1; i >= 0; --i) {
        if (!snapshot_.services.count(rows_[static_cast<size_t>(i)].id)) {
            beginRemoveRows({}, i, i);
            rows_.erase(rows_.begin() + i);
            endRemoveRows();
        }
    }
    index_.clear();
    for (size_t i = 0; i < rows_.size(); ++i) {
        index_.insert(q(rows_[i].id), static_cast<int>(i));
    }
    // Changed rows in place; new rows at the end, in one insert.
    std::vector<Row> added;
    for (auto& r : next) {
        auto it = index_.constFind(q(r.id));
        if (it == index_.constEnd()) {
            added.push_back(std::move(r));
            continue;
        }
        Row& current = rows_[static_cast<size_t>(*it)];
        if (!(current == r)) {
            current = std::move(r);
            emit dataChanged(index(*it, 0), index(*it, ColumnCount - 1));
        }
    }
    if (!added.empty()) {
        const int first = static_cast<int>(rows_.size());
        beginInsertRows({}, first, first + static_cast<int>(added.size()) - 1);
        for (auto& r : added) {
            index_.insert(q(r.id), static_cast<int>(rows_.size()));
            rows_.push_back(std::move(r));
        }
        endInsertRows();
    }
}

int ServicesModel::rowOf(const QString& id) const {
    return index_.value(id, -1);
}

const ServicesModel::Row* ServicesModel::rowAt(int row) const {
    return row >= 0 && row < static_cast<int>(rows_.size()) ? &rows_[static_cast<size_t>(row)]
                                                            : nullptr;
}

const ServicesModel::Row* ServicesModel::find(const QString& id) const {
    return rowAt(rowOf(id));
}

QStringList ServicesModel::serviceNames() const {
    QStringList names;
    for (const auto& r : rows_) {
        if (r.kind != "connect-proxy") {
            names << q(r.name);
        }
    }
    names.removeDuplicates();
    names.sort();
    return names;
}

int ServicesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int ServicesModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString ServicesModel::checksSummary(const Row& r) const {
    QStringList parts;
    for (const auto& c : r.checks) {
        QString text = q(c.name.empty() ? c.checkId : c.name) + QStringLiteral(": ") + q(c.status);
        if (!c.output.empty()) {
            QString output = q(c.output).simplified();
            if (output.size() > 120) {
                output = output.left(119) + QChar(0x2026);
            }
            text += QStringLiteral(" — ") + output;
        }
        parts << text;
    }
    return parts.join(QStringLiteral("; "));
}

QVariant ServicesModel::data(const QModelIndex& idx, int role) const {
    const Row* r = rowAt(idx.row());
    if (!r || !idx.isValid()) {
        return {};
    }
    switch (role) {
        case IdRole:
            return q(r->id);
        case NameRole:
            return q(r->name);
        case HealthRole:
            return q(r->health);
        case SeverityRole:
            return static_cast<int>(health::severityOf(r->health));
        case OwnedRole:
            return r->owned;
        case IsSidecarRole:
            return r->kind == "connect-proxy";
        case HasSidecarRole:
            return !r->sidecarId.empty();
        case FlappingRole:
            return r->flapping;
        case NoteRole:
            return r->flapping ? tr("flapping") : QString();
        case SearchFieldsRole: {
            QStringList fields{QStringLiteral("name:") + q(r->name),
                               QStringLiteral("id:") + q(r->id)};
            for (const auto& t : r->tags) {
                fields << QStringLiteral("tag:") + q(t);
            }
            for (const auto& [k, v] : r->meta) {
                fields << QStringLiteral("meta:") + q(k) + QLatin1Char('=') + q(v);
            }
            return fields;
        }
        default:
            break;
    }
    const auto column = static_cast<Column>(idx.column());
    if (role == Qt::DisplayRole || role == Qt::EditRole) {
        switch (column) {
            case Owned:
                return r->owned ? QStringLiteral("★") : QString();
            case Name:
                return q(r->name);
            case Id:
                return q(r->id);
            case Address:
                if (r->address.empty() && r->port == 0) {
                    return q(r->localAddress);  // registered without one: where its sidecar dials
                }
                return q(r->address.empty() ? std::string("(node)") : r->address) +
                       QLatin1Char(':') + QString::number(r->port);
            case Tags: {
                QStringList tags;
                for (const auto& t : r->tags) {
                    tags << q(t);
                }
                return tags.join(QStringLiteral(", "));
            }
            case Meta: {
                QStringList meta;
                for (const auto& [k, v] : r->meta) {
                    meta << q(k) + QLatin1Char('=') + q(v);
                }
                return meta.join(QStringLiteral(", "));
            }
            case Sidecar:
                if (!r->destination.empty()) {
                    return tr("proxy for %1").arg(q(r->destination));
                }
                if (r->sidecarId.empty()) {
                    return QString();
                }
                return q(r->sidecarId) + QStringLiteral(" (") + q(r->sidecarHealth) +
                       QLatin1Char(')');
            case Health:
                return q(r->health);
            case Checks:
                return checksSummary(*r);
            case ColumnCount:
                break;
        }
        return {};
    }
    if (role == Qt::ToolTipRole) {
        if (column == Checks || column == Health) {
            QStringList lines;
            for (const auto& c : r->checks) {
                lines << QStringLiteral("%1 [%2]: %3\n%4")
                             .arg(q(c.checkId), q(c.status), q(c.name), q(c.output).left(2000));
            }
            if (r->flapping) {
                lines << tr("Flapping: its checks changed state often in the last minutes.");
            }
            return lines.join(QStringLiteral("\n\n"));
        }
        if (column == Address && r->address.empty() && r->port == 0 && !r->localAddress.empty()) {
            return tr("Not registered with an address; its sidecar dials it here.");
        }
        if (column == Owned) {
            return r->owned ? tr("Started by this console") : tr("Registered by someone else");
        }
        return {};
    }
    if (role == Qt::ForegroundRole && r->kind == "connect-proxy" && column != Health) {
        return QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text);
    }
    if (role == Qt::FontRole && column == Name && r->owned) {
        QFont f;
        f.setBold(true);
        return f;
    }
    if (role == Qt::TextAlignmentRole && column == Owned) {
        return QVariant::fromValue(Qt::AlignCenter);
    }
    return {};
}

QVariant ServicesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (static_cast<Column>(section)) {
        case Owned:
            return tr("Own");
        case Name:
            return tr("Name");
        case Id:
            return tr("ID");
        case Address:
            return tr("Address");
        case Tags:
            return tr("Tags");
        case Meta:
            return tr("Meta");
        case Sidecar:
            return tr("Sidecar");
        case Health:
            return tr("Health");
        case Checks:
            return tr("Checks");
        case ColumnCount:
            break;
    }
    return {};
}

}  // namespace meshx::ui
