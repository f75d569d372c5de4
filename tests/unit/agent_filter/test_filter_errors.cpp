// Rejected filters: syntax errors (go-bexpr v0.1.2's own test expectations where they exist),
// unknown selectors, operators the field type does not allow, values that do not coerce, bad
// regular expressions, hostile nesting.

#include <string>

#include "filter_test_util.h"
#include "meshx_test.h"

using meshx::Code;
using meshx::agent::FilterExpression;
using meshx::agent::FilterSchema;

namespace {

struct ErrorCase {
    const char* expression;
    const char* message;  // exact, or a prefix when `prefixOnly`
    bool prefixOnly = false;
};

void expectErrors(const FilterSchema& schema, Code code, std::initializer_list<ErrorCase> cases) {
    for (const ErrorCase& c : cases) {
        auto filter = FilterExpression::parse(c.expression, schema);
        QVERIFY2(!filter.ok(), c.expression);
        const std::string& message = filter.error().message;
        const bool same = c.prefixOnly ? message.rfind(c.message, 0) == 0 : message == c.message;
        QVERIFY2(same, qPrintable(QString::fromUtf8(c.expression) + QStringLiteral("\n got: ") +
                                  QString::fromStdString(message) + QStringLiteral("\nwant: ") +
                                  QString::fromUtf8(c.message)));
        QVERIFY2(filter.error().code == code, c.expression);
    }
}

}  // namespace

class TestFilterErrors : public QObject {
    Q_OBJECT

  private slots:
    // Inputs and messages from go-bexpr v0.1.2 grammar_test.go (the parser runs before the
    // selectors are checked, so "foo" does not need to exist).
    void syntaxErrorsMatchGoBexpr() {
        expectErrors(
            FilterSchema::agentService(), Code::ParseError,
            {
                {"foo == \"12x", R"(1:12 (11): rule "string": Unterminated string literal)"},
                {"foo == `12x", R"(1:12 (11): rule "string": Unterminated string literal)"},
                {"foo == 3x", R"(1:9 (8): rule "number": Invalid number literal)"},
                {"foo[3] == abc", R"(1:5 (4): rule "index": Invalid index)"},
                {"x in foo[\"abc\"", R"(1:15 (14): rule "index": Unclosed index expression)"},
                {"foo[\"abc\" == 3", R"(1:11 (10): rule "index": Unclosed index expression)"},
                {"x in 32", R"(1:6 (5): rule "match": Invalid selector)"},
                {"32 == 32", R"(1:4 (3): no match found, expected: "in", "not" or [ \t\r\n])"},
                {"32 is empty", R"(1:4 (3): no match found, expected: "in", "not" or [ \t\r\n])"},
                {"x in foo abc",
                 R"(1:10 (9): no match found, expected: "and", "or", [ \t\r\n] or EOF)"},
                {"x in foo and ",
                 "1:14 (13): no match found, expected: \"(\", \"-\", \"0\", \"\\\"\", \"`\", "
                 "\"not\", "
                 "[ \\t\\r\\n], [1-9] or [a-zA-Z]"},
                {"x in foo or ",
                 "1:13 (12): no match found, expected: \"(\", \"-\", \"0\", \"\\\"\", \"`\", "
                 "\"not\", "
                 "[ \\t\\r\\n], [1-9] or [a-zA-Z]"},
                {"(foo == 4", R"(1:10 (9): rule "grouping": Unmatched parentheses)"},
            });
    }

    void otherSyntaxErrors() {
        expectErrors(
            FilterSchema::agentService(), Code::ParseError,
            {
                // values must be quoted unless they are a word or a number
                {"Kind == connect-proxy", "1:16 (15): no match found", true},
                {"Address == 10.0.0.1", R"(1:16 (15): rule "number": Invalid number literal)"},
                {"Port == 0x50", R"(1:10 (9): rule "number": Invalid number literal)"},
                {"Service ==", "1:11 (10): no match found", true},
                {"   ", "1:4 (3): no match found", true},
                {"Service = \"web\"", "1:9 (8): no match found", true},
                {"Service == \"web\" )", "1:18 (17): no match found", true},
                {"Tags is", "1:8 (7): no match found", true},
                {"Tags is not", "1:12 (11): no match found", true},
                {"Meta.", "1:6 (5): no match found", true},
                {"Meta .env == \"x\"", "1:6 (5): no match found", true},
                {"Service == \"a\\qb\"", R"(1:12 (11): rule "string": invalid syntax)"},
                {"Service == \"caf\xc3\xa9", "1:17 (17): rule \"string\": Unterminated", true},
                // word operators need whitespace on both sides, as in the PEG
                {"Service == \"web\"and Port == 1", "1:17 (16): no match found", true},
                {"not(Service == \"web\")", "1:4 (3): no match found", true},
                {"Tags contains\"v1\"", "1:14 (13): no match found", true},
                {"\"v1\" in(Tags)", "1:8 (7): rule \"match\": Invalid selector", true},
            });
    }

