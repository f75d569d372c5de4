// Serializers: the flag byte, MeshxRpc's default rule, ETF bytes as OTP 25 writes them (golden
// bytes from the captures and, when `erl` is installed, a check by the real runtime), the
// nlohmann formats, hostile input, and the registry's uniqueness rule.

#include <sys/wait.h>

#include <unistd.h>
#include <csignal>

#include <QProcess>
#include <QStandardPaths>

#include "capture_file.h"
#include "rpc/serialize/nlohmann_serializer.h"
#include "rpc/serialize/raw_serializer.h"
#include "rpc/serialize/serializer_registry.h"
#include "rpc_test_print.h"
#ifdef MESHX_RPC_HAVE_ETF
#include "rpc/serialize/etf_serializer.h"
#include "rpc/serialize/etf_validator.h"
#endif

using namespace meshx::rpc;
using meshx::rpc::test::fromHex;
using nlohmann::json;

namespace {

// A serializer for the registry test; its name says what it is for.
class TestOnlySerializer final : public Serializer {
  public:
    TestOnlySerializer(std::string name, uint8_t flag) : name_(std::move(name)), flag_(flag) {}
    std::string_view name() const override { return name_; }
    uint8_t flag() const override { return flag_; }
    meshx::Result<uint8_t> serialize(const json&, wire::Bytes&) const override { return flag_; }
    meshx::Result<json> deserialize(wire::ByteView) const override { return json(); }

