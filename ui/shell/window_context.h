#pragma once

#include <QObject>

#include "ui/shell/console_session.h"
#include "ui/shell/main_window.h"

namespace meshx::ui {

// Points a page that lives as long as its window at the window's context now, and again after
// every session change ("Change agent…"): nullptr while there is no session, so the page drops
// what it held of the old one. `Page` has setContext(ConsoleContext*). GUI thread.
template <typename Page>
Page* followWindowContext(MainWindow& window, Page* page) {
    page->setContext(window.context());
    QObject::connect(&window, &MainWindow::sessionChanged, page,
                     [page, &window](ConsoleSession* session) {
                         page->setContext(session ? window.context() : nullptr);
                     });
    return page;
}

}  // namespace meshx::ui
