// The Services tab in the page registry (called from the generated registerConsolePages()).

#include <QAction>
#include <QMenu>

#include "ui/services/services_view.h"
#include "ui/shell/main_window.h"
#include "ui/shell/page_registry.h"

namespace meshx::ui {

void registerServicesPage(PageRegistry& registry) {
    registry.add({
        .id = QStringLiteral("services"),
        .title = "Services",
        .hint = "Every service on the agent with its health, sidecar and checks; start and stop "
                "your own.",
        .order = 10,
        .shortcut = QKeySequence(Qt::CTRL | Qt::Key_1),
        .perSession = [](ConsoleContext& context, MainWindow& window) -> QWidget* {
            auto* view = new ServicesView(context);
            QObject::connect(view, &ServicesView::connectRequested, &window,
                             &MainWindow::showAgentSettings);
            QObject::connect(view, &ServicesView::demoRequested, &window,
                             &MainWindow::demoRequested);
            // The window's Service menu holds this view's actions while the session lasts.
            window.serviceMenu()->addActions(view->actionsMenu()->actions());
            window.serviceMenu()->setEnabled(true);
            return view;
        },
    });
}

}  // namespace meshx::ui
