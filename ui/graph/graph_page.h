#pragma once

#include <QWidget>

class QTimer;
class QTreeWidget;

namespace meshx::ui {

class HintLine;
class ServiceGraphView;
class TelemetryPage;

// The "Service graph" tab: the live graph of every tapped process's calls and sidecar flows
// (ServiceGraph, fed by the telemetry page), redrawn every second while visible, and the same
// edges as a table. Clicking an edge (in the drawing or the table) applies its filter to the
// telemetry stream and shows that tab. Thread: GUI thread.
class GraphPage : public QWidget {
    Q_OBJECT

  public:
    GraphPage(TelemetryPage& telemetry, QWidget* parent = nullptr);

    // Takes a new snapshot from the telemetry page and redraws (the timer does it every second).
    void refresh();
    // Applies edge `edge`'s filter to the stream (what a click does).
    void selectEdge(int edge);

    ServiceGraphView* view() const { return view_; }
    QTreeWidget* edges() const { return edges_; }

  signals:
    // After an edge was chosen and its filter applied to the stream.
    void streamFiltered(const QString& filter);

  private:
    TelemetryPage& telemetry_;
    ServiceGraphView* view_ = nullptr;
    QTreeWidget* edges_ = nullptr;
    HintLine* hint_ = nullptr;
    QTimer* timer_ = nullptr;
};

}  // namespace meshx::ui
