#include "live_pages.h"

#include "rpc/rpc_pages.h"
#include "telemetry/telemetry_page.h"
#include "views/main_window.h"

namespace meshx::ui {

void installLivePages(MainWindow& window) {
    installTelemetryPage(window);
    installRpcPages(window);
}

}  // namespace meshx::ui
