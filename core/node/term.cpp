#include "node/term.h"

#include <ei.h>

#include "node/term_parser.h"
#include "node/term_printer.h"

namespace meshx::node {

namespace {

constexpr char kVersionMagic = static_cast<char>(131);

}  // namespace

Term::Term() : external_({kVersionMagic, static_cast<char>(ERL_NIL_EXT)}) {}

Result<Term> Term::parse(std::string_view text) {
    auto bytes = TermParser::parse(text);
    if (!bytes) {
        return bytes.error();
    }
    Term t;
    t.external_ = std::move(*bytes);
    return t;
}

Result<Term> Term::fromExternal(std::string_view external, std::string homeNode) {
    std::string bytes;
    if (external.empty() || external[0] != kVersionMagic) {
        bytes += kVersionMagic;
    }
    bytes.append(external);
    // Printing walks the whole term with bounds checks: the cheapest full validation ei offers.
    auto printed = TermPrinter::print(bytes, homeNode);
    if (!printed) {
        return printed.error();
    }
    Term t;
    t.external_ = std::move(bytes);
    t.homeNode_ = std::move(homeNode);
    return t;
}

std::string Term::toString() const {
    auto printed = TermPrinter::print(external_, homeNode_);
    return printed ? *printed : "<undecodable term: " + printed.error().message + ">";
}

bool Term::isProperList() const {
    const char* buf = external_.data();
    int index = 1;
    int type = 0;
    int size = 0;
    if (external_.size() < 2 || ei_get_type(buf, &index, &type, &size) < 0) {
        return false;
    }
    if (type == ERL_NIL_EXT || type == ERL_STRING_EXT) {
        return true;
    }
    if (type != ERL_LIST_EXT) {
        return false;
    }
    int arity = 0;
    if (ei_decode_list_header(buf, &index, &arity) < 0) {
        return false;
    }
    for (int i = 0; i < arity; ++i) {
        if (ei_skip_term(buf, &index) < 0) {
            return false;
        }
    }
    auto at = static_cast<std::size_t>(index);
    return at < external_.size() && external_[at] == static_cast<char>(ERL_NIL_EXT);
}

}  // namespace meshx::node
