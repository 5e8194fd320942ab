#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "actors/relay/ts_packets.hpp"
#include "tests/sim/ts_mux.hpp"

namespace {

using namespace acepool;

/// `n` packets of a simulated 4 Mbit/s stream starting at packet `first`.
std::string sim_packets(uint64_t first, size_t n) {
  auto schedule = *sim::ts_schedule::for_bitrate(4e6);
  std::string out(n * relay::ts_packet_size, '\0');
  for (size_t i = 0; i < n; ++i)
    sim::make_packet(schedule, 7, first + i,
                     reinterpret_cast<uint8_t*>(out.data()) + i * relay::ts_packet_size);
  return out;
}

bool pat_at(const std::string& bytes, size_t offset) {
  return relay::is_pat_start(reinterpret_cast<const uint8_t*>(bytes.data()) + offset);
}

}  // namespace

TEST_CASE("ts aligner passes whole packets whatever the split") {
  auto input = sim_packets(0, 300);
  relay::ts_aligner aligner(false);
  std::string out;
  size_t pos = 0;
  for (size_t step : {1, 7, 187, 188, 189, 1000, 5000}) {
    for (int k = 0; k < 3 && pos < input.size(); ++k) {
      auto n = std::min(step, input.size() - pos);
      auto part = aligner.feed(input.data() + pos, n);
      REQUIRE(part.packets.size() % relay::ts_packet_size == 0);
      out += part.packets;
      pos += n;
    }
  }
  auto rest = aligner.feed(input.data() + pos, input.size() - pos);
  out += rest.packets;
  CHECK(out == input);
  CHECK(aligner.discarded() == 0);
}

TEST_CASE("ts aligner starts a new session at its first PAT") {
  // The simulator's period begins with a PAT: start a few packets into one.
  auto input = sim_packets(3, 400);
  relay::ts_aligner aligner(true);
  auto out = aligner.feed(input.data(), input.size());
  REQUIRE_FALSE(out.packets.empty());
  CHECK(pat_at(out.packets, 0));
  REQUIRE_FALSE(out.pat_offsets.empty());
  CHECK(out.pat_offsets.front() == 0);
  for (auto offset : out.pat_offsets)
    CHECK(pat_at(out.packets, offset));
  CHECK(aligner.discarded() == input.size() - out.packets.size());
  CHECK(input.substr(aligner.discarded()) == out.packets);
}

TEST_CASE("ts aligner regains sync after garbage") {
  auto good = sim_packets(0, 20);
  std::string input = good.substr(0, 5 * relay::ts_packet_size) + "garbage bytes!" +
                      good.substr(5 * relay::ts_packet_size);
  relay::ts_aligner aligner(false);
  auto out = aligner.feed(input.data(), input.size());
  CHECK(out.packets == good);
  CHECK(aligner.discarded() == 14);
}

TEST_CASE("null packets are valid TS with the null PID") {
  auto nulls = relay::null_packets(3);
  REQUIRE(nulls.size() == 3 * relay::ts_packet_size);
  for (size_t i = 0; i < 3; ++i) {
    const auto* p = reinterpret_cast<const uint8_t*>(nulls.data()) + i * relay::ts_packet_size;
    CHECK(p[0] == relay::ts_sync_byte);
    CHECK((((p[1] & 0x1F) << 8) | p[2]) == 0x1FFF);
    CHECK_FALSE(relay::is_pat_start(p));
  }
}
