#include "agent/filter/filter_validator.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "agent/filter/filter_strings.h"

namespace meshx::agent::detail {
namespace {

using filter_strings::goQuote;

constexpr std::size_t kMaxRegexNesting = 100;  // Go's regexp refuses deeper nesting as well
constexpr std::size_t kMaxRepeatCount = 1000;  // RE2's limit for {n,m}

bool operatorAllowed(FilterFieldType type, MatchOp op) {
    switch (type) {
        case FilterFieldType::String:
            return op == MatchOp::Equal || op == MatchOp::NotEqual || op == MatchOp::In ||
                   op == MatchOp::NotIn || op == MatchOp::Matches || op == MatchOp::NotMatches;
        case FilterFieldType::Int:
        case FilterFieldType::Bool:
            return op == MatchOp::Equal || op == MatchOp::NotEqual;
        case FilterFieldType::StringList:
        case FilterFieldType::Map:
            return op == MatchOp::In || op == MatchOp::NotIn || op == MatchOp::IsEmpty ||
                   op == MatchOp::IsNotEmpty;
        case FilterFieldType::ObjectList:
            return op == MatchOp::IsEmpty || op == MatchOp::IsNotEmpty;
        case FilterFieldType::Object:
            return false;
    }
    return false;
}

// Reads "{n}", "{n,}" or "{n,m}" at pattern[i]. `count` receives the largest count it allows
// (n + 1 for an open range: what matters is how many copies the compiler makes) and `end` the
// index past '}'. Every digit run after the brace is bounded even when the brace turns out not
// to be a valid repetition, because libstdc++ parses it into an int without an overflow check.
enum class Repeat { NotARepeat, TooLarge, Ok };

Repeat readRepeat(std::string_view p, std::size_t i, std::size_t& count, std::size_t& end) {
    std::size_t j = i + 1;
    bool tooLarge = false;
    auto number = [&](std::size_t& value) {
        const std::size_t start = j;
        value = 0;
        while (j < p.size() && p[j] >= '0' && p[j] <= '9') {
            if (value > kMaxRepeatCount) {
                tooLarge = true;
            } else {
                value = value * 10 + static_cast<std::size_t>(p[j] - '0');
            }
            ++j;
        }
        tooLarge = tooLarge || value > kMaxRepeatCount;
        return j > start;
    };
    std::size_t low = 0;
    std::size_t high = 0;
    if (!number(low)) {
        return Repeat::NotARepeat;
    }
    high = low;
    if (j < p.size() && p[j] == ',') {
        ++j;
        if (!number(high)) {
            high = low + 1;
        }
    }
    while (j < p.size() && p[j] != '}') {
        ++j;
    }
    end = std::min(p.size(), j + 1);
    if (tooLarge) {
        return Repeat::TooLarge;
    }
    count = std::max(low, high);
    return Repeat::Ok;
}

// `\<digit>` is a back-reference to ECMAScript (RE2 has none). libstdc++ reads the whole digit
// run into an int without an overflow check before refusing it, so refuse it here first.
bool isBackReference(std::string_view p, std::size_t i) {
    return p[i] == '\\' && i + 1 < p.size() && p[i + 1] >= '0' && p[i + 1] <= '9';
}

// Bounds what std::regex would build from `p`: nesting depth, repeat counts and the size after
// counted repetitions are expanded. Returns Go-style reasons.
std::optional<std::string> regexTooComplex(std::string_view p) {
    if (p.size() > kMaxRegexLength) {
        return "expression too large";
    }
    std::vector<std::size_t> groupSize{0};  // running size of every open group
    std::size_t lastAtom = 0;               // size of the atom a quantifier would repeat
    for (std::size_t i = 0; i < p.size();) {
        const char c = p[i];
        std::size_t atom = 1;
        if (c == '\\') {
            if (isBackReference(p, i)) {
                return "invalid escape sequence: `" + std::string(p.substr(i, 2)) + "`";
            }
            i = std::min(p.size(), i + 2);
        } else if (c == '[') {
            std::size_t j = i + 1;
            if (j < p.size() && p[j] == '^') {
                ++j;
            }
            if (j < p.size() && p[j] == ']') {
                ++j;
            }
            while (j < p.size() && p[j] != ']') {
                if (isBackReference(p, j)) {
                    return "invalid escape sequence: `" + std::string(p.substr(j, 2)) + "`";
                }
                j += p[j] == '\\' ? 2 : 1;
            }
            i = std::min(p.size(), j + 1);
        } else if (c == '(') {
            groupSize.push_back(0);
            if (groupSize.size() > kMaxRegexNesting) {
                return "expression nests too deeply";
            }
            lastAtom = 0;
            ++i;
            continue;
        } else if (c == ')') {
            if (groupSize.size() > 1) {
                atom = std::max<std::size_t>(groupSize.back(), 1);
                groupSize.pop_back();
            }
            ++i;
        } else if (c == '{') {
            std::size_t count = 0;
            std::size_t end = 0;
            const Repeat repeat = readRepeat(p, i, count, end);
            if (repeat == Repeat::TooLarge) {
                return "invalid repeat count: `" + std::string(p.substr(i, end - i)) + "`";
            }
            if (repeat == Repeat::Ok) {
                groupSize.back() += lastAtom * (count > 0 ? count - 1 : 0);
                lastAtom *= std::max<std::size_t>(count, 1);
                if (groupSize.back() > kMaxRegexSize) {
                    return "expression too large";
                }
                i = end;
                continue;
            }
            ++i;
        } else if (c == '*' || c == '+' || c == '?' || c == '|') {
            ++i;
            continue;
        } else {
            ++i;
        }
        groupSize.back() += atom;
        lastAtom = atom;
        if (groupSize.back() > kMaxRegexSize) {
            return "expression too large";
        }
    }
    return std::nullopt;
}

Status validateMatch(MatchExpr& match, const FilterSchema& schema) {
    // Only error messages need the printed selector.
    const auto selector = [&] { return joinSelector(match.selector, match.selector.size()); };
    const FilterField* current = &schema.root();
    match.fields.clear();
    for (std::size_t i = 0; i < match.selector.size(); ++i) {
        const FilterField* child = nullptr;
        switch (current->type) {
            case FilterFieldType::Object:
            case FilterFieldType::ObjectList:
                child = current->field(match.selector[i]);
                break;
            case FilterFieldType::Map:
                child = current->mapValue.get();
                break;
            default:
                break;
        }
        if (!child) {
            return makeError(
                Code::InvalidArgument,
                "Selector " + goQuote(joinSelector(match.selector, i + 1)) + " is not valid");
        }
        match.fields.push_back(child);
        current = child;
    }
    if (!operatorAllowed(current->type, match.op)) {
        return makeError(Code::InvalidArgument, "Invalid match operator " +
                                                    goQuote(matchOpName(match.op)) +
                                                    " for selector " + goQuote(selector()));
    }
    if (!match.hasValue) {
        return {};
    }
    std::string coerceError;
    if (current->type == FilterFieldType::Int) {
        const auto value = filter_strings::parseGoInt(match.raw, coerceError);
        if (!value) {
            return makeError(Code::InvalidArgument, "Failed to coerce value " + goQuote(match.raw) +
                                                        " for selector " + goQuote(selector()) +
                                                        ": " + coerceError);
        }
        match.intValue = *value;
    } else if (current->type == FilterFieldType::Bool) {
        const auto value = filter_strings::parseGoBool(match.raw, coerceError);
        if (!value) {
            return makeError(Code::InvalidArgument, "Failed to coerce value " + goQuote(match.raw) +
                                                        " for selector " + goQuote(selector()) +
                                                        ": " + coerceError);
        }
        match.boolValue = *value;
    }
    if (match.op == MatchOp::Matches || match.op == MatchOp::NotMatches) {
        auto regex = compileFilterRegex(match.raw);
        if (!regex) {
            return regex.error();
        }
        match.regex = std::move(*regex);
    }
    return {};
}

Status validateNode(FilterNode& node, const FilterSchema& schema) {
    if (node.kind == FilterNode::Kind::Match) {
        return validateMatch(*node.match, schema);
    }
    for (auto& child : node.children) {
        if (Status st = validateNode(*child, schema); !st) {
            return st;
        }
    }
    return {};
}

}  // namespace

Status validateFilter(FilterNode& root, const FilterSchema& schema) {
    return validateNode(root, schema);
}

Result<std::shared_ptr<const std::regex>> compileFilterRegex(std::string_view pattern) {
    const auto failed = [&](const std::string& reason) -> Error {
        return makeError(Code::InvalidArgument, "Failed to compile regular expression " +
                                                    goQuote(pattern) +
                                                    ": error parsing regexp: " + reason);
    };
    if (auto reason = regexTooComplex(pattern)) {
        return failed(*reason);
    }
    auto flags = std::regex::ECMAScript;
#ifdef __GLIBCXX__
    flags |= std::regex_constants::__polynomial;  // breadth-first matcher, no back-references
#endif
    try {
        return std::make_shared<const std::regex>(pattern.begin(), pattern.end(), flags);
    } catch (const std::regex_error& e) {
        return failed(e.what());
    }
}

}  // namespace meshx::agent::detail
