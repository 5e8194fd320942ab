#pragma once

#include <memory>
#include <mutex>

#include "actors/relay/client_sink.hpp"
#include "http/responder.hpp"

namespace acepool::http {

/// One /ace/getstream client as the relay's data path sees it: an error status until the first
/// stream bytes (through the request's exchange, so it is counted and logged like any answer),
/// then a chunked video/MP2T body.
class relay_client final : public relay::client_sink {
 public:
  explicit relay_client(std::shared_ptr<exchange> ex);

  void write(std::vector<relay::buffer_slice> data,
             std::function<void(relay::write_outcome)> done) override;
  void fail(int status, std::string body,
            std::vector<std::pair<std::string, std::string>> headers) override;
  void finish() override;
  bool closed() const override;
  void suspend(std::function<void(bool)> done) override;
  std::optional<relay::handover_socket> handover() override;
  void resume() override;

 private:
  /// The body once the answer started streaming (only such a client can move).
  std::shared_ptr<stream_body> streaming_body();

  std::shared_ptr<exchange> ex_;
  std::shared_ptr<stream_body> body_;
  std::mutex mutex_;
  bool streaming_ = false;
};

/// A relay client whose answer another acepool started (taken over with its socket): the body
/// continues where that process stood; it can move on again.
class adopted_relay_client final : public relay::client_sink {
 public:
  explicit adopted_relay_client(std::shared_ptr<stream_body> body) : body_(std::move(body)) {}

  void write(std::vector<relay::buffer_slice> data,
             std::function<void(relay::write_outcome)> done) override {
    body_->write(std::move(data), {}, std::move(done));
  }
  void fail(int, std::string, std::vector<std::pair<std::string, std::string>>) override {
    body_->finish();  // its head went out long ago: only the end is left to say
  }
  void finish() override { body_->finish(); }
  bool closed() const override { return body_->closed(); }
  void suspend(std::function<void(bool)> done) override { body_->suspend(std::move(done)); }
  std::optional<relay::handover_socket> handover() override { return body_->handover(); }
  void resume() override { body_->resume(); }

 private:
  std::shared_ptr<stream_body> body_;
};

}  // namespace acepool::http
