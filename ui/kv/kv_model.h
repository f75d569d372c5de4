#pragma once

#include <QAbstractTableModel>
#include <QString>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "consul/kv_types.h"

namespace meshx::consul {
class ConsulApi;
}
namespace meshx::engine {
class KvWatch;
}

namespace meshx::ui {

// The KV store one level at a time: the rows are what lies directly below the current prefix —
// folders (the next path segment of deeper keys, with how many keys they hold) and keys (size,
// format, ModifyIndex, flags). The whole subtree is watched live (engine::KvWatch, a blocking
// query), so a write by anyone shows at once.
//
// Writes are check-and-set: save() sends ?cas=<the ModifyIndex the editor loaded> (0 for a new
// key), so a concurrent change is never silently overwritten; when the agent refuses, the answer
// carries the version now stored, for the view to show both.
//
// Thread: GUI thread; callbacks run on it while the model lives. `api` must outlive the model.
class KvModel : public QAbstractTableModel {
    Q_OBJECT

  public:
    enum Column { Key, Kind, Size, ModifyIndex, Flags, ColumnCount };
    enum Role { FullKeyRole = Qt::UserRole + 1, IsFolderRole };

    struct SaveOutcome {
        bool saved = false;
        // When not saved: the entry on the agent now (nullopt: it was deleted meanwhile).
        std::optional<consul::KvEntry> current;
    };

    // Reads through `watch` (the engine session's), writes through `api`; both outlive the model.
    KvModel(consul::ConsulApi& api, engine::KvWatch& watch, QObject* parent = nullptr);
    ~KvModel() override;

    // Watches `prefix` ("" or ending in '/') of datacenter `dc` ("" is the agent's own).
    void setPrefix(const QString& prefix, const QString& dc = {});
    QString prefix() const;
    QString datacenter() const;
    bool loaded() const;
    const std::vector<consul::KvEntry>& entries() const;
    const consul::KvEntry* entry(const QString& key) const;
    // Keys at or below `prefix` (what a recursive delete would remove).
    int keysUnder(const QString& prefix) const;
    engine::KvWatch& watch() { return *watch_; }

    void save(const QString& key, std::string bytes, uint64_t cas,
              std::function<void(Result<SaveOutcome>)> done);
    // Deletes one key if it is still at `cas`; false when it changed meanwhile.
    void remove(const QString& key, uint64_t cas, std::function<void(Result<bool>)> done);
    // Deletes every key under `prefix` (the view asks for confirmation first).
    void removeTree(const QString& prefix, std::function<void(Status)> done);

    // QAbstractItemModel
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  signals:
    // The watch answered (after the rows were rebuilt).
    void entriesChanged();
    void errorChanged(const QString& error);

  private:
    struct Row {
        QString name;     // the segment below the prefix ("config/" for a folder)
        QString fullKey;  // prefix + name
        bool folder = false;
        int keys = 0;  // folders: keys inside
        const consul::KvEntry* entry = nullptr;
    };
    void rebuild();

    consul::ConsulApi& api_;
    engine::KvWatch* watch_;
    std::vector<Row> rows_;
    QString lastError_;
};

}  // namespace meshx::ui
