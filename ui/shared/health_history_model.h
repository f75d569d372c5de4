#pragma once

#include <QTimer>

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "consul/agent_types.h"
#include "ui/shared/bounded_rows_model.h"

namespace meshx::ui {

// Every check state transition seen on the agent: when, which service instance and check, from
// and to, and the check's output at that moment. A check seen for the first time is a transition
// from "" (registered), one that disappears goes to "removed".
//
// Bounded: at most `capacity` rows; the oldest go in one batched remove. Tap, then draw:
// observe() only diffs and queues; a timer moves the queue in with one insert.
//
// Flapping: a check with `flapThreshold` transitions or more within `flapWindow` is flapping;
// its service is in flappingServices() until the window slides past.
//
// Thread: GUI thread.
// One row of HealthHistoryModel.
struct HealthTransition {
    qint64 timeUs = 0;
    std::string serviceName;
    std::string serviceId;
    std::string checkId;
    std::string checkName;
    std::string from;
    std::string to;
    std::string output;
    bool flapping = false;
};

class HealthHistoryModel : public BoundedRowsModel<HealthTransition> {
    Q_OBJECT

  public:
    enum Column { Time, Service, Instance, Check, From, To, Output, ColumnCount };
    enum Role { ServiceIdRole = Qt::UserRole + 1, TimeUsRole, ToStatusRole };

    using Transition = HealthTransition;

    struct Options {
        size_t capacity = 5000;
        int flapThreshold = 4;
        std::chrono::seconds flapWindow{120};
    };

    explicit HealthHistoryModel(QObject* parent = nullptr);
    explicit HealthHistoryModel(Options options, QObject* parent = nullptr);

    // The checks as they are now (service checks of this agent), seen at `timeUs`.
    void observe(const std::vector<consul::HealthCheck>& checks, qint64 timeUs);
    // Moves queued transitions into the model now (the timer does it ~30 times a second).
    void flush();

    // Service ids whose checks are flapping now.
    std::set<std::string> flappingServices() const;
    // Transitions recorded for `serviceId` (queued ones included).
    int transitionCount(const std::string& serviceId) const;
    const Transition* transitionAt(int row) const;

    // QAbstractItemModel
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  signals:
    // The flapping set changed.
    void flappingChanged();

  private:
    struct Known {
        std::string status;
        std::string serviceName;
        std::string checkName;
    };
    void record(Transition t);

    Options options_;
    std::map<std::string, Known> known_;                // key: service id \n check id
    std::map<std::string, std::deque<qint64>> recent_;  // key -> transition times in the window
    std::map<std::string, int> counts_;                 // service id -> transitions
    std::set<std::string> flapping_;                    // service ids
    std::vector<Transition> pending_;
    QTimer flushTimer_;
};

}  // namespace meshx::ui