  private:
    std::string name_;
    uint8_t flag_;
};

// Runs `fn` in a child process and reports whether it aborted.
template <typename Fn>
bool aborts(Fn fn) {
    pid_t pid = fork();
    if (pid == 0) {
        // Qt Test's crash handler would catch the abort and print a stack trace.
        signal(SIGABRT, SIG_DFL);
        fn();
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

}  // namespace

class TestSerialize : public QObject {
    Q_OBJECT

  private slots:
    void rawIsTheBytes();
    void defaultRuleFollowsTheOriginal();
    void nlohmannFormatsRoundTrip();
    void nlohmannRejectsGarbage();
    void etfGoldenMapFromCapture();
    void etfDecodesCapturedErrorTerms();
    void etfRoundTripAndRealErlang();
    void etfHostileInputNeverCrashes();
    void registryNamesFlagsAndDuplicates();
};

void TestSerialize::rawIsTheBytes() {
    RawSerializer raw;
    wire::Bytes out;
    auto flag = raw.serialize(json::binary({'h', 'e', 'l', 'l', 'o'}), out);
    QVERIFY(flag.ok());
    QCOMPARE(*flag, uint8_t(0));
    QVERIFY(out == fromHex("68656c6c6f"));
    QVERIFY(!raw.serialize(json(5), out).ok());
    auto back = raw.deserialize(out);
    QVERIFY(back.ok() && back->is_binary());
    QCOMPARE(back->get_binary().size(), size_t(5));
}

void TestSerialize::defaultRuleFollowsTheOriginal() {
    auto& reg = SerializerRegistry::global();
    wire::Bytes out;
    auto f = reg.serialize("default", json::binary({1, 2, 3}), out);
    QVERIFY(f.ok());
    QCOMPARE(*f, uint8_t(0));
    out.clear();
    f = reg.serialize("default", json{{"a", 1}}, out);
    QVERIFY(f.ok());
#ifdef MESHX_RPC_HAVE_ETF
    QCOMPARE(*f, uint8_t(1));
#else
    QCOMPARE(*f, NlohmannSerializer::kJsonFlag);
#endif
    QVERIFY(!reg.serialize("no-such", json(1), out).ok());
    QVERIFY(!reg.deserialize(250, out).ok());
}

void TestSerialize::nlohmannFormatsRoundTrip() {
    const json value = {{"n", 1},         {"f", 2.5},        {"s", "text"},
                        {"l", {1, 2, 3}}, {"null", nullptr}, {"b", true}};
    for (auto fmt : {NlohmannSerializer::Format::Json, NlohmannSerializer::Format::MessagePack,
                     NlohmannSerializer::Format::Cbor}) {
        NlohmannSerializer s(fmt);
        wire::Bytes out;
        auto f = s.serialize(value, out);
        QVERIFY(f.ok());
        QCOMPARE(*f, s.flag());
        auto back = SerializerRegistry::global().deserialize(*f, out);
        QVERIFY2(back.ok(), std::string(s.name()).c_str());
        QCOMPARE(QString::fromStdString(back->dump()), QString::fromStdString(value.dump()));
    }
    QCOMPARE(NlohmannSerializer(NlohmannSerializer::Format::Json).flag(), uint8_t(16));
    QCOMPARE(NlohmannSerializer(NlohmannSerializer::Format::MessagePack).flag(), uint8_t(17));
    QCOMPARE(NlohmannSerializer(NlohmannSerializer::Format::Cbor).flag(), uint8_t(18));
}

void TestSerialize::nlohmannRejectsGarbage() {
    const wire::Bytes garbage = {0xdb, 0xff, 0xff,
                                 0xff, 0xff, 0x01};  // msgpack str32 claiming 4 GiB
    for (auto fmt : {NlohmannSerializer::Format::Json, NlohmannSerializer::Format::MessagePack,
                     NlohmannSerializer::Format::Cbor}) {
        auto r = NlohmannSerializer(fmt).deserialize(garbage);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, meshx::Code::ParseError);
    }
}

void TestSerialize::etfGoldenMapFromCapture() {
#ifndef MESHX_RPC_HAVE_ETF
    QSKIP("built without erl_interface");
#else
    // call_term.txt: %{a: 1} is 83 74 00000001 64 0001 61 61 01 on OTP 25.
    const wire::Bytes golden = fromHex("837400000001640001616101");
    EtfSerializer etf;
    wire::Bytes out;
    auto f = etf.serialize(json{{"a", 1}}, out);
    QVERIFY(f.ok());
    QCOMPARE(*f, uint8_t(1));
    QVERIFY(out == golden);
    auto back = etf.deserialize(golden);
    QVERIFY(back.ok());
    QCOMPARE(QString::fromStdString(back->dump()), QString("{\"a\":1}"));
    // OTP 26+ writes atoms as SMALL_ATOM_UTF8_EXT (0x77): accepted as well.
    auto otp26 = etf.deserialize(fromHex("8374000000017701616101"));
    QVERIFY(otp26.ok());
    QCOMPARE(QString::fromStdString(otp26->dump()), QString("{\"a\":1}"));
#endif
}

void TestSerialize::etfDecodesCapturedErrorTerms() {
#ifndef MESHX_RPC_HAVE_ETF
    QSKIP("built without erl_interface");
#else
    EtfSerializer etf;
    for (const char* name : {"call_undef", "call_raise"}) {
        auto conns = test::readCapture(test::captureDir() + name + ".txt");
        const auto& frame = conns[0].frames[3].bytes;  // the 0xC7 error frame
        QCOMPARE(frame[4], uint8_t(0xc7));
        // prefix 4 + flag 1 + req_ref 8 + conn_ref 1+4 + ser_flag 1
        auto term = etf.deserialize(wire::ByteView(frame).subspan(4 + 1 + 8 + 5 + 1));
        QVERIFY2(term.ok(), term.ok() ? "" : term.error().message.c_str());
        if (std::string(name) == "call_undef") {
            QVERIFY(term->is_array());
            QCOMPARE(QString::fromStdString((*term)[0].get<std::string>()), QString("undef"));
        } else {
            QCOMPARE(QString::fromStdString((*term)["message"].get<std::string>()),
                     QString("kaboom"));
            QCOMPARE(QString::fromStdString((*term)["__struct__"].get<std::string>()),
                     QString("Elixir.RuntimeError"));
        }
    }
#endif
}

void TestSerialize::etfRoundTripAndRealErlang() {
#ifndef MESHX_RPC_HAVE_ETF
    QSKIP("built without erl_interface");
#else
    EtfSerializer etf;
    const json value = {{"a", 1},
                        {"b", json::array({1, 2, "x"})},
                        {"c", 1.5},
                        {"d", nullptr},
                        {"e", {{"$tuple", json::array({{{"$atom", "ok"}}, -5})}}},
                        {"big", 1ULL << 63}};
    wire::Bytes out;
    QVERIFY(etf.serialize(value, out).ok());
    auto back = etf.deserialize(out);
    QVERIFY(back.ok());
    QCOMPARE((*back)["b"][2].get<std::string>(), std::string("x"));
    QCOMPARE((*back)["e"][0].get<std::string>(), std::string("ok"));
    QCOMPARE((*back)["e"][1].get<int>(), -5);
    QCOMPARE((*back)["big"].get<unsigned long long>(), 1ULL << 63);
    QVERIFY((*back)["d"].is_null());

    const QString erl = QStandardPaths::findExecutable("erl");
    if (erl.isEmpty())
        QSKIP("erl not installed: checked against captured bytes only");
    QString bytes;
    for (size_t i = 0; i < out.size(); ++i)
        bytes += (i ? "," : "") + QString::number(out[i]);
    const QString expr =
        QString(
            "T = binary_to_term(<<%1>>), "
            "io:format(\"~p\", [T =:= #{a => 1, b => [1,2,<<\"x\">>], c => 1.5, d => nil, "
            "e => {ok, -5}, big => 9223372036854775808}]), halt().")
            .arg(bytes);
    QProcess p;
    p.start(erl, {"-noshell", "-eval", expr});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()).trimmed(), QString("true"));
