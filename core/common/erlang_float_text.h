#pragma once

#include <cstddef>
#include <optional>

namespace meshx {

// FLOAT_EXT, the external term format's old float (tag 'c'): the number as printf "%.20e" text in
// exactly 31 bytes, padded with NULs. Peers still send it (Erlang accepts it, old encoders write
// it). ei_decode_double hands those bytes to sscanf, which reads until a NUL, so a term whose 31
// bytes are all text is read past its end; decoders parse the 31 bytes here instead.
inline constexpr std::size_t kFloatExtTextSize = 31;

// The number written in `text[0..31)`, or nullopt when it holds none. Reads exactly 31 bytes.
// Any thread.
std::optional<double> parseFloatExtText(const char* text);

}  // namespace meshx
