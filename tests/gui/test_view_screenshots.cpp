#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QImage>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QTcpSocket>
#include <QTemporaryDir>

#include "common/hostname.h"
#include "console_fixture.h"
#include "consul/agent_endpoints.h"
#include "consul/consul_api.h"
#include "engine/agent_monitor.h"
#include "mesh/consul_mesh.h"
#include "net/address.h"
#include "process_runner.h"
#include "ui/intentions/intentions_view.h"
#include "ui/proxy_logs/proxy_view.h"
#include "ui/services/services_view.h"
#include "ui/services/start_service_dialog.h"
#include "ui/shared/health_history_model.h"
#include "ui/shared/intentions_model.h"
#include "ui/shared/proxy_log_model.h"
#include "ui/shared/services_model.h"
#include "ui/shared/upstreams_model.h"
#include "ui/shell/app_palette.h"
#include "ui/shell/console_context.h"
#include "ui/shell/main_window.h"
#include "ui/shell/service_commands.h"
#include "ui/shell/start_preview.h"
#include "ui/upstreams/upstreams_view.h"

using namespace meshx;
using namespace meshx::ui;

// Every view with live data, rendered to PNGs (docs/screenshots/ when MESHX_SCREENSHOT_DIR names
// it; run under xvfb-run for the real X rendering). Each image must hold a drawn window.
class TestViewScreenshots : public QObject {
    Q_OBJECT

  private:
    MainWindow* window_ = nullptr;
    QTemporaryDir temp_;
    QString dir_;
    bool dark_ = false;

    ConsoleContext& context() { return *window_->context(); }

    // `templ` empty: the default template, whose proxy is the real meshx-proxy.
    void start(const char* name, const char* id, const char* templ, const char* extra = "") {
        StartPreview::Input in;
        in.name = QString::fromLatin1(name);
        in.id = QString::fromLatin1(id);
        in.extraJson = QString::fromLatin1(extra);
        if (*templ != '\0') {
            in.templateJson = QString::fromStdString(
                context().session().engine().namedTemplate(templ)->toJson().dump());
        }
        const StartPreview p = StartPreview::build(
            in, context().session().engine().defaultTemplate(), context().session().mesh());
        QVERIFY2(p.ok(), qPrintable(p.error));
        window_->page<ServicesView>()->startService(p, false);
        QTRY_VERIFY_WITH_TIMEOUT(context().owned().count(id) > 0, test::kWaitMs);
    }

