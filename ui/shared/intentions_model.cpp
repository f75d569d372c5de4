#include "ui/shared/intentions_model.h"

#include <QColor>

#include "consul/connect_endpoints.h"
#include "consul/consul_api.h"
#include "engine/intentions_watch.h"
#include "ui/shared/health_status.h"

namespace meshx::ui {

namespace ep = consul::endpoints;

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

}  // namespace

IntentionsModel::IntentionsModel(consul::ConsulApi& api, engine::IntentionsWatch& watch,
                                 QObject* parent)
    : QAbstractTableModel(parent), api_(api), watch_(watch) {
    connect(&watch_, &engine::IntentionsWatch::changed, this,
            [this] { setIntentions(watch_.intentions()); });
    connect(&watch_, &engine::IntentionsWatch::errorChanged, this, [this](const QString& error) {
        lastError_ = error;
        emit errorChanged(lastError_);
    });
    setIntentions(watch_.intentions());
    lastError_ = q(watch_.lastError());
}

IntentionsModel::~IntentionsModel() = default;

void IntentionsModel::start() {
    watch_.start();
}

void IntentionsModel::agentRecovered() {
    watch_.agentRecovered();
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
