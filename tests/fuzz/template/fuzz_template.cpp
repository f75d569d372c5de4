// libFuzzer entry point for service templates and their hashes (core/template): the JSON parse
// of a template, the structured render (typed `{{$key$}}` leaves, sections, misses), plain string
// and argv renders, and the Mustache tag scanner under them.
//
// Input: the hash as JSON on the first line (anything that is not an object counts as `{}`, as
// TemplateRenderer does), the template text after it.
//
// Beyond "no crash, no UB, no leak" it checks the promises of template_renderer.h: every error
// explains itself, and a rendered structured template serialises to JSON that parses back equal
// whatever the hash values hold.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "template/template_renderer.h"

using meshx::tmpl::TemplateRenderer;
using nlohmann::json;

namespace {

// Mustache sections over lists multiply the work; this keeps one input's cost bounded.
constexpr std::size_t kMaxInput = 4 * 1024;

template <typename T>
void requireReason(const meshx::Result<T>& r) {
    if (!r && r.error().message.empty()) {
        std::abort();
    }
}

std::vector<std::string> splitLines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = text.find('\n', start);
        lines.push_back(text.substr(start, end == std::string::npos ? end : end - start));
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > kMaxInput) {
        return 0;
    }
    const std::string input(reinterpret_cast<const char*>(data), size);
    const std::size_t newline = input.find('\n');
    const std::string hashText = input.substr(0, newline);
    const std::string templateText =
        newline == std::string::npos ? std::string() : input.substr(newline + 1);

    auto hash = TemplateRenderer::parseJson(hashText);
    requireReason(hash);
    const TemplateRenderer renderer(hash ? *hash : json::object());

    auto structured = TemplateRenderer::parseJson(templateText);
    requireReason(structured);
    if (structured) {
        auto rendered = renderer.render(*structured);
        requireReason(rendered);
        if (rendered && json::parse(rendered->dump()) != *rendered) {
            std::abort();
        }
    }
    requireReason(renderer.renderString(templateText));
    requireReason(renderer.renderArgv(splitLines(templateText)));
    return 0;
}
