#pragma once

#include <QString>

#include <optional>
#include <string>

namespace meshx::ui {

// How the KV view shows and edits a value's bytes: as text (UTF-8 without control characters
// other than tab and line breaks), as JSON (text that parses as an object or array; validated
// before a save), or as hex (anything else: binary is never shown as mojibake, and is edited as
// hex digits). Pure functions; any thread.
enum class KvFormat { Text, Json, Hex };

// The format a value is shown in when first opened.
KvFormat detectKvFormat(const std::string& bytes);
QString kvFormatName(KvFormat format);

// The editor's text for `bytes` in `format` (hex: pairs separated by spaces, 16 per line).
QString kvToText(const std::string& bytes, KvFormat format);

// The bytes to store for the editor's `text` in `format`, or the reason it cannot be stored
// (JSON: the parser's message with the position; hex: the first bad digit).
struct KvParsed {
    std::optional<std::string> bytes;
    QString error;
};
KvParsed kvFromText(const QString& text, KvFormat format);

}  // namespace meshx::ui
