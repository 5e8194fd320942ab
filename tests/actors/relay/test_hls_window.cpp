#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "actors/relay/hls_window.hpp"

namespace {

using namespace acepool;

relay::ts_segment segment(const std::string& bytes, double duration, bool discontinuity = false) {
  relay::ts_segment s;
  s.bytes = std::make_shared<const std::string>(bytes);
  s.duration_s = duration;
  s.discontinuity = discontinuity;
  return s;
}

std::string uri(uint64_t sequence) {
  return "seg/" + std::to_string(sequence) + ".ts";
}

}  // namespace

TEST_CASE("hls window: a live playlist of the newest segments, numbered on") {
  relay::hls_window window(3, 2.0);
  CHECK(window.playlist(uri).empty());
  for (int i = 0; i < 5; ++i)
    window.add(segment("s" + std::to_string(i), 2.0 + i * 0.001));
  CHECK(window.size() == 3);
  CHECK(window.next_sequence() == 5);
  CHECK(window.playlist(uri) ==
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:2\n"
        "#EXTINF:2.002,\nseg/2.ts\n#EXTINF:2.003,\nseg/3.ts\n#EXTINF:2.004,\nseg/4.ts\n");
  CHECK(*window.segment(4) == "s4");
  CHECK(window.segment(1) == nullptr);  // left the window
  CHECK(window.segment(5) == nullptr);  // not cut yet
}

TEST_CASE("hls window: the target duration covers the longest segment, rounded") {
  relay::hls_window window(4, 2.0);
  window.add(segment("a", 2.4));
  CHECK_THAT(window.playlist(uri), Catch::Contains("#EXT-X-TARGETDURATION:2\n"));
  window.add(segment("b", 3.6));
  CHECK_THAT(window.playlist(uri), Catch::Contains("#EXT-X-TARGETDURATION:4\n"));
  // Once the long segment left the window, the target stays: players plan their polling on it.
  for (int i = 0; i < 4; ++i)
    window.add(segment("c", 2.0));
  CHECK_THAT(window.playlist(uri), Catch::Contains("#EXT-X-TARGETDURATION:4\n"));
}

TEST_CASE("hls window: a failover shows as a discontinuity, counted once it leaves") {
  relay::hls_window window(2, 2.0);
  window.add(segment("a", 2));
  window.add(segment("b", 2, true));
  CHECK_THAT(window.playlist(uri), Catch::Contains("seg/0.ts\n#EXT-X-DISCONTINUITY\n#EXTINF"));
  CHECK_THAT(window.playlist(uri), !Catch::Contains("DISCONTINUITY-SEQUENCE"));
  window.add(segment("c", 2));  // a leaves; b keeps its tag
  CHECK_THAT(window.playlist(uri), Catch::StartsWith("#EXTM3U\n#EXT-X-VERSION:3\n"
                                                     "#EXT-X-TARGETDURATION:2\n"
                                                     "#EXT-X-MEDIA-SEQUENCE:1\n"
                                                     "#EXT-X-DISCONTINUITY\n"));
  window.add(segment("d", 2));  // b leaves with its tag: the sequence counts it
  CHECK_THAT(window.playlist(uri), Catch::Contains("#EXT-X-DISCONTINUITY-SEQUENCE:1\n"));
  CHECK_THAT(window.playlist(uri), !Catch::Contains("#EXT-X-DISCONTINUITY\n"));
}
