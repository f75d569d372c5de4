#include "agent/go_json.h"

namespace meshx::agent {

std::string encodeGoJson(const OJson& value, bool pretty) {
    const std::string raw =
        value.dump(pretty ? 4 : -1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string out;
    out.reserve(raw.size() + 16);
    for (size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        // These characters only ever occur inside strings in JSON text, so a plain scan is safe.
        if (c == '<') {
            out += "\\u003c";
        } else if (c == '>') {
            out += "\\u003e";
        } else if (c == '&') {
            out += "\\u0026";
        } else if (c == '\xe2' && i + 2 < raw.size() && raw[i + 1] == '\x80' &&
                   (raw[i + 2] == '\xa8' || raw[i + 2] == '\xa9')) {
            out += raw[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else {
            out += c;
        }
    }
    if (pretty) {
        out += '\n';
    }
    return out;
}

}  // namespace meshx::agent
