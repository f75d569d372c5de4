#pragma once

#include <QString>
#include <QTimer>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "ui/shared/bounded_rows_model.h"
#include "ui/shared/log_text.h"

namespace meshx::telemetry {
class Subscription;
class TelemetryBus;
struct Event;
}  // namespace meshx::telemetry

namespace meshx::ui {

// The live log of every sidecar proxy: stdout/stderr lines (telemetry LogLine events) with the
// proxies' lifecycle steps (started, exited, restarted, gave up, stopped; service registered...)
// inline, in arrival order.
//
// Tap, then draw: the bus appends to this model's bounded subscription from any thread; a ~30 Hz
// timer on the GUI thread drains a batch, formats it once (safe text, level), and moves it in
// with one insert, trimming the oldest rows with one remove. While paused, batches wait in a
// bounded queue (the oldest are dropped and counted).
//
// Thread: GUI thread.
// What a ProxyLogModel row is: a line of the proxy's stdout or stderr, or a lifecycle step.
enum class ProxyLogKind { Stdout, Stderr, Event };

// One row of ProxyLogModel.
struct ProxyLogEntry {
    qint64 timeUs = 0;
    QString serviceId;
    ProxyLogKind kind = ProxyLogKind::Stdout;
    logtext::Level level = logtext::Level::Info;
    QString text;
    bool truncated = false;  // the supervisor cut the line at its limit
};

class ProxyLogModel : public BoundedRowsModel<ProxyLogEntry> {
    Q_OBJECT

  public:
    enum Column { Time, Service, Stream, Text, ColumnCount };
    enum Role {
        ServiceIdRole = Qt::UserRole + 1,  // QString
        KindRole,                          // int (Kind)
        LevelRole,                         // int (logtext::Level)
        FullTextRole,                      // QString: the whole safe text, for a detail pane
    };

    using Kind = ProxyLogKind;
    using Entry = ProxyLogEntry;

    struct Options {
        size_t capacity = 10000;  // rows kept
        int maxChars = 2000;      // characters kept per line
        size_t batch = 5000;      // events moved per tick at most
        int intervalMs = 33;
        telemetry::TelemetryBus* bus = nullptr;  // nullptr: TelemetryBus::global()
    };

    explicit ProxyLogModel(QObject* parent = nullptr);
    explicit ProxyLogModel(Options options, QObject* parent = nullptr);
    ~ProxyLogModel() override;

    // Paused: rows stop arriving (they queue, bounded); resuming moves the queue in at once.
    void setPaused(bool paused);
    bool paused() const { return paused_; }
    // Rows drained from the bus but not yet in the model (while paused).
    int pendingCount() const { return static_cast<int>(pending_.size()); }
    // Drains the bus and moves the batch in now (the timer does it ~30 times a second).
    void tick();
    void clear();

    // Lines lost: dropped by the bus subscription when full, or by the pause queue.
    uint64_t dropped() const;
    const Entry* entryAt(int row) const;

    // QAbstractItemModel
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  signals:
    // A batch went in (views that follow scroll to the end).
    void batchInserted(int rows);

  private:
    bool toEntry(const telemetry::Event& event, Entry& out) const;
    void flushPending();

    Options options_;
    std::shared_ptr<telemetry::Subscription> subscription_;
    QTimer timer_;
    bool paused_ = false;
    std::deque<Entry> pending_;
    uint64_t pendingDropped_ = 0;
};

}  // namespace meshx::ui
