#pragma once

#include <QTimer>
#include <QWidget>

#include <optional>

#include "mesh/proxy_info.h"

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTableView;

namespace meshx::ui {

class ConsoleContext;
class HintLine;
class ProxyLogFilterModel;
class ServiceFilterModel;

// The sidecar proxies: pick a service on the left; on the right its proxy at a glance (public
// listener -> local service; each upstream's bind address -> destination -> healthy instances;
// the rendered command, state, restarts and last exit reason) above the live log of its
// stdout/stderr with lifecycle events inline. The log searches (text or regex), follows or
// pauses, filters by stream, and shows a selected line in full below.
//
// Thread: GUI thread.
class ProxyView : public QWidget {
    Q_OBJECT

  public:
    explicit ProxyView(ConsoleContext& context, QWidget* parent = nullptr);

    bool selectService(const QString& id);
    QString selectedId() const;
    void setFollow(bool follow);
    void setPaused(bool paused);
    void setLogSearch(const QString& text, bool regex = false);

    ProxyLogFilterModel* logFilter() const { return logFilter_; }
    QTableView* logTable() const { return log_; }
    QLabel* summary() const { return summary_; }
    HintLine* hint() const { return hint_; }

  private:
    void onSelection();
    void refreshProcess();
    void renderSummary();
    void onBatch();
    void updateCounts();
    void updateWidgets();

    ConsoleContext& context_;
    ServiceFilterModel* services_;
    ProxyLogFilterModel* logFilter_;
    QTableView* list_;
    QLabel* summary_;
    QTableView* log_;
    QPlainTextEdit* detail_;
    QLineEdit* search_;
    QCheckBox* regex_;
    QCheckBox* stdout_;
    QCheckBox* stderr_;
    QCheckBox* events_;
    QCheckBox* allServices_;
    QAction* follow_;
    QAction* pause_;
    QAction* restart_;
    QLabel* counts_;
    HintLine* hint_;
    QTimer processTimer_;
    std::optional<mesh::ProxyInfo> process_;
    bool processInFlight_ = false;  // one proxy-info query at a time (a start may hold the engine)
    QString processError_;
};

}  // namespace meshx::ui
