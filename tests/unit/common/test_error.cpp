#include "meshx_test.h"

#include "common/result.h"

using namespace meshx;

class TestError : public QObject {
    Q_OBJECT

  private slots:
    void codeNamesAreSnakeCase() {
        QCOMPARE(codeName(Code::ServiceNotOwned), std::string_view("service_not_owned"));
        QCOMPARE(codeName(Code::AlreadyStarted), std::string_view("already_started"));
        QCOMPARE(codeName(Code::AgentUnreachable), std::string_view("agent_unreachable"));
        QCOMPARE(codeName(Code::ServiceAliveTimeout), std::string_view("service_alive_timeout"));
    }

    void errorToStringJoinsCodeAndMessage() {
        Error e{Code::InvalidState, "web-h1 is not passing"};
        QCOMPARE(QString::fromStdString(e.toString()),
                 QStringLiteral("invalid_state: web-h1 is not passing"));
    }

    void resultHoldsValueOrError() {
        Result<int> good = 7;
        QVERIFY(good.ok());
        QCOMPARE(*good, 7);
        Result<int> bad = makeError(Code::NotFound, "x");
        QVERIFY(!bad);
        QCOMPARE(bad.error().code, Code::NotFound);
        QCOMPARE(bad.valueOr(3), 3);
        Status st;
        QVERIFY(st.ok());
        Status failed = makeError(Code::Timeout, "late");
        QVERIFY(!failed.ok());
        QCOMPARE(failed.error().message, std::string("late"));
    }
};

QTEST_APPLESS_MAIN(TestError)
#include "test_error.moc"
