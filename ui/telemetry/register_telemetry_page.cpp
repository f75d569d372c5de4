// The Telemetry tab in the page registry (called from the generated registerConsolePages()).

#include "telemetry/telemetry_bus.h"
#include "ui/shell/page_registry.h"
#include "ui/shell/window_context.h"
#include "ui/telemetry/telemetry_page.h"

namespace meshx::ui {

void registerTelemetryPage(PageRegistry& registry) {
    registry.add({
        .id = QStringLiteral("telemetry"),
        .title = "Telemetry",
        .hint = "The live stream of RPC events, filters, plots and request trips.",
        .order = 40,
        .shortcut = QKeySequence(Qt::CTRL | Qt::Key_4),
        // One page for the window's life: the stream keeps its history across sessions.
        .perWindow = [](MainWindow& window) -> QWidget* {
            return followWindowContext(window,
                                       new TelemetryPage(telemetry::TelemetryBus::global()));
        },
    });
}

}  // namespace meshx::ui
