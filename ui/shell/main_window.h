#pragma once

#include <QMainWindow>

#include <memory>

class QLabel;
class QProgressBar;
class QTabWidget;
class QToolButton;

namespace meshx::ui {

class CatalogView;
class ConsoleContext;
class ConsoleSession;
class IntentionsView;
class KvView;
class ProxyView;
class ServicesView;
class SettingsPage;
class ShortcutsPage;
class UpstreamsView;
struct ConsoleSettings;

// The console's main window: one tab per view, menus with the views' actions and shortcuts, a
// status bar with the agent (address, datacenter, node, whether a token is set — never the
// token) and the progress of the engine command in flight, with Cancel. The window holds the
// session; the views hold no engine state.
//
// Without a session (tests of the shell) every tab is a placeholder page.
// Thread: GUI thread.
class MainWindow : public QMainWindow {
    Q_OBJECT

  public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    QTabWidget* tabs() const { return tabs_; }
    // Object names of the tabs, in order ("services", "upstreams", ...), for tests and --demo.
    static QStringList tabNames();
    // Shows the tab named `name` (one of tabNames()); false when there is none.
    bool showTab(const QString& name);

    // Takes the session, starts watching the agent and replaces the placeholders with the views.
    // A previous session is closed first (its services stopped).
    void setSession(std::unique_ptr<ConsoleSession> session);
    ConsoleSession* session() const { return session_.get(); }
    ConsoleContext* context() const { return context_; }
    ServicesView* servicesView() const { return services_; }
    UpstreamsView* upstreamsView() const { return upstreams_; }
    ProxyView* proxyView() const { return proxy_; }
    IntentionsView* intentionsView() const { return intentions_; }
    SettingsPage* settingsPage() const { return settings_; }
    CatalogView* catalogView() const { return catalog_; }
    KvView* kvView() const { return kv_; }
    // Help → Keyboard shortcuts (F1): every action of the window and its views with its keys.
    void showShortcuts();
    ShortcutsPage* shortcutsPage() const { return shortcuts_; }

    void setAgentStatus(const QString& text);

    // Puts `page` in the tab named `name` (one of tabNames()), deleting what was there. Used by
    // the live pages (ui/live: telemetry, RPC, nodes, demos), which this library does not know.
    void installPage(const QString& name, QWidget* page) { replacePage(name, page); }

  signals:
    // After setSession() installed the part-1 views (session non-null) and before a session is
    // torn down (session null): pages holding session state attach or let go here.
    void sessionChanged(meshx::ui::ConsoleSession* session);
    // A first-run guide's "Run demo" button: the live pages (ui/live) start demo `id`.
    void demoRequested(const QString& id);

  protected:
    void closeEvent(QCloseEvent* event) override;
    // Palette changes (the desktop turned dark or light): the status colours follow.
    void changeEvent(QEvent* event) override;

  private:
    void buildMenus();
    void replacePage(const QString& name, QWidget* page);
    void teardownSession();
    void reconnect(const ConsoleSettings& settings);
    void updateAgentStatus();
    void connectGuides();
    void onBusy(bool busy, const QString& label);
    void restoreLayout();
    void saveLayout();

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
    ServicesView* services_ = nullptr;
    UpstreamsView* upstreams_ = nullptr;
    ProxyView* proxy_ = nullptr;
    IntentionsView* intentions_ = nullptr;
    SettingsPage* settings_ = nullptr;
    CatalogView* catalog_ = nullptr;
    KvView* kv_ = nullptr;
};

}  // namespace meshx::ui
