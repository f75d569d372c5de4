#include "meshx_test.h"

#include <nlohmann/json.hpp>

#include "template/template_renderer.h"

using meshx::Code;
using meshx::tmpl::TemplateRenderer;
using nlohmann::json;

class TestTemplateRenderer : public QObject {
    Q_OBJECT

  private slots:
    // The example from MeshxConsul's documentation, verbatim.
    void meshxConsulExample() {
        TemplateRenderer r(json::parse(R"({"string_key":"123abc","int_key":123})"));
        auto out = r.render(json::parse(
            R"({"string":"{{string_key}}","int":"{{$int_key$}}","static":"static_string"})"));
        QVERIFY(out.ok());
        QCOMPARE(out->dump(),
                 std::string(R"({"int":123,"static":"static_string","string":"123abc"})"));
        QVERIFY((*out)["int"].is_number_integer());
    }

    void typedValuesKeepTheirType() {
        TemplateRenderer r(json::parse(
            R"({"port":1024,"on":true,"ratio":0.5,"obj":{"a":[1,2]},"big":9007199254740993})"));
        auto out = r.render(json::parse(
            R"({"p":"{{$port$}}","b":"{{$on$}}","f":"{{$ratio$}}","o":"{{$obj$}}","spaced":"{{ $port$ }}","big":"{{$big$}}","nested":"{{$obj.a$}}"})"));
        QVERIFY2(out.ok(), out.ok() ? "" : out.error().message.c_str());
        QCOMPARE((*out)["p"], json(1024));
        QCOMPARE((*out)["b"], json(true));
        QCOMPARE((*out)["f"], json(0.5));
        QCOMPARE((*out)["o"], json::parse(R"({"a":[1,2]})"));
        QCOMPARE((*out)["spaced"], json(1024));
        QCOMPARE((*out)["big"], json(9007199254740993ULL));
        QCOMPARE((*out)["nested"], json::parse("[1,2]"));
    }

    void typedTagInsideLongerStringIsText() {
        TemplateRenderer r(json::parse(R"({"port":8080})"));
        auto out = r.render(json("port={{$port$}}"));
        QVERIFY(out.ok());
        QCOMPARE(*out, json("port=8080"));
    }

    void nestedObjectsAndArrays() {
        TemplateRenderer r(
            json::parse(R"({"id":"web-h1","name":"web","address":"127.0.0.1","port":1025})"));
        auto tmpl = json::parse(
            R"({"ID":"{{id}}","Name":"{{name}}","Checks":[{"Name":"TTL check","CheckID":"ttl:{{id}}","TTL":"10s"}],"Connect":{"SidecarService":{"Proxy":{"LocalServiceAddress":"{{address}}","LocalServicePort":"{{$port$}}"}}},"Weights":{"Passing":3}})");
        auto out = r.render(tmpl);
        QVERIFY(out.ok());
        QCOMPARE((*out)["Checks"][0]["CheckID"], json("ttl:web-h1"));
        QCOMPARE((*out)["Connect"]["SidecarService"]["Proxy"]["LocalServicePort"], json(1025));
        QCOMPARE((*out)["Connect"]["SidecarService"]["Proxy"]["LocalServiceAddress"],
                 json("127.0.0.1"));
        QCOMPARE((*out)["Weights"]["Passing"], json(3));  // non-string leaves pass through
    }

    void noHtmlEscapingAndValidJson() {
        // Quotes, backslashes and control characters: values JSON must escape on output.
        TemplateRenderer r(json{{"name", "a&b <x> \"q\" back\\slash\nline"}});
        auto out = r.render(json::parse(R"({"n":"{{name}}","t":"{{{name}}}","amp":"{{&name}}"})"));
        QVERIFY(out.ok());
        const std::string expected = "a&b <x> \"q\" back\\slash\nline";
        QCOMPARE((*out)["n"].get<std::string>(), expected);
        QCOMPARE((*out)["t"].get<std::string>(), expected);
        QCOMPARE((*out)["amp"].get<std::string>(), expected);
        QCOMPARE(json::parse(out->dump()), *out);  // the serialised result always parses back
    }

