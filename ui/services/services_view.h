#pragma once

#include <QString>
#include <QWidget>

class QAction;
class QCheckBox;
class QLineEdit;
class QMenu;
class QPlainTextEdit;
class QSortFilterProxyModel;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QTreeWidget;

namespace meshx::ui {

class ConsoleContext;
class FirstRunGuide;
class HintLine;
class ServiceFilterModel;
struct StartPreview;

// Every service on the agent (ours starred), searchable, sortable, with chosen columns
// remembered; below it the selected service's checks, its health history and its info JSON.
// Actions (toolbar, context menu, shortcuts): start, stop, take over (forced registration), set
// TTL status, restart proxy, info, proxy info. Feedback and errors go to the hint line; the
// agent being away is said above the table, which keeps the last known state meanwhile.
//
// Thread: GUI thread.
class ServicesView : public QWidget {
    Q_OBJECT

  public:
    explicit ServicesView(ConsoleContext& context, QWidget* parent = nullptr);
    ~ServicesView() override;

    // The actions, for tests and the main window's menus.
    void startService(const StartPreview& preview, bool forceRegistration);
    void stopSelected();
    void setTtlOfSelected(const QString& status);
    void restartProxyOfSelected();
    void showInfoOfSelected();
    void showProxyInfoOfSelected();
    // Selects the row of `id` (false when it is not shown).
    bool selectService(const QString& id);
    QString selectedId() const;

    ServiceFilterModel* filterModel() const { return filter_; }
    QTableView* table() const { return table_; }
    HintLine* hint() const { return hint_; }
    QSortFilterProxyModel* historyModel() const { return historyFilter_; }
    QPlainTextEdit* infoText() const { return info_; }
    QMenu* actionsMenu() const { return menu_; }
    // Shown instead of the table while the agent has no service at all.
    FirstRunGuide* guide() const { return guide_; }

  signals:
    // The guide's "Run demo E4" and "Connect to an agent…" buttons (the window acts on them).
    void demoRequested(const QString& id);
    void connectRequested();

  private:
    void openStartDialog(const QString& name = {}, const QString& id = {}, bool force = false);
    void takeOverSelected();
    void applySearch();
    void updateDetails();
    void updateWidgets();
    void updateGuide();
    void onReachability(bool reachable, const QString& error);
    void showColumnMenu(const QPoint& pos);
    QAction* makeAction(const QString& text, const QKeySequence& shortcut, const char* name);

    ConsoleContext& context_;
    ServiceFilterModel* filter_;
    QSortFilterProxyModel* historyFilter_;
    QTableView* table_;
    QStackedWidget* tableStack_;
    FirstRunGuide* guide_;
    QTableView* history_;
    QTreeWidget* checks_;
    QPlainTextEdit* info_;
    QTabWidget* details_;
    QLineEdit* search_;
    QCheckBox* regex_;
    QCheckBox* sidecars_;
    QCheckBox* allHistory_;
    HintLine* banner_;
    HintLine* hint_;
    QMenu* menu_;
    QAction* start_;
    QAction* stop_;
    QAction* takeOver_;
    QAction* ttlPassing_;
    QAction* ttlWarning_;
    QAction* ttlCritical_;
    QAction* restartProxy_;
    QAction* infoAction_;
    QAction* proxyInfo_;
};

}  // namespace meshx::ui
