#pragma once

#include <QDockWidget>

namespace meshx::ui {

class DemoController;
class HintLine;
class MainWindow;

// The side panel of a guided demo: the steps with their state and what each one saw, the
// explanation of the current (or selected) step, the per-instance table for the HA demos, the
// live log of the providers and the calls, and Next / Run all / Stop & clean up. It owns the
// controller: closing the panel, closing the window or losing the session cleans up at once.
// Thread: GUI thread.
class DemoPanel : public QDockWidget {
    Q_OBJECT

  public:
    DemoPanel(DemoController* controller, QWidget* parent = nullptr);
    ~DemoPanel() override;

    DemoController& controller() { return *controller_; }

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

  private:
    void updateWidgets();
    void showExplanation(int step);

    DemoController* controller_;
    HintLine* hint_ = nullptr;
    struct Widgets;
    Widgets* w_;
};

// Starts demo `id` (e1..e4) in `window`, replacing a demo already open (cleaned up first).
// With `autoRun` every step runs without waiting for Next. Null when the window has no session
// or the id is unknown. Thread: GUI thread.
DemoController* startDemo(MainWindow& window, const QString& id, bool autoRun);

// Adds the Demos menu (E1–E4) to `window`. Thread: GUI thread.
void installDemoMenu(MainWindow& window);

}  // namespace meshx::ui
