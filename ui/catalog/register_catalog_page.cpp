// The Catalog tab in the page registry (called from the generated registerConsolePages()).

#include "ui/catalog/catalog_view.h"
#include "ui/shell/main_window.h"
#include "ui/shell/page_registry.h"

namespace meshx::ui {

void registerCatalogPage(PageRegistry& registry) {
    registry.add({
        .id = QStringLiteral("catalog"),
        .title = "Catalog",
        .hint = "Every node of the catalog with its services and health, in every datacenter.",
        .order = 90,
        .shortcut = QKeySequence(Qt::CTRL | Qt::Key_9),
        .perSession = [](ConsoleContext& context, MainWindow& window) -> QWidget* {
            auto* view = new CatalogView(context);
            // The empty catalog's guide: "Start service…" is the Services tab's own action,
            // reached by name so this page does not depend on that one.
            QObject::connect(view, &CatalogView::startServiceRequested, &window, [&window] {
                window.triggerPageAction(QStringLiteral("services"),
                                         QStringLiteral("startService"));
            });
            QObject::connect(view, &CatalogView::connectRequested, &window,
                             &MainWindow::showAgentSettings);
            QObject::connect(view, &CatalogView::demoRequested, &window,
                             &MainWindow::demoRequested);
            return view;
        },
    });
}

}  // namespace meshx::ui