#endif
}

void TestSerialize::etfHostileInputNeverCrashes() {
#ifndef MESHX_RPC_HAVE_ETF
    QSKIP("built without erl_interface");
#else
    EtfSerializer etf;
    // Lengths that lie: binary of 4 GiB, list of 2^32-1 elements, map, deep nesting.
    for (const char* hex : {"836dffffffff00", "836cffffffff6a", "8374ffffffff", "8368ff", "83", "",
                            "8364ffff61", "8350000000ff00", "83ff"}) {
        auto r = etf.deserialize(fromHex(hex));
        QVERIFY2(!r.ok(), hex);
        QCOMPARE(r.error().code, meshx::Code::ParseError);
    }
    wire::Bytes deep = {131};
    for (int i = 0; i < 10000; ++i) {
        deep.push_back(0x68);
        deep.push_back(1);
    }
    deep.push_back(0x6a);
    QVERIFY(!etf.deserialize(deep).ok());
    // Every prefix of a valid term is refused cleanly.
    wire::Bytes good;
    QVERIFY(etf.serialize(json{{"k", json::array({1, "two", 3.0})}}, good).ok());
    for (size_t len = 0; len < good.size(); ++len) {
        QVERIFY(!etf.deserialize(wire::ByteView(good).first(len)).ok());
    }
    // FLOAT_EXT, the old float: 31 bytes of text, NUL-padded, or all text (found by
    // fuzz_rpc_etf: ei_decode_double's sscanf read on past the 31 bytes). Exactly 31 are read.
    auto padded =
        etf.deserialize(fromHex("8363"
                                "312e3530303030303030303030303030303030303030652b3030"
                                "0000000000"));
    QVERIFY2(padded.ok(), padded.ok() ? "" : padded.error().message.c_str());
    QCOMPARE(padded->get<double>(), 1.5);
    // [2.5e+00000 as 31 bytes of text, 7]: the 7 after the float is not part of its exponent.
    auto allText =
        etf.deserialize(fromHex("836c00000002"
                                "63"
                                "322e3530303030303030303030303030303030303030652b30303030303030"
                                "61076a"));
    QVERIFY2(allText.ok(), allText.ok() ? "" : allText.error().message.c_str());
    QCOMPARE(allText->dump(), std::string("[2.5,7]"));
    // A fun whose module atom claims 65535 bytes inside a correctly sized fun: skipped by its
    // size, never decoded by ei (which would read the claimed atom past the buffer).
    auto fun =
        etf.deserialize(fromHex("837000000020"
                                "00"
                                "00000000000000000000000000000000"
                                "00000000"
                                "00000000"
                                "64ffff"));
    QVERIFY2(fun.ok(), fun.ok() ? "" : fun.error().message.c_str());
    QCOMPARE(fun->get<std::string>(), std::string("#term<112>"));
#endif
}

void TestSerialize::registryNamesFlagsAndDuplicates() {
    auto& reg = SerializerRegistry::global();
    const auto names = reg.names();
    for (const char* n : {"raw", "json", "msgpack", "cbor"}) {
        QVERIFY(std::find(names.begin(), names.end(), n) != names.end());
    }
    QCOMPARE(reg.byFlag(0)->name(), std::string_view("raw"));
    QCOMPARE(reg.byName("cbor")->flag(), uint8_t(18));
    reg.add(std::make_unique<TestOnlySerializer>("test-only", 200));
    QCOMPARE(reg.byFlag(200)->name(), std::string_view("test-only"));
    QVERIFY(aborts([] {
        SerializerRegistry::global().add(std::make_unique<TestOnlySerializer>("json", 201));
    }));
    QVERIFY(aborts([] {
        SerializerRegistry::global().add(std::make_unique<TestOnlySerializer>("other", 200));
    }));
}

QTEST_APPLESS_MAIN(TestSerialize)
#include "test_serialize.moc"
