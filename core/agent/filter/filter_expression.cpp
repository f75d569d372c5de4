#include "agent/filter/filter_expression.h"

#include <nlohmann/json.hpp>

#include "agent/filter/filter_evaluator.h"
#include "agent/filter/filter_parser.h"
#include "agent/filter/filter_validator.h"

namespace meshx::agent {

Result<FilterExpression> FilterExpression::parse(std::string_view text,
                                                 const FilterSchema& schema) {
    FilterExpression expression;
    expression.text_ = std::string(text);
    if (text.empty()) {
        return expression;
    }
    auto tree = detail::parseFilter(text);
    if (!tree) {
        return tree.error();
    }
    if (Status st = detail::validateFilter(**tree, schema); !st) {
        return st.error();
    }
    expression.root_ = std::shared_ptr<const detail::FilterNode>(std::move(*tree));
    expression.schemaRoot_ = schema.rootPtr();
    return expression;
}

Result<bool> FilterExpression::matches(const nlohmann::json& element) const {
    if (!root_) {
        return true;
    }
    return detail::evaluateFilter(*root_, element, *schemaRoot_);
}

}  // namespace meshx::agent
