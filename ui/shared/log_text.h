#pragma once

#include <QString>

#include <string>

namespace meshx::ui::logtext {

// Turning what a proxy printed into something safe to draw. Pure functions, any thread.

enum class Level { Debug, Info, Warn, Error };

// The line as displayable text: invalid UTF-8 becomes U+FFFD, control characters become ASCII
// escapes (\x1b[31m rather than a terminal escape), tabs become spaces,
// and anything past `maxChars` is cut with a note of how much was left out.
QString displayable(const std::string& utf8, int maxChars = 2000);

// The level a line announces (ERROR, [warn], level=debug, "level":"error" ...), from its first
// couple of hundred characters; Info when it says none.
Level levelOf(const QString& text);
const char* levelName(Level level);

}  // namespace meshx::ui::logtext
