#include <QFile>
#include <QRegularExpression>

#include <map>

#include "meshx_test.h"

#include "telemetry/filter/event_filter.h"
#include "telemetry/rpc_aggregate.h"
#include "telemetry/rpc_record.h"

using meshx::telemetry::Event;
using meshx::telemetry::EventFilter;
using meshx::telemetry::FilterError;
using meshx::telemetry::RpcAggregate;
using meshx::telemetry::RpcRecord;

namespace {

// An event shaped exactly like core/rpc/rpc_telemetry.cpp publishes it.
Event rpcEvent(const std::string& source, const std::string& fun, int64_t execUs,
               const std::string& result = "ok", const std::string& remoteSvc = "provider-1") {
    Event e;
    e.seq = 7;
    e.timeUs = 1'700'000'000'000'000;
    e.source = source;
    e.name = "call";
    e.metrics = {{"blocks", {{"send", 1}, {"recv", 2}}},
                 {"size", {{"send", 1500}, {"recv", 34}}},
                 {"time",
                  {{"ser", 3},
                   {"dser", 4},
                   {"exec", execUs},
                   {"hsk", 0},
                   {"idle", 100},
                   {"recv", 20},
                   {"send", 10}}}};
    e.meta = {
        {"address", "tcp://127.0.0.1:41001"},
        {"prefix", {"meshx_rpc", "Demo.C"}},
        {"hsk_ref", 386},
        {"result", result},
        {"state", "recv"},
        {"local", {{"conn_ref", "NJeJWw"}, {"node_ref", "nonode@nohost"}, {"svc_ref", "C"}}},
        {"remote", {{"conn_ref", "a8h14A"}, {"node_ref", "nonode@nohost"}, {"svc_ref", remoteSvc}}},
        {"fun_name", fun},
        {"fun_req", "call"},
        {"req_ref", 243}};
    return e;
}

bool match(const std::string& text, const RpcRecord& r) {
    auto f = EventFilter::parse(text);
    if (!f) {
        qWarning("parse failed: %s -> %s", text.c_str(), f.error().message.c_str());
        return false;
    }
    return f->matches(r);
}

}  // namespace

class TestEventFilter : public QObject {
    Q_OBJECT

  private slots:
    void recordFlattensAndRoundTrips() {
        const RpcRecord r = RpcRecord::fromEvent(rpcEvent("rpc.client", "echo", 50));
        QCOMPARE(r.fun, std::string("echo"));
        QCOMPARE(r.kind, std::string("call"));
        QCOMPARE(r.reqRef.value_or(0), uint64_t(243));
        QCOMPARE(r.remoteSvc, std::string("provider-1"));
        QCOMPARE(r.sizeSend, int64_t(1500));
        QCOMPARE(r.tExec, int64_t(50));
        QCOMPARE(r.requestUs(), int64_t(3 + 4 + 50 + 10 + 20));
        QCOMPARE(r.instance(), std::string("provider-1/a8h14A"));
        const RpcRecord back = RpcRecord::fromEvent(r.toEvent());
        QCOMPARE(back.toJson(), r.toJson());
        // Wrong JSON types are left empty, never thrown on.
        Event odd;
        odd.source = "rpc.server";
        odd.meta = {{"fun_name", 5}, {"req_ref", "x"}, {"local", "nope"}};
        odd.metrics = {{"time", {{"exec", "slow"}}}};
        const RpcRecord o = RpcRecord::fromEvent(odd);
        QVERIFY(o.fun.empty());
        QVERIFY(!o.reqRef);
        QCOMPARE(o.tExec, int64_t(0));
    }

