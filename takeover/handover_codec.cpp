#include "takeover/handover_codec.hpp"

#include <unistd.h>

#include <set>
#include <stdexcept>

#include "actors/relay/ts_packets.hpp"
#include "actors/relay/upstream_body.hpp"
#include "support/text_safety.hpp"

namespace acepool::takeover {

namespace {

using nlohmann::json;

/// A byte range of the attachment, appended.
json put(std::string& blob, const std::string& bytes) {
  json r = json::array({blob.size(), bytes.size()});
  blob += bytes;
  return r;
}

int put_fd(std::vector<int>& fds, int fd) {
  fds.push_back(fd);
  return static_cast<int>(fds.size() - 1);
}

/// Reads the offer; throws std::runtime_error (or json's own) on anything malformed.
class reader {
 public:
  explicit reader(channel_message& m) : m_(m) {}

  std::string text(const json& j, const char* field) {
    const auto& v = j.at(field);
    if (!v.is_string()) throw std::runtime_error(std::string(field) + " is not a string");
    return v.get<std::string>();
  }
  uint64_t count(const json& j, const char* field) {
    const auto& v = j.at(field);
    if (!v.is_number_integer() || v.get<int64_t>() < 0)
      throw std::runtime_error(std::string(field) + " is not a count");
    return v.get<uint64_t>();
  }
  bool flag(const json& j, const char* field) {
    const auto& v = j.at(field);
    if (!v.is_boolean()) throw std::runtime_error(std::string(field) + " is not a boolean");
    return v.get<bool>();
  }
  std::string bytes(const json& j, const char* field) {
    const auto& v = j.at(field);
    if (!v.is_array() || v.size() != 2) throw std::runtime_error(std::string(field) + ": no range");
    auto offset = count(json{{"o", v[0]}}, "o"), size = count(json{{"s", v[1]}}, "s");
    if (offset > m_.blob.size() || size > m_.blob.size() - offset)
      throw std::runtime_error(std::string(field) + ": outside the attachment");
    return m_.blob.substr(offset, size);
  }
  /// Takes descriptor number `field` (each at most once).
  int fd(const json& j, const char* field) {
    auto i = count(j, field);
    if (i >= m_.fds.size() || !used_.insert(i).second)
      throw std::runtime_error(std::string(field) + ": no such descriptor");
    int fd = m_.fds[i];
    m_.fds[i] = -1;
    return fd;
  }

