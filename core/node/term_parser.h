#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace meshx::node {

// Erlang term text -> external term format (the bytes term_to_binary/1 makes, version byte
// 131 first), encoded with erl_interface's ei_x_encode_* functions.
//
// Accepted, as Erlang writes them:
//   atoms         ok  'hello world'  a@b              integers   42  -7  16#ff  2#101  1_000  $a
//   big integers  123456789012345678901234567890      floats     1.5  -2.0e-3
//   strings       "abc" "de" (adjacent ones join; a list of character codes, as in Erlang)
//   binaries      <<"abc">>  <<1,2,3>>  <<"héllo"/utf8>>  <<>>
//   tuples {a,1}  lists [1,2|T-less tails like [a|b]]  maps #{k => v}
// plus `%` comments and one optional trailing '.'. Text is UTF-8.
// Not terms, so refused: variables, pids/refs/funs, expressions (`1+2`).
//
// Malformed text is a ParseError naming line, column and what was expected there:
//   "malformed term at line 1, column 7: expected ',' or ']', found '}'"
// Pure; any thread.
class TermParser {
  public:
    static Result<std::string> parse(std::string_view text);
};

}  // namespace meshx::node