    void comparisonsAndLogic() {
        const RpcRecord r = RpcRecord::fromEvent(rpcEvent("rpc.client", "echo", 2500));
        QVERIFY(match("", r));
        QVERIFY(match("   ", r));
        QVERIFY(match("fun == echo", r));
        QVERIFY(match("fun == \"echo\"", r));
        QVERIFY(!match("fun == sleep", r));
        QVERIFY(match("fun != sleep", r));
        QVERIFY(match("fun_name eq echo", r));
        QVERIFY(match("t.exec > 2ms", r));
        QVERIFY(!match("t.exec > 3ms", r));
        QVERIFY(match("t.exec >= 2500", r));
        QVERIFY(match("t.exec <= 2.5ms", r));
        QVERIFY(match("t.exec lt 1s", r));
        QVERIFY(match("size.send >= 1.5KB and size.send < 2KB", r));
        QVERIFY(match("blocks.recv == 2", r));
        QVERIFY(match("t.req == 2537", r));
        QVERIFY(match("req_ref == 243 && hsk_ref == 386", r));
        QVERIFY(match("remote.svc_ref == provider-1 or remote.svc_ref == provider-2", r));
        QVERIFY(!match("not remote.svc_ref == provider-1", r));
        QVERIFY(match("!(fun == sleep)", r));
        QVERIFY(match("(fun == sleep or fun == echo) and result == ok", r));
        QVERIFY(!match("fun == sleep or fun == echo and result == error", r));  // and binds tighter
        QVERIFY(match("address contains \"127.0.0.1\"", r));
        QVERIFY(match("remote.svc_ref matches \"^PROVIDER-[12]$\"", r));  // case-insensitive
        QVERIFY(!match("remote.svc_ref matches \"^provider-[34]$\"", r));
        QVERIFY(match("fun in {sleep echo}", r));
        QVERIFY(!match("fun in {sleep boom}", r));
        QVERIFY(match("local.conn_ref == NJeJWw and remote.conn_ref == a8h14A", r));
        QVERIFY(match("instance == \"provider-1/a8h14A\"", r));
        QVERIFY(match("event == call and kind == call and source == rpc.client", r));
        QVERIFY(match("req_ref", r));  // presence
        QVERIFY(match("t.exec contains 25", r));

        // Absent fields: comparisons are false, `not field` is true.
        Event hsk = rpcEvent("rpc.client", "", 0);
        hsk.name = "hsk";
        hsk.meta.erase("req_ref");
        hsk.meta.erase("fun_name");
        const RpcRecord h = RpcRecord::fromEvent(hsk);
        QVERIFY(!match("req_ref == 243", h));
        QVERIFY(!match("req_ref != 243", h));
        QVERIFY(match("not req_ref", h));
        QVERIFY(!match("fun", h));
        QVERIFY(match("event == hsk", h));

        const RpcRecord err =
            RpcRecord::fromEvent(rpcEvent("rpc.client", "boom", 1, "error: undef"));
        QVERIFY(match("result contains error", err));
        QVERIFY(match("result != ok", err));
    }

