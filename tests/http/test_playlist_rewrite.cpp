#include <catch2/catch.hpp>

#include <string>

#include "http/playlist_rewrite.hpp"

using namespace acepool::http;

namespace {

const rewrite_target to_acepool{"http://tv.lan:8000", false, std::nullopt};
const std::string id = "0123456789abcdef0123456789abcdef01234567";

}  // namespace

TEST_CASE("playlist rewrite: a real-world M3U keeps everything but its AceStream entries") {
  const std::string in =
      "\xEF\xBB\xBF#EXTM3U url-tvg=\"http://epg.example/guide.xml\"\r\n"
      "#EXTINF:-1 tvg-id=\"news.uk\" tvg-logo=\"http://logo/acestream://x.png\" "
      "group-title=\"News\",News HD\r\n"
      "acestream://" +
      id +
      "\r\n"
      "# a comment about http://127.0.0.1:6878/ace/getstream?id=" +
      id +
      "\r\n"
      "#EXTINF:-1 group-title=\"Sport\",Sport 1\r\n"
      "#EXTVLCOPT:network-caching=1000\r\n"
      "http://192.168.1.5:6878/ace/getstream?id=" +
      id +
      "&pid=42\r\n"
      "#EXTINF:-1,Sport 2 (infohash via acexy)\n"
      "  http://acexy:8080/ace/getstream/?infohash=ABCDEF0123456789ABCDEF0123456789ABCDEF01  \n"
      "#EXTINF:-1,Sport 3 (HLS)\n"
      "https://proxy.example/ace/manifest.m3u8?network=x&id=" +
      id +
      "#frag\n"
      "#EXTINF:-1,Radio\n"
      "http://radio.example/stream.mp3\n"
      "#EXTINF:-1,Broken\n"
      "acestream://not-an-id\n"
      "http://x/ace/getstream?id=a&infohash=b\n"
      "\n"
      "http://x/ace/getstream?id=last";
  auto out = rewrite_playlist(in, to_acepool);
  const std::string expected =
      "\xEF\xBB\xBF#EXTM3U url-tvg=\"http://epg.example/guide.xml\"\r\n"
      "#EXTINF:-1 tvg-id=\"news.uk\" tvg-logo=\"http://logo/acestream://x.png\" "
      "group-title=\"News\",News HD\r\n"
      "http://tv.lan:8000/ace/getstream?id=" +
      id +
      "\r\n"
      "# a comment about http://127.0.0.1:6878/ace/getstream?id=" +
      id +
      "\r\n"
      "#EXTINF:-1 group-title=\"Sport\",Sport 1\r\n"
      "#EXTVLCOPT:network-caching=1000\r\n"
      "http://tv.lan:8000/ace/getstream?id=" +
      id +
      "\r\n"
      "#EXTINF:-1,Sport 2 (infohash via acexy)\n"
      "http://tv.lan:8000/ace/getstream?infohash=ABCDEF0123456789ABCDEF0123456789ABCDEF01\n"
      "#EXTINF:-1,Sport 3 (HLS)\n"
      "http://tv.lan:8000/ace/getstream?id=" +
      id +
      "\n"
      "#EXTINF:-1,Radio\n"
      "http://radio.example/stream.mp3\n"
      "#EXTINF:-1,Broken\n"
      "acestream://not-an-id\n"
      "http://x/ace/getstream?id=a&infohash=b\n"
      "\n"
      "http://tv.lan:8000/ace/getstream?id=last";
  CHECK(out.text == expected);
  CHECK(out.rewritten == 5);
  CHECK(out.kept == 3);
}

TEST_CASE("playlist rewrite: HLS, a base with a path, the token, keys encoded") {
  rewrite_target hls{"https://example.org/tv", true, std::string("s3cr&t")};
  auto out = rewrite_playlist("acestream://" + id + "\nhttp://e/ace/getstream?id=a%20b%26c\n", hls);
  CHECK(out.text == "https://example.org/tv/ace/manifest.m3u8?id=" + id +
                        "&token=s3cr%26t\n"
                        "https://example.org/tv/ace/manifest.m3u8?id=a%20b%26c&token=s3cr%26t\n");
}

