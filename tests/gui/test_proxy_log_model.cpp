#include <QSignalSpy>

#include <string>

#include "meshx_test.h"
#include "telemetry/in_process_bus.h"
#include "telemetry/lifecycle_event.h"
#include "telemetry/log_line.h"
#include "ui/proxy_logs/proxy_log_filter_model.h"
#include "ui/shared/log_text.h"
#include "ui/shared/proxy_log_model.h"

using namespace meshx;
using namespace meshx::ui;

// The proxy log model on its own bus: tap then draw (one insert per batch), bounded history,
// pause, lifecycle events inline, and lines that would break a table drawn safely.
class TestProxyLogModel : public QObject {
    Q_OBJECT

  private:
    static void publishLine(
        telemetry::TelemetryBus& bus, const std::string& service, const std::string& line,
        telemetry::LogLine::Stream stream = telemetry::LogLine::Stream::Stdout) {
        telemetry::LogLine l;
        l.serviceId = service;
        l.stream = stream;
        l.line = line;
        bus.publish(l.toEvent());
    }

    static ProxyLogModel::Options options(telemetry::TelemetryBus& bus, size_t capacity) {
        ProxyLogModel::Options o;
        o.bus = &bus;
        o.capacity = capacity;
        o.intervalMs = 3600 * 1000;  // the test ticks by hand
        return o;
    }

  private slots:
    void oneInsertPerBatch() {
        telemetry::InProcessBus bus;
        ProxyLogModel model(options(bus, 1000));
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        for (int i = 0; i < 500; ++i) {
            publishLine(bus, "web-1", "line " + std::to_string(i));
        }
        model.tick();
        QCOMPARE(model.rowCount(), 500);
        QCOMPARE(inserts.count(), 1);
        QCOMPARE(model.index(499, ProxyLogModel::Text).data().toString(),
                 QStringLiteral("line 499"));
    }

    void historyIsBounded() {
        telemetry::InProcessBus bus;
        ProxyLogModel model(options(bus, 100));
        QSignalSpy removes(&model, &QAbstractItemModel::rowsRemoved);
        for (int round = 0; round < 5; ++round) {
            for (int i = 0; i < 50; ++i) {
                publishLine(bus, "web-1", "line " + std::to_string(round * 50 + i));
            }
            model.tick();
            QVERIFY(model.rowCount() <= 100);
        }
        QCOMPARE(model.rowCount(), 100);
        QCOMPARE(model.index(0, ProxyLogModel::Text).data().toString(), QStringLiteral("line 150"));
        QCOMPARE(removes.count(), 3);  // one batched trim per tick once full
    }

    void pauseHoldsLinesBackThenDeliversThem() {
        telemetry::InProcessBus bus;
        ProxyLogModel model(options(bus, 1000));
        publishLine(bus, "web-1", "before");
        model.tick();
        model.setPaused(true);
        publishLine(bus, "web-1", "during 1");
        publishLine(bus, "web-1", "during 2");
        model.tick();
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.pendingCount(), 2);
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        model.setPaused(false);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(inserts.count(), 1);
    }

    void lifecycleEventsAreInline() {
        telemetry::InProcessBus bus;
        ProxyLogModel model(options(bus, 1000));
        publishLine(bus, "web-1", "serving");
        telemetry::LifecycleEvent exited{telemetry::LifecycleEvent::kProxyExited,
                                         "web-1",
                                         {{"pid", 42}, {"reason", "exit code 3"}}};
        bus.publish(exited.toEvent());
        telemetry::LifecycleEvent restarted{telemetry::LifecycleEvent::kProxyRestarted,
                                            "web-1",
                                            {{"restarts", 1}, {"reason", "exit code 3"}}};
        bus.publish(restarted.toEvent());
        model.tick();
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(1, 0).data(ProxyLogModel::KindRole).toInt(),
                 static_cast<int>(ProxyLogModel::Kind::Event));
        QVERIFY(model.index(1, ProxyLogModel::Text)
                    .data()
                    .toString()
                    .contains(QLatin1String("proxy exited: exit code 3")));
        QVERIFY(model.index(2, ProxyLogModel::Text)
                    .data()
                    .toString()
                    .contains(QLatin1String("restart 1")));
        QCOMPARE(model.index(2, 0).data(ProxyLogModel::LevelRole).toInt(),
                 static_cast<int>(logtext::Level::Warn));

        ProxyLogFilterModel filter;
        filter.setSourceModel(&model);
        filter.setKinds(true, true, false);
        QCOMPARE(filter.rowCount(), 1);
        filter.setKinds(true, true, true);
        filter.setServiceId(QStringLiteral("other"));
        QCOMPARE(filter.rowCount(), 0);
    }

    void hugeLinesAndGarbageAreSafe() {
        telemetry::InProcessBus bus;
        ProxyLogModel::Options o = options(bus, 100);
        o.maxChars = 300;
        ProxyLogModel model(o);
        publishLine(bus, "web-1", std::string(200000, 'x'));
        std::string garbage = "a\x01\x1b[2J\x7f\xff\xfe\xc3(";
        garbage += std::string(1, '\0') + "z\r\n\tq";
        publishLine(bus, "web-1", garbage, telemetry::LogLine::Stream::Stderr);
        model.tick();
        QCOMPARE(model.rowCount(), 2);
        const QString huge = model.index(0, 0).data(ProxyLogModel::FullTextRole).toString();
        QVERIFY(huge.size() < 400);
        QVERIFY(huge.contains(QLatin1String("bytes in all")));
        const QString safe = model.index(1, 0).data(ProxyLogModel::FullTextRole).toString();
        for (QChar c : safe) {
            QVERIFY2(c.unicode() >= 0x20 && c.unicode() != 0x7f, qPrintable(safe));
        }
        QVERIFY2(safe.contains(QLatin1String("\\x1b[2J")), qPrintable(safe));  // escape shown
        QVERIFY2(safe.contains(QLatin1String("\\x7f")), qPrintable(safe));
        QVERIFY2(safe.contains(QChar(0xfffd)), qPrintable(safe));  // invalid UTF-8
        QVERIFY(safe.startsWith(QLatin1Char('a')));
        QVERIFY(safe.endsWith(QLatin1Char('q')));
    }

    void levelsFromCommonFormats() {
        using logtext::Level;
        QCOMPARE(logtext::levelOf(QStringLiteral("2024-01-01T00:00:00Z [ERROR] proxy: x")),
                 Level::Error);
        QCOMPARE(logtext::levelOf(QStringLiteral("{\"level\":\"warn\",\"msg\":\"slow\"}")),
                 Level::Warn);
        QCOMPARE(logtext::levelOf(QStringLiteral("level=debug msg=x")), Level::Debug);
        QCOMPARE(logtext::levelOf(QStringLiteral("listening on 127.0.0.1:21000")), Level::Info);
        QCOMPARE(logtext::levelOf(QStringLiteral("no errors so far")), Level::Info);
    }
};

QTEST_MAIN(TestProxyLogModel)
#include "test_proxy_log_model.moc"
