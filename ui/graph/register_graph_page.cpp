// The Service graph tab in the page registry (called from the generated registerConsolePages()).

#include <QtGlobal>

#include "ui/graph/graph_page.h"
#include "ui/shell/main_window.h"
#include "ui/shell/page_registry.h"
#include "ui/telemetry/telemetry_page.h"

namespace meshx::ui {

void registerGraphPage(PageRegistry& registry) {
    registry.add({
        .id = QStringLiteral("graph"),
        .title = "Service graph",
        .hint = "Services as nodes, observed calls and sidecar flows as edges, live from every "
                "tap.",
        .order = 50,
        .shortcut = QKeySequence(Qt::CTRL | Qt::Key_5),
        // Drawn from the telemetry page's graph, so it comes after that page (order 40).
        .perWindow = [](MainWindow& window) -> QWidget* {
            auto* telemetry = window.page<TelemetryPage>();
            if (telemetry == nullptr) {
                qFatal("the graph page needs the telemetry page registered before it");
            }
            auto* page = new GraphPage(*telemetry);
            QObject::connect(page, &GraphPage::streamFiltered, &window,
                             [&window] { window.showTab(QStringLiteral("telemetry")); });
            return page;
        },
    });
}

}  // namespace meshx::ui
