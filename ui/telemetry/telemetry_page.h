#pragma once

#include <QWidget>

#include <deque>
#include <memory>
#include <vector>

#include "common/result.h"
#include "telemetry/rpc_aggregate.h"
#include "telemetry/rpc_record.h"
#include "telemetry/watch/flow_record.h"
#include "telemetry/watch/service_graph.h"

class QCheckBox;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QMenu;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableView;
class QTimer;
class QToolButton;
class QTreeWidget;

namespace meshx::telemetry {
class PrometheusEndpoint;
class Subscription;
class TelemetryBus;
}  // namespace meshx::telemetry

namespace meshx::ui {

class ConsoleContext;
class HintLine;
class MeshTaps;
class RequestTripView;
class TelemetryPlots;
class TelemetryStreamModel;

// The console's telemetry page: the live stream of RPC events (Wireshark-like: pause, filter,
// auto-scroll, detail pane, column chooser, export), plots over what the filter shows, one
// request's trip, and an optional Prometheus endpoint of aggregate metrics.
//
// The whole mesh: besides this process's bus, the page reads every tap the agent advertises
// (MeshTaps -> TapSubscriber, one more bounded queue drained by the same timer), so the stream,
// filter, plots, aggregates, export and Prometheus cover every process; rows say which process
// and service they came from. Sidecar flow events are kept too: they feed the request trip's
// sidecar hops and the service graph (graph(), shown by ui/graph).
//
// Tap, then draw: the page subscribes to the bus with a bounded queue; a ~30 Hz timer drains
// events in chunks for at most kSliceMs (and kMaxPerTick events) per tick, flattens them into
// RpcRecords and appends them to the model in one insert. Plots redraw at 2 Hz when visible.
// Settings (QSettings "live/telemetry/...": hiddenColumns, savedFilters, prometheusPort,
// historyLimit) persist across runs. Thread: GUI thread.
class TelemetryPage : public QWidget {
    Q_OBJECT

  public:
    static constexpr size_t kMaxPerTick = 8000;  // events per tick at most
    static constexpr size_t kChunk = 256;        // drained and flattened at a time
    static constexpr qint64 kSliceMs = 15;       // a tick stops draining after this long
    static constexpr size_t kQueueCapacity = 60000;
    static constexpr size_t kFlowHistory = 20000;  // flow events kept for request trips

    explicit TelemetryPage(telemetry::TelemetryBus& bus, QWidget* parent = nullptr);
    ~TelemetryPage() override;

    // Drains the bus and the taps now (the timer does it ~30 times a second).
    void flush();

    // The session's context (agent watches for tap discovery), or null when it goes.
    void setContext(ConsoleContext* context);
    MeshTaps* taps() const { return taps_; }
    // Calls and flows of every process as service edges (ui/graph draws it).
    const telemetry::ServiceGraph& graph() const { return graph_; }
    const std::deque<telemetry::FlowRecord>& flows() const { return flows_; }
    QTreeWidget* tapList() const { return tapList_; }

    // Parses and applies a display filter to history and new events; on a parse error the
    // filter box turns red, the hint shows the error, the previous filter stays and false is
    // returned.
    bool applyFilter(const QString& text);
    // Saves the filter box's text as a button (also in QSettings).
    void saveCurrentFilter();
    QStringList savedFilters() const { return saved_; }

    void setPaused(bool paused);
    bool paused() const { return paused_; }
    void setAutoScroll(bool on);
    void setColumnVisible(int column, bool visible);
    bool columnVisible(int column) const;

    enum class ExportFormat { Csv, JsonLines };
    // Writes what is shown (filtered rows; for CSV the visible columns). Errors: IoError.
    Status exportTo(const QString& path, ExportFormat format) const;

    // Turns the Prometheus endpoint on (127.0.0.1:`port`, 0 = any) or off.
    Status setPrometheus(bool on, quint16 port);

    // Selects row `row`: fills the detail pane and the request trip.
    void selectRow(int row);

    TelemetryStreamModel* model() const { return model_; }
    QTableView* table() const { return table_; }
    QLineEdit* filterEdit() const { return filter_; }
    HintLine* hint() const { return hint_; }
    TelemetryPlots* plots() const { return plots_; }
    RequestTripView* tripView() const { return trip_; }
    QPlainTextEdit* detail() const { return detail_; }
    QTabWidget* bottomTabs() const { return bottom_; }
    telemetry::PrometheusEndpoint* prometheus() const { return prometheus_; }
    const telemetry::RpcAggregate& aggregate() const { return aggregate_; }
    // Events received from the bus and taps / dropped by their queues since the page opened.
    uint64_t received() const { return received_; }
    uint64_t dropped() const;

  private:
    // Flattens drained events into `batch` (RPC events and sidecar flows), feeding the graph.
    void ingest(std::vector<telemetry::Event>& events, std::vector<telemetry::RpcRecord>& batch);
    void refreshTapList();
    void buildColumnMenu();
    void validateFilter(const QString& text);
    void addSavedFilterButton(const QString& text);
    void rebuildPlots();
    void onCurrentChanged();
    void updateWidgets();
    void saveSettings() const;
    QList<int> shownColumns() const;

    telemetry::TelemetryBus& bus_;
    std::shared_ptr<telemetry::Subscription> subscription_;
    MeshTaps* taps_ = nullptr;
    std::shared_ptr<telemetry::Subscription> remote_;  // the taps' merged queue
    telemetry::ServiceGraph graph_;
    std::deque<telemetry::FlowRecord> flows_;
    TelemetryStreamModel* model_ = nullptr;
    telemetry::RpcAggregate aggregate_;
    std::vector<telemetry::RpcRecord> held_;  // drained while paused
    uint64_t received_ = 0;
    bool paused_ = false;
    bool autoScroll_ = true;
    QStringList saved_;

    QTimer* drainTimer_ = nullptr;
    QTimer* plotTimer_ = nullptr;
    QToolButton* pause_ = nullptr;
    QToolButton* autoScrollButton_ = nullptr;
    QToolButton* columns_ = nullptr;
    QMenu* columnMenu_ = nullptr;
    QLineEdit* filter_ = nullptr;
    QHBoxLayout* savedBar_ = nullptr;
    HintLine* hint_ = nullptr;
    QLabel* status_ = nullptr;
    QTableView* table_ = nullptr;
    QTabWidget* bottom_ = nullptr;
    QPlainTextEdit* detail_ = nullptr;
    QTreeWidget* tapList_ = nullptr;
    TelemetryPlots* plots_ = nullptr;
    RequestTripView* trip_ = nullptr;
    QCheckBox* promOn_ = nullptr;
    QSpinBox* promPort_ = nullptr;
    telemetry::PrometheusEndpoint* prometheus_ = nullptr;
};

}  // namespace meshx::ui
