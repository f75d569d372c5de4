// The Settings tab in the page registry (called from the generated registerConsolePages()).

#include "ui/settings/settings_page.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"
#include "ui/shell/main_window.h"
#include "ui/shell/page_registry.h"

namespace meshx::ui {

void registerSettingsPage(PageRegistry& registry) {
    registry.add({
        .id = QStringLiteral("settings"),
        .title = "Settings",
        .hint = "Agent address, token, TLS files, templates, port range.",
        .order = 110,
        .perSession = [](ConsoleContext& context, MainWindow& window) -> QWidget* {
            auto* page =
                new SettingsPage(QString::fromStdString(context.session().config().describe()));
            QObject::connect(page, &SettingsPage::reconnectRequested, &window,
                             &MainWindow::reconnect);
            return page;
        },
    });
}

}  // namespace meshx::ui
