#pragma once

#include <QElapsedTimer>
#include <QWidget>

#include <deque>
#include <memory>
#include <vector>

#include "common/result.h"
#include "telemetry/rpc_aggregate.h"
#include "telemetry/rpc_record.h"
#include "telemetry/watch/flow_record.h"
#include "telemetry/watch/service_graph.h"
#include "ui/telemetry/telemetry_ingest.h"

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
// Tap, then draw, off the GUI thread: a TelemetryIngest worker drains the bus and the taps'
// queue, flattens every event once and counts it exactly (Prometheus aggregate, service graph,
// the filtered plot buckets). A ~15 Hz timer takes the worker's batch: the rows go to the model
// in one insert, or to the held rows while paused. When more rows arrive than the view can show
// (TelemetryIngest::kRowsPerSecond) the rows are sampled, 1 in N of those the filter accepts,
// and the sampling notice above the table says so; counters, aggregates, graph and plots still
// count every event. Plots copy the worker's changed buckets and redraw at 2 Hz when visible.
// Settings (QSettings "live/telemetry/...": hiddenColumns, savedFilters, prometheusPort,
// historyLimit) persist across runs. Thread: GUI thread.
class TelemetryPage : public QWidget {
    Q_OBJECT

  public:
    static constexpr int kTakeMs = 66;                 // the view takes the worker's rows ~15 Hz
    static constexpr size_t kQueueCapacity = 100000;   // the bus subscription's bound
    static constexpr size_t kFlowHistory = 20000;      // flow events kept for request trips
    static constexpr qint64 kSamplingWindowMs = 3000;  // the notice covers the last 3 s
    static constexpr qint64 kTickBudgetMs = 12;        // a take's rows into the view, at most
    static constexpr size_t kMinRowsPerTake = 500;
    static constexpr qint64 kNoticeTextMs = 500;  // the notice's words change at most 2 Hz

    // `rowsPerSecond`: rows the view is handed at most (the rest sampled, see above).
    explicit TelemetryPage(telemetry::TelemetryBus& bus, QWidget* parent = nullptr,
                           size_t rowsPerSecond = 20000);
    ~TelemetryPage() override;

    // Processes everything queued in the bus and the taps now and shows it (the worker and the
    // timer do it continuously); blocks while the worker counts the backlog.
    void flush();

    // The session's context (agent watches for tap discovery), or null when it goes.
    void setContext(ConsoleContext* context);
    MeshTaps* taps() const { return taps_; }
    // Calls and flows of every process as service edges over the last window (ui/graph draws
    // it); a copy taken under the ingest's lock.
    telemetry::ServiceGraph::Snapshot graphSnapshot(int64_t nowUs) const;
    // The graph's pairing of received OTLP spans with their parents (SpanLinks).
    telemetry::SpanLinks::Stats spanStats() const;
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
    // A copy of the Prometheus aggregate: every event received, exact (not filtered).
    telemetry::RpcAggregate aggregate() const;
    // Events received from the bus and taps / dropped by their queues since the page opened.
    // Exact: every received event is counted, shown as a row or not.
    uint64_t received() const { return received_; }
    uint64_t dropped() const;
    // Rows (RPC events, spans, flows) the filter accepted since it was applied, all counted;
    // and of all accepted rows since the page opened, those not shown because of sampling.
    uint64_t matchedSinceFilter() const { return matched_; }
    uint64_t rowsNotShown() const { return skipped_; }
    // True while the notice says rows are sampled (some skipped in the last few seconds).
    bool sampling() const;
    QLabel* samplingNotice() const { return samplingNotice_; }
    // Brings the plots' buckets up to date with the ingest (the plot timer does it at 2 Hz).
    void syncPlots();

  private:
    // Takes the worker's batch into the model (or the held rows), flows and counters.
    void takeBatch();
    void absorb(TelemetryIngest::Batch&& batch);
    void updateSamplingNotice();
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
    std::unique_ptr<TelemetryIngest> ingest_;
    size_t maxRowsPerTake_ = 0;
    size_t rowsPerTake_ = 0;        // maxRowsPerTake_, fewer while ticks run over kTickBudgetMs
    uint64_t plotsGeneration_ = 0;  // the ingest's series reset the plots' replica has seen
    std::deque<telemetry::FlowRecord> flows_;
    TelemetryStreamModel* model_ = nullptr;
    std::vector<telemetry::RpcRecord> held_;  // taken while paused
    uint64_t received_ = 0;
    uint64_t matched_ = 0;
    uint64_t skipped_ = 0;
    // Per take in the last kSamplingWindowMs: when, rows accepted, rows skipped.
    struct TakeCount {
        qint64 atMs;
        uint64_t matched, skipped;
    };
    std::deque<TakeCount> recent_;
    QElapsedTimer noticeClock_;
    qint64 noticeTextMs_ = 0;
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
    QLabel* samplingNotice_ = nullptr;
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
