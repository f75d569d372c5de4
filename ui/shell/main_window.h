#pragma once

#include <QMainWindow>
#include <QTabWidget>

#include <memory>

class QLabel;
class QProgressBar;
class QToolButton;

namespace meshx::ui {

class ConsoleContext;
class ConsoleSession;
class PageRegistry;
class ShortcutsPage;
struct ConsoleSettings;

// The console's main window: one tab per registered page (PageRegistry::console(), in the pages'
// order), menus with the pages' actions and shortcuts, a status bar with the agent (address,
// datacenter, node, whether a token is set — never the token) and the progress of the engine
// command in flight, with Cancel. The window holds the session; the pages hold no engine state.
// It knows no page: pages find each other by id (pageWidget()) or type (page<T>()).
//
// Without a session, per-session pages are placeholders. Thread: GUI thread.
class MainWindow : public QMainWindow {
    Q_OBJECT

  public:
    explicit MainWindow(QWidget* parent = nullptr);
    // The same window over `pages` (a test's own registry); `pages` must outlive the window.
    explicit MainWindow(const PageRegistry& pages, QWidget* parent = nullptr);
    ~MainWindow() override;

    QTabWidget* tabs() const { return tabs_; }
    // Ids of the console's pages in tab order ("services", "upstreams", ...), for tests and --tab.
    static QStringList tabNames();
    // Shows the tab named `name` (one of tabNames()); false when there is none.
    bool showTab(const QString& name);

    // The widget in tab `id` (a page or its placeholder), or null when there is no such tab.
    QWidget* pageWidget(const QString& id) const;
    // The tab whose widget is a `Page` (ServicesView, TelemetryPage...), or null (no such page,
    // or only its placeholder while there is no session).
    template <class Page>
    Page* page() const {
        for (int i = 0; i < tabs_->count(); ++i) {
            if (auto* p = qobject_cast<Page*>(tabs_->widget(i))) {
                return p;
            }
        }
        return nullptr;
    }

    // Takes the session, starts watching the agent and replaces the placeholders with pages made
    // for it. A previous session is closed first (its services stopped).
    void setSession(std::unique_ptr<ConsoleSession> session);
    ConsoleSession* session() const { return session_.get(); }
    ConsoleContext* context() const { return context_; }
    // Closes the session and opens one with `settings` (Settings' "Save and reconnect").
    void reconnect(const ConsoleSettings& settings);

    // The Service menu: the services page fills it for each session; emptied between sessions.
    QMenu* serviceMenu() const { return serviceMenu_; }
    // Shows the Settings tab and says how to point the console at an agent.
    void showAgentSettings();
    // Shows tab `id` and triggers its action named `action`; false when there is none.
    bool triggerPageAction(const QString& id, const QString& action);
    // Help → Keyboard shortcuts (F1): every action of the window and its views with its keys.
    void showShortcuts();
    ShortcutsPage* shortcutsPage() const { return shortcuts_; }

    void setAgentStatus(const QString& text);

  signals:
    // After setSession() made the per-session pages (session non-null) and before a session is
    // torn down (session null): per-window pages holding session state attach or let go here.
    void sessionChanged(meshx::ui::ConsoleSession* session);
    // A first-run guide's "Run demo" button: the demo folder (ui/demo) starts demo `id`.
    void demoRequested(const QString& id);

  protected:
    void closeEvent(QCloseEvent* event) override;
    // Palette changes (the desktop turned dark or light): the status colours follow.
    void changeEvent(QEvent* event) override;

  private:
    void buildTabs();
    void buildMenus();
    void replacePage(const QString& id, QWidget* page);
    QWidget* placeholder(const QString& id);
    void teardownSession();
    void updateAgentStatus();
    void onBusy(bool busy, const QString& label);
    void restoreLayout();
    void saveLayout();

    const PageRegistry& pages_;
    QTabWidget* tabs_ = nullptr;
    QLabel* agentStatus_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* progressLabel_ = nullptr;
    QToolButton* cancel_ = nullptr;
    QToolButton* changeAgent_ = nullptr;
    ShortcutsPage* shortcuts_ = nullptr;
    QMenu* serviceMenu_ = nullptr;

    std::unique_ptr<ConsoleSession> session_;
    ConsoleContext* context_ = nullptr;
};

}  // namespace meshx::ui
