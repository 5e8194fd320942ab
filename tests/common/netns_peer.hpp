#pragma once

#include <map>
#include <string>
#include <vector>

namespace acepool::testing {

/// A client on another host, as far as acepool can tell: a network namespace this test creates
/// with a veth pair, the host side 198.18.N.1/30 and the namespace side 198.18.N.2/30 (RFC 2544's
/// benchmarking range), removed on destruction. Without the rights to create one the test
/// process exits 77 (ctest: skipped), or fails under CI=true.
class netns_peer {
 public:
  netns_peer();
  ~netns_peer();
  netns_peer(const netns_peer&) = delete;
  netns_peer& operator=(const netns_peer&) = delete;

  /// The address of this host as the namespace reaches it (198.18.N.1).
  const std::string& host_address() const { return host_addr_; }
  /// The namespace's own address (198.18.N.2): the peer acepool sees.
  const std::string& peer_address() const { return peer_addr_; }

  /// An HTTP answer seen from the namespace.
  struct answer {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  ///< lower-case names
  };
  /// `curl` inside the namespace: `method` `url` with `headers` ("Name: value") and `body`.
  answer call(const std::string& method, const std::string& url,
              const std::vector<std::string>& headers = {}, const std::string& body = "") const;

 private:
  int lock_fd_ = -1;
  int index_ = 0;
  std::string ns_, host_if_, host_addr_, peer_addr_;
};

}  // namespace acepool::testing