    void shoot(QWidget* widget, const QString& file) {
        QCoreApplication::processEvents();
        const QImage image = widget->grab().toImage();
        QVERIFY(!image.isNull());
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 5) {
            for (int x = 0; x < image.width(); x += 5) {
                colours.insert(image.pixel(x, y));
            }
        }
        QVERIFY2(colours.size() > 8, qPrintable(file + QStringLiteral(" looks blank")));
        const QString path = QDir(dir_).filePath(
            dark_ ? QString(file).replace(QStringLiteral(".png"), QStringLiteral("-dark.png"))
                  : file);
        QFile::remove(path);
        QVERIFY2(image.save(path, "PNG"), qPrintable(path));
    }

  private slots:
    void initTestCase() {
        test::isolateSettings("test_view_screenshots");
        dir_ = QString::fromLocal8Bit(qgetenv("MESHX_SCREENSHOT_DIR"));
        if (dir_.isEmpty()) {
            dir_ = temp_.path();
        }
        // MESHX_SCREENSHOT_PALETTE=dark: the same views in the dark palette (files *-dark.png).
        dark_ = qEnvironmentVariable("MESHX_SCREENSHOT_PALETTE") == QLatin1String("dark");
        if (dark_) {
            applyPalette(QStringLiteral("dark"));
        }
        QVERIFY2(QFileInfo(meshxBinary(QStringLiteral("meshx-proxy"))).isExecutable(),
                 "build the meshx-proxy target first");
        MeshConfig config = test::consoleTestConfig();
        config.proxyTemplate = "meshx-proxy";  // real sidecars, real logs
        auto session = ConsoleSession::create(config, true);
        QVERIFY(session.ok());
        window_ = new MainWindow;
        window_->setSession(std::move(*session));
        window_->resize(1280, 760);
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_));
        QTRY_VERIFY_WITH_TIMEOUT(context().monitor().reachable(), test::kWaitMs);

        // Live data: our services with real sidecars (and two with stand-in proxies: one whose
        // output holds binary garbage, one whose check flaps), someone else's service,
        // upstreams and intentions.
        start("web", "web-1", "", R"({"version": "2"})");
        start("api", "api-1", "");
        start("api", "api-2", "");
        start("report", "report-1", "echo");
        start("billing", "billing-1", "sleeper");
        consul::ConsulApi& api = context().session().api();
        QVERIFY(api.call(consul::endpoints::registerService({{"ID", "db-primary"},
                                                             {"Name", "db"},
                                                             {"Tags", {"primary", "v14"}},
                                                             {"Port", 5432},
                                                             {"Address", "127.0.0.1"},
                                                             {"Meta", {{"engine", "postgres"}}}},
                                                            false))
                    .ok());
        bool connected = false;
        context().commands().connectUpstream(QStringLiteral("api"), QStringLiteral("web-1"), this,
                                             [&](Result<net::Address> a) { connected = a.ok(); });
        QTRY_VERIFY_WITH_TIMEOUT(connected, test::kWaitMs);
        connected = false;
        context().commands().connectUpstream(QStringLiteral("db"), QStringLiteral("web-1"), this,
                                             [&](Result<net::Address> a) { connected = a.ok(); });
        QTRY_VERIFY_WITH_TIMEOUT(connected, test::kWaitMs);
        connected = false;
        context().commands().connectUpstream(QStringLiteral("billing"), QString(), this,
                                             [&](Result<net::Address> a) { connected = a.ok(); });
        QTRY_VERIFY_WITH_TIMEOUT(connected, test::kWaitMs);
        // billing flaps: four transitions in a row.
        ServicesView* services = window_->page<ServicesView>();
        QTRY_VERIFY_WITH_TIMEOUT(services->selectService(QStringLiteral("billing-1")),
                                 test::kWaitMs);
        for (const char* status : {"critical", "passing", "critical", "warning"}) {
            services->setTtlOfSelected(QString::fromLatin1(status));
            QTRY_COMPARE_WITH_TIMEOUT(
                QString::fromStdString(
                    context().services().find(QStringLiteral("billing-1"))->health),
                QString::fromLatin1(status), test::kWaitMs);
        }
        QTRY_VERIFY_WITH_TIMEOUT(context().services().find(QStringLiteral("billing-1"))->flapping,
                                 test::kWaitMs);
        window_->page<IntentionsView>()->create(QStringLiteral("web"), QStringLiteral("db"),
                                                QStringLiteral("deny"),
                                                QStringLiteral("web reads through api only"));
        window_->page<IntentionsView>()->create(QStringLiteral("web"), QStringLiteral("api"),
                                                QStringLiteral("allow"));
        window_->page<IntentionsView>()->create(QStringLiteral("*"), QStringLiteral("billing"),
                                                QStringLiteral("deny"));
        QTRY_COMPARE_WITH_TIMEOUT(context().intentions().rowCount(), 3, test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(context().upstreams().rowCount() == 3, test::kWaitMs);
        // Traffic through web's upstreams: api is allowed, db is denied (and has no sidecar).
        for (const char* destination : {"api", "db"}) {
            const int r = context().upstreams().rowOf(QStringLiteral("web-1"),
                                                      QString::fromLatin1(destination));
            const auto bind = net::Address::parse(context().upstreams().rowAt(r)->bind);
            QVERIFY(bind.ok());
            QTcpSocket socket;
            socket.connectToHost(QString::fromStdString(bind->host()), bind->port());
            QTRY_VERIFY_WITH_TIMEOUT(socket.state() == QAbstractSocket::ConnectedState ||
                                         socket.state() == QAbstractSocket::UnconnectedState,
                                     test::kWaitMs);
            socket.write("GET / HTTP/1.0\r\n\r\n");
            QTRY_VERIFY_WITH_TIMEOUT(
                socket.state() == QAbstractSocket::UnconnectedState || socket.bytesToWrite() == 0,
                test::kWaitMs);
        }
        QTRY_VERIFY_WITH_TIMEOUT(context().logs().rowCount() > 20, test::kWaitMs);
        // The real sidecars pass once the agent's TCP check (every 10 s) has found them.
        for (const char* id : {"web-1", "api-1", "api-2", "upstream-vm"}) {
            QTRY_COMPARE_WITH_TIMEOUT(
                QString::fromStdString(
                    context().services().find(QString::fromLatin1(id))->sidecarHealth),
                QStringLiteral("passing"), 90000);
        }
    }

    void cleanupTestCase() { delete window_; }

    void services() {
        window_->showTab(QStringLiteral("services"));
        ServicesView* view = window_->page<ServicesView>();
        QVERIFY(view->selectService(QStringLiteral("billing-1")));
        auto* details = view->findChild<QTabWidget*>(QStringLiteral("serviceDetails"));
        details->setCurrentIndex(1);  // health history
        shoot(window_, QStringLiteral("console-services.png"));
        QVERIFY(view->selectService(QStringLiteral("web-1")));
        view->showInfoOfSelected();
        QTRY_VERIFY_WITH_TIMEOUT(!view->infoText()->toPlainText().isEmpty(), test::kWaitMs);
        shoot(window_, QStringLiteral("console-services-info.png"));
    }

    void startDialog() {
        StartServiceDialog dialog(context().session().mesh(), context().session().config(),
                                  window_);
        dialog.prefill(QStringLiteral("orders"), QString(), false);
        dialog.selectTemplate(QStringLiteral("echo"));
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        shoot(&dialog, QStringLiteral("console-start-dialog.png"));
    }

    void proxyLogs() {
        window_->showTab(QStringLiteral("proxy-logs"));
        ProxyView* view = window_->page<ProxyView>();
        QVERIFY(view->selectService(QStringLiteral("report-1")));
        QTRY_VERIFY_WITH_TIMEOUT(view->summary()->text().contains(QLatin1String("restarts")),
                                 test::kWaitMs);
        bool restarted = false;
        context().commands().restartProxy(QStringLiteral("report-1"), this,
                                          [&](Status st) { restarted = st.ok(); });
        QTRY_VERIFY_WITH_TIMEOUT(restarted, test::kWaitMs);
        QVERIFY(view->selectService(QStringLiteral("web-1")));
        QTRY_VERIFY2_WITH_TIMEOUT(view->summary()->text().contains(QStringLiteral("→ <b>api</b>")),
                                  qPrintable(view->summary()->text()), test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(view->summary()->text().contains(QLatin1String("restarts")),
                                 test::kWaitMs);
        auto* all = view->findChild<QCheckBox*>(QStringLiteral("allServices"));
        all->setChecked(true);
        QVERIFY(view->summary()->text().contains(QLatin1String("restarts")));
        shoot(window_, QStringLiteral("console-proxy-logs.png"));
        all->setChecked(false);
    }

    void upstreams() {
        window_->showTab(QStringLiteral("upstreams"));
        QTRY_VERIFY_WITH_TIMEOUT(
            context().upstreams().index(0, 0).data(UpstreamsModel::HealthRole).toString() !=
                QLatin1String("unknown"),
            test::kWaitMs);
        shoot(window_, QStringLiteral("console-upstreams.png"));
    }

    void intentions() {
        window_->showTab(QStringLiteral("intentions"));
        shoot(window_, QStringLiteral("console-intentions.png"));
    }

    void settings() {
        window_->showTab(QStringLiteral("settings"));
        shoot(window_, QStringLiteral("console-settings.png"));
    }
};

QTEST_MAIN(TestViewScreenshots)
#include "test_view_screenshots.moc"
