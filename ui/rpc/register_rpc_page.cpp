// The RPC tab in the page registry (called from the generated registerConsolePages()).

#include "ui/rpc/rpc_page.h"
#include "ui/shell/page_registry.h"
#include "ui/shell/window_context.h"

namespace meshx::ui {

void registerRpcPage(PageRegistry& registry) {
    registry.add({
        .id = QStringLiteral("rpc"),
        .title = "RPC",
        .hint = "Start RPC servers and client pools, call functions, run load.",
        .order = 60,
        .shortcut = QKeySequence(Qt::CTRL | Qt::Key_6),
        .perWindow = [](MainWindow& window) -> QWidget* {
            return followWindowContext(window, new RpcPage);
        },
    });
}

}  // namespace meshx::ui
