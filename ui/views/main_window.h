#pragma once

#include <QMainWindow>

class QLabel;
class QTabWidget;

namespace meshx::ui {

// The console's main window: one tab per view, a status bar for the agent connection. Views fill
// the tabs; the window itself holds no engine state. GUI thread only.
class MainWindow : public QMainWindow {
    Q_OBJECT

  public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    QTabWidget* tabs() const { return tabs_; }
    // Object names of the tabs, in order ("services", "upstreams", ...), for tests and --demo.
    static QStringList tabNames();

    void setAgentStatus(const QString& text);

  protected:
    void closeEvent(QCloseEvent* event) override;

  private:
    void restoreLayout();
    void saveLayout();

    QTabWidget* tabs_ = nullptr;
    QLabel* agentStatus_ = nullptr;
};

}  // namespace meshx::ui
