#include "node/big_integer.h"

#include <algorithm>

namespace meshx::node {

namespace {

int digitValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'Z') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace

std::vector<uint8_t> BigInteger::magnitudeFromDigits(std::string_view digits, int base) {
    std::vector<uint8_t> mag;
    for (char c : digits) {
        auto carry = static_cast<uint32_t>(digitValue(c));
        for (auto& byte : mag) {
            uint32_t v = static_cast<uint32_t>(byte) * static_cast<uint32_t>(base) + carry;
            byte = static_cast<uint8_t>(v & 0xFF);
            carry = v >> 8;
        }
        while (carry != 0) {
            mag.push_back(static_cast<uint8_t>(carry & 0xFF));
            carry >>= 8;
        }
    }
    while (!mag.empty() && mag.back() == 0) {
        mag.pop_back();
    }
    return mag;
}

std::string BigInteger::toDecimal(bool negative, const uint8_t* magnitude, std::size_t size) {
    // Limbs of base 10^9, least significant first: each input byte (most significant first)
    // multiplies the number so far by 256 and adds itself.
    constexpr uint32_t kLimb = 1000000000;
    std::vector<uint32_t> limbs;
    for (std::size_t i = size; i-- > 0;) {
        uint64_t carry = magnitude[i];
        for (auto& limb : limbs) {
            uint64_t v = static_cast<uint64_t>(limb) * 256 + carry;
            limb = static_cast<uint32_t>(v % kLimb);
            carry = v / kLimb;
        }
        while (carry != 0) {
            limbs.push_back(static_cast<uint32_t>(carry % kLimb));
            carry /= kLimb;
        }
    }
    if (limbs.empty()) {
        return "0";
    }
    std::string out = negative ? "-" : "";
    out += std::to_string(limbs.back());
    for (std::size_t i = limbs.size() - 1; i-- > 0;) {
        std::string part = std::to_string(limbs[i]);
        out.append(9 - part.size(), '0');
        out += part;
    }
    return out;
}

}  // namespace meshx::node