    void unicodeRoundTrips() {
        TemplateRenderer r(json::parse(R"({"name":"usługa-服务-🚀"})"));
        auto out = r.render(json("{{name}}-x"));
        QVERIFY(out.ok());
        QCOMPARE(out->get<std::string>(), std::string("usługa-服务-🚀-x"));
    }

    void sectionsAndInvertedSections() {
        TemplateRenderer r(json::parse(R"({"tags":["a","b"],"tls":false,"opt":{"x":"1"}})"));
        auto out =
            r.renderString("{{#tags}}[{{.}}]{{/tags}}{{^tls}}plain{{/tls}}{{#opt}}{{x}}{{/opt}}");
        QVERIFY2(out.ok(), out.ok() ? "" : out.error().message.c_str());
        QCOMPARE(*out, std::string("[a][b]plain1"));
    }

    void missingKeyIsAnErrorNamingTheKey() {
        TemplateRenderer r(json::parse(R"({"name":"web"})"));
        auto plain = r.render(json::parse(R"({"ID":"{{id}}"})"));
        QVERIFY(!plain.ok());
        QCOMPARE(plain.error().code, Code::MissingKey);
        QVERIFY(QString::fromStdString(plain.error().message).contains("'id'"));
        QVERIFY(QString::fromStdString(plain.error().message).contains("$.ID"));

        auto typed = r.render(json::parse(R"({"Port":"{{$port$}}"})"));
        QVERIFY(!typed.ok());
        QCOMPARE(typed.error().code, Code::MissingKey);
        QVERIFY(QString::fromStdString(typed.error().message).contains("$port$"));

        auto inSection = r.renderString("{{#name}}{{nope}}{{/name}}");
        QVERIFY(!inSection.ok());
        QVERIFY(QString::fromStdString(inSection.error().message).contains("'nope'"));

        TemplateRenderer nested(json::parse(R"({"a":{"b":1}})"));
        auto dotted = nested.renderString("{{a.c}}");
        QVERIFY(!dotted.ok());
        QVERIFY(QString::fromStdString(dotted.error().message).contains("a.c"));
        QCOMPARE(*nested.renderString("{{a.b}}"), std::string("1"));
    }

    void nullValueIsPresentNotMissing() {
        TemplateRenderer r(json::parse(R"({"tag":null})"));
        auto out = r.renderString("[{{tag}}]");
        QVERIFY(out.ok());
        QCOMPARE(*out, std::string("[]"));
    }

    void malformedMustacheIsATemplateError_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("reason");
        QTest::newRow("unclosed tag") << "{{name"
                                      << "unclosed tag";
        QTest::newRow("unclosed section") << "{{#name}}x"
                                          << "not closed";
        QTest::newRow("mismatch") << "{{#a}}{{/b}}"
                                  << "does not match";
        QTest::newRow("stray close") << "x}}"
                                     << "without a matching";
        QTest::newRow("empty") << "{{}}"
                               << "empty tag";
    }
    void malformedMustacheIsATemplateError() {
        QFETCH(QString, text);
        QFETCH(QString, reason);
        TemplateRenderer r(json::parse(R"({"name":"x","a":1,"b":2})"));
        auto out = r.renderString(text.toStdString());
        QVERIFY(!out.ok());
        QCOMPARE(out.error().code, Code::TemplateError);
        QVERIFY2(QString::fromStdString(out.error().message).contains(reason),
                 out.error().message.c_str());
    }

    void argvRendering() {
        TemplateRenderer r(json::parse(R"({"id":"web-h1"})"));
        auto argv = r.renderArgv({"meshx-proxy", "-sidecar-for", "{{id}}", "-log-level", "err"});
        QVERIFY(argv.ok());
        QCOMPARE(argv->at(2), std::string("web-h1"));
        QCOMPARE(argv->size(), size_t(5));
        auto bad = r.renderArgv({"x", "{{missing}}"});
        QVERIFY(!bad.ok());
        QVERIFY(QString::fromStdString(bad.error().message).contains("argument 1"));
    }

    void parseJsonReportsPosition() {
        auto bad = TemplateRenderer::parseJson(R"({"a": })");
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, Code::ParseError);
        QVERIFY(QString::fromStdString(bad.error().message).contains("column"));
    }
};

QTEST_APPLESS_MAIN(TestTemplateRenderer)
#include "test_template_renderer.moc"
