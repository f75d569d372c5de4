#include <QDir>
#include <QImage>
#include <QPlainTextEdit>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include "console_fixture.h"
#include "consul/consul_api.h"
#include "consul/consul_client.h"
#include "consul/kv_endpoints.h"
#include "engine/agent_monitor.h"
#include "mesh/consul_mesh.h"
#include "ui/catalog/catalog_model.h"
#include "ui/catalog/catalog_view.h"
#include "ui/kv/kv_model.h"
#include "ui/kv/kv_view.h"
#include "ui/services/services_view.h"
#include "ui/shared/first_run_guide.h"
#include "ui/shared/services_model.h"
#include "ui/shell/app_palette.h"
#include "ui/shell/console_context.h"
#include "ui/shell/main_window.h"
#include "ui/shell/shortcuts_page.h"
#include "ui/shell/start_preview.h"

using namespace meshx;
using namespace meshx::ui;
using json = nlohmann::json;

// The views of issue 19 rendered to PNGs: the first-run guide, the Catalog (3 nodes, 2
// datacenters), KV (a JSON value, and a check-and-set conflict) and the shortcuts page.
// docs/screenshots/ when MESHX_SCREENSHOT_DIR names it; MESHX_SCREENSHOT_PALETTE=dark for the
// *-dark.png set. Run under xvfb-run for real X rendering (see docs/console.md).
class TestOpsScreenshots : public QObject {
    Q_OBJECT

  private:
    MainWindow* window_ = nullptr;
    QTemporaryDir temp_;
    QString dir_;
    bool dark_ = false;

    ConsoleContext& context() { return *window_->context(); }

