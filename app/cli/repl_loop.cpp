#include "cli/repl_loop.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "common/unix_signals.h"

namespace meshx::cli {

void runRepl(const char* prompt, bool json,
             const std::function<CommandReply(const std::string& line)>& execute) {
    const bool interactive = ::isatty(STDIN_FILENO) && !json;
    std::string line;
    while (UnixSignals::pending() == 0) {
        if (interactive) {
            std::fputs(prompt, stdout);
            std::fflush(stdout);
        }
        if (!std::getline(std::cin, line)) {
            break;  // EOF, or a signal interrupted the read
        }
        const CommandReply reply = execute(line);
        if (reply.json.is_null()) {
            continue;
        }
        std::puts(json ? reply.json.dump().c_str() : reply.text.c_str());
        std::fflush(stdout);
        if (reply.quit) {
            break;
        }
    }
}

}  // namespace meshx::cli
