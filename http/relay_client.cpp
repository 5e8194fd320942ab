#include "http/relay_client.hpp"

#include <nlohmann/json.hpp>

namespace acepool::http {

relay_client::relay_client(std::shared_ptr<exchange> ex)
    : ex_(std::move(ex)), body_(ex_->sink->open_stream()) {}

void relay_client::write(std::vector<relay::buffer_slice> data,
                         std::function<void(relay::write_outcome)> done) {
  header_list head;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    if (!streaming_) {
      auto claimed = body_ ? ex_->begin_stream() : std::nullopt;
      if (!claimed) {
        done(relay::write_outcome::closed);  // answered already, or the transport cannot stream
        return;
      }
      streaming_ = true;
      head = std::move(*claimed);
    }
  }
  body_->write(std::move(data), head, std::move(done));
}

void relay_client::fail(int status, std::string body,
                        std::vector<std::pair<std::string, std::string>> headers) {
  response r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  ex_->complete(std::move(r));
}

void relay_client::finish() {
  bool streaming;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    streaming = streaming_;
  }
  if (streaming)
    body_->finish();
  else
    ex_->complete(response::error(503, "stream ended before it started"));
}

std::shared_ptr<stream_body> relay_client::streaming_body() {
  std::lock_guard<std::mutex> guard(mutex_);
  return streaming_ ? body_ : nullptr;
}

void relay_client::suspend(std::function<void(bool)> done) {
  if (auto body = streaming_body())
    body->suspend(std::move(done));
  else
    done(false);
}

std::optional<relay::handover_socket> relay_client::handover() {
  auto body = streaming_body();
  return body ? body->handover() : std::nullopt;
}

void relay_client::resume() {
  if (auto body = streaming_body()) body->resume();
}

bool relay_client::closed() const {
  return body_ == nullptr || body_->closed();
}

}  // namespace acepool::http
