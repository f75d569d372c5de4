#pragma once

#include <QWidget>

class QAction;
class QComboBox;
class QStackedWidget;
class QTableView;

namespace meshx::engine {
class CatalogWatch;
}

namespace meshx::ui {

class CatalogModel;
class CatalogNodesModel;
class ConsoleContext;
class FirstRunGuide;
class HintLine;

// The catalog across nodes and datacenters, as Consul's UI opens: pick a datacenter (Alt+D),
// see every node with its instance count and node health, and every service instance on every
// node with its health and checks; pick a node to see only its instances. Followed live
// (engine::CatalogWatch, blocking queries). Instances on other nodes (or in other datacenters)
// are read-only; the ones this console started keep Stop.
//
// Thread: GUI thread. `context` must outlive the view.
class CatalogView : public QWidget {
    Q_OBJECT

  public:
    explicit CatalogView(ConsoleContext& context, QWidget* parent = nullptr);
    ~CatalogView() override;

    // Shows datacenter `dc` ("" or the agent's own name: the agent's own).
    void setDatacenter(const QString& dc);
    QString datacenter() const;
    // Shows only the instances on `node` ("" for all); false when the node is not listed.
    bool selectNode(const QString& node);
    bool selectInstance(const QString& node, const QString& id);
    // Stops the selected instance when it is ours (refused in the hint otherwise).
    void stopSelected();

    CatalogModel& model() { return *instances_; }
    CatalogNodesModel& nodesModel() { return *nodes_; }
    engine::CatalogWatch& watch() { return *watch_; }
    QComboBox* datacenterBox() const { return dcBox_; }
    QTableView* table() const { return table_; }
    QTableView* nodesTable() const { return nodesTable_; }
    FirstRunGuide* guide() const { return guide_; }
    HintLine* hint() const { return hint_; }
    QAction* stopAction() const { return stop_; }

  signals:
    void startServiceRequested();
    void demoRequested(const QString& id);
    void connectRequested();

  private:
    void onSnapshot();
    void onDatacenters();
    void updateOwnership();
    void updateWidgets();

    ConsoleContext& context_;
    engine::CatalogWatch* watch_;
    CatalogModel* instances_;
    CatalogNodesModel* nodes_;
    QComboBox* dcBox_;
    QTableView* nodesTable_;
    QTableView* table_;
    QStackedWidget* stack_;
    FirstRunGuide* guide_;
    HintLine* banner_;
    HintLine* hint_;
    QAction* stop_;
    QAction* refresh_;
    QAction* start_;
};

}  // namespace meshx::ui
