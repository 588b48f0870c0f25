#include "webhooks/delivery_engine.hpp"

#include <boost/json/parse.hpp>
#include <curl/curl.h>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "metrics/instruments.hpp"
#include "store/store.hpp"
#include "webhooks/chat_format.hpp"
#include "webhooks/model.hpp"
#include "webhooks/signer.hpp"
#include "webhooks/ssrf_guard.hpp"

namespace gp::webhooks {

namespace json = boost::json;

namespace {

constexpr std::size_t kResponseCap = 4096;  // bytes of a receiver's answer kept in the log
constexpr int kRecordIntervalMs = 10;        // outcomes are stored in groups at most this often
constexpr std::size_t kOutcomesPerCall = 64;  // outcomes handed to the store at once (SQLite stores fewer)
constexpr int kIdlePollMs = 60000;          // nothing scheduled: sleep until notify()
constexpr int kErrorPauseMs = 1000;         // after a store error, before trying again
constexpr int kRecordTries = 10;            // failed writes of the same outcomes before they are given up
// A receiver's Retry-After (on 429 and 503) may put off a retry by up to twice its scheduled
// delay, or up to this when that is longer; never less than the schedule says.
constexpr domain::Millis kMaxRetryAfterMs = 3600 * 1000;

class CurlEvents;

// One attempt in flight. Transfers (and their easy handles) are reused, so the
// multi handle's connection cache keeps connections to receivers open.
struct Transfer {
    CURL* easy = nullptr;
    CurlEvents* events = nullptr;
    bool guarded = true;  // the SSRF guard judges the addresses connected to
    PendingDelivery delivery;
    curl_slist* headers = nullptr;
    std::string response;
    bool response_capped = false;  // stopped reading at kResponseCap
    std::string refused;           // why the SSRF guard refused an address
    std::chrono::steady_clock::time_point started;
    char error[CURL_ERROR_SIZE] = {};
};

// libcurl's multi_socket interface over epoll: libcurl is told which sockets are ready and
// runs only their transfers. curl_multi_perform ran every transfer in flight each time, each
// with a poll() of its socket, and curl_multi_poll polled all of them (3.3 poll calls per
// delivery, at 1.5-2.5 us per system call on the benchmark VM). A socket its transfer is done
// with stays in the epoll set, as the next transfer on that kept-alive connection usually wants
// it at once; it leaves when an event comes for it with no transfer waiting, or when libcurl
// closes it.
class CurlEvents {
public:
    explicit CurlEvents(CURLM* multi) : multi_(multi) {
        epoll_ = epoll_create1(EPOLL_CLOEXEC);
        wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = wake_;
        if (epoll_ < 0 || wake_ < 0 || epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev) != 0)
            throw std::runtime_error("webhook engine: epoll setup failed");
        curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, on_socket);
        curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    }
    ~CurlEvents() {
        ::close(wake_);
        ::close(epoll_);
    }
    CurlEvents(const CurlEvents&) = delete;
    CurlEvents& operator=(const CurlEvents&) = delete;

    void wake() {  // any thread
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto n = ::write(wake_, &one, sizeof one);
    }

    // Lets libcurl run the transfers whose timer is due (new ones start so). libcurl's next
    // timer is asked each time (curl_multi_timeout), not kept from CURLMOPT_TIMERFUNCTION:
    // that one is not called again for the same expiry, so a timer run a little early (it
    // counts whole milliseconds) would be lost.
    void run_timers() {
        if (timeout_ms() != 0) return;
        int running = 0;
        curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
    }

