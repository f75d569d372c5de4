#include "mesh/process_lines.h"

#include <string_view>

#include <QProcess>

namespace meshx::mesh {

std::vector<LineAssembler::Line> readLines(QProcess& process, bool fromStderr,
                                           LineAssembler& assembler) {
    const QByteArray chunk =
        fromStderr ? process.readAllStandardError() : process.readAllStandardOutput();
    std::vector<LineAssembler::Line> lines;
    if (!chunk.isEmpty()) {
        assembler.feed(std::string_view(chunk.constData(), static_cast<size_t>(chunk.size())),
                       lines);
    }
    return lines;
}

}  // namespace meshx::mesh
