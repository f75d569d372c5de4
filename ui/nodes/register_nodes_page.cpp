// The Nodes tab in the page registry (called from the generated registerConsolePages()).

#include "ui/nodes/nodes_page.h"
#include "ui/shell/console_session.h"
#include "ui/shell/main_window.h"
#include "ui/shell/page_registry.h"

namespace meshx::ui {

void registerNodesPage(PageRegistry& registry) {
    registry.add({
        .id = QStringLiteral("nodes"),
        .title = "Nodes",
        .hint = "Erlang distribution nodes connected through the mesh.",
        .order = 70,
        .shortcut = QKeySequence(Qt::CTRL | Qt::Key_7),
        .perWindow = [](MainWindow& window) -> QWidget* {
            auto* page = new NodesPage;
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
