#include "agent/go_json_decoder.h"

#include <cctype>
#include <cstdint>
#include <cstdio>

#include "agent/go_duration.h"

namespace meshx::agent {

namespace {

// Go's quoteChar: the offending byte in single quotes.
std::string quoteChar(unsigned char c) {
    if (c == '\'') {
        return "'\\''";
    }
    if (c == '"') {
        return "'\"'";
    }
    std::string q = goQuote(std::string(1, static_cast<char>(c)));
    return "'" + q.substr(1, q.size() - 2) + "'";
}

// A minimal copy of Go's JSON scanner: finds the end of the first value and reports the first
// syntax error with Go's wording.
class Scanner {
  public:
    explicit Scanner(std::string_view text) : s_(text) {}

    // Returns the end offset of the first value, or sets error_.
    size_t scan() {
        skipWs();
        if (pos_ >= s_.size()) {
            error_ = "EOF";
            return 0;
        }
        value(0);
        return pos_;
    }
    const std::string& error() const { return error_; }

  private:
    bool failed() const { return !error_.empty(); }
    void fail(const char* context) {
        if (failed()) {
            return;
        }
        if (pos_ >= s_.size()) {
            error_ = "unexpected EOF";
        } else {
            error_ = "invalid character " + quoteChar(static_cast<unsigned char>(s_[pos_])) + " " +
                     context;
        }
    }
    void skipWs() {
        while (pos_ < s_.size() &&
               (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
            ++pos_;
        }
    }
    bool at(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
    bool digitAt() const { return pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; }

    void value(int depth) {
        if (depth > 1000) {
            error_ = "exceeded max depth";
            return;
        }
        skipWs();
        if (pos_ >= s_.size()) {
            fail("");
            return;
        }
        const char c = s_[pos_];
        if (c == '{') {
            object(depth);
        } else if (c == '[') {
            array(depth);
        } else if (c == '"') {
            string();
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            number();
        } else if (c == 't') {
            literal("true");
        } else if (c == 'f') {
            literal("false");
        } else if (c == 'n') {
            literal("null");
        } else {
            fail("looking for beginning of value");
        }
    }
    void object(int depth) {
        ++pos_;
        skipWs();
        if (at('}')) {
            ++pos_;
            return;
        }
        while (!failed()) {
            skipWs();
            if (!at('"')) {
                fail("looking for beginning of object key string");
                return;
            }
            string();
            if (failed()) {
                return;
            }
            skipWs();
            if (!at(':')) {
                fail("after object key");
                return;
            }
            ++pos_;
            value(depth + 1);
            if (failed()) {
                return;
            }
            skipWs();
            if (at(',')) {
                ++pos_;
                continue;
            }
            if (at('}')) {
                ++pos_;
                return;
            }
            fail("after object key:value pair");
        }
    }
    void array(int depth) {
        ++pos_;
        skipWs();
        if (at(']')) {
            ++pos_;
            return;
        }
        while (!failed()) {
            value(depth + 1);
            if (failed()) {
                return;
            }
            skipWs();
            if (at(',')) {
                ++pos_;
                continue;
            }
            if (at(']')) {
                ++pos_;
                return;
            }
            fail("after array element");
        }
    }
    void string() {
        ++pos_;
        while (pos_ < s_.size()) {
            const auto c = static_cast<unsigned char>(s_[pos_]);
            if (c == '"') {
                ++pos_;
                return;
            }
            if (c < 0x20) {
                fail("in string literal");
                return;
            }
            if (c == '\\') {
                ++pos_;
                if (pos_ >= s_.size()) {
                    break;
                }
                const char e = s_[pos_];
                if (e == 'u') {
                    for (int i = 0; i < 4; ++i) {
                        ++pos_;
                        if (pos_ >= s_.size()) {
                            fail("");
                            return;
                        }
                        if (!std::isxdigit(static_cast<unsigned char>(s_[pos_]))) {
                            fail("in \\u hexadecimal character escape");
                            return;
                        }
                    }
                } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
                    fail("in string escape code");
                    return;
                }
            }
            ++pos_;
        }
        fail("");
    }
    void number() {
        if (at('-')) {
            ++pos_;
            if (!digitAt()) {
                fail("in numeric literal");
                return;
            }
        }
        if (at('0')) {
            ++pos_;
        } else {
            while (digitAt()) {
                ++pos_;
            }
        }
        if (at('.')) {
            ++pos_;
            if (!digitAt()) {
                fail("after decimal point in numeric literal");
                return;
            }
            while (digitAt()) {
                ++pos_;
            }
        }
        if (at('e') || at('E')) {
            ++pos_;
            if (at('+') || at('-')) {
                ++pos_;
            }
            if (!digitAt()) {
                fail("in exponent of numeric literal");
                return;
            }
            while (digitAt()) {
                ++pos_;
            }
        }
    }
    void literal(std::string_view word) {
        for (size_t i = 0; i < word.size(); ++i, ++pos_) {
            if (pos_ >= s_.size()) {
                fail("");
                return;
            }
            if (s_[pos_] != word[i]) {
                const std::string ctx = "in literal " + std::string(word) + " (expecting " +
                                        quoteChar(static_cast<unsigned char>(word[i])) + ")";
                fail(ctx.c_str());
                return;
            }
        }
    }

    std::string_view s_;
    size_t pos_ = 0;
    std::string error_;
};

bool equalFold(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

}  // namespace

Result<IJson> parseGoJsonBody(std::string_view body) {
    Scanner scanner(body);
    const size_t end = scanner.scan();
    if (!scanner.error().empty()) {
        return makeError(Code::ParseError, scanner.error());
    }
    try {
        return IJson::parse(body.substr(0, end));
    } catch (const nlohmann::json::exception&) {
        // Syntax is valid per Go's scanner; what is left is bad UTF-8, which Go would replace.
        return makeError(Code::ParseError, "invalid UTF-8 in string");
    }
}

std::string goJsonKind(const IJson& value) {
    if (value.is_string()) {
        return "string";
    }
    if (value.is_number()) {
        return "number";
    }
    if (value.is_boolean()) {
        return "bool";
    }
    if (value.is_array()) {
        return "array";
    }
    return "object";
}

GoObjectReader::GoObjectReader(const IJson& value, std::string typeName, std::string structName,
                               std::string path, std::initializer_list<std::string_view> fields)
    : typeName_(std::move(typeName)), structName_(std::move(structName)), path_(std::move(path)) {
    if (!value.is_object()) {
        if (path_.empty()) {
            throw DecodeError("json: cannot unmarshal " + goJsonKind(value) +
                              " into Go value of type " + typeName_);
        }
        throw DecodeError("json: cannot unmarshal " + goJsonKind(value) + " into Go struct field " +
                          structName_ + "." + path_ + " of type " + typeName_);
    }
    for (auto it = value.begin(); it != value.end(); ++it) {
        const std::string& key = it.key();
        std::string_view match;
        for (std::string_view f : fields) {
            if (f == key) {
                match = f;
                break;
            }
        }
        if (match.empty()) {
            for (std::string_view f : fields) {
                if (equalFold(f, key)) {
                    match = f;
                    break;
                }
            }
        }
        if (match.empty()) {
            throw DecodeError("json: unknown field " + goQuote(key));
        }
        if (it.value().is_null()) {
            continue;
        }
        // Go: a later duplicate (in any case) overwrites the earlier value.
        values_[std::string(match)] = &it.value();
    }
}

const IJson* GoObjectReader::get(std::string_view field) const {
    auto it = values_.find(field);
    return it == values_.end() ? nullptr : it->second;
}

std::string GoObjectReader::fieldPath(std::string_view field) const {
    return path_.empty() ? std::string(field) : path_ + "." + std::string(field);
}

void GoObjectReader::typeError(const IJson& value, std::string_view field,
                               std::string_view goType) const {
    std::string kind = goJsonKind(value);
    if (value.is_number() && goType != "string") {
        kind += " " + value.dump();
    }
    throw DecodeError("json: cannot unmarshal " + kind + " into Go struct field " + structName_ +
                      "." + fieldPath(field) + " of type " + std::string(goType));
}

std::optional<std::string> GoObjectReader::str(std::string_view field) const {
    const IJson* v = get(field);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_string()) {
        typeError(*v, field, "string");
    }
    return v->get<std::string>();
}

std::optional<int64_t> GoObjectReader::integer(std::string_view field,
                                               std::string_view goType) const {
    const IJson* v = get(field);
    if (v == nullptr) {
        return std::nullopt;
    }
    // Go's int is 64 bits: 9223372036854775808 and up do not fit (nlohmann keeps them unsigned).
    if (v->is_number_integer() &&
        !(v->is_number_unsigned() && v->get<uint64_t>() > uint64_t{INT64_MAX})) {
        return v->get<int64_t>();
    }
    typeError(*v, field, goType);
}

std::optional<bool> GoObjectReader::boolean(std::string_view field) const {
    const IJson* v = get(field);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_boolean()) {
        typeError(*v, field, "bool");
    }
    return v->get<bool>();
}

std::optional<std::vector<std::string>> GoObjectReader::strings(std::string_view field) const {
    const IJson* v = get(field);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_array()) {
        typeError(*v, field, "[]string");
    }
    std::vector<std::string> out;
    for (const auto& item : *v) {
        if (item.is_null()) {
            out.emplace_back();
            continue;
        }
        if (!item.is_string()) {
            typeError(item, field, "string");
        }
        out.push_back(item.get<std::string>());
    }
    return out;
}

