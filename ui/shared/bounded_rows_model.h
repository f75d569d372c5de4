#pragma once

#include <QAbstractTableModel>

#include <algorithm>
#include <cstddef>
#include <deque>
#include <iterator>

namespace meshx::ui {

// A table model whose rows are a bounded deque of `Row`, filled in batches, for the console's
// live logs (proxy log, health history). appendBatch() trims the oldest rows with one remove and
// moves the batch in with one insert, so a view redraws once per batch however many rows arrive;
// of a batch larger than the capacity only the newest rows are kept.
//
// A template without Q_OBJECT; the models deriving from it declare their own signals.
// Thread: GUI thread.
template <class Row>
class BoundedRowsModel : public QAbstractTableModel {
  public:
    int rowCount(const QModelIndex& parent = {}) const override {
        return parent.isValid() ? 0 : static_cast<int>(rows_.size());
    }

  protected:
    BoundedRowsModel(size_t capacity, QObject* parent)
        : QAbstractTableModel(parent), capacity_(std::max<size_t>(capacity, 1)) {}

    // Moves `batch` (a container of Row, left empty) in after the rows there are. Returns how
    // many rows went in.
    template <class Batch>
    size_t appendBatch(Batch& batch) {
        if (batch.empty()) {
            return 0;
        }
        const size_t incoming = std::min(batch.size(), capacity_);
        if (rows_.size() + incoming > capacity_) {
            const size_t drop = std::min(rows_.size(), rows_.size() + incoming - capacity_);
            beginRemoveRows({}, 0, static_cast<int>(drop) - 1);
            rows_.erase(rows_.begin(), rows_.begin() + static_cast<std::ptrdiff_t>(drop));
            endRemoveRows();
        }
        const int first = static_cast<int>(rows_.size());
        beginInsertRows({}, first, first + static_cast<int>(incoming) - 1);
        auto newest = batch.begin() + static_cast<std::ptrdiff_t>(batch.size() - incoming);
        std::move(newest, batch.end(), std::back_inserter(rows_));
        endInsertRows();
        batch.clear();
        return incoming;
    }

    // The row at `row`, or nullptr outside the model.
    const Row* rowAt(int row) const {
        return row >= 0 && row < static_cast<int>(rows_.size()) ? &rows_[static_cast<size_t>(row)]
                                                                : nullptr;
    }

    // Removes every row (one model reset).
    void clearRows() {
        beginResetModel();
        rows_.clear();
        endResetModel();
    }

    size_t capacity() const { return capacity_; }
    const std::deque<Row>& rows() const { return rows_; }

  private:
    const size_t capacity_;
    std::deque<Row> rows_;
};

}  // namespace meshx::ui
