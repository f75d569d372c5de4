#include <QElapsedTimer>
#include <QLabel>

#include "console_fixture.h"
#include "engine/agent_monitor.h"
#include "engine/session.h"
#include "mesh/consul_mesh.h"
#include "ui/services/services_view.h"
#include "ui/shared/hint_line.h"
#include "ui/shared/intentions_model.h"
#include "ui/shared/services_model.h"
#include "ui/shell/console_context.h"
#include "ui/shell/main_window.h"
#include "ui/shell/start_preview.h"

using namespace meshx;
using namespace meshx::ui;

// The agent goes away while the console runs: the status bar and the views say so, keep the last
// known state, and recover by themselves when the agent is back (our service registered again by
// the engine).
class TestAgentRecovery : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() { test::isolateSettings("test_agent_recovery"); }

    void viewsSayAgentGoneAndRecover() {
        MainWindow window;
        window.setSession(test::openTestSession());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ConsoleContext* context = window.context();
        QTRY_VERIFY_WITH_TIMEOUT(context->monitor().reachable(), test::kWaitMs);

        StartPreview::Input in;
        in.name = QStringLiteral("web");
        in.id = QStringLiteral("web-9");
        const StartPreview p = StartPreview::build(
            in, context->session().engine().defaultTemplate(), context->session().mesh());
        QVERIFY2(p.ok(), qPrintable(p.error));
        window.page<ServicesView>()->startService(p, false);
        QTRY_VERIFY_WITH_TIMEOUT(
            context->services().find(QStringLiteral("web-9")) &&
                context->services().find(QStringLiteral("web-9"))->health == "passing",
            test::kWaitMs);

        QElapsedTimer clock;
        clock.start();
        engine::Session& engine = context->session().engine();
        QVERIFY(engine.embedded());
        QVERIFY(engine.stopEmbeddedAgent().ok());

        auto* status = window.findChild<QLabel*>(QStringLiteral("agentStatus"));
        auto* banner =
            window.page<ServicesView>()->findChild<HintLine*>(QStringLiteral("agentBanner"));
        QVERIFY(status && banner);
        QTRY_VERIFY_WITH_TIMEOUT(!context->monitor().reachable(), test::kWaitMs);
        QVERIFY2(status->text().contains(QLatin1String("unreachable")), qPrintable(status->text()));
        QVERIFY(banner->isVisible());
        QVERIFY(banner->text().contains(QLatin1String("last known state")));
        // The last known rows stay, and the outage is counted.
        QVERIFY(context->services().find(QStringLiteral("web-9")));
        QCOMPARE(context->monitor().outages(), 1);

        // Back on the same address, empty: the engine registers our service again and every
        // view follows without being told.
        auto restarted = engine.restartEmbeddedAgent();
        QVERIFY2(restarted.ok(), restarted.ok() ? "" : restarted.error().toString().c_str());
        QTRY_VERIFY_WITH_TIMEOUT(context->monitor().reachable(), test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(!status->text().contains(QLatin1String("unreachable")),
                                 test::kWaitMs);
        QVERIFY(!banner->isVisible());
        qInfo("agent back and seen after %lld ms", static_cast<long long>(clock.elapsed()));
        QTRY_VERIFY_WITH_TIMEOUT(
            context->services().find(QStringLiteral("web-9")) &&
                context->services().find(QStringLiteral("web-9"))->health == "passing",
            test::kWaitMs);
        QTRY_VERIFY2_WITH_TIMEOUT(context->intentions().lastError().isEmpty(),
                                  qPrintable(context->intentions().lastError()), test::kWaitMs);
    }
};

QTEST_MAIN(TestAgentRecovery)
#include "test_agent_recovery.moc"