    void parseErrorsCarryPositionAndMessage_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("position");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown field") << "fn == echo" << 0 << "unknown field 'fn'";
        QTest::newRow("single =") << "fun = echo" << 4 << "'=' is not an operator";
        QTest::newRow("missing value") << "fun ==" << 6 << "expected a value after '=='";
        QTest::newRow("number expected") << "t.exec > fast" << 9 << "'t.exec' is a number";
        QTest::newRow("bad unit") << "t.exec > 5min" << 9 << "is not";
        QTest::newRow("missing paren") << "(fun == echo" << 0 << "missing ')'";
        QTest::newRow("stray paren") << "fun == echo)" << 11 << "unexpected ')'";
        QTest::newRow("unterminated") << "fun == \"echo" << 7 << "unterminated string";
        QTest::newRow("dangling and") << "fun == echo and" << 15 << "expected a field name";
        QTest::newRow("two values") << "fun == echo sleep" << 12 << "expected 'and', 'or'";
        QTest::newRow("bad regex") << "fun matches \"(\"" << 12 << "invalid regex";
        QTest::newRow("back-reference") << "fun matches \"(a)\\\\1\"" << 12 << "invalid regex";
        QTest::newRow("bad char") << "fun == echo ; x" << 12 << "unexpected character";
        QTest::newRow("empty in") << "fun in {}" << 8 << "at least one value";
        QTest::newRow("in without brace") << "fun in echo" << 7 << "expected '{'";
    }
    void parseErrorsCarryPositionAndMessage() {
        QFETCH(QString, text);
        QFETCH(int, position);
        QFETCH(QString, message);
        FilterError detail;
        auto f = EventFilter::parse(text.toStdString(), &detail);
        QVERIFY(!f);
        QCOMPARE(f.error().code, meshx::Code::ParseError);
        QCOMPARE(int(detail.position), position);
        QVERIFY2(QString::fromStdString(detail.message).contains(message), detail.message.c_str());
        QVERIFY(QString::fromStdString(f.error().message)
                    .startsWith(QStringLiteral("column %1: ").arg(position + 1)));
    }

    // Nested repetitions made std::regex backtrack for minutes on one record (found by
    // fuzz_telemetry_filter). With a linear-time matcher these answer at once; a backtracking one
    // would run into the test's timeout (2^40 paths for the first).
    void nestedRepetitionsDoNotBacktrack() {
        Event e = rpcEvent("rpc.client", "echo", 1, "ok", std::string(40, 'a'));
        const RpcRecord r = RpcRecord::fromEvent(e);
        QVERIFY(!match("remote.svc_ref matches \"^(a*)*b$\"", r));
        QVERIFY(!match("remote.svc_ref matches \"^(a|a)*c$\"", r));
        QVERIFY(match("remote.svc_ref matches \"^(a+)+$\"", r));
    }

    void deepNestingIsAnErrorNotACrash() {
        std::string deep(10000, '(');
        QVERIFY(!EventFilter::parse(deep + "fun" + std::string(10000, ')')));
        std::string nots;
        for (int i = 0; i < 5000; ++i)
            nots += "not ";
        FilterError detail;
        QVERIFY(!EventFilter::parse(nots + "fun", &detail));
        QVERIFY(QString::fromStdString(detail.message).contains(QStringLiteral("nested")));
        // 64 levels are fine.
        QVERIFY(EventFilter::parse(std::string(60, '(') + "fun" + std::string(60, ')')));
    }

    // The "Fields" table of docs/console-telemetry.md, read from the document: every name it
    // lists (aliases in brackets too) parses, with the type the document gives it (a number
    // field refuses a word), and the document leaves out no field the language knows.
    void everyDocumentedFieldParses() {
        QFile doc(QStringLiteral(MESHX_SOURCE_DIR "/docs/console-telemetry.md"));
        QVERIFY(doc.open(QIODevice::ReadOnly | QIODevice::Text));
        const QString text = QString::fromUtf8(doc.readAll());
        const qsizetype at = text.indexOf(QStringLiteral("\n### Fields\n"));
        QVERIFY2(at >= 0, "no Fields section in docs/console-telemetry.md");
        // Rows look like "| `local.conn_ref` `local.node_ref` | text | what |"; the table is the
        // first run of lines starting with "|" after the heading.
        static const QRegularExpression code(QStringLiteral("`([^`]+)`"));
        std::map<std::string, bool> documented;  // name -> number field
        bool inTable = false;
        for (const QString& line : text.mid(at + 1).split(QLatin1Char('\n')).mid(1)) {
            if (!line.startsWith(QLatin1Char('|'))) {
                if (inTable) {
                    break;
                }
                continue;
            }
            inTable = true;
            const QStringList cells = line.split(QLatin1Char('|'));
            QVERIFY2(cells.size() >= 4, qPrintable(line));
            const QString type = cells[2].trimmed();
            if (type == QLatin1String("type") || type.startsWith(QLatin1Char('-'))) {
                continue;  // header and rule
            }
            QVERIFY2(type == QLatin1String("text") || type == QLatin1String("number"),
                     qPrintable(line));
            auto names = code.globalMatch(cells[1]);
            QVERIFY2(names.hasNext(), qPrintable(line));
            while (names.hasNext()) {
                documented[names.next().captured(1).toStdString()] =
                    type == QLatin1String("number");
            }
        }
        QVERIFY2(documented.size() >= 30, "the Fields table was not found or not read");

        for (const auto& [name, number] : documented) {
            const std::string typed = name + (number ? " == 1" : " == x");
            QVERIFY2(EventFilter::parse(typed), typed.c_str());
            const std::string word = name + " == x";
            QVERIFY2(static_cast<bool>(EventFilter::parse(word)) == !number,
                     (word + (number ? " parses, yet the field is documented as a number"
                                     : " does not parse"))
                         .c_str());
        }
        for (const auto& f : EventFilter::fields()) {
            QVERIFY2(documented.count(f.name) == 1,
                     (std::string(f.name) + " is not in the documented Fields table").c_str());
        }
    }

    void prometheusExposition() {
        RpcAggregate agg;
        agg.add(RpcRecord::fromEvent(rpcEvent("rpc.client", "echo", 500)));
        agg.add(RpcRecord::fromEvent(rpcEvent("rpc.client", "echo", 2000000, "error: timeout")));
        agg.add(RpcRecord::fromEvent(rpcEvent("rpc.client", "echo", 10, "ok", "prov\"2")));
        Event idle = rpcEvent("rpc.server", "", 0);
        idle.name = "idle";
        agg.add(RpcRecord::fromEvent(idle));
        QCOMPARE(agg.requests(), uint64_t(3));
        const QString text = QString::fromStdString(agg.renderPrometheus());
        const QString l =
            QStringLiteral("source=\"rpc.client\",fun=\"echo\",instance=\"provider-1/a8h14A\"");
        QVERIFY(text.contains(QStringLiteral("# TYPE meshx_rpc_requests_total counter\n")));
        QVERIFY(
            text.contains(QStringLiteral("meshx_rpc_requests_total{%1,result=\"ok\"} 1\n").arg(l)));
        QVERIFY(text.contains(
            QStringLiteral("meshx_rpc_requests_total{%1,result=\"error\"} 1\n").arg(l)));
        QVERIFY(text.contains(
            QStringLiteral("meshx_rpc_request_seconds_bucket{%1,le=\"0.001\"} 1\n").arg(l)));
        QVERIFY(text.contains(
            QStringLiteral("meshx_rpc_request_seconds_bucket{%1,le=\"+Inf\"} 2\n").arg(l)));
        QVERIFY(text.contains(
            QStringLiteral("meshx_rpc_bytes_total{%1,direction=\"send\"} 3000\n").arg(l)));
        QVERIFY(text.contains(QStringLiteral("instance=\"prov\\\"2/a8h14A\"")));  // escaped
        QVERIFY(text.contains(
            QStringLiteral("meshx_rpc_events_total{source=\"rpc.server\",event=\"idle\"} 1\n")));
        QVERIFY(text.endsWith(QLatin1Char('\n')));
    }
};

QTEST_GUILESS_MAIN(TestEventFilter)
#include "test_event_filter.moc"
