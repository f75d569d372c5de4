#pragma once

#include <string_view>

#include "common/result.h"

namespace meshx::node {

// How deep TermPrinter (and so any term from a peer) may nest.
inline constexpr int kMaxTermDepth = 1000;

// erl_interface's ei_decode_* functions have no end-of-buffer parameter: they trust every length
// inside a term. Bytes from a peer (or anything not made by TermParser) are walked here first:
// every tag, length, arity and nested atom must fit in the bytes, nesting is bounded, and only
// the tags TermPrinter prints are accepted.
//
//   [131] Term      exactly one term, with or without the version byte, nothing after it
//
// ProtocolError naming what broke ("truncated", "unsupported tag 117", "trailing bytes"...).
// Pure; any thread.
Status checkExternalTerm(std::string_view external, int maxDepth);

}  // namespace meshx::node
