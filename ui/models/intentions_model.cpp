#include "models/intentions_model.h"

#include <QColor>

#include "consul/blocking_watcher.h"
#include "consul/connect_endpoints.h"
#include "consul/consul_api.h"
#include "models/health_status.h"

namespace meshx::ui {

namespace ep = consul::endpoints;

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

}  // namespace

IntentionsModel::IntentionsModel(consul::ConsulApi& api, QObject* parent)
    : QAbstractTableModel(parent), api_(api) {}

IntentionsModel::~IntentionsModel() {
    if (watcher_) {
        watcher_->stop();
    }
}

void IntentionsModel::start() {
    consul::BlockingWatcher::Options options;
    options.wait = std::chrono::seconds(60);
    options.backoff.initial = std::chrono::milliseconds(200);
    options.backoff.max = std::chrono::seconds(2);
    watcher_ = consul::BlockingWatcher::typed<consul::Indexed<std::vector<consul::Intention>>>(
        api_, ep::intentions(), options, this,
        [this](const consul::Indexed<std::vector<consul::Intention>>& list, uint64_t) {
            if (!lastError_.isEmpty()) {
                lastError_.clear();
                emit errorChanged(lastError_);
            }
            setIntentions(list.value);
        },
        [this](const Error& error, std::chrono::milliseconds retryIn) {
            lastError_ = tr("Cannot read intentions: %1 (retrying in %2 ms)")
                             .arg(q(error.message))
                             .arg(retryIn.count());
            emit errorChanged(lastError_);
        });
    watcher_->start();
}

void IntentionsModel::agentRecovered() {
    if (!lastError_.isEmpty()) {
        lastError_.clear();
        emit errorChanged(lastError_);
    }
}

void IntentionsModel::setIntentions(const std::vector<consul::Intention>& intentions) {
    beginResetModel();
    rows_ = intentions;
    endResetModel();
}

void IntentionsModel::upsert(const QString& source, const QString& destination,
                             const QString& action, const QString& description, Done done) {
    nlohmann::json body = {{"Action", action.toStdString()}};
    if (!description.isEmpty()) {
        body["Description"] = description.toStdString();
    }
    api_.callAsync<void>(ep::upsertIntention(source.toStdString(), destination.toStdString(), body),
                         this, [done = std::move(done)](Status st) { done(st); });
}

void IntentionsModel::remove(const QString& source, const QString& destination, Done done) {
    api_.callAsync<void>(ep::deleteIntention(source.toStdString(), destination.toStdString()), this,
                         [done = std::move(done)](Status st) { done(st); });
}

int IntentionsModel::rowOf(const QString& source, const QString& destination) const {
    for (size_t i = 0; i < rows_.size(); ++i) {
        if (q(rows_[i].sourceName) == source && q(rows_[i].destinationName) == destination) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

const consul::Intention* IntentionsModel::intentionAt(int row) const {
    return row >= 0 && row < static_cast<int>(rows_.size()) ? &rows_[static_cast<size_t>(row)]
                                                            : nullptr;
}

int IntentionsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int IntentionsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant IntentionsModel::data(const QModelIndex& idx, int role) const {
    const consul::Intention* i = intentionAt(idx.row());
    if (!i || !idx.isValid()) {
        return {};
    }
    const QString action = i->action.empty() ? QStringLiteral("L7 rules") : q(i->action);
    switch (role) {
        case ActionRole:
            return action;
        case SourceRole:
            return q(i->sourceName);
        case DestinationRole:
            return q(i->destinationName);
        default:
            break;
    }
    const auto column = static_cast<Column>(idx.column());
    if (role == Qt::DisplayRole) {
        switch (column) {
            case Source:
                return q(i->sourceName);
            case Destination:
                return q(i->destinationName);
            case Action:
                return action;
            case Precedence:
                return i->precedence;
            case Description:
                return q(i->description);
            case ColumnCount:
                break;
        }
    }
    if (role == Qt::ForegroundRole && column == Action) {
        return health::badgeColour(i->action == "allow"  ? QStringLiteral("passing")
                                   : i->action == "deny" ? QStringLiteral("critical")
                                                         : QStringLiteral("none"));
    }
    return {};
}

QVariant IntentionsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (static_cast<Column>(section)) {
        case Source:
            return tr("Source");
        case Destination:
            return tr("Destination");
        case Action:
            return tr("Action");
        case Precedence:
            return tr("Precedence");
        case Description:
            return tr("Description");
        case ColumnCount:
            break;
    }
    return {};
}

}  // namespace meshx::ui
