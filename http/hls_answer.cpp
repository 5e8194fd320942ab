#include "http/hls_answer.hpp"

#include <utility>

namespace acepool::http {

hls_answer::hls_answer(std::shared_ptr<exchange> ex, std::string segment_query, uint64_t sequence,
                       bool is_segment)
    : ex_(std::move(ex)),
      segment_query_(std::move(segment_query)),
      sequence_(sequence),
      is_segment_(is_segment) {}

std::shared_ptr<hls_answer> hls_answer::playlist(std::shared_ptr<exchange> ex,
                                                 std::string segment_query) {
  return std::shared_ptr<hls_answer>(
      new hls_answer(std::move(ex), std::move(segment_query), 0, false));
}

std::shared_ptr<hls_answer> hls_answer::segment(std::shared_ptr<exchange> ex, uint64_t sequence) {
  return std::shared_ptr<hls_answer>(new hls_answer(std::move(ex), {}, sequence, true));
}

void hls_answer::ready(std::shared_ptr<relay::hls_track> track) {
  response r;
  if (!is_segment_) {
    r.content_type = hls_playlist_type;
    r.body = track->playlist(
        [this](uint64_t n) { return segment_query_ + "&seq=" + std::to_string(n); });
    r.headers = {{"Cache-Control", "no-cache"}};
    ex_->complete(std::move(r));
    return;
  }
  auto bytes = track->segment(sequence_);
  if (!bytes) {
    ex_->complete(response::error(404,
                                  "segment not held: it left the live window, or is not cut "
                                  "yet; ask for the playlist again"));
    return;
  }
  r.content_type = "video/MP2T";
  r.shared_body = *bytes;
  r.shared_owner = bytes;
  // (key, sequence) names one segment for good: sequences continue across relays of a key.
  r.headers = {{"Cache-Control", "public, max-age=60"}};
  ex_->complete(std::move(r));
}

void hls_answer::fail(const relay::hls_failure& failure) {
  response r = response::raw_json(failure.status, failure.body);
  r.headers = failure.headers;
  ex_->complete(std::move(r));
}

}  // namespace acepool::http
