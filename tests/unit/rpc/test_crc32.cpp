// Crc32Checksum (ISA-L) gives zlib's CRC-32, the one `:erlang.crc32` computes, for every length,
// alignment and split into parts; the captures' block checksums are checked byte for byte by
// test_rpc_wire_golden.

#include <zlib.h>

#include <random>
#include <vector>

#include "meshx_test.h"
#include "rpc/wire/bytes.h"
#include "rpc/wire/crc32_checksum.h"

using meshx::rpc::wire::asBytes;
using meshx::rpc::wire::ByteView;
using meshx::rpc::wire::Crc32Checksum;

namespace {

uint32_t zlibCrc(const uint8_t* data, size_t size) {
    return static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), data, static_cast<uInt>(size)));
}

}  // namespace

class TestCrc32 : public QObject {
    Q_OBJECT

  private slots:
    // The check value of the CRC-32/ISO-HDLC catalogue entry, and of nothing at all.
    void knownValues() {
        QCOMPARE(Crc32Checksum::crc({asBytes("123456789")}), 0xCBF43926u);
        QCOMPARE(Crc32Checksum::crc({}), 0u);
        QCOMPARE(Crc32Checksum::crc({ByteView()}), 0u);
    }

    // Every length up to 4 KiB plus large ones, at every start alignment up to 16, split in two
    // parts at a random point: the same value as zlib over the whole.
    void matchesZlibForLengthsAlignmentsAndSplits() {
        std::mt19937 rng(20261206);
        std::vector<uint8_t> buffer((1u << 20) + 64);
        for (auto& b : buffer) {
            b = static_cast<uint8_t>(rng());
        }
        std::vector<size_t> lengths;
        for (size_t n = 0; n <= 4096; ++n) {
            lengths.push_back(n);
        }
        for (size_t n : {65535u, 65536u, 65537u, 1000000u, 1u << 20}) {
            lengths.push_back(n);
        }
        for (size_t n : lengths) {
            const size_t offset = n % 16;
            const uint8_t* data = buffer.data() + offset;
            const size_t split = n == 0 ? 0 : rng() % (n + 1);
            const uint32_t expected = zlibCrc(data, n);
            QCOMPARE(Crc32Checksum::crc({ByteView(data, n)}), expected);
            QCOMPARE(Crc32Checksum::crc({ByteView(data, split), ByteView(data + split, n - split)}),
                     expected);
        }
    }

    // compute() writes the CRC minimal-unsigned, big-endian (MeshxRpc's block checksum field).
    void computeWritesMinimalUnsigned() {
        std::string out;
        Crc32Checksum::instance().compute({asBytes("123456789")}, out);
        QCOMPARE(out, std::string("\xCB\xF4\x39\x26", 4));
    }
};

QTEST_GUILESS_MAIN(TestCrc32)
#include "test_crc32.moc"
