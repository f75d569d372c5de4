// Corpus replayer for GCC builds (no libFuzzer): feeds every file named on the command line, or
// found in a directory named there, to LLVMFuzzerTestOneInput, then a few generated hostile
// inputs too large to commit. Exits non-zero if an argument cannot be read; a crash or abort in
// the target fails the CTest run by itself.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void runOne(const std::string& input) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

bool runFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        return false;
    }
    runOne(std::string(std::istreambuf_iterator<char>(in), {}));
    return true;
}

std::string repeat(const std::string& unit, std::size_t count) {
    std::string out;
    out.reserve(unit.size() * count);
    for (std::size_t i = 0; i < count; ++i) {
        out += unit;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t files = 0;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path arg(argv[i]);
        std::vector<std::filesystem::path> paths;
        if (std::filesystem::is_directory(arg)) {
            for (const auto& entry : std::filesystem::directory_iterator(arg)) {
                if (entry.is_regular_file()) {
                    paths.push_back(entry.path());
                }
            }
        } else {
            paths.push_back(arg);
        }
        for (const auto& path : paths) {
            if (!runFile(path)) {
                return 1;
            }
            ++files;
        }
    }
    const std::vector<std::string> generated = {
        repeat("(", 60000),
        repeat("(", 60000) + repeat(")", 60000),
        repeat("not ", 15000) + "Service == \"x\"",
        "Port == 1" + repeat(" or Port == 1", 3000),
        repeat("(Port == 1 and ", 99) + "Port == 1" + repeat(")", 99),
        "Service matches \"" + repeat("(", 500) + "a" + repeat(")", 500) + "\"",
        "Service matches \"" + repeat("a{1000}", 100) + "\"",
        "Meta[\"" + repeat("\\x41", 5000) + "\"] == \"A\"",
        std::string("Service == \"\0\xff\xfe\"", 16),
    };
    for (const auto& input : generated) {
        runOne(input);
    }
    std::printf("replayed %zu corpus files and %zu generated inputs\n", files, generated.size());
    return 0;
}
