#pragma once

#include <QWidget>

#include "ui/telemetry/call_series.h"

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QLabel;

namespace meshx::ui {

// Plots over the requests the stream's filter accepts: calls/s, latency p50/p95/p99, the
// ser/dser/exec/send/recv split, blocks/s and bytes/s, for all instances summed, each instance
// as its own line (round-robin at a glance), or one chosen instance; over a chosen time window.
// The page feeds series() and calls refresh() on a slow timer (a few Hz); refresh() redraws only
// when something changed.
// Thread: GUI thread.
class TelemetryPlots : public QWidget {
    Q_OBJECT

  public:
    enum class Metric { Calls, Latency, Split, Blocks, Bytes };

    explicit TelemetryPlots(QWidget* parent = nullptr);

    CallSeries& series() { return series_; }
    // Marks the data changed; the next refresh() redraws.
    void markDirty() { dirty_ = true; }
    void refresh();

    void setMetric(Metric metric);
    // "all", "each" or an instance name.
    void setInstance(const QString& instance);
    void setWindowSeconds(int seconds);

    QCustomPlot* plot() const { return plot_; }
    // Data points drawn over all graphs (tests).
    int pointCount() const;
    // Graph names, as in the legend (tests).
    QStringList graphNames() const;

  private:
    void rebuildInstances();

    CallSeries series_;
    QComboBox* metric_ = nullptr;
    QComboBox* instance_ = nullptr;
    QComboBox* window_ = nullptr;
    QLabel* summary_ = nullptr;
    QCustomPlot* plot_ = nullptr;
    bool dirty_ = true;
    size_t knownInstances_ = 0;
};

}  // namespace meshx::ui
