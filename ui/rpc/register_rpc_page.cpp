// The RPC tab in the page registry (called from the generated registerConsolePages()).

#include "ui/rpc/rpc_page.h"
#include "ui/shell/console_session.h"
#include "ui/shell/main_window.h"
#include "ui/shell/page_registry.h"

namespace meshx::ui {

void registerRpcPage(PageRegistry& registry) {
    registry.add({
        .id = QStringLiteral("rpc"),
        .title = "RPC",
        .hint = "Start RPC servers and client pools, call functions, run load.",
        .order = 60,
        .shortcut = QKeySequence(Qt::CTRL | Qt::Key_6),
        .perWindow = [](MainWindow& window) -> QWidget* {
            auto* page = new RpcPage;
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
