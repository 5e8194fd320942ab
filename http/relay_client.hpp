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

 private:
  std::shared_ptr<exchange> ex_;
  std::shared_ptr<stream_body> body_;
  std::mutex mutex_;
  bool streaming_ = false;
};

}  // namespace acepool::http
