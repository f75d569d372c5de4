#pragma once

#include <QWidget>

class QCheckBox;
class QComboBox;
class QSortFilterProxyModel;
class QTableView;

namespace meshx::ui {

class ConsoleContext;
class HintLine;

// Upstreams of every proxy service: which service's sidecar, the destination, the local address
// to dial and the destination's healthy instances. Connect adds a destination to a proxy
// service (the default `upstream-<host>` one, started on demand, or one of ours); disconnect
// removes it, optionally restarting the proxy so open connections close.
//
// Thread: GUI thread.
class UpstreamsView : public QWidget {
    Q_OBJECT

  public:
    explicit UpstreamsView(ConsoleContext& context, QWidget* parent = nullptr);

    // Connects `destination` to `proxyServiceId` (empty: the default proxy service).
    void connectUpstream(const QString& destination, const QString& proxyServiceId);
    void disconnectSelected();
    bool selectUpstream(const QString& proxyServiceId, const QString& destination);

    QSortFilterProxyModel* filterModel() const { return filter_; }
    QTableView* table() const { return table_; }
    QCheckBox* restartOnDisconnect() const { return restart_; }
    HintLine* hint() const { return hint_; }

  private:
    void refreshPickers();
    void updateWidgets();

    ConsoleContext& context_;
    QSortFilterProxyModel* filter_;
    QTableView* table_;
    QComboBox* destination_;
    QComboBox* proxyService_;
    QCheckBox* restart_;
    QAction* connect_;
    QAction* disconnect_;
    HintLine* banner_;
    HintLine* hint_;
};

}  // namespace meshx::ui
