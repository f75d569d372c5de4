// The percent-decoding shared by the agent's and the tap's HTTP request readers.

#include <QtTest>

#include "net/percent_encoding.h"

using meshx::net::percentDecode;

class TestPercentEncoding : public QObject {
    Q_OBJECT

  private slots:
    void decodesEscapesOfEitherCase() {
        QCOMPARE(*percentDecode("fun%20%3D%3d%20%22echo%22", false),
                 std::string("fun == \"echo\""));
        QCOMPARE(*percentDecode("%2Fv1%2fkv", false), std::string("/v1/kv"));
        QCOMPARE(*percentDecode("", true), std::string());
        QCOMPARE(*percentDecode("%00x", false), std::string("\0x", 2));
    }
    void plusIsASpaceOnlyInQueries() {
        QCOMPARE(*percentDecode("a+b%2B", true), std::string("a b+"));
        QCOMPARE(*percentDecode("a+b", false), std::string("a+b"));
    }
    void refusesMalformedEscapes() {
        for (const char* bad : {"%", "%4", "abc%", "%G1", "%1g", "x%zz"}) {
            QVERIFY2(!percentDecode(bad, true).has_value(), bad);
        }
        QCOMPARE(*percentDecode("%41", false), std::string("A"));  // an escape at the very end
    }
};

QTEST_GUILESS_MAIN(TestPercentEncoding)
#include "test_percent_encoding.moc"
