#include "agent/filter/filter_evaluator.h"

#include <nlohmann/json.hpp>
#include <string>

#include "agent/filter/filter_strings.h"

namespace meshx::agent::detail {
namespace {

using nlohmann::json;

const char* typeName(FilterFieldType type) {
    switch (type) {
        case FilterFieldType::String:
            return "string";
        case FilterFieldType::Int:
            return "number";
        case FilterFieldType::Bool:
            return "boolean";
        case FilterFieldType::StringList:
            return "array of strings";
        case FilterFieldType::Map:
            return "object (map)";
        case FilterFieldType::ObjectList:
            return "array of objects";
        case FilterFieldType::Object:
            return "object";
    }
    return "?";
}

Error typeError(const MatchExpr& m, std::size_t depth, const json& value,
                FilterFieldType expected) {
    return makeError(Code::Internal, "Value at selector " +
                                         filter_strings::goQuote(joinSelector(m.selector, depth)) +
                                         " is " + std::string(value.type_name()) + ", expected " +
                                         typeName(expected));
}

// A JSON value or "absent"; null counts as absent everywhere.
const json* present(const json* value) {
    return (value && !value->is_null()) ? value : nullptr;
}

bool equalsInt(const json& value, std::int64_t expected) {
    if (value.is_number_unsigned()) {
        const auto u = value.get<std::uint64_t>();
        return expected >= 0 && u == static_cast<std::uint64_t>(expected);
    }
    if (value.is_number_integer()) {
        return value.get<std::int64_t>() == expected;
    }
    return value.get<double>() == static_cast<double>(expected);
}

// The operator applied where the selector ends. `value` is null for an absent field.
Result<bool> applyLeaf(const MatchExpr& m, const FilterField& field, const json* value) {
    const std::size_t depth = m.selector.size();
    bool result = false;
    switch (field.type) {
        case FilterFieldType::String: {
            static const std::string kEmpty;
            if (value && !value->is_string()) {
                return typeError(m, depth, *value, field.type);
            }
            const std::string& s = value ? value->get_ref<const std::string&>() : kEmpty;
            if (m.op == MatchOp::Equal || m.op == MatchOp::NotEqual) {
                result = s == m.raw;
            } else if (m.op == MatchOp::In || m.op == MatchOp::NotIn) {
                result = s.find(m.raw) != std::string::npos;  // substring, as strings.Contains
            } else {
                result = std::regex_search(s, *m.regex);  // unanchored, as RE2's Match
            }
            break;
        }
        case FilterFieldType::Int:
            if (value && !value->is_number()) {
                return typeError(m, depth, *value, field.type);
            }
            result = value ? equalsInt(*value, m.intValue) : m.intValue == 0;
            break;
        case FilterFieldType::Bool:
            if (value && !value->is_boolean()) {
                return typeError(m, depth, *value, field.type);
            }
            result = (value ? value->get<bool>() : false) == m.boolValue;
            break;
        case FilterFieldType::StringList:
            if (value && !value->is_array()) {
                return typeError(m, depth, *value, field.type);
            }
            if (m.op == MatchOp::IsEmpty || m.op == MatchOp::IsNotEmpty) {
                result = !value || value->empty();
            } else if (value) {
                for (const json& item : *value) {
                    if (!item.is_string()) {
                        return typeError(m, depth, item, FilterFieldType::String);
                    }
                    if (item.get_ref<const std::string&>() == m.raw) {
                        result = true;
                        break;
                    }
                }
            }
            break;
        case FilterFieldType::Map:
            if (value && !value->is_object()) {
                return typeError(m, depth, *value, field.type);
            }
            if (m.op == MatchOp::IsEmpty || m.op == MatchOp::IsNotEmpty) {
                result = !value || value->empty();
            } else {
                result = value && value->contains(m.raw);
            }
            break;
        case FilterFieldType::ObjectList:
            if (value && !value->is_array()) {
                return typeError(m, depth, *value, field.type);
            }
            result = !value || value->empty();  // only is empty / is not empty pass validation
            break;
        case FilterFieldType::Object:
            return makeError(Code::Internal, "no operator applies to an object");
    }
    // Each operator pair shares one test; the second of the pair negates it.
    const bool negated = m.op == MatchOp::NotEqual || m.op == MatchOp::NotIn ||
                         m.op == MatchOp::IsNotEmpty || m.op == MatchOp::NotMatches;
    return negated ? !result : result;
}

Result<bool> walk(const MatchExpr& m, std::size_t i, const json* value, const FilterField& field);

// Selects selector part `i` inside `object` (an Object value or one item of an ObjectList).
Result<bool> stepIntoObject(const MatchExpr& m, std::size_t i, const json& object) {
    const auto it = object.find(m.selector[i]);
    const json* child = it == object.end() ? nullptr : present(&*it);
    return walk(m, i + 1, child, *m.fields[i]);
}

// `value` is the JSON at selector parts [0, i) (null when absent), `field` its schema.
Result<bool> walk(const MatchExpr& m, std::size_t i, const json* value, const FilterField& field) {
    value = present(value);
    if (i == m.selector.size()) {
        return applyLeaf(m, field, value);
    }
    switch (field.type) {
        case FilterFieldType::Object:
            if (!value) {
                return notPresentResult(m.op);
            }
            if (!value->is_object()) {
                return typeError(m, i, *value, field.type);
            }
            return stepIntoObject(m, i, *value);
        case FilterFieldType::ObjectList:
            if (!value) {
                return false;  // "any item" over no items
            }
            if (!value->is_array()) {
                return typeError(m, i, *value, field.type);
            }
            for (const json& item : *value) {
                if (item.is_null()) {
                    continue;
                }
                if (!item.is_object()) {
                    return typeError(m, i, item, FilterFieldType::Object);
                }
                auto r = stepIntoObject(m, i, item);
                if (!r || *r) {
                    return r;
                }
            }
            return false;
        case FilterFieldType::Map: {
            if (value && !value->is_object()) {
                return typeError(m, i, *value, field.type);
            }
            const auto it = value ? value->find(m.selector[i]) : json::const_iterator();
            if (!value || it == value->end()) {
                return notPresentResult(m.op);
            }
            return walk(m, i + 1, &*it, *m.fields[i]);
        }
        default:
            return makeError(Code::Internal, "selector walks into a scalar");
    }
}

}  // namespace

Result<bool> evaluateFilter(const FilterNode& node, const json& element, const FilterField& root) {
    switch (node.kind) {
        case FilterNode::Kind::Match:
            return walk(*node.match, 0, &element, root);
        case FilterNode::Kind::Not: {
            auto r = evaluateFilter(*node.children.front(), element, root);
            return r ? Result<bool>(!*r) : r;
        }
        case FilterNode::Kind::And:
        case FilterNode::Kind::Or: {
            // Short-circuit: `and` stops at the first false, `or` at the first true.
            const bool stopAt = node.kind == FilterNode::Kind::Or;
            for (const auto& child : node.children) {
                auto r = evaluateFilter(*child, element, root);
                if (!r || *r == stopAt) {
                    return r;
                }
            }
            return !stopAt;
        }
    }
    return makeError(Code::Internal, "invalid filter node");
}

}  // namespace meshx::agent::detail
