#include "template/mustache_scanner.h"

#include <vector>

namespace meshx::tmpl {

namespace {

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r\n");
    auto e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

Error templateError(const std::string& text, const std::string& why) {
    std::string shown = text.size() > 60 ? text.substr(0, 57) + "..." : text;
    return makeError(Code::TemplateError, why + " in template \"" + shown + "\"");
}

}  // namespace

Result<MustacheScan> scanMustache(const std::string& text) {
    MustacheScan scan;
    std::vector<std::string> sections;
    size_t pos = 0;
    while (true) {
        size_t open = text.find("{{", pos);
        size_t strayClose = text.find("}}", pos);
        if (strayClose != std::string::npos && (open == std::string::npos || strayClose < open)) {
            return templateError(text, "'}}' without a matching '{{'");
        }
        if (open == std::string::npos) {
            break;
        }
        bool triple = text.compare(open, 3, "{{{") == 0;
        std::string closer = triple ? "}}}" : "}}";
        size_t close = text.find(closer, open + (triple ? 3 : 2));
        if (close == std::string::npos) {
            return templateError(text, "unclosed tag '" + text.substr(open, 12) + "'");
        }
        std::string body = text.substr(open + (triple ? 3 : 2), close - open - (triple ? 3 : 2));
        pos = close + closer.size();
        char sigil = body.empty() ? '\0' : body.front();
        if (sigil == '!') {
            continue;  // comment
        }
        if (sigil == '=' || sigil == '>') {
            return templateError(text, "delimiter changes and partials are not supported");
        }
        std::string name =
            trim(triple                                                           ? body
                 : (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '&') ? body.substr(1)
                                                                                  : body);
        if (name.empty()) {
            return templateError(text, "empty tag");
        }
        if (sigil == '#' || sigil == '^') {
            sections.push_back(name);
        } else if (sigil == '/' && !triple) {
            if (sections.empty() || sections.back() != name) {
                return templateError(text, "section close '" + name + "' does not match" +
                                               (sections.empty() ? std::string(" any open section")
                                                                 : " '" + sections.back() + "'"));
            }
            sections.pop_back();
            continue;
        }
        if (name != ".") {
            scan.names.insert(name);
        }
    }
    if (!sections.empty()) {
        return templateError(text, "section '" + sections.back() + "' is not closed");
    }
    return scan;
}

}  // namespace meshx::tmpl
