// The KV tab in the page registry (called from the generated registerConsolePages()).

#include "ui/kv/kv_view.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"
#include "ui/shell/page_registry.h"

namespace meshx::ui {

void registerKvPage(PageRegistry& registry) {
    registry.add({
        .id = QStringLiteral("kv"),
        .title = "KV",
        .hint = "Browse, edit and watch the agent's key/value store.",
        .order = 100,
        .perSession = [](ConsoleContext& context, MainWindow&) -> QWidget* {
            return new KvView(context.session().engine());
        },
    });
}

}  // namespace meshx::ui
