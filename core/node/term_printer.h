#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace meshx::node {

// External term format -> Erlang syntax on one line, as io:format("~p") prints a term that fits
// a line: `{ok,[1,2]}`, `#{a => 1}`, `"text"` for printable latin-1 char lists, `<<"abc">>`,
// `<<"héllo"/utf8>>`, `'quoted atom'`, floats in Erlang's shortest round-trip form (`1.0e-5`).
// The text parses back with TermParser to the same term (pids, refs, ports and funs excepted).
//
// Pids, ports and refs of `homeNode` (the node that answered an rpc) print as that node prints
// its own: `<0.85.0>`; those of other nodes print as erl_interface does: `<node@host.85.0>`.
//
// Input must be a whole term, with or without the leading version byte 131; an unknown tag, a
// truncated term or nesting deeper than 1000 levels is a ProtocolError. The bytes come from a
// peer that passed the cookie handshake or from TermParser (ei's decoders trust their input).
// Pure; any thread.
class TermPrinter {
  public:
    static Result<std::string> print(std::string_view external, std::string_view homeNode = {});

    // `1.5`, `100.0`, `1.0e-5`, `1.2345678901234568e17`: Erlang/OTP 25's float printing.
    static std::string formatFloat(double value);

    // `ok`, `'Hello'`, `'receive'`, `'it\'s'` -> with Erlang's quoting rules (UTF-8 in and out).
    static std::string quoteAtom(std::string_view utf8);
};

}  // namespace meshx::node
