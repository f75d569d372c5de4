#include <QCheckBox>
#include <QLineEdit>
#include <QSettings>
#include <QStandardPaths>

#include "common/mesh_config.h"
#include "meshx_test.h"
#include "ui/settings/settings_page.h"
#include "ui/shared/hint_line.h"
#include "ui/shell/console_settings.h"

using namespace meshx;
using namespace meshx::ui;

// Settings: kept with QSettings, the token only when the user opts in, invalid input refused in
// words, and what is saved reaches the engine's config (the environment still winning).
class TestSettingsPage : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        QCoreApplication::setOrganizationName(QStringLiteral("meshx-test"));
        QCoreApplication::setApplicationName(QStringLiteral("test_settings_page"));
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
    }

    void tokenIsStoredOnlyWhenAskedFor() {
        SettingsPage page(QStringLiteral("agent http://127.0.0.1:8500, no token"));
        auto* token = page.findChild<QLineEdit*>(QStringLiteral("token"));
        auto* store = page.findChild<QCheckBox*>(QStringLiteral("storeToken"));
        QVERIFY(token && store);
        QCOMPARE(token->echoMode(), QLineEdit::Password);
        token->setText(QStringLiteral("s3cr3t-token"));
        QVERIFY(page.save());
        QVERIFY(!QSettings().contains(QStringLiteral("agent/token")));
        QCOMPARE(page.current().token, QStringLiteral("s3cr3t-token"));  // for this run
        QVERIFY(page.hint()->text().contains(QLatin1String("not remembered")));
        QVERIFY(!page.hint()->text().contains(QLatin1String("s3cr3t")));

        store->setChecked(true);
        QVERIFY(page.save());
        QCOMPARE(QSettings().value(QStringLiteral("agent/token")).toString(),
                 QStringLiteral("s3cr3t-token"));
        store->setChecked(false);
        QVERIFY(page.save());
        QVERIFY(!QSettings().contains(QStringLiteral("agent/token")));
    }

    void invalidSettingsAreRefusedInWords() {
        SettingsPage page{QString()};
        auto* address = page.findChild<QLineEdit*>(QStringLiteral("agentAddress"));
        address->setText(QStringLiteral("ftp://nowhere"));
        QVERIFY(!page.save());
        QCOMPARE(page.hint()->kind(), HintLine::Kind::Error);
        address->setText(QStringLiteral("127.0.0.1:8501"));
        QVERIFY(page.save());
    }

    void savedSettingsReachTheConfig() {
        ConsoleSettings s;
        s.agentAddress = QStringLiteral("http://127.0.0.1:8501");
        s.portMin = 30000;
        s.portMax = 30100;
        s.maxProxyRestarts = 2;
        s.templates.insert(QStringLiteral("sleeper"),
                           QStringLiteral("{\"proxy\":[\"sleep\",\"9\"]}"));
        {
            QSettings settings;
            s.save(settings);
        }
        QSettings settings;
        const ConsoleSettings loaded = ConsoleSettings::load(settings);
        QCOMPARE(loaded.templates.value(QStringLiteral("sleeper")),
                 s.templates.value(QStringLiteral("sleeper")));
        MeshConfig config;
        qunsetenv("CONSUL_HTTP_ADDR");
        QVERIFY(loaded.applyTo(config).ok());
        QCOMPARE(int(config.agent.port), 8501);
        QCOMPARE(int(config.portRangeMin), 30000);
        QCOMPARE(int(config.portRangeMax), 30100);
        QCOMPARE(config.maxProxyRestarts, 2);
        QVERIFY(config.templates.count("sleeper"));
        // The environment wins.
        qputenv("CONSUL_HTTP_ADDR", "127.0.0.1:9999");
        MeshConfig again;
        QVERIFY(loaded.applyTo(again).ok());
        QCOMPARE(int(again.agent.port), 9999);
        qunsetenv("CONSUL_HTTP_ADDR");
    }
};

QTEST_MAIN(TestSettingsPage)
#include "test_settings_page.moc"
