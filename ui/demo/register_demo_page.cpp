// The guided demos in the page registry (called from the generated registerConsolePages()).
// They have no tab: a window extension adds the Demos menu and starts a demo when a first-run
// guide asks for one (MainWindow::demoRequested).

#include "ui/demo/demo_panel.h"
#include "ui/shell/main_window.h"
#include "ui/shell/page_registry.h"

namespace meshx::ui {

void registerDemoPage(PageRegistry& registry) {
    registry.addWindowExtension([](MainWindow& window) {
        installDemoMenu(window);
        QObject::connect(&window, &MainWindow::demoRequested, &window,
                         [&window](const QString& id) {
                             if (window.context()) {
                                 startDemo(window, id, /*autoRun=*/false);
                             }
                         });
    });
}

}  // namespace meshx::ui
