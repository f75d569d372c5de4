#include "ui/rpc/instance_count_model.h"

namespace meshx::ui {

InstanceCountModel::InstanceCountModel(QObject* parent) : QAbstractTableModel(parent) {}

int InstanceCountModel::addRun(const QString& label) {
    const int column = columnCount();
    beginInsertColumns({}, column, column);
    runs_.push_back(Run{label, {}, 0});
    endInsertColumns();
    return static_cast<int>(runs_.size()) - 1;
}

void InstanceCountModel::setCounts(int run, const std::map<std::string, int>& counts) {
    if (run < 0 || run >= runCount()) {
        return;
    }
    QStringList added;
    for (const auto& [name, n] : counts) {
        const QString q = QString::fromStdString(name);
        if (!instances_.contains(q) && !added.contains(q)) {
            added << q;
        }
    }
    if (!added.isEmpty()) {
        beginInsertRows({}, rowCount(), rowCount() + static_cast<int>(added.size()) - 1);
        instances_ << added;
        endInsertRows();
    }
    Run& r = runs_[static_cast<size_t>(run)];
    r.counts.clear();
    r.total = 0;
    for (const auto& [name, n] : counts) {
        r.counts[QString::fromStdString(name)] = n;
        r.total += n;
    }
    emit headerDataChanged(Qt::Horizontal, run + 1, run + 1);
    emit dataChanged(index(0, run + 1), index(rowCount() - 1, run + 1));
}

void InstanceCountModel::clear() {
    beginResetModel();
    instances_.clear();
    runs_.clear();
    endResetModel();
}

int InstanceCountModel::count(int run, const QString& instance) const {
    if (run < 0 || run >= runCount()) {
        return 0;
    }
    const auto& counts = runs_[static_cast<size_t>(run)].counts;
    auto it = counts.find(instance);
    return it == counts.end() ? 0 : it->second;
}

QStringList InstanceCountModel::servingInstances(int run) const {
    QStringList out;
    for (const QString& name : instances_) {
        if (count(run, name) > 0) {
            out << name;
        }
    }
    return out;
}

int InstanceCountModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(instances_.size());
}

int InstanceCountModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : 1 + runCount();
}

QVariant InstanceCountModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) {
        return {};
    }
    const QString& name = instances_[index.row()];
    if (index.column() == 0) {
        return role == Qt::DisplayRole ? QVariant(name) : QVariant();
    }
    const int run = index.column() - 1;
    const int n = count(run, name);
    switch (role) {
        case Qt::DisplayRole:
            return n;
        case Qt::TextAlignmentRole:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        case Qt::UserRole: {
            const int total = runs_[static_cast<size_t>(run)].total;
            return total > 0 ? static_cast<double>(n) / total : 0.0;
        }
        default:
            return {};
    }
}

QVariant InstanceCountModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    if (section == 0) {
        return tr("Instance");
    }
    const Run& r = runs_[static_cast<size_t>(section - 1)];
    return tr("%1 (%2 calls)").arg(r.label).arg(r.total);
}

}  // namespace meshx::ui
