// The Nodes tab in the page registry (called from the generated registerConsolePages()).

#include "ui/nodes/nodes_page.h"
#include "ui/shell/page_registry.h"
#include "ui/shell/window_context.h"

namespace meshx::ui {

void registerNodesPage(PageRegistry& registry) {
    registry.add({
        .id = QStringLiteral("nodes"),
        .title = "Nodes",
        .hint = "Erlang distribution nodes connected through the mesh.",
        .order = 70,
        .shortcut = QKeySequence(Qt::CTRL | Qt::Key_7),
        .perWindow = [](MainWindow& window) -> QWidget* {
            return followWindowContext(window, new NodesPage);
        },
    });
}

}  // namespace meshx::ui
