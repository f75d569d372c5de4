#include "ui/rpc/rpc_pages.h"

#include "ui/demo/demo_panel.h"
#include "ui/nodes/nodes_page.h"
#include "ui/rpc/rpc_page.h"
#include "ui/shell/console_session.h"
#include "ui/shell/main_window.h"

namespace meshx::ui {

void installRpcPages(MainWindow& window) {
    auto* rpc = new RpcPage;
    auto* nodes = new NodesPage;
    window.installPage(QStringLiteral("rpc"), rpc);
    window.installPage(QStringLiteral("nodes"), nodes);
    rpc->setContext(window.context());
    nodes->setContext(window.context());
    QObject::connect(&window, &MainWindow::sessionChanged, rpc, [rpc, &window](ConsoleSession* s) {
        rpc->setContext(s ? window.context() : nullptr);
    });
    QObject::connect(
        &window, &MainWindow::sessionChanged, nodes,
        [nodes, &window](ConsoleSession* s) { nodes->setContext(s ? window.context() : nullptr); });
    installDemoMenu(window);
}

}  // namespace meshx::ui
