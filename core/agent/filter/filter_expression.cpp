#include "agent/filter/filter_expression.h"

#include <nlohmann/json.hpp>

#include "agent/filter/filter_ast.h"
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

namespace {

void addRequiredEqual(const detail::FilterNode& node,
                      std::vector<std::pair<std::string, std::string>>& out) {
    if (node.kind != detail::FilterNode::Kind::Match || !node.match) {
        return;
    }
    const detail::MatchExpr& m = *node.match;
    if (m.op != detail::MatchOp::Equal || m.raw.empty() || m.fields.empty() ||
        m.fields.size() != m.selector.size() || m.fields.back() == nullptr ||
        m.fields.back()->type != FilterFieldType::String) {
        return;
    }
    out.emplace_back(detail::joinSelector(m.selector, m.selector.size()), m.raw);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> FilterExpression::requiredEquals() const {
    std::vector<std::pair<std::string, std::string>> out;
    if (!root_) {
        return out;
    }
    if (root_->kind == detail::FilterNode::Kind::And) {
        for (const auto& child : root_->children) {
            addRequiredEqual(*child, out);
        }
    } else {
        addRequiredEqual(*root_, out);
    }
    return out;
}

}  // namespace meshx::agent
