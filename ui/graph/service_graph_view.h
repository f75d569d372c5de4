#pragma once

#include <QPointF>
#include <QWidget>

#include <map>
#include <string>

#include "telemetry/watch/service_graph.h"

namespace meshx::ui {

// Draws a ServiceGraph snapshot: services on a circle, one arrow per edge labelled with calls/s,
// error rate and p99; edges with errors or intention denials in red (denials also counted on the
// label). Clicking near an edge emits edgeClicked. Thread: GUI thread.
class ServiceGraphView : public QWidget {
    Q_OBJECT

  public:
    explicit ServiceGraphView(QWidget* parent = nullptr);

    void setSnapshot(telemetry::ServiceGraph::Snapshot snapshot);
    const telemetry::ServiceGraph::Snapshot& snapshot() const { return snapshot_; }
    // Where a node is drawn (for tests clicking an edge), or (-1, -1).
    QPointF nodePosition(const std::string& node) const;
    // The middle of an edge's arrow, where a click selects it.
    QPointF edgeMidpoint(int edge) const;
    // The edge nearest `at` within a few pixels, or -1.
    int edgeAt(const QPointF& at) const;
    int selectedEdge() const { return selected_; }
    void setSelectedEdge(int edge);

    QSize sizeHint() const override { return {640, 420}; }

  signals:
    void edgeClicked(int edge);

  protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

  private:
    void layoutNodes();
    // Start and end of an edge's arrow (shortened to the node circles, bent when both ways).
    std::pair<QPointF, QPointF> edgeLine(int edge) const;

    telemetry::ServiceGraph::Snapshot snapshot_;
    std::map<std::string, QPointF> positions_;
    int selected_ = -1;
};

}  // namespace meshx::ui
