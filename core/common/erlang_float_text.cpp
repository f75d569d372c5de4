#include "common/erlang_float_text.h"

#include <charconv>
#include <string_view>
#include <system_error>

namespace meshx {

std::optional<double> parseFloatExtText(const char* text) {
    std::string_view digits(text, kFloatExtTextSize);
    digits = digits.substr(0, digits.find('\0'));
    // sscanf's "%lf", which Erlang's own decoder uses, skips leading blanks.
    while (!digits.empty() && (digits.front() == ' ' || digits.front() == '\t'))
        digits.remove_prefix(1);
    double value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end == digits.data())
        return std::nullopt;
    return value;
}

}  // namespace meshx
