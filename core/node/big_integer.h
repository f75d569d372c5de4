#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace meshx::node {

// Arbitrary-size integers as the external term format stores them (SMALL_BIG_EXT/LARGE_BIG_EXT):
// a sign and a magnitude of base-256 digits, least significant first. Only the two conversions
// the term text needs, schoolbook arithmetic (inputs are bounded by the parser). Any thread.
class BigInteger {
  public:
    // Magnitude of `digits` (already validated: each character a digit of `base`, 2..36).
    static std::vector<uint8_t> magnitudeFromDigits(std::string_view digits, int base);

    // Decimal text of a magnitude, with a leading '-' when negative ("0" for an empty one).
    static std::string toDecimal(bool negative, const uint8_t* magnitude, std::size_t size);
};

}  // namespace meshx::node
