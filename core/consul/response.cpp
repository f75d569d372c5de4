#include "consul/response.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace meshx::consul {

namespace {
bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}
}  // namespace

std::string Response::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (equalsIgnoreCase(key, name)) {
            return value;
        }
    }
    return {};
}

Result<nlohmann::json> Response::json() const {
    auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
        // The body is not quoted: it may be large, and error text must stay free of payloads.
        return makeError(Code::ParseError, "agent reply (HTTP " + std::to_string(status) + ", " +
                                               std::to_string(body.size()) +
                                               " bytes) is not valid JSON");
    }
    return parsed;
}

}  // namespace meshx::consul