TEST_CASE("playlist rewrite: 10,000 entries") {
  std::string in = "#EXTM3U\n";
  for (int i = 0; i < 10000; ++i)
    in += "#EXTINF:-1 tvg-name=\"c" + std::to_string(i) + "\",Channel " + std::to_string(i) +
          "\nacestream://" + id + "\n";
  auto out = rewrite_playlist(in, to_acepool);
  CHECK(out.rewritten == 10000);
  CHECK(out.kept == 0);
  CHECK(out.text.find("acestream://") == std::string::npos);
}

TEST_CASE("playlist rewrite: only http(s) bases with a host, without query or credentials") {
  CHECK(parse_rewrite_base("http://tv.lan:8000") == std::string("http://tv.lan:8000"));
  CHECK(parse_rewrite_base("https://example.org/tv/") == std::string("https://example.org/tv"));
  CHECK(parse_rewrite_base("HTTP://[::1]:8000") == std::string("HTTP://[::1]:8000"));
  for (const char* bad : {"",
                          "ftp://x",
                          "http://",
                          "http:///x",
                          "http://u:p@x",
                          "http://x?y=1",
                          "http://x#f",
                          "http://x y",
                          "javascript:alert(1)",
                          "http://x\\y",
                          "http://x\r\nSet-Cookie: a",
                          "http://x:0",
                          "http://x:65536",
                          "http://x:99999999999",
                          "http://x:",
                          "http://x:8a",
                          "http://-x",
                          "http://x!y",
                          "http://x/\xE2\x80\xA8",
                          "http://\xC3\xA9.example",
                          "http://[::1",
                          "http://[zz::1]",
                          "http://[::1]8000",
                          "http://[::1]:",
                          "http://x/<script>",
                          "http://x/a\"b",
                          "http://x/{y}",
                          "http://tv.lan/%",
                          "http://tv.lan/%4",
                          "http://tv.lan/%zz"})
    CHECK_FALSE(parse_rewrite_base(bad));
  CHECK(parse_rewrite_base("http://10.0.0.2:65535/a-b_c~d/%20") ==
        std::string("http://10.0.0.2:65535/a-b_c~d/%20"));
}

TEST_CASE("playlist rewrite: lines ending in a lone CR (old Mac exports) are entries too") {
  auto out = rewrite_playlist("#EXTM3U\r#EXTINF:-1,One\racestream://" + id +
                                  "\r#EXTINF:-1,Two\r\n" + "acestream://" + id + "\r",
                              to_acepool);
  CHECK(out.rewritten == 2);
  CHECK(out.text == "#EXTM3U\r#EXTINF:-1,One\rhttp://tv.lan:8000/ace/getstream?id=" + id +
                        "\r#EXTINF:-1,Two\r\nhttp://tv.lan:8000/ace/getstream?id=" + id + "\r");
}

TEST_CASE("playlist rewrite: keys are read as the relay reads them, keys it would refuse stay") {
  auto out = rewrite_playlist(
      "http://e/ace/getstream?id=a+b\n"     // `+` is a space, as acepool and acexy read it
      "http://e/ace/getstream?id=a%0Ab\n"   // a control character: acepool answers 400
      "http://e/ace/getstream?id=a%FFb\n"   // not UTF-8: acepool answers 400
      "http:///ace/getstream?id=nohost\n",  // no host
      to_acepool);
  CHECK(out.text ==
        "http://tv.lan:8000/ace/getstream?id=a%20b\n"
        "http://e/ace/getstream?id=a%0Ab\n"
        "http://e/ace/getstream?id=a%FFb\n"
        "http:///ace/getstream?id=nohost\n");
  CHECK(out.rewritten == 1);
  CHECK(out.kept == 3);
}