 private:
  channel_message& m_;
  std::set<uint64_t> used_;
};

actors::relay_handover_ptr read_relay(reader& r, const json& j) {
  auto h = std::make_shared<actors::relay_handover>();
  try {
    h->key = r.text(j, "key");
    h->key_type = r.text(j, "key_type");
    h->params = r.text(j, "params");
    h->stream_id = r.text(j, "stream_id");
    h->playback_url = r.text(j, "playback_url");
    const auto& s = j.at("session");
    h->session = {r.text(s, "container_id"), r.text(s, "playback_session_id"),
                  r.text(s, "stat_url"), r.text(s, "command_url")};
    h->started_at_ms = static_cast<int64_t>(r.count(j, "started_at_ms"));
    h->failovers = r.count(j, "failovers");
    h->upstream_fd = r.fd(j, "upstream_fd");
    h->upstream_body = j.at("upstream_body");
    if (!relay::upstream_body::from_json(h->upstream_body))
      throw std::runtime_error("the upstream's framing state is not one this version reads");
    h->aligner_held = r.bytes(j, "aligner_held");
    if (h->aligner_held.size() >= 64 * relay::ts_packet_size)
      throw std::runtime_error("aligner_held is too long");
    h->aligner_waiting_for_pat = r.flag(j, "aligner_waiting_for_pat");
    const auto& hub = j.at("hub");
    h->hub.start = r.count(hub, "start");
    h->hub.bytes = r.bytes(hub, "bytes");
    h->hub.bytes_in = r.count(hub, "bytes_in");
    h->hub.bytes_out = r.count(hub, "bytes_out");
    uint64_t end = h->hub.start + h->hub.bytes.size();
    if (end < h->hub.start) throw std::runtime_error("hub positions overflow");
    for (const auto& p : hub.at("pats")) {
      auto pos = r.count(json{{"p", p}}, "p");
      if (pos < h->hub.start || pos >= end) throw std::runtime_error("a PAT outside the bytes");
      h->hub.pats.push_back(pos);
    }
    for (const auto& c : hub.at("clients")) {
      auto& client = h->hub.clients.emplace_back();
      client.socket.fd = r.fd(c, "fd");  // first: closed with the rest when anything is wrong
      client.pos = r.count(c, "pos");
      client.sent = r.count(c, "sent");
      client.socket.chunked = r.flag(c, "chunked");
      client.socket.unsent = r.bytes(c, "unsent");
      if (client.pos < h->hub.start || client.pos > end)
        throw std::runtime_error("a client's position outside the bytes");
      if (client.socket.unsent.size() > (4u << 20))
        throw std::runtime_error("a client's unsent bytes are too many");
    }
  } catch (...) {
    actors::close_handover(*h);
    throw;
  }
  return h;
}

}  // namespace

channel_message encode_offer(const handover_offer& offer, const std::string& version) {
  channel_message m;
  json listeners = json::array();
  for (const auto& [name, fd] : offer.listeners)
    listeners.push_back({{"name", name}, {"fd", put_fd(m.fds, fd)}});
  json relays = json::array();
  for (const auto& h : offer.relays) {
    json clients = json::array();
    for (const auto& c : h->hub.clients)
      clients.push_back({{"pos", c.pos},
                         {"sent", c.sent},
                         {"fd", put_fd(m.fds, c.socket.fd)},
                         {"chunked", c.socket.chunked},
                         {"unsent", put(m.blob, c.socket.unsent)}});
    relays.push_back({{"key", h->key},
                      {"key_type", h->key_type},
                      {"params", h->params},
                      {"stream_id", h->stream_id},
                      {"playback_url", h->playback_url},
                      {"session",
                       {{"container_id", h->session.container_id},
                        {"playback_session_id", h->session.playback_session_id},
                        {"stat_url", h->session.stat_url},
                        {"command_url", h->session.command_url}}},
                      {"started_at_ms", std::max<int64_t>(0, h->started_at_ms)},
                      {"failovers", h->failovers},
                      {"upstream_fd", put_fd(m.fds, h->upstream_fd)},
                      {"upstream_body", h->upstream_body},
                      {"aligner_held", put(m.blob, h->aligner_held)},
                      {"aligner_waiting_for_pat", h->aligner_waiting_for_pat},
                      {"hub",
                       {{"start", h->hub.start},
                        {"bytes", put(m.blob, h->hub.bytes)},
                        {"pats", h->hub.pats},
                        {"bytes_in", h->hub.bytes_in},
                        {"bytes_out", h->hub.bytes_out},
                        {"clients", clients}}}});
  }
  m.header = support::dump_json({{"offer",
                                  {{"protocol", protocol_version},
                                   {"version", version},
                                   {"listeners", listeners},
                                   {"relays", relays}}}});
  return m;
}

std::variant<handover_offer, std::string> decode_offer(channel_message m) {
  handover_offer offer;
  try {
    auto root = json::parse(m.header);
    const auto& o = root.at("offer");
    if (!o.at("protocol").is_number_integer() ||
        o.at("protocol").get<int64_t>() != protocol_version)
      throw std::runtime_error("the running acepool speaks takeover protocol " +
                               o.at("protocol").dump() + ", this one " +
                               std::to_string(protocol_version));
    reader r(m);
    for (const auto& l : o.at("listeners")) {
      auto name = r.text(l, "name");
      if (offer.listeners.count(name) > 0) throw std::runtime_error("listener " + name + " twice");
      offer.listeners[name] = r.fd(l, "fd");
    }
    for (const auto& j : o.at("relays"))
      offer.relays.push_back(read_relay(r, j));
  } catch (const std::exception& e) {
    close_offer(offer);
    close_fds(m);
    return std::string("cannot read the running acepool's state: ") + e.what();
  }
  close_fds(m);  // any descriptor the offer did not name
  return offer;
}

void close_offer(handover_offer& offer) {
  for (auto& [name, fd] : offer.listeners)
    if (fd >= 0) ::close(fd);
  offer.listeners.clear();
  for (auto& h : offer.relays)
    actors::close_handover(*h);
  offer.relays.clear();
}

channel_message control_message(const std::string& field, const nlohmann::json& value) {
  channel_message m;
  m.header = support::dump_json({{field, value}});
  return m;
}

std::optional<std::pair<std::string, nlohmann::json>> read_control(const channel_message& m) {
  auto j = json::parse(m.header, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.size() != 1) return std::nullopt;
  return std::make_pair(j.begin().key(), j.begin().value());
}

}  // namespace acepool::takeover
