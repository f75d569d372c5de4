#include "agent/filter/filter_ast.h"

namespace meshx::agent::detail {

std::string_view matchOpName(MatchOp op) {
    switch (op) {
        case MatchOp::Equal:
            return "Equal";
        case MatchOp::NotEqual:
            return "Not Equal";
        case MatchOp::In:
            return "In";
        case MatchOp::NotIn:
            return "Not In";
        case MatchOp::IsEmpty:
            return "Is Empty";
        case MatchOp::IsNotEmpty:
            return "Is Not Empty";
        case MatchOp::Matches:
            return "Matches";
        case MatchOp::NotMatches:
            return "Not Matches";
    }
    return "UNKNOWN";
}

bool notPresentResult(MatchOp op) {
    switch (op) {
        case MatchOp::NotEqual:
        case MatchOp::NotIn:
        case MatchOp::IsEmpty:
        case MatchOp::NotMatches:
            return true;
        case MatchOp::Equal:
        case MatchOp::In:
        case MatchOp::IsNotEmpty:
        case MatchOp::Matches:
            return false;
    }
    return false;
}

std::string joinSelector(const std::vector<std::string>& parts, std::size_t count) {
    std::string out;
    for (std::size_t i = 0; i < count && i < parts.size(); ++i) {
        if (i > 0) {
            out += '.';
        }
        out += parts[i];
    }
    return out;
}

}  // namespace meshx::agent::detail
