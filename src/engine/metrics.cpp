// Sharded call counters, the observer call, and their Prometheus text form.
#include "engine/metrics.hpp"

#include <exception>
#include <limits>
#include <string>

#include "jwtservice/errors.hpp"

namespace jwtservice::detail {
namespace {

/// Shards per service; a thread keeps the one it was given, so up to this many threads never
/// share a counter line.
constexpr std::size_t kShards = 64;

/// Two cache lines: the adjacent-line prefetcher pairs lines, so one line is not enough.
constexpr std::size_t kShardAlignment = 128;

/// Hands out shards to threads in turn.
std::atomic<std::size_t> g_next_shard{0};

/// Constant-initialised, so reading it costs a plain thread-local load (no init guard).
thread_local std::size_t t_shard = kShards;

std::size_t thread_shard() noexcept {
  if (t_shard == kShards) [[unlikely]] {
    t_shard = g_next_shard.fetch_add(1, std::memory_order_relaxed) % kShards;
  }
  return t_shard;
}

void bump(std::atomic<std::uint64_t>& counter) noexcept { counter.fetch_add(1, std::memory_order_relaxed); }

}  // namespace

struct alignas(kShardAlignment) Metrics::Shard {
  std::array<std::atomic<std::uint64_t>, reason_count> validations{};
  std::array<std::atomic<std::uint64_t>, reason_count> consumptions{};
  std::atomic<std::uint64_t> creations{0};
  std::atomic<std::uint64_t> creation_refusals{0};
  std::atomic<std::uint64_t> revocations{0};
};

Metrics::Metrics(Observer observer, MonotonicClock monotonic_clock, const SafeLog& log)
    : shards_(std::make_unique<Shard[]>(kShards)),
      observer_(std::move(observer)),
      monotonic_clock_(monotonic_clock ? std::move(monotonic_clock) : MonotonicClock{&steady_now}),
      log_(log) {}

Metrics::~Metrics() = default;

std::chrono::nanoseconds Metrics::start() const {
  return observer_ ? monotonic_clock_() : std::chrono::nanoseconds{0};
}

void Metrics::record(const Event& event, std::chrono::nanoseconds started) const noexcept {
  count(event);
  if (observer_) notify(event, started);
}

void Metrics::count(const Event& event) const noexcept {
  Shard& shard = shards_[thread_shard()];
  const auto reason = static_cast<std::size_t>(event.reason);
  switch (event.operation) {
    case Operation::validate: bump(shard.validations[reason]); break;
    case Operation::consume: bump(shard.consumptions[reason]); break;
    case Operation::create:
      bump(event.reason == Reason::none ? shard.creations : shard.creation_refusals);
      break;
    case Operation::revoke:
    case Operation::revoke_jti:
      if (event.reason == Reason::none) bump(shard.revocations);
      break;
  }
}

void Metrics::notify(Event event, std::chrono::nanoseconds started) const noexcept {
  try {
    event.duration = monotonic_clock_() - started;
    observer_(event);
  } catch (...) {
    // An observer never changes an outcome; its failures are logged at most once a minute.
    constexpr std::int64_t kMinute = std::int64_t{60} * 1'000'000'000;
    std::int64_t now = 0;
    try {
      now = monotonic_clock_().count();
    } catch (...) {
      return;
    }
    std::int64_t last = last_observer_failure_log_.load(std::memory_order_relaxed);
    if (last != 0 && now - last < kMinute) return;
    if (!last_observer_failure_log_.compare_exchange_strong(last, now == 0 ? 1 : now)) return;
    log_(LogLevel::error, "the observer threw; the outcome is unchanged (logged at most once a minute)");
  }
}

Stats Metrics::stats() const noexcept {
  Stats out;
  for (std::size_t s = 0; s < kShards; ++s) {
    const Shard& shard = shards_[s];
    for (std::size_t r = 0; r < reason_count; ++r) {
      out.validations[r] += shard.validations[r].load(std::memory_order_relaxed);
      out.consumptions[r] += shard.consumptions[r].load(std::memory_order_relaxed);
    }
    out.creations += shard.creations.load(std::memory_order_relaxed);
    out.creation_refusals += shard.creation_refusals.load(std::memory_order_relaxed);
    out.revocations += shard.revocations.load(std::memory_order_relaxed);
  }
  return out;
}

}  // namespace jwtservice::detail

namespace jwtservice {
namespace {

bool valid_metric_prefix(std::string_view prefix) noexcept {
  auto first = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  };
  if (prefix.empty() || !first(prefix.front())) return false;
  for (const char c : prefix.substr(1)) {
    if (!first(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

void counter(std::string& out, std::string_view prefix, std::string_view name, std::string_view help) {
  out.append("# HELP ").append(prefix).append("_").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(prefix).append("_").append(name).append(" counter\n");
}

}  // namespace

std::string to_prometheus(const Stats& stats, std::string_view prefix) {
  if (!valid_metric_prefix(prefix)) {
    throw InvalidArgument("to_prometheus: the prefix must match [a-zA-Z_:][a-zA-Z0-9_:]*");
  }
  std::string out;
  out.reserve(2048);
  counter(out, prefix, "validations_total",
          "Tokens validated (validar and consumir), by reason; \"none\" is valid.");
  for (std::size_t r = 0; r < reason_count; ++r) {
    out.append(prefix).append("_validations_total{reason=\"").append(to_string(static_cast<Reason>(r)));
    out.append("\"} ").append(std::to_string(stats.validations[r] + stats.consumptions[r])).append("\n");
  }
  auto single = [&](std::string_view name, std::string_view help, std::uint64_t value) {
    counter(out, prefix, name, help);
    out.append(prefix).append("_").append(name).append(" ").append(std::to_string(value)).append("\n");
  };
  single("creations_total", "Tokens issued.", stats.creations);
  single("creation_refusals_total", "Token creations refused (rate limit or invalid request).",
         stats.creation_refusals);
  single("revocations_total", "Revocations stored (revogar and revogar_jti that returned true).",
         stats.revocations);
  return out;
}

}  // namespace jwtservice
