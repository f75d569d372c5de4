// libFuzzer entry point for the ?filter= parser, validator and evaluator.
//
// Beyond "no crash, no hang, no leak" it checks one property the parser must keep whatever the
// input: when `E` and `not (E)` both parse and evaluate, their answers are opposite.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "agent/filter/filter_expression.h"

using meshx::agent::FilterExpression;
using meshx::agent::FilterSchema;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxInput = 64 * 1024;

const json& sampleService() {
    static const json j = {{"Kind", "connect-proxy"},
                           {"ID", "web-sidecar-proxy"},
                           {"Service", "web-sidecar-proxy"},
                           {"Tags", {"v1", "primary"}},
                           {"Meta", {{"env", "prod"}, {"team-a", "x"}}},
                           {"Port", 21000},
                           {"Address", ""},
                           {"TaggedAddresses", {{"lan", {{"Address", "10.0.0.1"}, {"Port", 80}}}}},
                           {"Weights", {{"Passing", 1}, {"Warning", 1}}},
                           {"EnableTagOverride", false},
                           {"Proxy",
                            {{"DestinationServiceName", "web"},
                             {"DestinationServiceID", "web"},
                             {"LocalServicePort", 8080},
                             {"Upstreams", {{{"DestinationName", "db"}, {"LocalBindPort", 9191}}}},
                             {"MeshGateway", json::object()},
                             {"Expose", json::object()}}}};
    return j;
}

const json& sampleEntry() {
    static const json j = {{"Node", {{"Node", "n1"}, {"Meta", {{"zone", "a"}}}}},
                           {"Service", {{"Service", "db"}, {"Tags", {"primary"}}, {"Port", 5432}}},
                           {"Checks",
                            {{{"Status", "passing"}, {"ServiceTags", json::array()}},
                             {{"Status", "critical"}, {"ServiceTags", {"primary"}}}}}};
    return j;
}

void check(std::string_view text, const FilterSchema& schema, const json& element) {
    auto filter = FilterExpression::parse(text, schema);
    if (!filter) {
        if (filter.error().message.empty()) {
            std::abort();  // every rejection must explain itself
        }
        return;
    }
    auto matched = filter->matches(element);
    const std::string negatedText = "not (" + std::string(text) + ")";
    auto negated = FilterExpression::parse(negatedText, schema);
    if (!negated || text.empty()) {
        return;  // e.g. the extra level crossed the nesting limit
    }
    auto negatedMatched = negated->matches(element);
    if (matched.ok() != negatedMatched.ok()) {
        std::abort();
    }
    if (matched.ok() && *matched == *negatedMatched) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > kMaxInput) {
        return 0;
    }
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check(text, FilterSchema::agentService(), sampleService());
    check(text, FilterSchema::healthServiceEntry(), sampleEntry());
    check(text, FilterSchema::healthCheck(), sampleEntry()["Checks"][1]);
    return 0;
}