    // Hostile input fails fast and cleanly instead of exhausting the stack.
    void deepNestingIsBounded() {
        const std::string parens(100000, '(');
        auto filter = FilterExpression::parse(parens, FilterSchema::agentService());
        QVERIFY(!filter.ok());
        QVERIFY2(filter.error().message.find("deeper than") != std::string::npos,
                 filter.error().message.c_str());
        std::string nots;
        for (int i = 0; i < 50000; ++i) {
            nots += "not ";
        }
        nots += "Service == \"web\"";
        QVERIFY(!FilterExpression::parse(nots, FilterSchema::agentService()).ok());
        // just inside the limit still works
        std::string nested = "Service == \"web\"";
        for (int i = 0; i < 90; ++i) {
            nested = "(" + nested + ")";
        }
        auto ok = FilterExpression::parse(nested, FilterSchema::agentService());
        QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().message.c_str());
        QVERIFY(*ok->matches(nlohmann::json{{"Service", "web"}}));
        // a long flat chain is not nesting
        std::string chain = "Port == 1";
        for (int i = 0; i < 20000; ++i) {
            chain += " or Port == 1";
        }
        chain += " or Port == 2";
        auto flat = FilterExpression::parse(chain, FilterSchema::agentService());
        QVERIFY(flat.ok());
        QVERIFY(*flat->matches(nlohmann::json{{"Port", 2}}));
    }

    void unknownSelectors() {
        expectErrors(FilterSchema::agentService(), Code::InvalidArgument,
                     {
                         {"Foo == \"x\"", R"(Selector "Foo" is not valid)"},
                         {"kind == \"x\"", R"(Selector "kind" is not valid)"},  // case-sensitive
                         {"Proxy.Foo == \"x\"", R"(Selector "Proxy.Foo" is not valid)"},
                         {"Proxy.Foo.Bar == \"x\"", R"(Selector "Proxy.Foo" is not valid)"},
                         {"Meta.env.x == \"y\"", R"(Selector "Meta.env.x" is not valid)"},
                         {"Meta[\"a.b\"].c == \"y\"", R"(Selector "Meta.a.b.c" is not valid)"},
                         {"Service.Name == \"x\"", R"(Selector "Service.Name" is not valid)"},
                         {"\"x\" in Foo", R"(Selector "Foo" is not valid)"},
                         // hidden from go-bexpr in Consul (bexpr:"-")
                         {"Datacenter == \"dc1\"", R"(Selector "Datacenter" is not valid)"},
                         {"ContentHash == \"x\"", R"(Selector "ContentHash" is not valid)"},
                         {"Proxy.Config.foo == \"x\"", R"(Selector "Proxy.Config" is not valid)"},
                         // the first problem from the left wins
                         {"Foo == 1 and Tags == \"x\"", R"(Selector "Foo" is not valid)"},
                         {"Tags == \"x\" or Foo == 1",
                          R"(Invalid match operator "Equal" for selector "Tags")"},
                     });
        expectErrors(
            FilterSchema::healthServiceEntry(), Code::InvalidArgument,
            {{"Kind == \"x\"", R"(Selector "Kind" is not valid)"},
             {"Checks.Definition.HTTP == \"x\"", R"(Selector "Checks.Definition" is not valid)"}});
    }

    void operatorsNotAllowedForTheType() {
        expectErrors(
            FilterSchema::agentService(), Code::InvalidArgument,
            {
                {"Tags == \"x\"", R"(Invalid match operator "Equal" for selector "Tags")"},
                {"Tags != \"x\"", R"(Invalid match operator "Not Equal" for selector "Tags")"},
                {"Tags matches \"x\"", R"(Invalid match operator "Matches" for selector "Tags")"},
                {"Service is empty", R"(Invalid match operator "Is Empty" for selector "Service")"},
                {"Service is not empty",
                 R"(Invalid match operator "Is Not Empty" for selector "Service")"},
                {"Port contains \"8\"", R"(Invalid match operator "In" for selector "Port")"},
                {"\"8\" not in Port", R"(Invalid match operator "Not In" for selector "Port")"},
                {"Port matches \"8\"", R"(Invalid match operator "Matches" for selector "Port")"},
                {"EnableTagOverride is empty",
                 R"(Invalid match operator "Is Empty" for selector "EnableTagOverride")"},
                {"Meta == \"x\"", R"(Invalid match operator "Equal" for selector "Meta")"},
                {"Meta not matches \"x\"",
                 R"(Invalid match operator "Not Matches" for selector "Meta")"},
                {"Proxy == \"x\"", R"(Invalid match operator "Equal" for selector "Proxy")"},
                {"Proxy is empty", R"(Invalid match operator "Is Empty" for selector "Proxy")"},
                {"Weights is not empty",
                 R"(Invalid match operator "Is Not Empty" for selector "Weights")"},
                {"Meta[\"team-a\"] is empty",
                 R"(Invalid match operator "Is Empty" for selector "Meta.team-a")"},
                {"Proxy.Upstreams contains \"x\"",
                 R"(Invalid match operator "In" for selector "Proxy.Upstreams")"},
                {"Proxy.Upstreams == \"x\"",
                 R"(Invalid match operator "Equal" for selector "Proxy.Upstreams")"},
            });
        expectErrors(
            FilterSchema::healthServiceEntry(), Code::InvalidArgument,
            {{"Checks.Status is empty",
              R"(Invalid match operator "Is Empty" for selector "Checks.Status")"},
             {"Checks == \"x\"", R"(Invalid match operator "Equal" for selector "Checks")"}});
    }

    void valuesThatDoNotCoerce() {
        expectErrors(
            FilterSchema::agentService(), Code::InvalidArgument,
            {
                {"Port == abc",
                 R"(Failed to coerce value "abc" for selector "Port": strconv.ParseInt: parsing "abc": invalid syntax)"},
                {"Port == 8.5",
                 R"(Failed to coerce value "8.5" for selector "Port": strconv.ParseInt: parsing "8.5": invalid syntax)"},
                {"Port == 99999999999999999999",
                 R"(Failed to coerce value "99999999999999999999" for selector "Port": strconv.ParseInt: parsing "99999999999999999999": value out of range)"},
                {"Weights.Passing != \"\"",
                 R"(Failed to coerce value "" for selector "Weights.Passing": strconv.ParseInt: parsing "": invalid syntax)"},
                {"EnableTagOverride == yes",
                 R"(Failed to coerce value "yes" for selector "EnableTagOverride": strconv.ParseBool: parsing "yes": invalid syntax)"},
            });
    }

    void badRegularExpressions() {
        expectErrors(
            FilterSchema::agentService(), Code::InvalidArgument,
            {
                {"Service matches \"(\"",
                 "Failed to compile regular expression \"(\": error parsing regexp: ", true},
                {"Service matches \"a{1001}\"",
                 "Failed to compile regular expression \"a{1001}\": error parsing "
                 "regexp: invalid repeat count: `{1001}`"},
                {"Service matches \"((a{100}){100}){100}\"",
                 R"(Failed to compile regular expression "((a{100}){100}){100}": error parsing regexp: expression too large)"},
                {"Service matches \"(a)\\\\1\"",
                 "Failed to compile regular expression \"(a)\\\\1\": error parsing regexp: ",
                 true},  // back-references: not RE2, and not linear-time
            });
        std::string deep(200, '(');
        auto filter = FilterExpression::parse("Service matches \"" + deep + "\"",
                                              FilterSchema::agentService());
        QVERIFY(!filter.ok());
        QVERIFY2(filter.error().message.find("nests too deeply") != std::string::npos,
                 filter.error().message.c_str());
        // allowed: the largest single repeat RE2 takes
        QVERIFY(
            FilterExpression::parse("Service matches \"^a{1000}$\"", FilterSchema::agentService())
                .ok());
    }
};

QTEST_APPLESS_MAIN(TestFilterErrors)
#include "test_filter_errors.moc"
