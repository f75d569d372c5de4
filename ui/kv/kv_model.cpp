#include "ui/kv/kv_model.h"

#include <algorithm>
#include <map>

#include "consul/consul_api.h"
#include "consul/kv_endpoints.h"
#include "engine/kv_watch.h"
#include "ui/kv/kv_value_format.h"

namespace meshx::ui {

namespace ep = consul::endpoints;

KvModel::KvModel(consul::ConsulApi& api, engine::KvWatch& watch, QObject* parent)
    : QAbstractTableModel(parent), api_(api), watch_(&watch) {
    connect(watch_, &engine::KvWatch::changed, this, [this] {
        rebuild();
        if (!lastError_.isEmpty()) {
            lastError_.clear();
            emit errorChanged({});
        }
        emit entriesChanged();
    });
    connect(watch_, &engine::KvWatch::failed, this, [this](const QString& error) {
        lastError_ = error;
        emit errorChanged(error);
    });
}

KvModel::~KvModel() = default;

void KvModel::setPrefix(const QString& prefix, const QString& dc) {
    watch_->watch(prefix.toStdString(), dc.toStdString());
    rebuild();
}

QString KvModel::prefix() const {
    return QString::fromStdString(watch_->prefix());
}

QString KvModel::datacenter() const {
    return QString::fromStdString(watch_->datacenter());
}

bool KvModel::loaded() const {
    return watch_->loaded();
}

const std::vector<consul::KvEntry>& KvModel::entries() const {
    return watch_->entries();
}

const consul::KvEntry* KvModel::entry(const QString& key) const {
    return watch_->find(key.toStdString());
}

int KvModel::keysUnder(const QString& prefix) const {
    const std::string p = prefix.toStdString();
    int n = 0;
    for (const auto& e : watch_->entries()) {
        n += e.key.compare(0, p.size(), p) == 0 ? 1 : 0;
    }
    return n;
}

void KvModel::rebuild() {
    beginResetModel();
    rows_.clear();
    const std::string prefix = watch_->prefix();
    std::map<std::string, Row> folders;
    for (const auto& e : watch_->entries()) {
        if (e.key.compare(0, prefix.size(), prefix) != 0 || e.key.size() == prefix.size()) {
            continue;  // the prefix itself (a "folder" key) is not a row of its own
        }
        const std::string rest = e.key.substr(prefix.size());
        const auto slash = rest.find('/');
        if (slash != std::string::npos && slash + 1 < rest.size()) {
            const std::string name = rest.substr(0, slash + 1);
            Row& folder = folders[name];
            folder.name = QString::fromStdString(name);
            folder.fullKey = QString::fromStdString(prefix + name);
            folder.folder = true;
            ++folder.keys;
            continue;
        }
        if (rest.back() == '/') {
            // A folder key of its own (as Consul's UI creates them): one row with its subtree.
            Row& folder = folders[rest];
            folder.name = QString::fromStdString(rest);
            folder.fullKey = QString::fromStdString(e.key);
            folder.folder = true;
            continue;
        }
        Row row;
        row.name = QString::fromStdString(rest);
        row.fullKey = QString::fromStdString(e.key);
        row.entry = &e;
        rows_.push_back(std::move(row));
    }
    for (auto& [name, folder] : folders) {
        rows_.push_back(std::move(folder));
    }
    std::sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) {
        if (a.folder != b.folder) {
            return a.folder;
        }
        return a.name < b.name;
    });
    endResetModel();
}

void KvModel::save(const QString& key, std::string bytes, uint64_t cas,
                   std::function<void(Result<SaveOutcome>)> done) {
    const std::string k = key.toStdString();
    const std::string dc = watch_->datacenter();
    api_.callAsync<bool>(ep::kvPutCas(k, std::move(bytes), cas, dc), this,
                         [this, k, dc, done = std::move(done)](Result<bool> saved) {
                             if (!saved) {
                                 done(saved.error());
                                 return;
                             }
                             if (*saved) {
                                 done(SaveOutcome{true, std::nullopt});
                                 return;
                             }
                             // Refused: read what is there now so the user sees both versions.
                             using Value = consul::Indexed<std::optional<consul::KvEntry>>;
                             api_.callAsync<Value>(ep::kvEntry(k, dc), this,
                                                   [done](Result<Value> current) {
                                                       if (!current) {
                                                           done(current.error());
                                                           return;
                                                       }
                                                       done(SaveOutcome{false, current->value});
                                                   });
                         });
}

void KvModel::remove(const QString& key, uint64_t cas, std::function<void(Result<bool>)> done) {
    api_.callAsync<bool>(ep::kvDeleteCas(key.toStdString(), cas, watch_->datacenter()), this,
                         std::move(done));
}

void KvModel::removeTree(const QString& prefix, std::function<void(Status)> done) {
    api_.callAsync<void>(ep::kvDelete(prefix.toStdString(), /*recurse=*/true, watch_->datacenter()),
                         this, std::move(done));
}

int KvModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int KvModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant KvModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= static_cast<int>(rows_.size())) {
        return {};
    }
    const Row& row = rows_[static_cast<size_t>(index.row())];
    if (role == FullKeyRole) {
        return row.fullKey;
    }
    if (role == IsFolderRole) {
        return row.folder;
    }
    if (role == Qt::ToolTipRole) {
        return row.fullKey;
    }
    if (role != Qt::DisplayRole) {
        return {};
    }
    switch (index.column()) {
        case Key:
            return row.folder ? QStringLiteral("📁 ") + row.name : row.name;
        case Kind:
            if (!row.entry) {
                return tr("%n key(s)", nullptr, row.keys);
            }
            return kvFormatName(detectKvFormat(row.entry->value));
        case Size:
            return row.entry ? QVariant(static_cast<qulonglong>(row.entry->value.size()))
                             : QVariant();
        case ModifyIndex:
            return row.entry ? QVariant(static_cast<qulonglong>(row.entry->modifyIndex))
                             : QVariant();
        case Flags:
            return row.entry ? QVariant(static_cast<qulonglong>(row.entry->flags)) : QVariant();
        default:
            return {};
    }
}

QVariant KvModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
        case Key:
            return tr("Key");
        case Kind:
            return tr("Kind");
        case Size:
            return tr("Bytes");
        case ModifyIndex:
            return tr("Modify index");
        case Flags:
            return tr("Flags");
        default:
            return {};
    }
}

}  // namespace meshx::ui
