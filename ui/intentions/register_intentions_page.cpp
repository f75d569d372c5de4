// The Intentions tab in the page registry (called from the generated registerConsolePages()).

#include "ui/intentions/intentions_view.h"
#include "ui/shell/page_registry.h"

namespace meshx::ui {

void registerIntentionsPage(PageRegistry& registry) {
    registry.add({
        .id = QStringLiteral("intentions"),
        .title = "Intentions",
        .hint = "Allow and deny rules between services.",
        .order = 80,
        .shortcut = QKeySequence(Qt::CTRL | Qt::Key_8),
        .perSession = [](ConsoleContext& context, MainWindow&) -> QWidget* {
            return new IntentionsView(context);
        },
    });
}

}  // namespace meshx::ui