    // Waits up to wait_ms (less if libcurl's next timer is earlier) for socket events or
    // wake(), and hands the events to libcurl.
    void wait(int wait_ms) {
        if (const long t = timeout_ms(); t >= 0) wait_ms = static_cast<int>(std::min<long>(wait_ms, t));
        epoll_event events[64];
        const int n = epoll_wait(epoll_, events, 64, wait_ms);
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == wake_) {
                std::uint64_t count = 0;
                [[maybe_unused]] const auto r = ::read(wake_, &count, sizeof count);
                continue;
            }
            const auto it = watched_.find(fd);
            if (it == watched_.end()) continue;  // closed by libcurl for an earlier event of this batch
            if (!it->second.wanted) {
                epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
                watched_.erase(it);
                continue;
            }
            const std::uint32_t e = events[i].events;
            const int bits = (e & (EPOLLIN | EPOLLHUP | EPOLLRDHUP) ? CURL_CSELECT_IN : 0) |
                             (e & EPOLLOUT ? CURL_CSELECT_OUT : 0) | (e & EPOLLERR ? CURL_CSELECT_ERR : 0);
            int running = 0;
            curl_multi_socket_action(multi_, fd, bits, &running);
        }
    }

    // Every easy handle's CURLOPT_OPENSOCKETFUNCTION and CURLOPT_CLOSESOCKETFUNCTION report here:
    // only sockets known to be open stay in the epoll set without a transfer (a closed one
    // leaves it by itself, and its number may come back for another socket).
    void opened(curl_socket_t s) {
        watched_.erase(s);
        own_.insert(s);
    }
    void closed(curl_socket_t s) {
        watched_.erase(s);
        own_.erase(s);
    }

private:
    static int on_socket(CURL*, curl_socket_t s, int what, void* self, void*) {
        static_cast<CurlEvents*>(self)->watch(s, what);
        return 0;
    }
    long timeout_ms() {  // -1: no timer
        long ms = -1;
        curl_multi_timeout(multi_, &ms);
        return ms;
    }

    void watch(curl_socket_t s, int what) {
        if (what == CURL_POLL_REMOVE) {
            const auto it = watched_.find(s);
            if (it == watched_.end()) return;
            if (own_.contains(s)) {
                it->second.wanted = false;  // see the class comment
                return;
            }
            epoll_ctl(epoll_, EPOLL_CTL_DEL, s, nullptr);
            watched_.erase(it);
            return;
        }
        const std::uint32_t events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
        const auto [it, added] = watched_.try_emplace(s);
        it->second.wanted = true;
        if (!added && it->second.events == events) return;
        it->second.events = events;
        epoll_event ev{};
        ev.events = events;
        ev.data.fd = s;
        // ADD for a socket new to the set, MOD for one in it; the other if the set says otherwise.
        if (epoll_ctl(epoll_, added ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, s, &ev) != 0 && errno == (added ? EEXIST : ENOENT))
            epoll_ctl(epoll_, added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s, &ev);
    }

    struct Watch {
        std::uint32_t events = 0;
        bool wanted = false;  // a transfer waits for it
    };
    CURLM* multi_;
    int epoll_ = -1;
    int wake_ = -1;
    std::unordered_map<curl_socket_t, Watch> watched_;  // the sockets in the epoll set
    std::unordered_set<curl_socket_t> own_;             // sockets opened and not closed yet
};

std::size_t on_response(char* data, std::size_t, std::size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    if (t->response.size() + n > kResponseCap) {
        t->response.append(data, kResponseCap - t->response.size());
        t->response_capped = true;
        return 0;  // aborts the transfer; the status line has been read already
    }
    t->response.append(data, n);
    return n;
}

// CURLOPT_OPENSOCKETFUNCTION: runs on every address libcurl is about to connect
// to, after DNS, so the guard sees the address actually used.
curl_socket_t open_socket(void* user, curlsocktype, curl_sockaddr* a) {
    auto* t = static_cast<Transfer*>(user);
    if (t->guarded)
        if (auto kind = forbidden_address_kind(&a->addr)) {
            t->refused = address_text(&a->addr) + " is a " + *kind + " address";
            return CURL_SOCKET_BAD;
        }
    const curl_socket_t s = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    if (s != CURL_SOCKET_BAD) t->events->opened(s);
    return s;
}

