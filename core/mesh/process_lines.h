#pragma once

#include <vector>

#include "mesh/line_assembler.h"

class QProcess;

namespace meshx::mesh {

// The lines that what `process` wrote to one of its streams since the last call completes:
// reads everything available on stdout (or stderr, `fromStderr`) and feeds it to that stream's
// own assembler. A sidecar process and the proxy host both read their children this way.
// Thread: the thread `process` lives on.
std::vector<LineAssembler::Line> readLines(QProcess& process, bool fromStderr,
                                           LineAssembler& assembler);

}  // namespace meshx::mesh
