#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "actors/relay/fanout_buffer.hpp"
#include "actors/relay/ts_packets.hpp"
#include "tests/common/numbered_packets.hpp"

namespace {

using namespace acepool::relay;

/// `n` numbered packets as one buffer chunk.
std::shared_ptr<const std::string> numbered_packets(int first, int n) {
  return std::make_shared<const std::string>(acepool::testing::numbered_ts_packets(first, n));
}

std::string joined(const fanout_buffer::read_result& r) {
  std::string out;
  for (const auto& s : r.slices)
    out.append(s.chunk->data() + s.offset, s.length);
  return out;
}

int number_at(const std::string& bytes, size_t packet) {
  return static_cast<uint8_t>(bytes[packet * ts_packet_size + 1]);
}

}  // namespace

TEST_CASE("fanout buffer reads back what was appended across chunks") {
  fanout_buffer buf(1 << 20);
  buf.append(numbered_packets(0, 10), {});
  buf.append(numbered_packets(10, 10), {});
  auto r = buf.read(0, 1 << 20);
  CHECK_FALSE(r.skipped);
  CHECK(r.bytes == 20 * ts_packet_size);
  CHECK(r.next == buf.head());
  auto bytes = joined(r);
  for (int i = 0; i < 20; ++i)
    CHECK(number_at(bytes, i) == i);
}

TEST_CASE("fanout buffer reads at most the limit in whole packets") {
  fanout_buffer buf(1 << 20);
  buf.append(numbered_packets(0, 100), {});
  auto r = buf.read(5 * ts_packet_size, 1000);
  CHECK(r.bytes == 5 * ts_packet_size);  // 1000 bytes hold 5 whole packets
  CHECK(number_at(joined(r), 0) == 5);
  CHECK(r.next == 10 * ts_packet_size);
}

TEST_CASE("fanout buffer drops the oldest chunks beyond its capacity") {
  fanout_buffer buf(30 * ts_packet_size);
  for (int i = 0; i < 10; ++i)
    buf.append(numbered_packets(i * 10, 10), {});
  CHECK(buf.size() <= 30 * ts_packet_size);
  CHECK(buf.head() == 100 * ts_packet_size);
  CHECK(buf.tail() == 70 * ts_packet_size);
}

TEST_CASE("fanout buffer joins at the newest PAT still held") {
  fanout_buffer buf(1 << 20);
  CHECK(buf.join_position() == 0);
  buf.append(numbered_packets(0, 10), {});
  CHECK(buf.join_position() == buf.head());  // no PAT yet: the live edge
  buf.append(numbered_packets(10, 10), {0, 4 * ts_packet_size});
  buf.append(numbered_packets(20, 10), {});
  CHECK(buf.join_position() == 14 * ts_packet_size);
}

TEST_CASE("fanout buffer moves a reader that fell behind to the newest PAT") {
  fanout_buffer buf(20 * ts_packet_size);
  for (int i = 0; i < 5; ++i)
    buf.append(numbered_packets(i * 10, 10), {2 * ts_packet_size});
  auto r = buf.read(0, 1 << 20);
  CHECK(r.skipped);
  CHECK(number_at(joined(r), 0) == 42);
  CHECK(r.next == buf.head());
}

TEST_CASE("fanout buffer reads nothing at the live edge") {
  fanout_buffer buf(1 << 20);
  buf.append(numbered_packets(0, 3), {});
  auto r = buf.read(buf.head(), 1 << 20);
  CHECK(r.bytes == 0);
  CHECK(r.slices.empty());
  CHECK(r.next == buf.head());
  CHECK_FALSE(r.skipped);
}
