#include "live_pages.h"

#include "demo/demo_panel.h"
#include "graph/graph_page.h"
#include "rpc/rpc_pages.h"
#include "telemetry/telemetry_page.h"
#include "views/main_window.h"

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
