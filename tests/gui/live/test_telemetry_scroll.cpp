// The telemetry stream as a reader sees it, on real RPC traffic (an RpcServer and an
// RpcClientPool in-process on 127.0.0.1 publishing on the test's bus): auto-scroll follows new
// events, stops when the user scrolls up and follows again when asked; the history bound holds
// (only the newest events are kept, drops are counted).

#include <QScrollBar>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QToolButton>

#include <memory>

#include "meshx_test.h"
#include "rpc/rpc_client_pool.h"
#include "rpc/rpc_server.h"
#include "telemetry/in_process_bus.h"
#include "ui/telemetry/telemetry_page.h"
#include "ui/telemetry/telemetry_stream_model.h"

using namespace meshx::rpc;
using meshx::telemetry::InProcessBus;
using meshx::ui::TelemetryPage;

namespace {

constexpr int kTimeout = 30000;

struct Instance {
    std::unique_ptr<RpcServer> server;
    std::unique_ptr<RpcClientPool> pool;
};

Instance startInstance(InProcessBus& bus) {
    Instance i;
    RpcServerOptions so;
    so.address = meshx::net::Address::tcp("127.0.0.1", 0);
    so.id = "provider";
    so.bus = &bus;
    i.server = std::make_unique<RpcServer>(so);
    (void)i.server->add("echo", [](Payload&& p) -> RpcResult<Payload> { return std::move(p); });
    if (!i.server->start().ok())
        return {};
    RpcClientOptions co;
    co.address = i.server->address();
    co.id = "console.client";
    co.size = 2;
    co.bus = &bus;
    i.pool = std::make_unique<RpcClientPool>(co);
    if (!i.pool->start().ok())
        return {};
    return i;
}

bool calls(Instance& i, int n) {
    Payload arg;
    arg.bytes.assign(16, 'x');
    for (int k = 0; k < n; ++k) {
        if (!i.pool->call("echo", arg).ok())
            return false;
    }
    return true;
}

}  // namespace

class TestTelemetryScroll : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("meshx-test"));
        QCoreApplication::setApplicationName(QStringLiteral("test_telemetry_scroll"));
        QSettings().clear();
    }

    void autoScrollFollowsAndStopsWhenTheUserScrollsUp() {
        InProcessBus bus;
        TelemetryPage page(bus);
        page.resize(1000, 600);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        Instance one = startInstance(bus);
        QVERIFY(one.pool);
        QScrollBar* bar = page.table()->verticalScrollBar();
        auto* button = page.findChild<QToolButton*>(QStringLiteral("autoScroll"));
        QVERIFY(button && button->isChecked());

        // Follows: enough rows to scroll, and the view sits at the newest.
        QVERIFY(calls(one, 60));
        QTRY_VERIFY_WITH_TIMEOUT(page.model()->rowCount() >= 120 && bar->maximum() > 0, kTimeout);
        QTRY_COMPARE_WITH_TIMEOUT(bar->value(), bar->maximum(), kTimeout);
        const int rowsBefore = page.model()->rowCount();
        QVERIFY(calls(one, 30));
        QTRY_VERIFY_WITH_TIMEOUT(page.model()->rowCount() >= rowsBefore + 60, kTimeout);
        QTRY_COMPARE_WITH_TIMEOUT(bar->value(), bar->maximum(), kTimeout);

        // The user scrolls up a page: following stops, and new events leave the view alone.
        bar->triggerAction(QAbstractSlider::SliderPageStepSub);
        QVERIFY(!button->isChecked());
        const int readingAt = bar->value();
        QVERIFY(readingAt < bar->maximum());
        const int maxBefore = bar->maximum();
        QVERIFY(calls(one, 30));
        QTRY_VERIFY_WITH_TIMEOUT(bar->maximum() > maxBefore, kTimeout);
        QCOMPARE(bar->value(), readingAt);

        // Asked to follow again: back at the newest, and following.
        button->click();
        QVERIFY(button->isChecked());
        QCOMPARE(bar->value(), bar->maximum());
        const int maxAgain = bar->maximum();
        QVERIFY(calls(one, 10));
        QTRY_VERIFY_WITH_TIMEOUT(bar->maximum() > maxAgain, kTimeout);
        QTRY_COMPARE_WITH_TIMEOUT(bar->value(), bar->maximum(), kTimeout);
    }

    void historyBoundHolds() {
        InProcessBus bus;
        TelemetryPage page(bus);
        page.model()->setHistoryLimit(100);
        Instance one = startInstance(bus);
        QVERIFY(one.pool);
        QVERIFY(calls(one, 300));  // a client and a server event per call, and more
        QTRY_VERIFY_WITH_TIMEOUT(page.received() >= 600, kTimeout);
        page.flush();
        // Never above the limit; trimmed in batches of a tenth, so never far below it either.
        QVERIFY2(page.model()->historySize() <= 100 && page.model()->historySize() >= 90,
                 qPrintable(QString::number(page.model()->historySize())));
        QVERIFY(page.model()->rowCount() <= 100);
        const uint64_t trimmed = page.model()->trimmed();
        QVERIFY(trimmed >= 400);  // 600+ events in, 100 kept
        // More traffic still never grows it.
        const uint64_t receivedBefore = page.received();
        QVERIFY(calls(one, 50));  // 100 events at least (a client and a server one per call)
        QTRY_VERIFY_WITH_TIMEOUT(page.received() >= receivedBefore + 100, kTimeout);
        page.flush();
        // Never above the limit; trimmed in batches of a tenth, so never far below it either.
        QVERIFY2(page.model()->historySize() <= 100 && page.model()->historySize() >= 90,
                 qPrintable(QString::number(page.model()->historySize())));
        QVERIFY(page.model()->trimmed() >= trimmed + 90);
    }
};

QTEST_MAIN(TestTelemetryScroll)
#include "test_telemetry_scroll.moc"
