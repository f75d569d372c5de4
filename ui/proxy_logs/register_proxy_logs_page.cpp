// The Proxy logs tab in the page registry (called from the generated registerConsolePages()).

#include "ui/proxy_logs/proxy_view.h"
#include "ui/shell/page_registry.h"

namespace meshx::ui {

void registerProxyLogsPage(PageRegistry& registry) {
    registry.add({
        .id = QStringLiteral("proxy-logs"),
        .title = "Proxy logs",
        .hint = "Live stdout and stderr of each sidecar proxy, with restarts.",
        .order = 30,
        .shortcut = QKeySequence(Qt::CTRL | Qt::Key_3),
        .perSession = [](ConsoleContext& context, MainWindow&) -> QWidget* {
            return new ProxyView(context);
        },
    });
}

}  // namespace meshx::ui
