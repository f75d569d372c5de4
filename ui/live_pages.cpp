#include "ui/live_pages.h"

#include "ui/demo/demo_panel.h"
#include "ui/graph/graph_page.h"
#include "ui/rpc/rpc_pages.h"
#include "ui/shell/main_window.h"
#include "ui/telemetry/telemetry_page.h"

namespace meshx::ui {

void installLivePages(MainWindow& window) {
    TelemetryPage* telemetry = installTelemetryPage(window);
    installGraphPage(window, *telemetry);
    installRpcPages(window);
    // The first-run guides' "Run demo E4" button (views in meshx_ui do not know the demos).
    QObject::connect(&window, &MainWindow::demoRequested, &window, [&window](const QString& id) {
        if (window.context()) {
            startDemo(window, id, /*autoRun=*/false);
        }
    });
}

}  // namespace meshx::ui
