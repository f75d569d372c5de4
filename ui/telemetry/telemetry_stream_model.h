#pragma once

#include <QAbstractTableModel>
#include <QList>

#include <cstdint>
#include <deque>
#include <vector>

#include "telemetry/filter/event_filter.h"
#include "telemetry/rpc_record.h"

class QIODevice;

namespace meshx::ui {

// The telemetry stream: a bounded history of RPC records and, as rows, the ones the display
// filter accepts. Fed in batches (tap, then draw): append() inserts a whole batch with one
// beginInsertRows and, once the history is full, trims as many of the oldest records as the
// batch brings with one beginRemoveRows (a bounded piece per batch, never a tenth at once).
//
//   history_: [ r1000 | r1001 | ... | r50999 ]          trimmed_ = 1000 records dropped so far
//   visible_: [ 1003, 1010, 1011, ... ]                  absolute indexes of filtered rows
//
// Records never move inside the deque, so a visible row is history_[abs - trimmed_]. The
// trimmed records are not destroyed here: each changes places with a new one in the batch's
// vector, which append() gives back, so the caller frees them off the GUI thread (the telemetry
// page hands them to its ingest worker) and the GUI thread never frees the strings the worker
// allocated. Thread: GUI thread.
class TelemetryStreamModel : public QAbstractTableModel {
    Q_OBJECT

  public:
    enum Column {
        Time,
        Process,
        Service,
        Source,
        Event,
        Fun,
        Kind,
        Result,
        HskRef,
        ReqRef,
        LocalConn,
        RemoteConn,
        RemoteSvc,
        RemoteNode,
        BlocksSend,
        BlocksRecv,
        SizeSend,
        SizeRecv,
        TSer,
        TDser,
        TExec,
        TSend,
        TRecv,
        THsk,
        TIdle,
        TReq,
        ColumnCount
    };

    explicit TelemetryStreamModel(size_t historyLimit = 50000, QObject* parent = nullptr);

    // Appends a batch (oldest first) and trims history to the limit. Returns the batch's vector
    // holding the records trimmed from the history (and moved-from ones): free it off the GUI
    // thread, or let it go here.
    std::vector<telemetry::RpcRecord> append(std::vector<telemetry::RpcRecord>&& batch);
    // Re-evaluates the whole history against `filter` (one model reset).
    void setFilter(const telemetry::EventFilter& filter);
    const telemetry::EventFilter& filter() const { return filter_; }
    void clear();

    void setHistoryLimit(size_t limit);
    size_t historyLimit() const { return limit_; }
    size_t historySize() const { return history_.size(); }
    const std::deque<telemetry::RpcRecord>& history() const { return history_; }
    // Records dropped from the front of history so far.
    uint64_t trimmed() const { return trimmed_; }

    // The record shown in `row`, or null.
    const telemetry::RpcRecord* record(int row) const;

    // What is shown: the filtered rows, `columns` (Column values) for CSV; JSON lines carry
    // every field of each row. Return false when the device cannot be written.
    bool exportCsv(QIODevice& out, const QList<int>& columns) const;
    bool exportJsonLines(QIODevice& out) const;

    static QString columnName(int column);
    // The field name of the filter language for a column (for "filter on this value").
    static QString columnField(int column);
    static QString cellText(const telemetry::RpcRecord& r, int column);

    // QAbstractTableModel
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

  private:
    void trimTo(size_t limit);
    // How many rows of visible_ name records older than `firstKept` (absolute index).
    size_t visibleRowsBefore(uint64_t firstKept) const;

    size_t limit_;
    std::deque<telemetry::RpcRecord> history_;
    std::deque<uint64_t> visible_;
    std::vector<uint64_t> shown_;  // append()'s scratch, kept to avoid a growth per batch
    uint64_t trimmed_ = 0;
    telemetry::EventFilter filter_;
};

}  // namespace meshx::ui
