#include "meshx_test.h"

#include <vector>

#include "node/term.h"
#include "node/term_parser.h"
#include "node/term_printer.h"

using namespace meshx;
using namespace meshx::node;

namespace {

std::string bytesOf(std::initializer_list<int> values) {
    std::string s;
    for (int v : values) {
        s += static_cast<char>(v);
    }
    return s;
}

QString printed(const char* text) {
    auto t = Term::parse(text);
    if (!t) {
        return QString::fromStdString("ERROR " + t.error().toString());
    }
    return QString::fromStdString(t->toString());
}

}  // namespace

class TestNodeTerm : public QObject {
    Q_OBJECT

  private slots:
    // Text in, Erlang's own printing of the same term out (what io:format("~p") shows).
    void parsesAndPrints_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        auto row = [](const char* name, const char* text, const char* expected) {
            QTest::newRow(name) << QString::fromUtf8(text) << QString::fromUtf8(expected);
        };
        row("atom", "ok", "ok");
        row("atom with @ and digits", "a@b_9", "a@b_9");
        row("quoted atom plain", "'ok'", "ok");
        row("quoted atom space", "'hello world'", "'hello world'");
        row("quoted atom capital", "'Abc'", "'Abc'");
        row("reserved word stays quoted", "'receive'", "'receive'");
        row("empty atom", "''", "''");
        row("atom with quote", "'it\\'s'", "'it\\'s'");
        row("utf8 atom", "'héllo'", "'héllo'");
        row("integer", "42", "42");
        row("negative", "-7", "-7");
        row("plus sign", "+7", "7");
        row("based", "16#ff", "255");
        row("binary base", "2#1010", "10");
        row("underscores", "1_000_000", "1000000");
        row("char", "$a", "97");
        row("escaped char", "$\\n", "10");
        row("long long max", "9223372036854775807", "9223372036854775807");
        row("long long min", "-9223372036854775808", "-9223372036854775808");
        row("2^64", "18446744073709551616", "18446744073709551616");
        row("big negative", "-123456789012345678901234567890", "-123456789012345678901234567890");
        row("big based", "16#FFFFFFFFFFFFFFFFFFFF", "1208925819614629174706175");
        row("float", "1.5", "1.5");
        row("float exp", "2.0e-3", "0.002");
        row("float big", "1.0e10", "1.0e10");
        row("float negative", "-2.5", "-2.5");
        row("string", "\"abc\"", "\"abc\"");
        row("string escapes", "\"a\\n\\\"b\\\\\"", "\"a\\n\\\"b\\\\\"");
        row("adjacent strings join", "\"ab\" \"cd\"", "\"abcd\"");
        row("latin1 string", "\"héllo\"", "\"héllo\"");
        row("unicode string is a list", "\"h€\"", "[104,8364]");
        row("unprintable string is a list", "\"a\\x01\"", "[97,1]");
        row("hex escapes", "\"\\x41\\x{42}\\101\"", "\"ABA\"");
        row("empty string is nil", "\"\"", "[]");
        row("binary text", "<<\"abc\">>", "<<\"abc\">>");
        row("binary bytes", "<<1,2,3>>", "<<1,2,3>>");
        row("binary empty", "<<>>", "<<>>");
        row("binary utf8", "<<\"héllo\"/utf8>>", "<<\"héllo\"/utf8>>");
        row("binary mixed", "<<\"ab\",0>>", "<<97,98,0>>");
        row("binary negative byte", "<<-1,0>>", "<<255,0>>");
        row("binary latin1", "<<255>>", "<<\"ÿ\">>");
        row("tuple", "{ok, 1}", "{ok,1}");
        row("empty tuple", "{}", "{}");
        row("list", "[1, 2, 3]", "[1,2,3]");
        row("nil", "[]", "[]");
        row("improper", "[a|b]", "[a|b]");
        row("list tail joined", "[a|[b,c]]", "[a,b,c]");
        row("string tail joined", "[a|\"bc\"]", "[a,98,99]");
        row("map", "#{a => 1, \"b\" => []}", "#{a => 1,\"b\" => []}");
        row("empty map", "#{}", "#{}");
        row("map duplicate key keeps last", "#{a => 1, a => 2}", "#{a => 2}");
        row("nested", "{[#{k => {x, <<1>>}}], \"s\"}", "{[#{k => {x,<<1>>}}],\"s\"}");
        row("comment and dot", "% args\n[1]. ", "[1]");
        row("whitespace", " \t\n{ a , b }\n", "{a,b}");
    }

    void parsesAndPrints() {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QCOMPARE(printed(text.toUtf8().constData()), expected);
    }

    // The same bytes as term_to_binary/1 on OTP 25 (atom-free terms: ei writes atoms as UTF-8
    // atoms, which term_to_binary on OTP 25 does not yet, and both decode the same).
    void encodesLikeTermToBinary() {
        auto check = [](const char* text, std::string expected) {
            auto t = Term::parse(text);
            QVERIFY2(t.ok(), text);
            QCOMPARE(QByteArray::fromStdString(t->external()).toHex(),
                     QByteArray::fromStdString(expected).toHex());
        };
        check("-1", bytesOf({131, 98, 255, 255, 255, 255}));
        check("300", bytesOf({131, 98, 0, 0, 1, 44}));
        check("18446744073709551616", bytesOf({131, 110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
        check("1.5", bytesOf({131, 70, 63, 248, 0, 0, 0, 0, 0, 0}));
        check("<<\"héllo\"/utf8>>", bytesOf({131, 109, 0, 0, 0, 6, 104, 195, 169, 108, 108, 111}));
        check("[104,8364]", bytesOf({131, 108, 0, 0, 0, 2, 97, 104, 98, 0, 0, 32, 172, 106}));
        check("[1,2,3]", bytesOf({131, 107, 0, 3, 1, 2, 3}));
    }

    void malformedTextNamesThePosition_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        auto row = [](const char* name, const char* text, const char* expected) {
            QTest::newRow(name) << QString::fromUtf8(text) << QString::fromUtf8(expected);
        };
        row("empty", "", "line 1, column 1: expected a term, found end of input");
        row("unclosed list", "[1, 2", "line 1, column 6: expected ',', '|' or ']'");
        row("wrong closer", "[1, 2}", "line 1, column 6: expected ',', '|' or ']', found '}'");
        row("tuple closer", "{a, b]", "column 6: expected ',' or '}', found ']'");
        row("variable", "[X]", "column 2: expected a term (variables are not terms");
        row("second line", "{a,\n  #{b 1}}", "line 2, column 7: expected '=>'");
        row("unterminated string", "[\"abc", "line 1, column 2: unterminated string");
        row("unterminated atom", "'abc", "column 1: unterminated atom");
        row("trailing junk", "ok ok", "column 4: expected end of input, found 'o'");
        row("expression", "1+2", "column 2: expected end of input, found '+'");
        row("bad base", "37#1", "base must be 2..36");
        row("bad digit for base", "2#102", "column 5: expected end of input, found '2'");
        row("exponent", "1.0e", "expected an exponent after 'e'");
        row("binary byte range", "<<256>>", "expected byte values 0..255 (add /utf8 for text)");
        row("binary size", "<<1:8>>", "segment sizes are not supported");
        row("binary type", "<<\"a\"/binary>>", "expected 'utf8'");
        row("pid", "<0.1.0>", "expected a term, found '<'");
        row("bad escape hex", "\"\\xZZ\"", "expected two hex digits after \\x");
        row("unclosed map", "#{a => 1", "expected ',' or '}', found end of input");
    }

    void malformedTextNamesThePosition() {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        auto t = Term::parse(text.toUtf8().toStdString());
        QVERIFY(!t.ok());
        QCOMPARE(t.error().code, Code::ParseError);
        QVERIFY2(t.error().message.find("malformed term at ") == 0, t.error().message.c_str());
        QVERIFY2(QString::fromStdString(t.error().message).contains(expected),
                 t.error().message.c_str());
    }

    void invalidUtf8IsRefused() {
        auto t = Term::parse(std::string("'a\xff'"));
        QVERIFY(!t.ok());
        QVERIFY2(t.error().message.find("column 3: expected UTF-8 text") != std::string::npos,
                 t.error().message.c_str());
    }

    void nestingIsBounded() {
        std::string deep(600, '[');
        deep += std::string(600, ']');
        auto t = Term::parse(deep);
        QVERIFY(!t.ok());
        QVERIFY(t.error().message.find("nesting deeper than 512") != std::string::npos);

        // 2000 one-element lists, as a peer could send them: refused, not a stack overflow.
        std::string bytes = bytesOf({131});
        for (int i = 0; i < 2000; ++i) {
            bytes += bytesOf({108, 0, 0, 0, 1});
        }
        bytes += bytesOf({106});
        for (int i = 0; i < 2000; ++i) {
            bytes += bytesOf({106});
        }
        auto p = TermPrinter::print(bytes);
        QVERIFY(!p.ok());
        QCOMPARE(p.error().code, Code::ProtocolError);
    }

    // Erlang/OTP 25's own output for each value (io:format("~w")), shortest round trip.
    void floatsPrintLikeErlang_data() {
        QTest::addColumn<double>("value");
        QTest::addColumn<QString>("expected");
        const std::pair<double, const char*> rows[] = {
            {1.0, "1.0"},
            {0.1, "0.1"},
            {100.0, "100.0"},
            {1000.0, "1.0e3"},
            {1.0e-5, "1.0e-5"},
            {0.0001, "0.0001"},
            {0.0015, "0.0015"},
            {1.5e-4, "1.5e-4"},
            {12345670.0, "12345670.0"},
            {123456700.0, "1.234567e8"},
            {1234567890123456.8, "1234567890123456.8"},
            {12345678901234566.0, "1.2345678901234566e16"},
            {123456.789, "123456.789"},
            {3.141592653589793, "3.141592653589793"},
            {0.0012345678901234567, "0.0012345678901234567"},
            {-2.5, "-2.5"},
            {0.0, "0.0"},
            {1.0e100, "1.0e100"},
            {5.0e-324, "5.0e-324"},
            {1.7976931348623157e308, "1.7976931348623157e308"},
        };
        for (const auto& [v, text] : rows) {
            QTest::newRow(text) << v << QString::fromLatin1(text);
        }
    }

    void floatsPrintLikeErlang() {
        QFETCH(double, value);
        QFETCH(QString, expected);
        QCOMPARE(QString::fromStdString(TermPrinter::formatFloat(value)), expected);
        // and the text reads back to the same double
        auto t = Term::parse(expected.toStdString());
        QVERIFY(t.ok());
        auto again = Term::parse(TermPrinter::formatFloat(value));
        QVERIFY(again.ok());
        QCOMPARE(t->external(), again->external());
    }

    void atomsQuoteLikeErlang() {
        QCOMPARE(TermPrinter::quoteAtom("ok"), std::string("ok"));
        QCOMPARE(TermPrinter::quoteAtom("Ok"), std::string("'Ok'"));
        QCOMPARE(TermPrinter::quoteAtom("_x"), std::string("'_x'"));
        QCOMPARE(TermPrinter::quoteAtom("a-b"), std::string("'a-b'"));
        QCOMPARE(TermPrinter::quoteAtom("node@host.x"), std::string("'node@host.x'"));
        QCOMPARE(TermPrinter::quoteAtom("end"), std::string("'end'"));
        QCOMPARE(TermPrinter::quoteAtom("a\nb"), std::string("'a\\nb'"));
    }

    // Pids of the node that answered print as it prints them; others with their node.
    void pidsPrintRelativeToTheirHomeNode() {
        // {pid, NEW_PID_EXT 'a@b' 85 0 creation 7}
        std::string pid = bytesOf({88, 119, 3, 'a', '@', 'b', 0, 0, 0, 85, 0, 0, 0, 0, 0, 0, 0, 7});
        std::string term = bytesOf({131}) + pid;
        QCOMPARE(*TermPrinter::print(term, "a@b"), std::string("<0.85.0>"));
        QCOMPARE(*TermPrinter::print(term, "other@h"), std::string("<a@b.85.0>"));
        auto t = Term::fromExternal(term, "a@b");
        QVERIFY(t.ok());
        QCOMPARE(t->toString(), std::string("<0.85.0>"));
    }

    void properListsAreTold() {
        QVERIFY(Term().isProperList());
        QCOMPARE(Term().toString(), std::string("[]"));
        QVERIFY(Term::parse("[1,2]")->isProperList());
        QVERIFY(Term::parse("\"abc\"")->isProperList());
        QVERIFY(!Term::parse("[1|2]")->isProperList());
        QVERIFY(!Term::parse("{1}")->isProperList());
    }

    void garbageBytesAreRefused() {
        QVERIFY(!Term::fromExternal(bytesOf({131, 200})).ok());
        QVERIFY(!Term::fromExternal(bytesOf({131, 104, 2, 97, 1})).ok());  // truncated tuple
        QVERIFY(!Term::fromExternal(bytesOf({131, 107, 0, 9, 1})).ok());   // short string
        QVERIFY(!Term::fromExternal(bytesOf({131, 97, 1, 97})).ok());      // trailing bytes
        auto ok = Term::fromExternal(bytesOf({97, 5}));                    // no version byte
        QVERIFY(ok.ok());
        QCOMPARE(ok->toString(), std::string("5"));
    }

    // Every printed term (without pids) parses back to the same bytes.
    void printedTextParsesBack() {
        const char* samples[] = {"{ok,[1,2,3],\"abc\",<<\"x\">>,#{a => {}}}",
                                 "[-1.5e-7,1.0e300,'A b',<<0,255>>,[a|b]]",
                                 "123456789012345678901234567890123456789",
                                 "<<\"héllo\"/utf8>>",
                                 "[104,8364]",
                                 "\"tab\\there\""};
        for (const char* s : samples) {
            auto t = Term::parse(s);
            QVERIFY2(t.ok(), s);
            auto again = Term::parse(t->toString());
            QVERIFY2(again.ok(), t->toString().c_str());
            QCOMPARE(again->external(), t->external());
        }
    }
};

QTEST_APPLESS_MAIN(TestNodeTerm)
#include "test_node_term.moc"
