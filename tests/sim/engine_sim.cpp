#include "tests/sim/engine_sim.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <random>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/sim/sha1.hpp"
#include "tests/sim/ts_mux.hpp"

namespace acepool::sim {

using clock_type = std::chrono::steady_clock;
using nlohmann::json;

namespace {

constexpr size_t max_batch_packets = 1024;  // 192 KB per write at most
const char* const unknown_session = R"({"response":null,"error":"unknown playback session id"})";

std::string random_hex(size_t n) {
  static std::mt19937_64 gen{std::random_device{}()};
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i)
    s.push_back(digits[gen() & 0xf]);
  return s;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string unix_now() {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
}

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

}  // namespace

struct engine_sim::session {
  std::string infohash;
  std::string token;
  std::string playback_session_id;
  uint32_t seed = 0;
  ts_schedule schedule;
  bool stopped = false;
  std::optional<clock_type::time_point> stream_start;
  clock_type::time_point last_activity = clock_type::now();
  std::set<playback*> readers;
  uint64_t bytes_sent = 0;

  uint64_t live_index() const {
    if (!stream_start) return 0;
    return static_cast<uint64_t>(seconds_since(*stream_start) * schedule.packets_per_second());
  }
};

/// One playback connection: waits out the prebuffer delay, then writes paced TS in chunks.
class engine_sim::playback : public std::enable_shared_from_this<playback> {
 public:
  playback(engine_sim& owner, std::shared_ptr<connection> conn, std::shared_ptr<session> s)
      : owner_(owner), conn_(std::move(conn)), session_(std::move(s)), timer_(owner.io_) {}

  void start() {
    session_->readers.insert(this);
    ++owner_.stats.playback_connections;
    auto self = shared_from_this();
    conn_->watch_for_close([self] { self->finish(); });
    timer_.expires_after(std::chrono::milliseconds(owner_.knobs_.prebuffer_ms));
    timer_.async_wait([self](const asio::error_code& ec) {
      if (!ec) self->begin();
    });
  }

  /// Ends the connection (session stopped or the process is shutting down).
  void stop() { conn_->close(); }

 private:
  void begin() {
    if (done_ || conn_->closed()) return finish();
    if (!session_->stream_start) session_->stream_start = clock_type::now();
    index_ = session_->live_index();
    started_ = last_pump_ = clock_type::now();
    auto self = shared_from_this();
    auto head = std::make_shared<std::string>(
        "HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\nTransfer-Encoding: chunked\r\nConnection: "
        "close\r\n\r\n");
    asio::async_write(conn_->socket(), asio::buffer(*head),
                      [self, head](const asio::error_code& ec, size_t) {
                        if (ec) return self->finish();
                        self->pump();
                      });
  }

  void wait_then_pump(std::chrono::microseconds d) {
    auto self = shared_from_this();
    timer_.expires_after(d);
    timer_.async_wait([self](const asio::error_code& ec) {
      if (!ec) self->pump();
    });
  }