    void shoot(QWidget* widget, const QString& file) {
        for (int i = 0; i < 5; ++i) {
            QCoreApplication::processEvents();
        }
        const QImage image = widget->grab().toImage();
        QVERIFY(!image.isNull());
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 5) {
            for (int x = 0; x < image.width(); x += 5) {
                colours.insert(image.pixel(x, y));
            }
        }
        QVERIFY2(colours.size() > 8, qPrintable(file + QStringLiteral(" looks blank")));
        // The palette really is the one asked for.
        const QColor corner = image.pixelColor(image.width() / 2, image.height() - 2);
        QVERIFY2(dark_ ? corner.lightness() < 128 : corner.lightness() >= 128,
                 qPrintable(file + QStringLiteral(": wrong palette")));
        const QString path = QDir(dir_).filePath(
            dark_ ? QString(file).replace(QStringLiteral(".png"), QStringLiteral("-dark.png"))
                  : file);
        QFile::remove(path);
        QVERIFY2(image.save(path, "PNG"), qPrintable(path));
    }

    void put(const char* path, const json& body) {
        auto request = consul::Request::put(path);
        request.body = body.dump();
        auto reply = context().session().api().send(request);
        QVERIFY(reply.ok() && reply->status == 200);
    }

    void instance(const char* dc, const char* node, const char* address, const char* service,
                  const char* id, int port, const char* status, const char* output) {
        put("/catalog/register",
            {{"Datacenter", dc},
             {"Node", node},
             {"Address", address},
             {"NodeMeta", {{"rack", "r1"}}},
             {"Service", {{"Service", service}, {"ID", id}, {"Port", port}, {"Tags", {"v2"}}}},
             {"Checks",
              {{{"CheckID", "serfHealth"}, {"Name", "Serf Health Status"}, {"Status", "passing"}},
               {{"CheckID", std::string("check:") + id},
                {"Name", std::string(service) + " http"},
                {"ServiceID", id},
                {"Status", status},
                {"Output", output}}}}});
    }

  private slots:
    void initTestCase() {
        test::isolateSettings("test_ops_screenshots");
        dir_ = QString::fromLocal8Bit(qgetenv("MESHX_SCREENSHOT_DIR"));
        if (dir_.isEmpty()) {
            dir_ = temp_.path();
        }
        dark_ = qEnvironmentVariable("MESHX_SCREENSHOT_PALETTE") == QLatin1String("dark");
        applyPalette(dark_ ? QStringLiteral("dark") : QStringLiteral("light"));
        window_ = new MainWindow;
        window_->setSession(test::openTestSession());
        window_->resize(1280, 760);
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_));
        QTRY_VERIFY_WITH_TIMEOUT(context().monitor().reachable() && context().monitor().hasSelf(),
                                 test::kWaitMs);
    }

    void cleanupTestCase() { delete window_; }

    void firstRun() {
        window_->showTab(QStringLiteral("services"));
        QTRY_VERIFY_WITH_TIMEOUT(window_->page<ServicesView>()->guide()->isVisible(),
                                 test::kWaitMs);
        shoot(window_, QStringLiteral("console-first-run.png"));
    }

    void catalog() {
        instance("dc1", "node-b", "10.0.0.2", "web", "web-b", 8080, "passing", "HTTP GET: 200 OK");
        instance("dc1", "node-c", "10.0.0.3", "api", "api-c", 9090, "warning",
                 "HTTP GET: 429 Too Many Requests");
        instance("dc2", "node-d", "10.1.0.4", "web", "web-d", 8080, "critical",
                 "dial tcp 10.1.0.4:8080: connection refused");
        auto& mesh = context().session().mesh();
        StartPreview::Input in;
        in.name = QStringLiteral("web");
        in.id = QStringLiteral("web-1");
        in.templateJson = QString::fromStdString(
            context().session().engine().namedTemplate("sleeper")->toJson().dump());
        window_->page<ServicesView>()->startService(
            StartPreview::build(in, context().session().engine().defaultTemplate(), mesh), false);
        QTRY_VERIFY_WITH_TIMEOUT(context().owned().count("web-1") > 0, test::kWaitMs);
        window_->showTab(QStringLiteral("catalog"));
        CatalogView* view = window_->page<CatalogView>();
        QTRY_VERIFY_WITH_TIMEOUT(
            view->model().rowOf(QStringLiteral("node-c"), QStringLiteral("api-c")) >= 0 &&
                view->model().rowCount() >= 5,
            test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(
            view->selectInstance(QString::fromStdString(context().monitor().self().nodeName),
                                 QStringLiteral("web-1")),
            test::kWaitMs);
        shoot(window_, QStringLiteral("console-catalog.png"));
        view->setDatacenter(QStringLiteral("dc2"));
        QTRY_VERIFY_WITH_TIMEOUT(
            view->model().rowOf(QStringLiteral("node-d"), QStringLiteral("web-d")) >= 0,
            test::kWaitMs);
        shoot(window_, QStringLiteral("console-catalog-dc2.png"));
    }

    void kv() {
        consul::ConsulApi& api = context().session().api();
        QVERIFY(api.call(consul::endpoints::kvPut("config/web/settings.json",
                                                  R"({
  "retries": 3,
  "timeout_ms": 2500,
  "upstreams": ["api", "db"]
})"))
                    .ok());
        QVERIFY(api.call(consul::endpoints::kvPut("config/web/banner", "Welcome back!")).ok());
        QVERIFY(api.call(consul::endpoints::kvPut("config/web/cert.der",
                                                  std::string("\x30\x82\x01\x0a\x02\x82\x01\x01"
                                                              "\x00\xc3\x5f",
                                                              11)))
                    .ok());
        QVERIFY(api.call(consul::endpoints::kvPut("config/api/limits", "100/s")).ok());
        QVERIFY(api.call(consul::endpoints::kvPut("config/db/primary", "10.0.0.9")).ok());
        window_->showTab(QStringLiteral("kv"));
        KvView* view = window_->page<KvView>();
        view->setPrefix(QStringLiteral("config/web/"));
        QTRY_VERIFY_WITH_TIMEOUT(view->openKey(QStringLiteral("config/web/settings.json")),
                                 test::kWaitMs);
        shoot(window_, QStringLiteral("console-kv.png"));
        // A conflict: edited here, changed by someone else meanwhile.
        view->editor()->setPlainText(QStringLiteral(R"({
  "retries": 5,
  "timeout_ms": 2500,
  "upstreams": ["api", "db"]
})"));
        QVERIFY(api.call(consul::endpoints::kvPut("config/web/settings.json", R"({
  "retries": 3,
  "timeout_ms": 1000,
  "upstreams": ["api", "db", "cache"]
})"))
                    .ok());
        view->save();
        QTRY_VERIFY_WITH_TIMEOUT(view->conflictPanel()->isVisible(), test::kWaitMs);
        shoot(window_, QStringLiteral("console-kv-conflict.png"));
    }

    void shortcuts() {
        window_->showTab(QStringLiteral("services"));
        window_->showShortcuts();
        ShortcutsPage* page = window_->shortcutsPage();
        QVERIFY(QTest::qWaitForWindowExposed(page));
        shoot(page, QStringLiteral("console-shortcuts.png"));
        page->close();
    }
};

QTEST_MAIN(TestOpsScreenshots)
#include "test_ops_screenshots.moc"
