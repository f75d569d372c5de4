// The Upstreams tab in the page registry (called from the generated registerConsolePages()).

#include "ui/shell/page_registry.h"
#include "ui/upstreams/upstreams_view.h"

namespace meshx::ui {

void registerUpstreamsPage(PageRegistry& registry) {
    registry.add({
        .id = QStringLiteral("upstreams"),
        .title = "Upstreams",
        .hint = "Upstreams of each proxy service with their local bind address and destination "
                "health.",
        .order = 20,
        .shortcut = QKeySequence(Qt::CTRL | Qt::Key_2),
        .perSession = [](ConsoleContext& context, MainWindow&) -> QWidget* {
            return new UpstreamsView(context);
        },
    });
}

}  // namespace meshx::ui
