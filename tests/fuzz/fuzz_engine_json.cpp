// The AceStream engine's answers: getstream (format=json), stat and status documents.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/relay/relay_types.hpp"
#include "actors/streams/stream_record.hpp"
#include "http/stream_json.hpp"
#include "support/text_safety.hpp"

using namespace acepool::actors;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  int status = data[0] < 200 ? 200 : 100 + data[0];
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto s = parse_session_answer(status, body);
  if (s.error.empty() && s.playback_url.empty()) std::abort();  // a success names a URL
  engine_record engine;
  engine.host = "127.0.0.1";
  engine.port = 19000;
  (void)reachable_url(s.playback_url, &engine);
  (void)reachable_url(s.stat_url, nullptr);
  auto stat = parse_stat_answer(body, std::chrono::system_clock::time_point{});
  if (stat.snapshot) (void)acepool::support::dump_json(acepool::http::stats_json(*stat.snapshot));
  return 0;
}
