// Corpus replayer for compilers without libFuzzer (GCC): runs the fuzz entry point over every file
// given (or every file in the directories given), then over deterministic mutations of each —
// every truncation and a bounded number of byte flips with a fixed seed — so CTest exercises the
// decoder on hostile input too. A crash, sanitizer report or hang (CTest timeout) fails the test.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void run(const std::vector<uint8_t>& input) {
    // Copy into an exactly sized heap buffer so a sanitizer sees any read past the end.
    std::vector<uint8_t> exact(input);
    LLVMFuzzerTestOneInput(exact.empty() ? nullptr : exact.data(), exact.size());
}

void replay(const std::vector<uint8_t>& input, std::mt19937& rng) {
    run(input);
    const size_t step = input.size() > 512 ? input.size() / 256 : 1;
    for (size_t len = 0; len < input.size(); len += step) {
        run(std::vector<uint8_t>(input.begin(), input.begin() + static_cast<long>(len)));
    }
    for (int i = 0; i < 300 && !input.empty(); ++i) {
        std::vector<uint8_t> m(input);
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) {
            const size_t at = rng() % m.size();
            // Favour the values that break length fields: 0x00, 0xff and random bytes.
            const auto pick = rng() % 3;
            m[at] = pick == 0 ? 0x00 : pick == 1 ? 0xff : static_cast<uint8_t>(rng());
        }
        run(m);
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::mt19937 rng(12345);
    size_t files = 0;
    for (int i = 1; i < argc; ++i) {
        std::vector<std::filesystem::path> paths;
        if (std::filesystem::is_directory(argv[i])) {
            for (const auto& e : std::filesystem::directory_iterator(argv[i]))
                paths.push_back(e.path());
        } else {
            paths.emplace_back(argv[i]);
        }
        for (const auto& p : paths) {
            std::ifstream in(p, std::ios::binary);
            std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                       std::istreambuf_iterator<char>());
            replay(bytes, rng);
            ++files;
        }
    }
    std::printf("replayed %zu corpus files with mutations\n", files);
    return files > 0 ? 0 : 1;
}
