#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "actors/relay/client_sink.hpp"

namespace acepool::testing {

/// A client whose writes complete only when the test says so.
class manual_sink : public relay::client_sink {
 public:
  void write(std::vector<relay::buffer_slice> data,
             std::function<void(relay::write_outcome)> done) override {
    std::lock_guard<std::mutex> guard(mutex_);
    for (const auto& s : data)
      received.append(s.chunk->data() + s.offset, s.length);
    ++writes;
    last_slices = data.size();
    pending = std::move(done);
  }
  void fail(int s, std::string b, std::vector<std::pair<std::string, std::string>>) override {
    status = s;
    body = std::move(b);
  }
  void finish() override { finished = true; }
  bool closed() const override { return gone; }

  /// Completes the write in flight with `outcome`; false when none was pending.
  bool complete(relay::write_outcome outcome = relay::write_outcome::ok) {
    std::function<void(relay::write_outcome)> done;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      done.swap(pending);
    }
    if (!done) return false;
    done(outcome);
    return true;
  }
  /// Completes writes until none is pending (a fast reader).
  void drain() {
    while (complete()) {
    }
  }

  std::mutex mutex_;
  std::string received;
  int writes = 0;
  size_t last_slices = 0;  // buffer chunks in the latest write (one HTTP chunk each)
  std::function<void(relay::write_outcome)> pending;
  int status = 0;
  std::string body;
  bool finished = false;
  bool gone = false;
};

}  // namespace acepool::testing
