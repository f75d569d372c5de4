#pragma once

#include <set>
#include <string>

#include "common/result.h"

namespace meshx::tmpl {

// The names a Mustache template looks up, found by scanning its tags, plus a structural check
// (balanced `{{`/`}}`, sections closed in order). mstch itself neither reports unclosed sections
// nor names it cannot resolve, so we find both here, before rendering.
struct MustacheScan {
    std::set<std::string> names;  // dotted names as written: "name", "proxy.port"
};

Result<MustacheScan> scanMustache(const std::string& text);

}  // namespace meshx::tmpl
