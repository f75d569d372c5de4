// libFuzzer entry point for Erlang term text (TermParser: what `meshx node call` and the console
// read as arguments) and for printing the encoded term back (TermPrinter).
//
// Beyond "no crash, no UB, no leak" it checks the promise of term_printer.h: a parsed term
// prints, and the printed text parses back to the same external term format bytes.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "node/term_parser.h"
#include "node/term_printer.h"

using meshx::node::TermParser;
using meshx::node::TermPrinter;

namespace {

constexpr std::size_t kMaxInput = 16 * 1024;

// Bytes as C escapes, for the failure message.
std::string visible(std::string_view bytes) {
    std::string out;
    for (const char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f && u != '\\') {
            out += c;
        } else {
            char esc[5];
            std::snprintf(esc, sizeof esc, "\\x%02x", u);
            out += esc;
        }
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > kMaxInput) {
        return 0;
    }
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = TermParser::parse(text);
    if (!parsed) {
        if (parsed.error().message.empty()) {
            std::abort();
        }
        return 0;
    }
    const auto printed = TermPrinter::print(*parsed);
    if (!printed) {
        // The parser's own output must be a term the printer reads.
        std::fprintf(stderr, "cannot print a parsed term: %s\n", printed.error().message.c_str());
        std::abort();
    }
    const auto again = TermParser::parse(*printed);
    if (!again || *again != *parsed) {
        std::fprintf(stderr, "%s printed as %s, which %s\n", visible(text).c_str(),
                     visible(*printed).c_str(),
                     again ? "parses to a different term" : again.error().message.c_str());
        std::abort();
    }
    return 0;
}
