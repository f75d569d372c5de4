#include "template/template_renderer.h"

#include <mutex>
#include <regex>

#include <mstch/mstch.hpp>

#include "template/mustache_scanner.h"

namespace meshx::tmpl {

namespace {

using nlohmann::json;

// mstch's escape function and our miss list are process-wide; one render at a time.
std::mutex& renderMutex() {
    static std::mutex m;
    return m;
}

mstch::node toNode(const json& v) {
    switch (v.type()) {
        case json::value_t::null:
            return nullptr;
        case json::value_t::boolean:
            return v.get<bool>();
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
            if (v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max()) {
                return v.get<int>();
            }
            return v.dump();
        case json::value_t::number_float:
            return v.dump();  // shortest round-trip form, not std::to_string's "1.500000"
        case json::value_t::string:
            return v.get<std::string>();
        case json::value_t::array: {
            mstch::array a;
            for (const auto& item : v) {
                a.push_back(toNode(item));
            }
            return a;
        }
        case json::value_t::object: {
            mstch::map m;
            for (const auto& [k, item] : v.items()) {
                m.emplace(k, toNode(item));
            }
            return m;
        }
        default:
            return nullptr;
    }
}

// "{{$ key $}}" -> "key"; empty when the text is not exactly one typed tag.
std::string typedKey(const std::string& text) {
    static const std::regex exact(R"(^\{\{\s*\$\s*([^${}\s]+)\s*\$\s*\}\}$)");
    std::smatch m;
    return std::regex_match(text, m, exact) ? m[1].str() : std::string();
}

// Looks up a dotted name ("a.b.c") in the hash; nullptr when any step is missing.
const json* lookup(const json& hash, const std::string& dotted) {
    const json* cur = &hash;
    size_t start = 0;
    while (true) {
        size_t dot = dotted.find('.', start);
        std::string part = dotted.substr(start, dot == std::string::npos ? dot : dot - start);
        if (!cur->is_object() || !cur->contains(part)) {
            return nullptr;
        }
        cur = &(*cur)[part];
        if (dot == std::string::npos) {
            return cur;
        }
        start = dot + 1;
    }
}

std::string firstComponent(const std::string& dotted) {
    return dotted.substr(0, dotted.find('.'));
}

}  // namespace

TemplateRenderer::TemplateRenderer(json hash) : hash_(std::move(hash)) {
    if (!hash_.is_object()) {
        hash_ = json::object();
    }
}

Result<std::string> TemplateRenderer::renderString(const std::string& tmpl) const {
    // `{{$key$}}` inside a longer string is plain text substitution.
    static const std::regex typedTag(R"(\{\{\s*\$\s*([^${}\s]+)\s*\$\s*\}\})");
    std::string text = std::regex_replace(tmpl, typedTag, "{{$1}}");

    auto scan = scanMustache(text);
    if (!scan) {
        return scan.error();
    }
    if (scan->names.empty()) {
        return text;  // nothing to render: skip mstch entirely
    }

    // Root context = the hash, plus a recording lambda for every name the hash lacks. Mustache
    // searches enclosing sections first and the root last, so a lambda only fires for a name that
    // no context provides: a true miss.
    mstch::node root = toNode(hash_);
    auto& rootMap = boost::get<mstch::map>(root);
    std::vector<std::string> misses;
    for (const auto& name : scan->names) {
        std::string first = firstComponent(name);
        if (!hash_.contains(first)) {
            rootMap.emplace(first, mstch::lambda{[&misses, first]() -> mstch::node {
                                misses.push_back(first);
                                return std::string();
                            }});
        } else if (name != first && lookup(hash_, name) == nullptr && hash_[first].is_object()) {
            return makeError(Code::MissingKey,
                             "template key '" + name + "' is missing from the hash");
        }
    }

    std::lock_guard lock(renderMutex());
    mstch::config::escape = [](const std::string& s) { return s; };
    std::string out;
    try {
        out = mstch::render(text, root);
    } catch (const std::exception& e) {
        return makeError(Code::TemplateError, std::string("mustache: ") + e.what());
    }
    if (!misses.empty()) {
        return makeError(Code::MissingKey,
                         "template key '" + misses.front() + "' is missing from the hash");
    }
    return out;
}

Result<json> TemplateRenderer::renderValue(const json& node, const std::string& where) const {
    if (node.is_string()) {
        const auto& text = node.get_ref<const std::string&>();
        if (auto key = typedKey(text); !key.empty()) {
            const json* value = lookup(hash_, key);
            if (!value) {
                return makeError(Code::MissingKey, "typed key '$" + key + "$' at " + where +
                                                       " is missing from the hash");
            }
            return *value;
        }
        auto s = renderString(text);
        if (!s) {
            return makeError(s.error().code, s.error().message + " at " + where);
        }
        return json(std::move(*s));
    }
    if (node.is_array()) {
        json out = json::array();
        for (size_t i = 0; i < node.size(); ++i) {
            auto v = renderValue(node[i], where + "[" + std::to_string(i) + "]");
            if (!v) {
                return v.error();
            }
            out.push_back(std::move(*v));
        }
        return out;
    }
    if (node.is_object()) {
        json out = json::object();
        for (const auto& [k, item] : node.items()) {
            auto v = renderValue(item, where + "." + k);
            if (!v) {
                return v.error();
            }
            out[k] = std::move(*v);
        }
        return out;
    }
    return node;  // numbers, bools, null pass through
}

Result<json> TemplateRenderer::render(const json& tmpl) const {
    return renderValue(tmpl, "$");
}

Result<std::vector<std::string>> TemplateRenderer::renderArgv(
    const std::vector<std::string>& argv) const {
    std::vector<std::string> out;
    out.reserve(argv.size());
    for (size_t i = 0; i < argv.size(); ++i) {
        auto s = renderString(argv[i]);
        if (!s) {
            return makeError(s.error().code,
                             s.error().message + " in argument " + std::to_string(i));
        }
        out.push_back(std::move(*s));
    }
    return out;
}

Result<json> TemplateRenderer::parseJson(const std::string& text) {
    try {
        return json::parse(text);
    } catch (const json::exception& e) {
        // parse_error, or out_of_range for a number beyond double ("1e400"). Keep the tail of
        // "[json.exception.parse_error.101] parse error at line 1, column 5: ...".
        std::string what = e.what();
        auto tail = what.find("parse error");
        if (tail == std::string::npos && what.find("] ") != std::string::npos) {
            tail = what.find("] ") + 2;
        }
        return makeError(Code::ParseError,
                         "template is not valid JSON: " +
                             (tail == std::string::npos ? what : what.substr(tail)));
    }
}

}  // namespace meshx::tmpl
