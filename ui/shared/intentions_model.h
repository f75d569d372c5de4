#pragma once

#include <QAbstractTableModel>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

#include "common/result.h"
#include "consul/connect_types.h"

namespace meshx::consul {
class ConsulApi;
}
namespace meshx::engine {
class IntentionsWatch;
}

namespace meshx::ui {

// The agent's intentions as the engine's IntentionsWatch keeps them (a blocking query: a change
// shows at once), with create and delete going to the agent asynchronously. Rows are replaced as a
// whole on each change (intentions are few; the view keeps its selection by source and
// destination).
//
// Thread: GUI thread; callbacks run on it. `api` and `watch` must outlive the model.
class IntentionsModel : public QAbstractTableModel {
    Q_OBJECT

  public:
    enum Column { Source, Destination, Action, Precedence, Description, ColumnCount };
    enum Role { ActionRole = Qt::UserRole + 1, SourceRole, DestinationRole };
    using Done = std::function<void(Status)>;

    IntentionsModel(consul::ConsulApi& api, engine::IntentionsWatch& watch,
                    QObject* parent = nullptr);
    ~IntentionsModel() override;

    // Starts the engine's intentions watch (a no-op when it runs).
    void start();

    // Creates or replaces source -> destination with `action` ("allow" or "deny"). `done` runs
    // on the GUI thread with the agent's answer, while this model lives.
    void upsert(const QString& source, const QString& destination, const QString& action,
                const QString& description, Done done);
    void remove(const QString& source, const QString& destination, Done done);

    int rowOf(const QString& source, const QString& destination) const;
    const consul::Intention* intentionAt(int row) const;
    const std::vector<consul::Intention>& intentions() const { return rows_; }
    // Empty while the watch works; the last error in words otherwise.
    const QString& lastError() const { return lastError_; }
    // The agent answers again (AgentMonitor said so): forget the error. A watch that still
    // fails says so again at its next retry. (BlockingWatcher reports errors but not recovery,
    // and a restarted agent may answer with the very index we already had.)
    void agentRecovered();

    // QAbstractItemModel
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  signals:
    // The watch failed (agent gone...) or recovered (empty text).
    void errorChanged(const QString& error);

  private:
    void setIntentions(const std::vector<consul::Intention>& intentions);

    consul::ConsulApi& api_;
    engine::IntentionsWatch& watch_;
    std::vector<consul::Intention> rows_;
    QString lastError_;
};

}  // namespace meshx::ui