  void pump() {
    if (done_ || conn_->closed()) return finish();
    const auto& k = owner_.knobs_;
    double elapsed = seconds_since(started_);
    if (k.reset_after_s && elapsed >= *k.reset_after_s) {
      conn_->close(true);
      return finish();
    }
    if (k.eof_after_s && elapsed >= *k.eof_after_s) return end_of_stream();
    if (k.stall_after_s && elapsed >= *k.stall_after_s)
      return wait_then_pump(std::chrono::milliseconds(50));
    auto now = clock_type::now();
    size_t n;
    if (k.bitrate == 0) {
      n = max_batch_packets / 2;
    } else {
      credit_ += std::chrono::duration<double>(now - last_pump_).count() * k.bitrate /
                 (ts_packet_size * 8);
      credit_ = std::min(credit_, static_cast<double>(max_batch_packets));
      last_pump_ = now;
      if (credit_ < 1) {
        auto wait_us = static_cast<int64_t>((1 - credit_) * 1e6 * ts_packet_size * 8 / k.bitrate);
        return wait_then_pump(std::chrono::microseconds(std::max<int64_t>(wait_us, 2000)));
      }
      n = static_cast<size_t>(credit_);
      credit_ -= static_cast<double>(n);
    }
    auto buf = std::make_shared<std::string>();
    char size_line[24];
    int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", n * ts_packet_size);
    buf->reserve(static_cast<size_t>(len) + n * ts_packet_size + 2);
    buf->append(size_line, static_cast<size_t>(len));
    size_t off = buf->size();
    buf->resize(off + n * ts_packet_size);
    for (size_t i = 0; i < n; ++i)
      make_packet(session_->schedule, session_->seed, index_ + i,
                  reinterpret_cast<uint8_t*>(&(*buf)[off + i * ts_packet_size]));
    buf->append("\r\n");
    auto self = shared_from_this();
    asio::async_write(conn_->socket(), asio::buffer(*buf),
                      [self, buf, n](const asio::error_code& ec, size_t) {
                        if (ec) return self->finish();
                        self->index_ += n;
                        self->owner_.stats.bytes_sent += n * ts_packet_size;
                        self->session_->bytes_sent += n * ts_packet_size;
                        self->pump();
                      });
  }

  void end_of_stream() {
    auto self = shared_from_this();
    auto tail = std::make_shared<std::string>("0\r\n\r\n");
    asio::async_write(conn_->socket(), asio::buffer(*tail),
                      [self, tail](const asio::error_code&, size_t) {
                        self->conn_->close();
                        self->finish();
                      });
  }

  void finish() {
    if (done_) return;
    done_ = true;
    asio::error_code ec;
    timer_.cancel(ec);
    session_->readers.erase(this);
    session_->last_activity = clock_type::now();
    --owner_.stats.playback_connections;
  }

