// The console's OTLP receiver toggle: off by default; ticking it in Settings and saving starts
// the receiver at once (no reconnect) on the address given, remembered in QSettings; the line
// under it says where it receives or why it cannot; unticking stops it. Real sockets.
#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QStandardPaths>
#include <QTcpSocket>

#include "meshx_test.h"
#include "ui/settings/settings_page.h"
#include "ui/shell/console_settings.h"
#include "ui/shell/otlp_receiver_control.h"

using namespace meshx;
using namespace meshx::ui;

class TestOtlpReceiverToggle : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        QCoreApplication::setOrganizationName(QStringLiteral("meshx-test"));
        QCoreApplication::setApplicationName(QStringLiteral("test_otlp_receiver_toggle"));
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
    }

    void toggleStartsAndStopsTheReceiver() {
        QSettings settings;
        QVERIFY(!ConsoleSettings::load(settings).otlpReceive);  // off by default

        OtlpReceiverControl control;
        SettingsPage page{QString()};
        // As app/console/main.cpp wires them.
        connect(&control, &OtlpReceiverControl::statusChanged, &page, &SettingsPage::setOtlpStatus);
        connect(&page, &SettingsPage::otlpReceiverChanged, &control,
                [&control](bool on, const QString& listen) { control.apply(on, listen); });
        auto* toggle = page.findChild<QCheckBox*>(QStringLiteral("otlpReceive"));
        auto* listen = page.findChild<QLineEdit*>(QStringLiteral("otlpListen"));
        auto* status = page.findChild<QLabel*>(QStringLiteral("otlpStatus"));
        QVERIFY(toggle && listen && status);
        QVERIFY(!toggle->isChecked());
        QVERIFY(!listen->isEnabled());

        toggle->setChecked(true);
        QVERIFY(listen->isEnabled());
        listen->setText(QStringLiteral("127.0.0.1:0"));
        QVERIFY(page.save());
        QVERIFY(control.running());
        QVERIFY2(status->text().contains(QLatin1String("/v1/traces")), qPrintable(status->text()));
        QVERIFY(ConsoleSettings::load(settings).otlpReceive);
        QCOMPARE(ConsoleSettings::load(settings).otlpListen, QStringLiteral("127.0.0.1:0"));
        const QUrl url(control.tracesUrl());
        QTcpSocket probe;
        probe.connectToHost(url.host(), static_cast<quint16>(url.port()));
        QVERIFY(probe.waitForConnected(10000));
        probe.abort();

        // A port that is taken: the line says why, nothing runs.
        OtlpReceiverControl holder;
        QVERIFY(holder.apply(true, QStringLiteral("127.0.0.1:0")));
        listen->setText(QUrl(holder.tracesUrl()).authority());
        QVERIFY(page.save());
        QVERIFY(!control.running());
        QVERIFY2(status->text().startsWith(QLatin1String("Not receiving")),
                 qPrintable(status->text()));

        toggle->setChecked(false);
        QVERIFY(page.save());
        QVERIFY(!control.running());
        QCOMPARE(status->text(), QStringLiteral("Off"));
        QVERIFY(!ConsoleSettings::load(settings).otlpReceive);
    }
};

QTEST_MAIN(TestOtlpReceiverToggle)
#include "test_otlp_receiver_toggle.moc"