std::optional<std::map<std::string, std::string>> GoObjectReader::stringMap(
    std::string_view field) const {
    const IJson* v = get(field);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_object()) {
        typeError(*v, field, "map[string]string");
    }
    std::map<std::string, std::string> out;
    for (auto it = v->begin(); it != v->end(); ++it) {
        if (it.value().is_null()) {
            out[it.key()] = "";
            continue;
        }
        if (!it.value().is_string()) {
            typeError(it.value(), field, "string");
        }
        out[it.key()] = it.value().get<std::string>();
    }
    return out;
}

std::optional<std::chrono::nanoseconds> GoObjectReader::duration(std::string_view field) const {
    const IJson* v = get(field);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (v->is_number()) {
        // Out of int64's range (1e300) the cast is undefined: refuse it as a type error.
        const double ns = v->get<double>();
        if (!(ns >= -9223372036854775808.0 && ns < 9223372036854775808.0)) {
            typeError(*v, field, "time.Duration");
        }
        return std::chrono::nanoseconds{static_cast<int64_t>(ns)};
    }
    if (v->is_string()) {
        auto d = parseGoDuration(v->get<std::string>());
        if (!d) {
            throw DecodeError(d.error().message);
        }
        return *d;
    }
    typeError(*v, field, "time.Duration");
}

const IJson* GoObjectReader::object(std::string_view field, std::string_view goType) const {
    const IJson* v = get(field);
    if (v != nullptr && !v->is_object()) {
        typeError(*v, field, goType);
    }
    return v;
}

const IJson* GoObjectReader::array(std::string_view field, std::string_view goType) const {
    const IJson* v = get(field);
    if (v != nullptr && !v->is_array()) {
        typeError(*v, field, goType);
    }
    return v;
}

GoObjectReader GoObjectReader::nested(const IJson& value, std::string_view field,
                                      std::string structName,
                                      std::initializer_list<std::string_view> fields) const {
    if (!value.is_object()) {
        typeError(value, field, structName);
    }
    return GoObjectReader(value, typeName_, structName_, fieldPath(field), fields);
}

}  // namespace meshx::agent
