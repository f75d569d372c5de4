#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace meshx::node {

// An Erlang term held in the external term format (version byte 131 first), with the name of
// the node it came from so that its pids print the way that node prints them (`<0.85.0>`).
// Made by parsing Erlang-syntax text or from bytes a peer sent. A value type; any thread.
class Term {
  public:
    // The empty list `[]`.
    Term();

    // Erlang syntax -> term; ParseError names the line and column (see TermParser).
    static Result<Term> parse(std::string_view text);

    // Bytes of one whole term (with or without the version byte) -> term; ProtocolError if they
    // do not print (see TermPrinter), so every Term prints.
    static Result<Term> fromExternal(std::string_view external, std::string homeNode = {});

    // Erlang syntax on one line (see TermPrinter).
    std::string toString() const;

    const std::string& external() const { return external_; }
    const std::string& homeNode() const { return homeNode_; }

    // True for `[]`, `"abc"` and `[a,b]`, false for `[a|b]` and non-lists: what apply/3 takes.
    bool isProperList() const;

    // Same bytes (the home node only affects printing).
    bool operator==(const Term& other) const { return external_ == other.external_; }

  private:
    std::string external_;
    std::string homeNode_;
};

}  // namespace meshx::node
