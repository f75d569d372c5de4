// `meshx template render --template FILE|JSON --hash JSON`

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "template/template_renderer.h"

namespace meshx::cli {

namespace {

constexpr const char* kTemplateUsage =
    "Usage: meshx template render --template FILE|JSON --hash JSON\n"
    "  --template  a JSON template, inline or a file path\n"
    "  --hash      a JSON object whose keys the template's {{name}} and {{$name$}} tags use\n";

int usageError(const std::string& message) {
    std::fprintf(stderr, "meshx template: %s\n", message.c_str());
    return 2;
}

// Inline JSON starts with one of these; anything else is taken as a file path.
bool looksInline(const std::string& s) {
    auto first = s.find_first_not_of(" \t\r\n");
    return first != std::string::npos && std::string("{[\"").find(s[first]) != std::string::npos;
}

}  // namespace

int templateCommand(const std::vector<std::string>& args) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        std::fputs(kTemplateUsage, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    if (args[0] != "render") {
        return usageError("unknown subcommand '" + args[0] + "' (only 'render')");
    }
    std::string templateArg;
    std::string hashArg = "{}";
    for (size_t i = 1; i < args.size(); ++i) {
        if ((args[i] == "--template" || args[i] == "--hash") && i + 1 < args.size()) {
            (args[i] == "--template" ? templateArg : hashArg) = args[i + 1];
            ++i;
        } else if (args[i] == "--help") {
            std::fputs(kTemplateUsage, stdout);
            return 0;
        } else {
            return usageError("unexpected argument '" + args[i] + "'");
        }
    }
    if (templateArg.empty()) {
        return usageError("--template is required");
    }
    std::string templateText = templateArg;
    if (!looksInline(templateArg)) {
        std::ifstream in(templateArg);
        if (!in) {
            return usageError("cannot read template file '" + templateArg + "'");
        }
        std::stringstream ss;
        ss << in.rdbuf();
        templateText = ss.str();
    }
    auto tmpl = tmpl::TemplateRenderer::parseJson(templateText);
    if (!tmpl) {
        return usageError(tmpl.error().toString());
    }
    auto hash = tmpl::TemplateRenderer::parseJson(hashArg);
    if (!hash || !hash->is_object()) {
        return usageError("--hash must be a JSON object");
    }
    auto out = tmpl::TemplateRenderer(*hash).render(*tmpl);
    if (!out) {
        return usageError(out.error().toString());
    }
    std::printf("%s\n", out->dump().c_str());
    return 0;
}

}  // namespace meshx::cli
