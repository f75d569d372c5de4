#pragma once

#include <QKeySequence>
#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

#include "common/result.h"

class QWidget;

namespace meshx::ui {

class ConsoleContext;
class MainWindow;

// One tab of the console: what the main window needs to place it, name it and make it.
struct PageSpec {
    // Object name of the tab's widget, the name of `--tab` and of MainWindow::showTab()
    // ("services", "proxy-logs").
    QString id = {};
    // Tab and View-menu text, and what the placeholder says while the page has no content.
    // Untranslated: the window passes them through tr().
    const char* title = "";
    const char* hint = "";
    // Position among the tabs, lower first. The numbers leave gaps (10, 20, ...) so a new page
    // goes between two without renumbering.
    int order = 0;
    // The View menu's key for the tab (Ctrl+1..Ctrl+9 for the first nine today), or none.
    QKeySequence shortcut = {};
    // Exactly one of the two factories is set.
    // A page per session: made when the window gets a session, deleted before the session goes;
    // a placeholder stands in while there is none. `window` is there to connect signals.
    std::function<QWidget*(ConsoleContext& context, MainWindow& window)> perSession = nullptr;
    // A page for the window's life, made with the window (in tab order, so a page may look up
    // one made before it); it follows MainWindow::sessionChanged itself.
    std::function<QWidget*(MainWindow& window)> perWindow = nullptr;
};

// Something a page folder adds to the window besides a tab (the Demos menu, a handler of
// MainWindow::demoRequested). Runs once per window, after its tabs and menus exist.
using WindowExtension = std::function<void(MainWindow& window)>;

// The console's pages in tab order. Each page folder registers itself (register<Folder>Page()
// in ui/<folder>/register_<folder>_page.cpp); the main window builds its tabs, placeholders
// and View menu from here and knows no page. Thread: GUI thread (filled once, then read-only).
class PageRegistry {
  public:
    // Adds `spec`; an InvalidArgument error when its id is empty or taken, its order or
    // shortcut is another page's, or it has not exactly one factory.
    Status tryAdd(PageSpec spec);
    // tryAdd(), and a fatal error when it fails: a page registered twice is a programming error
    // the first run of any GUI test finds.
    void add(PageSpec spec);
    void addWindowExtension(WindowExtension extension);

    const std::vector<PageSpec>& pages() const { return pages_; }
    const std::vector<WindowExtension>& windowExtensions() const { return extensions_; }
    // The spec of page `id`, or null.
    const PageSpec* find(const QString& id) const;
    // Ids in tab order.
    QStringList ids() const;

    // The console's pages, filled on first use by registerConsolePages().
    static const PageRegistry& console();

  private:
    std::vector<PageSpec> pages_;  // sorted by order
    std::vector<WindowExtension> extensions_;
};

// Calls register<Folder>Page(registry) for every folder of MESHX_UI_PAGES (ui/CMakeLists.txt).
// The build generates its definition (console_pages.cpp) and compiles it into every program
// that links meshx_ui, so no page can be left out by the linker and no table lists the tabs.
void registerConsolePages(PageRegistry& registry);

}  // namespace meshx::ui
