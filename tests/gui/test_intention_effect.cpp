#include <QTcpSocket>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "console_fixture.h"
#include "engine/agent_monitor.h"
#include "mesh/consul_mesh.h"
#include "process_runner.h"
#include "ui/intentions/intentions_view.h"
#include "ui/proxy_logs/proxy_log_filter_model.h"
#include "ui/proxy_logs/proxy_view.h"
#include "ui/services/services_view.h"
#include "ui/shared/intentions_model.h"
#include "ui/shared/proxy_log_model.h"
#include "ui/shared/upstreams_model.h"
#include "ui/shell/console_context.h"
#include "ui/shell/main_window.h"
#include "ui/shell/service_commands.h"
#include "ui/shell/start_preview.h"

using namespace meshx;
using namespace meshx::ui;

namespace {

// A TCP echo server on its own thread (the test thread blocks in socket waits).
class EchoServer {
  public:
    EchoServer() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(fd_, 16);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~EchoServer() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    uint16_t port() const { return port_; }

  private:
    void run() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) {
                continue;
            }
            const int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) {
                continue;
            }
            char buf[4096];
            for (int rounds = 0; rounds < 100 && !stop_; ++rounds) {
                pollfd q{c, POLLIN, 0};
                if (::poll(&q, 1, 100) <= 0) {
                    continue;
                }
                const ssize_t n = ::read(c, buf, sizeof buf);
                if (n <= 0 || ::write(c, buf, static_cast<size_t>(n)) != n) {
                    break;
                }
            }
            ::close(c);
        }
    }

    int fd_ = -1;
    uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// One request through the upstream: true when the echo comes back whole.
bool roundTrip(const net::Address& address) {
    QTcpSocket s;
    s.connectToHost(QString::fromStdString(address.host()), address.port());
    if (!s.waitForConnected(2000)) {
        return false;
    }
    s.write("ping\n");
    QByteArray got;
    while (got.size() < 5 && s.waitForReadyRead(2000)) {
        got += s.readAll();
    }
    return got == "ping\n";
}

}  // namespace

// The real sidecar (meshx-proxy) on both ends: a request through web's upstream reaches api;
// an intention denying web -> api, created in the intentions view, makes the upstream fail, and
// api's proxy log shows the refusal.
class TestIntentionEffect : public QObject {
    Q_OBJECT

  private:
    MainWindow* window_ = nullptr;

    void start(const QString& name, const QString& id, const QString& extra = {}) {
        StartPreview::Input in;
        in.name = name;
        in.id = id;
        in.extraJson = extra;
        const StartPreview p =
            StartPreview::build(in, window_->context()->session().engine().defaultTemplate(),
                                window_->context()->session().mesh());
        QVERIFY2(p.ok(), qPrintable(p.error));
        QVERIFY2(p.proxy.contains(QLatin1String("meshx-proxy")), qPrintable(p.proxy));
        window_->page<ServicesView>()->startService(p, false);
        QTRY_VERIFY_WITH_TIMEOUT(window_->context()->owned().count(id.toStdString()) > 0,
                                 test::kWaitMs);
    }

  private slots:
    void initTestCase() {
        test::isolateSettings("test_intention_effect");
        QVERIFY2(QFileInfo(meshxBinary(QStringLiteral("meshx-proxy"))).isExecutable(),
                 "build the meshx-proxy target first");
        MeshConfig config = test::consoleTestConfig();
        config.proxyTemplate = "meshx-proxy";  // the real sidecar is the subject here
        auto session = ConsoleSession::create(config, true);
        QVERIFY(session.ok());
        window_ = new MainWindow;
        window_->setSession(std::move(*session));
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_));
        QTRY_VERIFY_WITH_TIMEOUT(window_->context()->monitor().reachable(), test::kWaitMs);
    }

    void cleanupTestCase() { delete window_; }

    void denyMakesTheUpstreamFail() {
        EchoServer echo;
        start(QStringLiteral("api"), QStringLiteral("api-1"),
              QStringLiteral("{\"address\": \"127.0.0.1\", \"port\": %1}").arg(echo.port()));
        start(QStringLiteral("web"), QStringLiteral("web-1"));
        std::optional<net::Address> bind;
        window_->context()->commands().connectUpstream(
            QStringLiteral("api"), QStringLiteral("web-1"), this, [&](Result<net::Address> a) {
                if (a) {
                    bind = *a;
                }
            });
        QTRY_VERIFY_WITH_TIMEOUT(bind.has_value(), test::kWaitMs);

        // Allowed by default: the request goes web -> web's sidecar -> api's sidecar -> api.
        QTRY_VERIFY_WITH_TIMEOUT(roundTrip(*bind), 60000);

        window_->page<IntentionsView>()->create(QStringLiteral("web"), QStringLiteral("api"),
                                                QStringLiteral("deny"));
        QTRY_VERIFY_WITH_TIMEOUT(window_->context()->intentions().rowOf(QStringLiteral("web"),
                                                                        QStringLiteral("api")) >= 0,
                                 test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(!roundTrip(*bind), 60000);
        // The upstreams view says so too: web-1's upstream to api is denied, hence critical.
        auto& upstreams = window_->context()->upstreams();
        const QModelIndex row =
            upstreams.index(upstreams.rowOf(QStringLiteral("web-1"), QStringLiteral("api")), 0);
        QTRY_VERIFY_WITH_TIMEOUT(row.data(UpstreamsModel::DeniedRole).toBool(), test::kWaitMs);
        QCOMPARE(row.data(UpstreamsModel::HealthRole).toString(), QStringLiteral("critical"));

        // api's proxy log says why, as an error line.
        ProxyView* proxy = window_->page<ProxyView>();
        window_->showTab(QStringLiteral("proxy-logs"));
        QTRY_VERIFY_WITH_TIMEOUT(proxy->selectService(QStringLiteral("api-1")), test::kWaitMs);
        proxy->setLogSearch(QStringLiteral("denied"));
        QTRY_VERIFY_WITH_TIMEOUT(proxy->logFilter()->rowCount() >= 1, test::kWaitMs);
        QCOMPARE(proxy->logFilter()->index(0, 0).data(ProxyLogModel::LevelRole).toInt(),
                 static_cast<int>(logtext::Level::Error));

        // Allowed again: the upstream works again.
        window_->page<IntentionsView>()->create(QStringLiteral("web"), QStringLiteral("api"),
                                                QStringLiteral("allow"));
        QTRY_VERIFY_WITH_TIMEOUT(roundTrip(*bind), 60000);
        QVERIFY(!upstreams.index(upstreams.rowOf(QStringLiteral("web-1"), QStringLiteral("api")), 0)
                     .data(UpstreamsModel::DeniedRole)
                     .toBool());
    }
};

QTEST_MAIN(TestIntentionEffect)
#include "test_intention_effect.moc"
