#pragma once

#include <QAbstractTableModel>
#include <QStringList>

#include <map>
#include <string>
#include <vector>

namespace meshx::ui {

// Which instance served how many calls, one column per load run:
//
//   Instance     | run 1 (20) | run 2 (20)
//   service1-a   |     11     |      0
//   service1-b   |      9     |     20
//
// Rows are instances in the order they first served a call; a run's column is replaced as a
// whole from the load run's tally (tap, then draw: one reset per GUI tick, not one per call).
// The Qt::UserRole of a count cell is its share of the run (0..1), for the bar delegate.
// Thread: GUI thread.
class InstanceCountModel : public QAbstractTableModel {
    Q_OBJECT

  public:
    explicit InstanceCountModel(QObject* parent = nullptr);

    // Adds an empty column named `label`; returns its run index.
    int addRun(const QString& label);
    // Replaces run `run`'s counts (instance -> calls served).
    void setCounts(int run, const std::map<std::string, int>& counts);
    void clear();

    int runCount() const { return static_cast<int>(runs_.size()); }
    // Calls `instance` served in `run` (0 when none or unknown).
    int count(int run, const QString& instance) const;
    QStringList instances() const { return instances_; }
    // Instances with at least one call in `run`.
    QStringList servingInstances(int run) const;

    // QAbstractTableModel
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  private:
    struct Run {
        QString label;
        std::map<QString, int> counts;
        int total = 0;
    };
    QStringList instances_;
    std::vector<Run> runs_;
};

}  // namespace meshx::ui
