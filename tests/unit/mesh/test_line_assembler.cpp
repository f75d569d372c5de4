#include "meshx_test.h"

#include <string>
#include <vector>

#include "mesh/line_assembler.h"
#include "mesh/log_ring.h"

using meshx::mesh::LineAssembler;
using meshx::mesh::LogRing;
using meshx::telemetry::LogLine;

namespace {

std::vector<LineAssembler::Line> feedAll(LineAssembler& a, const std::vector<std::string>& chunks,
                                         bool finish = true) {
    std::vector<LineAssembler::Line> out;
    for (const auto& c : chunks) {
        a.feed(c, out);
    }
    if (finish) {
        a.finish(out);
    }
    return out;
}

const std::string kFffd = "\xEF\xBF\xBD";

}  // namespace

class TestLineAssembler : public QObject {
    Q_OBJECT

  private slots:
    void splitsAcrossChunks() {
        LineAssembler a(100);
        auto lines = feedAll(a, {"hel", "lo\nwor", "ld\r\n", "\n", "\r\n", "tail"});
        QCOMPARE(lines.size(), size_t(3));
        QCOMPARE(lines[0].text, std::string("hello"));
        QCOMPARE(lines[1].text, std::string("world"));  // \r\n ending accepted
        QCOMPARE(lines[2].text, std::string("tail"));   // unterminated tail flushed at finish
        QVERIFY(!lines[0].truncated && !lines[2].truncated);
    }

    void longLineIsCutAndRestDiscarded() {
        LineAssembler a(8);
        // 20 bytes without newline over three chunks, then a normal line.
        auto lines = feedAll(a, {"0123456", "789abcdefg", "hij\nnext\n"});
        QCOMPARE(lines.size(), size_t(2));
        QCOMPARE(lines[0].text, std::string("01234567"));
        QVERIFY(lines[0].truncated);
        QCOMPARE(lines[1].text, std::string("next"));
        QVERIFY(!lines[1].truncated);
    }

    void hugeSingleChunkCostsOnlyTheLimit() {
        LineAssembler a(1024);
        std::string huge(1 << 20, 'x');
        huge += "\nok\n";
        auto lines = feedAll(a, {huge});
        QCOMPARE(lines.size(), size_t(2));
        QCOMPARE(lines[0].text.size(), size_t(1024));
        QVERIFY(lines[0].truncated);
        QCOMPARE(lines[1].text, std::string("ok"));
    }

    void exactLimitIsNotTruncated() {
        LineAssembler a(4);
        auto lines = feedAll(a, {"abcd\n"});
        QCOMPARE(lines.size(), size_t(1));
        QCOMPARE(lines[0].text, std::string("abcd"));
        QVERIFY(!lines[0].truncated);
    }

    void invalidUtf8AndControlsAreReplaced() {
        LineAssembler a(100);
        // Bad lead bytes, a lone continuation, an overlong '/', a surrogate, an escape sequence.
        auto lines = feedAll(
            a, {std::string("\xFF\xFE", 2) + "ok \x80 \xC0\xAF \xED\xA0\x80 \x1b[31mred\ttab\n"});
        QCOMPARE(lines.size(), size_t(1));
        const std::string& t = lines[0].text;
        QVERIFY(QString::fromStdString(t).toUtf8().toStdString() == t);  // round-trips: valid
        QCOMPARE(t.substr(0, 9), kFffd + kFffd + "ok ");
        QVERIFY(t.find('\x1b') == std::string::npos);
        QVERIFY(t.find("[31mred\ttab") != std::string::npos);  // tab kept
        // Valid multi-byte text passes through untouched.
        auto ok = feedAll(a, {"za\xC5\xBC\xC3\xB3\xC5\x82\xC4\x87 \xF0\x9F\x98\x80\n"});
        QCOMPARE(ok[0].text, std::string("za\xC5\xBC\xC3\xB3\xC5\x82\xC4\x87 \xF0\x9F\x98\x80"));
    }

    void cutNeverSplitsACharacter() {
        bool cut = false;
        // "aé€" = 1 + 2 + 3 bytes; a 4-byte limit must stop before the euro sign.
        std::string s = LineAssembler::sanitize("a\xC3\xA9\xE2\x82\xAC", 4, &cut);
        QCOMPARE(s, std::string("a\xC3\xA9"));
        QVERIFY(cut);
        s = LineAssembler::sanitize("a\xC3\xA9\xE2\x82\xAC", 6, &cut);
        QVERIFY(!cut);
        QCOMPARE(s.size(), size_t(6));
    }

    void ringKeepsNewestAndCountsDrops() {
        LogRing ring(3);
        for (int i = 0; i < 5; ++i) {
            ring.append(LogLine{"svc", LogLine::Stream::Stdout, "l" + std::to_string(i), i, false});
        }
        auto lines = ring.lines();
        QCOMPARE(lines.size(), size_t(3));
        QCOMPARE(lines[0].line, std::string("l2"));
        QCOMPARE(lines[2].line, std::string("l4"));
        QCOMPARE(ring.dropped(), uint64_t(2));
        auto last = ring.lines(1);
        QCOMPARE(last.size(), size_t(1));
        QCOMPARE(last[0].line, std::string("l4"));
    }
};

QTEST_APPLESS_MAIN(TestLineAssembler)
#include "test_line_assembler.moc"
