#include "live_pages.h"

#include "graph/graph_page.h"
#include "rpc/rpc_pages.h"
#include "telemetry/telemetry_page.h"
#include "views/main_window.h"

namespace meshx::ui {

void installLivePages(MainWindow& window) {
    TelemetryPage* telemetry = installTelemetryPage(window);
    installGraphPage(window, *telemetry);
    installRpcPages(window);
}

}  // namespace meshx::ui
