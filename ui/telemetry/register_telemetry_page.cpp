// The Telemetry tab in the page registry (called from the generated registerConsolePages()).

#include "telemetry/telemetry_bus.h"
#include "ui/shell/console_session.h"
#include "ui/shell/main_window.h"
#include "ui/shell/page_registry.h"
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
            auto* page = new TelemetryPage(telemetry::TelemetryBus::global());
            page->setContext(window.context());
            QObject::connect(&window, &MainWindow::sessionChanged, page,
                             [page, &window](ConsoleSession* s) {
                                 page->setContext(s ? window.context() : nullptr);
                             });
            return page;
        },
    });
}

}  // namespace meshx::ui
