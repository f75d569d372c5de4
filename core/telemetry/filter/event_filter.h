#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "telemetry/rpc_record.h"

namespace meshx::telemetry {

// Where and why a filter text does not parse. `position` is a 0-based byte offset into the text.
struct FilterError {
    size_t position = 0;
    std::string message;
    // "column 7: unknown field 'fn'" (1-based column, as the console shows it).
    std::string toString() const;
};

// A display filter over RPC telemetry records, in the spirit of Wireshark's display filters:
//
//   fun == "echo" and t.exec > 2ms
//   not result == ok or remote.svc_ref matches "^provider-[12]$"
//   (event == call || event == cast) && size.send >= 1KB
//   fun in {echo sleep}
//
// Grammar (keywords are case-insensitive; docs/console-telemetry.md has the full table):
//
//   filter  := [ or ]                       empty text: every record matches
//   or      := and { ("or" | "||") and }
//   and     := unary { ("and" | "&&") unary }
//   unary   := ("not" | "!") unary | "(" or ")" | test
//   test    := field                        true when the field is present (non-empty / set)
//            | field cmp value              cmp: == != < <= > >=  (or eq ne lt le gt ge)
//            | field "contains" value       substring
//            | field "matches" value        RE2 regex search (Go's syntax), case-insensitive
//            | field "in" "{" value... "}"  equal to one of the values
//   value   := "quoted \"string\"" | bare-word | number [unit]
//   unit    := us ms s (times, in microseconds) | B KB MB GB (sizes, powers of 1000)
//
// A comparison with an absent field is false (so `not req_ref` selects events without one).
// Numeric fields need numeric values (`t.exec > fast` is a parse error). Nesting is limited to
// 64 levels and a regex to 256 characters, so hostile text cannot exhaust the stack; regexes are
// RE2, which matches in time linear in the text (no back-references, no look-around).
//
// Immutable after parse; matches() is const and thread-safe.
class EventFilter {
  public:
    enum class FieldType { String, Number };
    struct FieldInfo {
        const char* name;
        FieldType type;
        const char* description;
    };

    // The filter that matches everything (an empty text).
    EventFilter();
    ~EventFilter();
    EventFilter(const EventFilter&);
    EventFilter& operator=(const EventFilter&);

    // Errors: ParseError with "column N: message"; `detail` (optional) gets position and message.
    static Result<EventFilter> parse(std::string_view text, FilterError* detail = nullptr);

    bool matches(const RpcRecord& record) const;
    // True for the empty filter.
    bool matchesAll() const { return root_ == nullptr; }
    const std::string& text() const { return text_; }

    // Every field name the language knows, in documentation order.
    static const std::vector<FieldInfo>& fields();

    struct Node;

  private:
    std::shared_ptr<const Node> root_;
    std::string text_;
};

}  // namespace meshx::telemetry
