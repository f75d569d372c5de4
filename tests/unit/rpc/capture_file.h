#pragma once

// Reads the MeshxRpc frame captures in tests/data/meshx-rpc/: one frame per line,
// "C>S <hex>" or "S>C <hex>" including the outer length prefix, connections separated by
// "# --- TCP connection" lines.

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "rpc/wire/bytes.h"

namespace meshx::rpc::test {

struct CapturedFrame {
    bool fromClient = true;
    wire::Bytes bytes;  // with the length prefix
};

struct CapturedConnection {
    std::vector<CapturedFrame> frames;
};

inline wire::Bytes fromHex(const std::string& hex) {
    wire::Bytes out;
    out.reserve(hex.size() / 2);
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}

inline std::vector<CapturedConnection> readCapture(const std::string& path) {
    std::vector<CapturedConnection> conns;
    std::ifstream in(path);
    if (!in) {
        // A missing capture must fail the test loudly, not hand it an empty list to index.
        throw std::runtime_error("capture file missing: " + path);
    }
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("# --- TCP connection", 0) == 0) {
            conns.emplace_back();
        } else if (line.rfind("C>S ", 0) == 0 || line.rfind("S>C ", 0) == 0) {
            if (conns.empty())
                conns.emplace_back();
            conns.back().frames.push_back({line[0] == 'C', fromHex(line.substr(4))});
        }
    }
    return conns;
}

inline std::string captureDir() {
    return std::string(MESHX_TEST_DATA_DIR) + "/meshx-rpc/";
}

}  // namespace meshx::rpc::test