int close_socket(void* events, curl_socket_t s) {
    static_cast<CurlEvents*>(events)->closed(s);
    return ::close(s);
}

// The log is served as JSON, so a receiver's answer is kept as valid UTF-8: invalid
// sequences (and a character cut in two by the cap) become U+FFFD.
std::string valid_utf8(std::string_view in) {
    static constexpr std::uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};  // no overlong forms
    std::string out;
    out.reserve(in.size());
    std::size_t i = 0;
    while (i < in.size()) {
        const auto c = static_cast<unsigned char>(in[i]);
        const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
        bool ok = len > 0 && i + len <= in.size();
        std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
        for (std::size_t k = 1; ok && k < len; ++k) {
            const auto cc = static_cast<unsigned char>(in[i + k]);
            ok = (cc & 0xc0) == 0x80;
            cp = (cp << 6) | (cc & 0x3f);
        }
        if (ok && cp >= kMinForLength[len] && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff)) {
            out.append(in.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

// During a secret rotation both signatures, space-separated, as the spec allows; the new first.
std::string standard_signatures(const PendingDelivery& d, std::string_view id, std::int64_t timestamp) {
    std::string out = standard_signature(d.secret, id, timestamp, d.body);
    if (d.previous_secret) out.append(" ").append(standard_signature(*d.previous_secret, id, timestamp, d.body));
    return out;
}

std::int64_t unix_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The answer's Retry-After (delay-seconds or an HTTP date) in milliseconds from now.
std::optional<domain::Millis> retry_after(CURL* easy) {
    curl_header* h = nullptr;
    if (curl_easy_header(easy, "Retry-After", 0, CURLH_HEADER, -1, &h) != CURLHE_OK) return std::nullopt;
    const std::string_view value = h->value;
    constexpr std::int64_t kYear = 365LL * 86400;  // longer is as good as forever; keeps * 1000 in range
    std::int64_t seconds = 0;
    if (!value.empty() && value.find_first_not_of("0123456789") == std::string_view::npos) {
        for (char c : value.substr(0, 12)) seconds = seconds * 10 + (c - '0');
    } else {
        const time_t at = curl_getdate(h->value, nullptr);
        if (at == -1) return std::nullopt;
        seconds = std::max<std::int64_t>(0, at - unix_seconds());
    }
    return std::min(seconds, kYear) * 1000;
}

// Discord's rate limit answer: 429 with {"retry_after": <seconds, fractional>} in the body.
std::optional<domain::Millis> retry_after_in_body(std::string_view response) {
    boost::system::error_code ec;
    const json::value v = json::parse(response, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const json::value* seconds = v.as_object().if_contains("retry_after");
    if (!seconds || !seconds->is_number()) return std::nullopt;
    const double s = seconds->to_number<double>();
    if (!(s >= 0)) return std::nullopt;
    return static_cast<domain::Millis>(std::ceil(std::min(s, 365.0 * 86400) * 1000));
}

}  // namespace

class DeliveryEngine::Loop {
public:
    Loop(store::StoreOpener open_store, EngineOptions options)
        : open_store_(std::move(open_store)),
          options_(std::move(options)),
          per_webhook_cap_(std::max(1, options_.max_in_flight / 4)) {
        // libcurl allocates a 16 KiB download buffer per transfer and frees it when the transfer
        // ends; glibc then gave the top of this thread's heap back to the kernel and faulted it in
        // again for the next transfers (sysmalloc, mprotect, page faults: 5% of the engine's
        // time in a burst). Freed memory up to this much stays with the process.
        mallopt(M_TRIM_THRESHOLD, 64 << 20);
        curl_global_init(CURL_GLOBAL_DEFAULT);
        multi_ = curl_multi_init();
        if (!multi_) throw std::runtime_error("curl_multi_init failed");
        // Keep a connection open for every slot: by default the cache holds four per handle
        // in the multi at the time, and a handle leaves it after each attempt, so a burst that
        // dips below a quarter of its slots closed connections to reopen them a moment later.
        curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(options_.max_in_flight));
        events_ = std::make_unique<CurlEvents>(multi_);
    }

    ~Loop() {
        stop();
        for (auto& t : transfers_) {
            curl_multi_remove_handle(multi_, t->easy);  // harmless when not added
            curl_easy_cleanup(t->easy);
            curl_slist_free_all(t->headers);
        }
        curl_multi_cleanup(multi_);  // closes the cached connections: events_ hears of it
        events_.reset();
        curl_global_cleanup();
    }

    void start() {
        if (thread_.joinable()) return;
        stopping_ = false;
        thread_ = std::thread([this] { run(); });
    }

    void begin_stop(std::chrono::milliseconds drain) {
        drain_until_ = domain::now_ms() + drain.count();
        stopping_ = true;
        events_->wake();
    }

    void stop() {
        if (!thread_.joinable()) return;
        if (!stopping_) begin_stop(std::chrono::milliseconds(0));
        thread_.join();
    }

    void notify() {
        if (!wake_requested_.exchange(true)) events_->wake();
    }

private:
    void run() {
        // Background work: this thread runs on CPU time the event loop (the API and the
        // WebSocket feed) leaves over (SCHED_IDLE applies to the calling thread alone).
        // A nice value was not enough: the loop still waited behind it on a shared core.
        // It stays SCHED_IDLE while it holds SQLite's write lock: the loop, waiting for the
        // lock, sleeps and leaves it the CPU; only other processes saturating every core
        // could slow it there (SCHED_IDLE still gets a small share, never none).
        sched_param idle{};
        sched_setscheduler(0, SCHED_IDLE, &idle);
        std::unique_ptr<store::Store> store;
        try {
            store = open_store_();
        } catch (const std::exception& e) {
            spdlog::critical("msg=\"webhook delivery engine cannot open the store\" error=\"{}\"", e.what());
            return;
        }
        spdlog::info("msg=\"webhook delivery engine started\" max_in_flight={} per_webhook={} allow_private={}",
                     options_.max_in_flight, per_webhook_cap_, options_.allow_private);
        bool refill = true;  // look for due deliveries (at start: whatever is left from before)
        // notify() said deliveries were queued, or the next due one is due: while attempts are in
        // flight the engine looks at most every kRecordIntervalMs (the look after each group write
        // finds them too). In a burst the bus wakes it for every event, the newest deliveries are
        // always due within a millisecond, and each look is two queries.
        bool queued = false;
        domain::Millis last_look = 0;
        auto earliest_look = [&](domain::Millis now) {
            return in_flight_.empty() ? now : last_look + kRecordIntervalMs;
        };
        std::optional<domain::Millis> next_due;
        for (;;) {
            // Stopping: no new attempts; those in flight may finish until drain_until_.
            const bool stopping = stopping_;
            if (stopping && (in_flight_.empty() || domain::now_ms() >= drain_until_)) break;
            int wait_ms = kIdlePollMs;
            try {
                queued = wake_requested_.exchange(false) || queued;
                const auto now = domain::now_ms();
                const bool due = queued || (next_due && now >= *next_due);
                if (stopping) {
                    wait_ms = kRecordIntervalMs;
                } else if (now < paused_until_) {
                    refill = true;  // once the pause is over
                    wait_ms = static_cast<int>(paused_until_ - now);
                } else if (static_cast<int>(in_flight_.size()) >= options_.max_in_flight) {
                    // No free slot: nothing to look for until record() frees some (and sets refill).
                } else if (refill || (due && now >= earliest_look(now)) || (hold_wake_ && now >= *hold_wake_)) {
                    start_due(*store, now);
                    next_due = store->next_delivery_due(now);
                    refill = queued = false;
                    last_look = now;
                }
                events_->run_timers();
                auto finished = collect_finished();
                unrecorded_.insert(unrecorded_.end(), std::make_move_iterator(finished.begin()),
                                   std::make_move_iterator(finished.end()));
                // Outcomes are stored in groups, at most every kRecordIntervalMs, so there
                // is one commit per few attempts, not per attempt. Slots are released only
                // once an outcome is stored, so due_deliveries cannot hand out a delivery
                // whose outcome is not stored yet.
                if (!unrecorded_.empty()) {
                    if (now >= paused_until_ && now - last_record_ >= kRecordIntervalMs) {
                        last_record_ = now;
                        if (record(*store)) {
                            refill = true;  // freed slots: look again right away
                            wait_ms = 0;
                        }
                    }
                    // What is left is written at the next interval, or after a failed write's pause.
                    if (!unrecorded_.empty()) {
                        const auto next = std::max(paused_until_, last_record_ + kRecordIntervalMs);
                        wait_ms = std::min(wait_ms, static_cast<int>(std::max<domain::Millis>(next - now, 0)));
                    }
                }
                std::optional<domain::Millis> look_at = hold_wake_;
                const bool may_look = !stopping && now >= paused_until_ &&
                                      static_cast<int>(in_flight_.size()) < options_.max_in_flight;
                if (may_look && (queued || next_due)) {
                    const domain::Millis at = std::max(queued ? now : *next_due, earliest_look(now));
                    look_at = std::min(look_at.value_or(at), at);
                }
                if (look_at)
                    wait_ms = std::min(wait_ms, static_cast<int>(std::clamp<domain::Millis>(*look_at - now, 0,
                                                                                            kIdlePollMs)));
            } catch (const std::exception& e) {
                spdlog::error("msg=\"webhook delivery engine error\" error=\"{}\"", e.what());
                refill = true;
                wait_ms = kErrorPauseMs;
            }
            events_->wait(wait_ms);
        }
        record(*store);  // attempts that finished before the stop
        spdlog::info("msg=\"webhook delivery engine stopped\" abandoned_in_flight={}", in_flight_.size());
    }

    // Starts due deliveries into the free slots, skipping those already in flight,
    // webhooks at their share and webhooks held back (rate limit, Retry-After).
    void start_due(store::Store& store, domain::Millis now) {
        hold_wake_.reset();
        // Claimed (PostgreSQL) but not sent now: due again when a slot is free or the hold ends.
        std::vector<std::pair<Id, domain::Millis>> unsent;
        const int free_slots = options_.max_in_flight - static_cast<int>(in_flight_.size());
        for (auto& d : store.due_deliveries(now, per_webhook_cap_, free_slots)) {
            const Id id = d.id, webhook_id = d.webhook_id;
            if (in_flight_.contains(id)) continue;
            if (held(webhook_id, now)) {
                unsent.emplace_back(id, held_until_.at(webhook_id));
                continue;
            }
            if (static_cast<int>(in_flight_.size()) >= options_.max_in_flight ||
                in_flight_per_webhook_[webhook_id] >= per_webhook_cap_) {
                unsent.emplace_back(id, now);
                continue;
            }
            const DeliveryOptions& opts = options_for(d);
            // A rate limit spreads a burst: the next delivery waits for its slot, counted from this
            // send (`now` is from before the store's query, which may have taken a while).
            if (opts.rate_limit)
                held_until_[webhook_id] = domain::now_ms() + static_cast<domain::Millis>(1000 / *opts.rate_limit);
            const int attempt = d.attempt;
            try {
                send(std::move(d), opts);
            } catch (const std::exception& e) {
                // Nothing was sent: a failed attempt like any other, so one bad delivery cannot stall the engine.
                AttemptOutcome o;
                o.delivery_id = id;
                o.webhook_id = webhook_id;
                o.attempt = attempt;
                o.error = std::string("the request could not be made: ") + e.what();
                finish(o, std::nullopt);
                unrecorded_.push_back(std::move(o));
            }
            in_flight_.insert(id);
            ++in_flight_per_webhook_[webhook_id];
        }
        if (!unsent.empty()) store.release_deliveries(unsent);
    }

    // True while a webhook is held back; hold_wake_ becomes the earliest end of a hold.
    bool held(Id webhook_id, domain::Millis now) {
        if (held_until_.empty()) return false;
        const auto it = held_until_.find(webhook_id);
        if (it == held_until_.end()) return false;
        if (it->second <= now) {
            held_until_.erase(it);
            return false;
        }
        hold_wake_ = std::min(hold_wake_.value_or(it->second), it->second);
        return true;
    }

    const DeliveryOptions& options_for(const PendingDelivery& d) {
        static const DeliveryOptions kDefaults;
        if (!d.options) return kDefaults;
        auto& [text, parsed] = options_cache_[d.webhook_id];
        if (text != *d.options) {
            parsed = decode_options(d.options);
            text = *d.options;
        }
        return parsed;
    }

    // Throws, before taking a transfer, if the body or a signature cannot be made.
    void send(PendingDelivery d, const DeliveryOptions& opts) {
        // A chat format replaces the body sent (and signed); the log keeps the event's JSON.
        if (opts.format != Format::Json) d.body = chat_body(opts.format, opts.templates, d.body);
        const std::string id = message_id(d.id);
        const std::int64_t timestamp = unix_seconds();
        const std::string headers[] = {
            "Content-Type: application/json",
            "X-Webhook-Event: " + d.event_type,
            "X-Webhook-Signature: " + body_signature(d.secret, d.body),
            "webhook-id: " + id,
            "webhook-timestamp: " + std::to_string(timestamp),
            "webhook-signature: " + (opts.signature_scheme == SignatureScheme::Ed25519
                                         ? ed25519_signature(opts.signing_key, id, timestamp, d.body)
                                         : standard_signatures(d, id, timestamp)),
            "Expect:",  // no 100-continue round trip for larger bodies
        };

        Transfer& t = idle_transfer();
        t.delivery = std::move(d);
        t.response.clear();
        t.response_capped = false;
        t.refused.clear();
        t.error[0] = '\0';
        const std::string& body = t.delivery.body;
        curl_slist_free_all(t.headers);
        t.headers = nullptr;
        for (const auto& h : headers) t.headers = curl_slist_append(t.headers, h.c_str());
        for (const auto& [name, value] : opts.headers)
            t.headers = curl_slist_append(t.headers, (name + ": " + value).c_str());
        curl_easy_setopt(t.easy, CURLOPT_TIMEOUT_MS,
                         static_cast<long>(opts.timeout_ms ? *opts.timeout_ms : options_.attempt_timeout.count()));

        curl_easy_setopt(t.easy, CURLOPT_URL, t.delivery.url.c_str());
        curl_easy_setopt(t.easy, CURLOPT_HTTPHEADER, t.headers);
        curl_easy_setopt(t.easy, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(t.easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        t.started = std::chrono::steady_clock::now();
        curl_multi_add_handle(multi_, t.easy);
    }

    Transfer& idle_transfer() {
        if (!idle_.empty()) {
            Transfer* t = idle_.back();
            idle_.pop_back();
            return *t;
        }
        auto& t = *transfers_.emplace_back(std::make_unique<Transfer>());
        t.easy = curl_easy_init();
        if (!t.easy) throw std::runtime_error("curl_easy_init failed");
        CURL* e = t.easy;
        curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_response);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_PROXY, "");  // ignore *_proxy variables: the guard judges the receiver itself
        curl_easy_setopt(e, CURLOPT_USERAGENT, "gamepicker-webhooks/1");
        t.events = events_.get();
        t.guarded = !options_.allow_private;
        curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
        curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, &t);
        curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
        curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, events_.get());
        return t;
    }

    std::vector<AttemptOutcome> collect_finished() {
        std::vector<AttemptOutcome> out;
        int left = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
            if (msg->msg != CURLMSG_DONE) continue;
            Transfer* t = nullptr;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
            out.push_back(outcome(*t, msg->data.result));
            curl_multi_remove_handle(multi_, t->easy);
            idle_.push_back(t);
        }
        return out;
    }

    AttemptOutcome outcome(const Transfer& t, CURLcode rc) {
        AttemptOutcome o;
        o.delivery_id = t.delivery.id;
        o.webhook_id = t.delivery.webhook_id;
        o.event_type = t.delivery.event_type;
        o.attempt = t.delivery.attempt;
        o.duration_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::steady_clock::now() - t.started)
                                             .count());
        o.response_body = valid_utf8(t.response);
        if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && t.response_capped)) {
            long code = 0;
            curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &code);
            o.status_code = static_cast<int>(code);
            o.success = code >= 200 && code < 300;
            if (!o.success) o.error = "HTTP " + std::to_string(code);
        } else if (!t.refused.empty()) {
            o.error = "refused by the SSRF guard: " + t.refused +
                      " (set ALLOW_PRIVATE_WEBHOOKS=1 to allow internal receivers)";
        } else {
            o.error = t.error[0] ? std::string(t.error) : std::string(curl_easy_strerror(rc));
        }
        // A receiver that asks for time gets it for all of the webhook's deliveries, not only this one.
        std::optional<domain::Millis> wanted;
        if (o.status_code == 429 || o.status_code == 503) wanted = retry_after(t.easy);
        if (!wanted && o.status_code == 429) wanted = retry_after_in_body(t.response);
        if (wanted) {
            auto& until = held_until_[o.webhook_id];
            until = std::max(until, domain::now_ms() + std::min(*wanted, kMaxRetryAfterMs));
        }
        finish(o, wanted);
        return o;
    }

    // Retry or give up, and count the attempt; `wanted` is the receiver's Retry-After.
    void finish(AttemptOutcome& o, std::optional<domain::Millis> wanted) {
        if (o.status_code == 410) {
            o.disable_reason = "the receiver answered 410 Gone";  // no retries either
        } else if (!o.success && o.attempt <= static_cast<int>(options_.retry_schedule.size())) {
            domain::Millis delay = jittered(options_.retry_schedule[o.attempt - 1]);
            if (wanted) delay = std::clamp(*wanted, delay, std::max(2 * delay, kMaxRetryAfterMs));
            o.retry_at = domain::now_ms() + delay;
        }
        metrics::instruments().webhook_attempt(o.success, o.retry_at.has_value());
        if (!o.success)
            spdlog::debug("msg=\"webhook attempt failed\" delivery_id={} webhook_id={} attempt={} error=\"{}\"",
                          o.delivery_id, o.webhook_id, o.attempt, *o.error);
    }

    // ±20 %, so receivers that failed together are not retried all at once.
    domain::Millis jittered(std::chrono::milliseconds delay) {
        std::uniform_real_distribution<double> factor(0.8, 1.2);
        return static_cast<domain::Millis>(static_cast<double>(delay.count()) * factor(rng_));
    }

    // Stores the finished attempts and releases their slots. A call to the store takes up to
    // kOutcomesPerCall outcomes and may store fewer (SQLite: a few per turn of the event loop,
    // which writes them); the rest go in the next call. Outcomes a
    // failed write could not store keep their slots and are written again after kErrorPauseMs,
    // so a passing failure (a deadlock, a restarting database, a full disk) loses no attempt
    // log; after kRecordTries failures in a row they are given up, their deliveries stay
    // pending and are sent again (an outcome the store refuses for good must not stop the
    // engine). True if slots were released.
    bool record(store::Store& store) {
        if (unrecorded_.empty()) return false;
        auto outcomes = std::exchange(unrecorded_, {});
        // In webhook order, each webhook's own outcomes as they finished: the store locks webhook
        // rows (PostgreSQL) in this order, the same in every instance, so two instances' engines
        // never each hold a row the other waits for.
        std::stable_sort(outcomes.begin(), outcomes.end(),
                         [](const AttemptOutcome& a, const AttemptOutcome& b) { return a.webhook_id < b.webhook_id; });
        std::size_t first = 0;
        while (first < outcomes.size()) {
            const auto part = std::span(outcomes).subspan(first, std::min(kOutcomesPerCall, outcomes.size() - first));
            try {
                first += store.record_attempts(part, options_.disable);
                failed_records_ = 0;
            } catch (const std::exception& e) {
                paused_until_ = domain::now_ms() + kErrorPauseMs;
                if (++failed_records_ < kRecordTries) {
                    spdlog::warn("msg=\"storing webhook attempts failed, trying again\" count={} failures={} error=\"{}\"",
                                 outcomes.size() - first, failed_records_, e.what());
                    unrecorded_.assign(std::make_move_iterator(outcomes.begin() + static_cast<std::ptrdiff_t>(first)),
                                       std::make_move_iterator(outcomes.end()));
                    outcomes.resize(first);
                    break;
                }
                spdlog::error("msg=\"storing webhook attempts failed, given up\" count={} error=\"{}\"", part.size(),
                              e.what());
                failed_records_ = 0;
                first += part.size();
            }
        }
        release(outcomes);
        return !outcomes.empty();
    }

    void release(const std::vector<AttemptOutcome>& outcomes) {
        for (const auto& o : outcomes) {
            in_flight_.erase(o.delivery_id);
            if (--in_flight_per_webhook_[o.webhook_id] == 0) in_flight_per_webhook_.erase(o.webhook_id);
        }
    }

    const store::StoreOpener open_store_;
    const EngineOptions options_;
    const int per_webhook_cap_;
    CURLM* multi_ = nullptr;
    std::unique_ptr<CurlEvents> events_;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::atomic<domain::Millis> drain_until_{0};
    std::atomic<bool> wake_requested_{false};

    // Engine thread only.
    std::vector<AttemptOutcome> unrecorded_;  // finished attempts waiting for the next group write
    domain::Millis last_record_ = 0;
    int failed_records_ = 0;  // failed writes in a row of the outcomes kept in unrecorded_
    domain::Millis paused_until_ = 0;  // no new attempts before this, after a failed store write
    std::vector<std::unique_ptr<Transfer>> transfers_;
    std::vector<Transfer*> idle_;
    std::unordered_set<Id> in_flight_;  // delivery ids, until their outcome is recorded
    std::unordered_map<Id, int> in_flight_per_webhook_;
    std::unordered_map<Id, std::pair<std::string, DeliveryOptions>> options_cache_;  // by webhook, with its text
    // Per webhook: no new attempt before this (a rate limit's next slot, a receiver's Retry-After).
    std::unordered_map<Id, domain::Millis> held_until_;
    std::optional<domain::Millis> hold_wake_;  // the earliest end of a hold that kept a due delivery back
    std::mt19937 rng_{std::random_device{}()};
};

DeliveryEngine::DeliveryEngine(store::StoreOpener open_store, EngineOptions options)
    : loop_(std::make_unique<Loop>(std::move(open_store), std::move(options))) {}
DeliveryEngine::~DeliveryEngine() = default;
void DeliveryEngine::start() { loop_->start(); }
void DeliveryEngine::begin_stop(std::chrono::milliseconds drain) { loop_->begin_stop(drain); }

void DeliveryEngine::stop() { loop_->stop(); }
void DeliveryEngine::notify() { loop_->notify(); }

}  // namespace gp::webhooks
