#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace meshx::mesh {

// Turns a child's output, read in arbitrary chunks, into display-safe lines.
//
// A proxy controls these bytes, so nothing about them is trusted: a line longer than the limit is
// cut (at a UTF-8 character boundary) and the rest up to its newline discarded, so a runaway
// writer costs at most `maxLineBytes` of memory; invalid UTF-8 and control characters (except tab)
// become U+FFFD, so a line is always valid UTF-8 and cannot drive a terminal. "\r\n" endings are
// accepted; empty lines are skipped, as MeshxConsul's proxy log callbacks skip them.
class LineAssembler {
  public:
    struct Line {
        std::string text;
        bool truncated = false;
    };

    explicit LineAssembler(size_t maxLineBytes);

    // Appends the lines completed by `bytes` to `out`. Any thread (one instance per stream).
    void feed(std::string_view bytes, std::vector<Line>& out);
    // End of stream: appends the unterminated tail, if any, as a last line.
    void finish(std::vector<Line>& out);

    // `raw` as valid UTF-8 without control characters, at most `maxBytes` bytes (cut at a
    // character boundary; `*cut` tells whether anything was dropped). Any thread.
    static std::string sanitize(std::string_view raw, size_t maxBytes, bool* cut);

  private:
    void emitLine(bool truncated, std::vector<Line>& out);

    const size_t maxLineBytes_;
    std::string partial_;      // at most maxLineBytes_ + 1 bytes of the line being read
    bool discarding_ = false;  // the current line was already emitted cut: skip to its newline
};

}  // namespace meshx::mesh
