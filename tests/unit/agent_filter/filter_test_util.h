#pragma once

// Shared helpers for the filter tests: load fixtures, run an expression against an element.

#include <QFile>
#include <QString>
#include <nlohmann/json.hpp>
#include <string>

#include "agent/filter/filter_expression.h"

namespace filter_test {

inline nlohmann::json loadFixture(const char* name) {
    QFile file(QStringLiteral(MESHX_TEST_DATA_DIR "/consul/") + QString::fromLatin1(name));
    if (!file.open(QIODevice::ReadOnly)) {
        return nullptr;
    }
    return nlohmann::json::parse(file.readAll().toStdString(), nullptr, false);
}

struct Outcome {
    bool ok = false;       // parsed, validated and evaluated
    bool matched = false;  // the answer when ok
    std::string error;     // the message otherwise
};

inline Outcome run(const meshx::agent::FilterSchema& schema, const std::string& expression,
                   const nlohmann::json& element) {
    auto filter = meshx::agent::FilterExpression::parse(expression, schema);
    if (!filter) {
        return {false, false, filter.error().message};
    }
    auto matched = filter->matches(element);
    if (!matched) {
        return {false, false, matched.error().message};
    }
    return {true, *matched, {}};
}

}  // namespace filter_test