  engine_sim& owner_;
  std::shared_ptr<connection> conn_;
  std::shared_ptr<session> session_;
  asio::steady_timer timer_;
  uint64_t index_ = 0;
  double credit_ = 0;
  clock_type::time_point started_, last_pump_;
  bool done_ = false;
};

engine_sim::engine_sim(asio::io_context& io, knobs& k, uint16_t port)
    : io_(io), knobs_(k), port_(port), reaper_(io) {
  reap_idle_sessions();
}

engine_sim::~engine_sim() {
  asio::error_code ec;
  reaper_.cancel(ec);
}

void engine_sim::reap_idle_sessions() {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    auto& s = *it->second;
    if (s.readers.empty() &&
        clock_type::now() - s.last_activity > std::chrono::seconds(knobs_.session_idle_s)) {
      std::fprintf(stderr, "{\"event\":\"session.idle_end\",\"infohash\":\"%s\"}\n",
                   s.infohash.c_str());
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  reaper_.expires_after(std::chrono::seconds(1));
  reaper_.async_wait([this](const asio::error_code& ec) {
    if (!ec) reap_idle_sessions();
  });
}

void engine_sim::reply_later(const std::shared_ptr<connection>& c, response r, int delay_ms) {
  if (delay_ms <= 0) return c->reply(std::move(r));
  auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(delay_ms));
  timer->async_wait([c, r = std::move(r), timer](const asio::error_code& ec) mutable {
    if (!ec) c->reply(std::move(r));
  });
}

void engine_sim::handle(const std::shared_ptr<connection>& c, request& r) {
  const auto& p = r.path;
  auto tail_token = [&](const std::string& prefix) -> std::optional<std::string> {
    if (p.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
    auto rest = p.substr(prefix.size());  // <infohash>/<token>
    auto slash = rest.find('/');
    if (slash == std::string::npos) return std::nullopt;
    return rest.substr(slash + 1);
  };
  if (p == "/ace/getstream" || p == "/ace/getstream/" || p == "/ace/manifest.m3u8")
    return getstream(c, r);
  if (auto t = tail_token("/ace/r/")) return play(c, *t);
  if (auto t = tail_token("/ace/stat/")) return stat(c, *t);
  if (auto t = tail_token("/ace/cmd/")) return command(c, r, *t);
  if (p == "/server/api") return server_api(c, r);
  if (p == "/webui/api/service") {
    if (r.param("method") == "get_version")
      return c->reply(json_response(
          200,
          R"({"result":{"code":3017000,"platform":"linux","version":"3.1.70"},"error":null})"));
    return c->reply(json_response(200, R"({"result":null,"error":"unknown method"})"));
  }
  if (p == "/sim/stats") return sim_stats(c);
  if (p == "/sim/control" && (r.method == "POST" || r.method == "PUT")) return sim_control(c, r);
  c->reply(json_response(404, R"({"error":"not found"})"));
}

void engine_sim::getstream(const std::shared_ptr<connection>& c, request& r) {
  if (knobs_.hang == "getstream") return c->hang();
  std::string selector, value;
  for (const char* name : {"id", "content_id", "infohash", "url", "magnet"}) {
    if (!r.param(name).empty()) {
      selector = name;
      value = r.param(name);
      break;
    }
  }
  const bool as_json = r.param("format") == "json";
  if (value.empty()) {
    if (as_json)
      return reply_later(c, json_response(200, R"({"response":null,"error":"missing content id"})"),
                         knobs_.json_delay_ms);
    return c->reply(json_response(400, R"({"error":"missing content id"})"));
  }
  if (as_json && !knobs_.json_error.empty())
    return reply_later(
        c, json_response(200, json{{"response", nullptr}, {"error", knobs_.json_error}}.dump()),
        knobs_.json_delay_ms);
  auto s = std::make_shared<session>();
  s->infohash = selector == "infohash" ? lower(value) : sha1_hex(value);
  s->token = random_hex(32);
  s->playback_session_id = random_hex(40);
  s->seed = seed_of(s->infohash.c_str());
  s->schedule = *ts_schedule::for_bitrate(knobs_.bitrate, static_cast<uint32_t>(knobs_.gop));
  sessions_[s->token] = s;
  ++stats.sessions_started;
  std::fprintf(stderr, "{\"event\":\"session.start\",\"infohash\":\"%s\",\"token\":\"%s\"}\n",
               s->infohash.c_str(), s->token.c_str());
  auto host = r.header("host");
  if (host.empty()) host = "127.0.0.1:" + std::to_string(port_);
  auto base = "http://" + host;
  auto playback_url = base + "/ace/r/" + s->infohash + "/" + s->token;
  if (!as_json) {
    response redirect;
    redirect.status = 302;
    redirect.headers.emplace_back("Location", playback_url);
    return c->reply(redirect);
  }
  json body{{"response",
             {{"playback_url", playback_url},
              {"stat_url", base + "/ace/stat/" + s->infohash + "/" + s->token},
              {"command_url", base + "/ace/cmd/" + s->infohash + "/" + s->token},
              {"infohash", s->infohash},
              {"playback_session_id", s->playback_session_id},
              {"is_live", 1},
              {"is_encrypted", 0},
              {"client_session_id", -1},
              {"bitrate", static_cast<int64_t>(s->schedule.bitrate)}}},
            {"error", nullptr}};
  reply_later(c, json_response(200, body.dump()), knobs_.json_delay_ms);
}

void engine_sim::play(const std::shared_ptr<connection>& c, const std::string& token) {
  auto it = sessions_.find(token);
  if (it == sessions_.end() || it->second->stopped)
    return c->reply(json_response(404, R"({"error":"not found"})"));
  if (knobs_.hang == "playback") return c->hang();
  std::make_shared<playback>(*this, c, it->second)->start();
}

void engine_sim::stat(const std::shared_ptr<connection>& c, const std::string& token) {
  ++stats.stat_requests;
  auto it = sessions_.find(token);
  if (it == sessions_.end() || it->second->stopped)
    return c->reply(json_response(200, unknown_session));
  const auto& s = *it->second;
  auto now = unix_now();
  auto first = std::to_string(std::stoll(now) - 1800);
  int64_t kbps = static_cast<int64_t>(s.schedule.bitrate / 8 / 1024);
  json body{{"response",
             {{"status", s.stream_start ? "dl" : "prebuf"},
              {"peers", knobs_.peers},
              {"speed_down", kbps},
              {"speed_up", kbps / 10},
              {"downloaded", s.bytes_sent},
              {"uploaded", s.bytes_sent / 10},
              {"total_progress", 0},
              {"playback_session_id", s.playback_session_id},
              {"infohash", s.infohash},
              {"is_live", 1},
              {"livepos",
               {{"pos", now},
                {"last", now},
                {"first_ts", first},
                {"last_ts", now},
                {"is_live", "1"},
                {"buffer_pieces", "30"}}}}},
            {"error", nullptr}};
  c->reply(json_response(200, body.dump()));
}

void engine_sim::command(const std::shared_ptr<connection>& c, request& r,
                         const std::string& token) {
  auto it = sessions_.find(token);
  if (it == sessions_.end() || it->second->stopped || r.param("method") != "stop")
    return c->reply(json_response(200, unknown_session));
  auto s = it->second;
  s->stopped = true;
  ++stats.stops;
  std::vector<playback*> readers(s->readers.begin(), s->readers.end());
  for (auto* p : readers)
    p->stop();
  sessions_.erase(it);
  std::fprintf(stderr, "{\"event\":\"session.stop\",\"infohash\":\"%s\"}\n", s->infohash.c_str());
  c->reply(json_response(200, R"({"response":"ok","error":null})"));
}

void engine_sim::server_api(const std::shared_ptr<connection>& c, request& r) {
  auto method = r.param("method");
  if (method == "get_status") {
    if (knobs_.hang == "status") return c->hang();
    if (knobs_.unhealthy)
      return c->reply(json_response(500, R"({"result":null,"error":"engine unhealthy"})"));
    int64_t kbps = static_cast<int64_t>((knobs_.bitrate == 0 ? 2e6 : knobs_.bitrate) / 8 / 1024);
    json body{{"result",
               {{"playlist_loaded", true},
                {"version", {{"code", 3017000}, {"platform", "linux"}, {"version", "3.1.70"}}},
                {"speed_down", sessions_.empty() ? 0 : kbps},
                {"speed_up", sessions_.empty() ? 0 : kbps / 10},
                {"peers", sessions_.empty() ? 0 : knobs_.peers}}},
              {"error", nullptr}};
    return c->reply(json_response(200, body.dump()));
  }
  if (method == "get_network_connection_status")
    return c->reply(json_response(200, R"({"result":{"connected":true},"error":null})"));
  c->reply(json_response(200, R"({"result":null,"error":"unknown method"})"));
}

void engine_sim::sim_stats(const std::shared_ptr<connection>& c) {
  json body{{"sessions_started", stats.sessions_started},
            {"sessions_active", sessions_.size()},
            {"playback_connections", stats.playback_connections},
            {"bytes_sent", stats.bytes_sent},
            {"stops", stats.stops},
            {"stat_requests", stats.stat_requests},
            {"knobs", knobs_.to_json()}};
  c->reply(json_response(200, body.dump()));
}

void engine_sim::sim_control(const std::shared_ptr<connection>& c, request& r) {
  auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded()) return c->reply(json_response(400, R"({"error":"body is not JSON"})"));
  if (auto err = knobs_.set_json(body))
    return c->reply(json_response(400, json{{"error", *err}}.dump()));
  c->reply(json_response(200, json{{"knobs", knobs_.to_json()}}.dump()));
}

}  // namespace acepool::sim
