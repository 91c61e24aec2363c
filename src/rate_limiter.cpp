// TokenBucket: a global GCRA bucket behind a mutex, spent through per-thread caches.
//
// The design, and why it is exact.
//
// The global state is GCRA's "theoretical arrival time" `tat` plus `lent`, the tokens handed to
// thread caches and not yet settled (a cache is settled when its owner comes back for more,
// when a refusing thread reclaims it, or after its thread exits). Every lent token is counted
// in `tat` as if spent at lending. Write G for the global bucket's tokens, C for the unspent
// tokens in caches (C <= lent). Whenever the mutex is taken (the only time G is read or
// changed), the refill floor `tat >= now + C * interval` is applied with C read from the
// caches (materialize), so at every such instant
//   G + C <= capacity,
// and G + C is what a single ideal bucket fed the same successes would hold: GCRA counts the
// lent tokens as spent, the floor puts back the capacity the unspent ones still occupy, and
// tokens spent from a cache count exactly as spent. Between two such instants owners only
// spend (C falls), so the bound keeps holding. That is "never more successes than the global
// bucket allows", for every interleaving, not just on average.
//
// Refusal: a thread whose cache is empty takes the mutex; if G < 1 it settles EVERY cache
// (each unspent token goes back to G through an atomic exchange that races safely with the
// owner's compare-and-swap) and looks again. It refuses only when G < 1 after that, i.e. when
// the global bucket and every cache are empty. At a fixed time, of any number of threads
// exactly `capacity` calls succeed.
//
// An owner may spend a token between the floor's read of its cache and the mutex's release:
// the floor then held back at most those few tokens' refill (never more than was read).

// Lifetimes: a thread's caches live in a thread_local list keyed by the bucket's unique id
// (never its address, which a later bucket may reuse). The cache itself is shared between that
// list and the bucket's registry. At thread exit the cache is marked orphaned; the next thread
// to take the mutex settles and drops it (settling needs a time, which only a caller brings).
// A destroyed bucket's entries are pruned the next time the thread registers a cache.
#include "jwtservice/rate_limiter.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <limits>
#include <mutex>
#include <new>
#include <vector>

namespace jwtservice {
namespace detail {

/// One thread's tokens for one bucket, on a cache line of its own.
struct alignas(64) BucketCache {
  std::atomic<std::int64_t> tokens{0};  // unspent: the owner takes by CAS, a reclaimer by exchange
  std::int64_t lent = 0;                // guarded by BucketCore::mutex: lent since the last settle
  bool orphaned = false;                // guarded by BucketCore::mutex: its thread has exited
};

struct BucketCore {
  BucketCore(std::int64_t interval, std::int64_t burst, std::int64_t batch_size)
      : interval_ns(interval), burst_ns(burst), batch(batch_size) {}

  const std::int64_t interval_ns;  // time that refills one token
  const std::int64_t burst_ns;     // capacity, as time: per_minute intervals
  const std::int64_t batch;        // most tokens lent to a cache at once

  std::mutex mutex;
  std::int64_t tat = std::numeric_limits<std::int64_t>::min() / 2;  // guarded
  std::int64_t lent = 0;                                            // guarded: sum of caches' lent
  std::size_t orphans = 0;                                          // guarded
  std::vector<std::shared_ptr<BucketCache>> caches;                 // guarded

  // All below require the mutex.

  /// Applies the refill floor: the global bucket may hold at most capacity minus the tokens
  /// still unspent in caches. The global bucket is only read under the mutex, so the floor
  /// only matters at these instants; `lent` bounds the unspent tokens from above, and only when
  /// that bound binds are the caches read for the exact count (reads, on the slow path only).
  /// Spent-but-unsettled tokens must not count: they would withhold, for good, the refill an
  /// idle period earns. Must precede any change of `lent` or of a cache's tokens.
  void materialize(std::int64_t now) {
    if (now + lent * interval_ns <= tat) return;
    std::int64_t unspent = 0;
    for (const auto& cache : caches)
      unspent += cache->tokens.load(std::memory_order_relaxed);
    tat = std::max(tat, now + unspent * interval_ns);
  }

  /// Whole tokens in the global bucket at `now` (after materialize).
  [[nodiscard]] std::int64_t available(std::int64_t now) const {
    return std::max<std::int64_t>(0, (now + burst_ns - tat) / interval_ns);
  }

  /// Takes back a cache's unspent tokens; what it spent stays spent.
  void settle(BucketCache& cache) {
    const std::int64_t unspent = cache.tokens.exchange(0, std::memory_order_relaxed);
    tat -= unspent * interval_ns;
    lent -= cache.lent;
    cache.lent = 0;
  }

  void settle_all() {
    for (const auto& cache : caches)
      settle(*cache);
  }

  void drop_orphans() {
    if (orphans == 0) return;
    std::erase_if(caches, [this](const std::shared_ptr<BucketCache>& cache) {
      if (!cache->orphaned) return false;
      settle(*cache);
      return true;
    });
    orphans = 0;
  }
};

namespace {

std::atomic<std::uint64_t> next_bucket_id{1};

/// This thread's caches, one per bucket it has used.
class ThreadCaches {
 public:
  struct Entry {
    std::uint64_t id;
    std::weak_ptr<BucketCore> core;  // only for pruning and thread exit, never on the hot path
    std::shared_ptr<BucketCache> cache;
  };

  ThreadCaches() = default;
  ThreadCaches(const ThreadCaches&) = delete;
  ThreadCaches& operator=(const ThreadCaches&) = delete;
  ThreadCaches(ThreadCaches&&) = delete;
  ThreadCaches& operator=(ThreadCaches&&) = delete;

  ~ThreadCaches() {
    for (auto& entry : entries_) {
      if (const auto core = entry.core.lock()) {
        const std::scoped_lock lock{core->mutex};
        entry.cache->orphaned = true;
        ++core->orphans;
      }
    }
  }

  [[nodiscard]] BucketCache* find(std::uint64_t id) const noexcept {
    for (const auto& entry : entries_)
      if (entry.id == id) return entry.cache.get();
    return nullptr;
  }

  /// Registers a new cache for `id`; the caller holds core's mutex. Throws on allocation failure.
  BucketCache* add(std::uint64_t id, const std::shared_ptr<BucketCore>& core) {
    std::erase_if(entries_, [](const Entry& entry) { return entry.core.expired(); });
    auto cache = std::make_shared<BucketCache>();
    entries_.reserve(entries_.size() + 1);
    core->caches.push_back(cache);
    entries_.push_back(Entry{id, core, std::move(cache)});
    return entries_.back().cache.get();
  }

 private:
  std::vector<Entry> entries_;
};

thread_local ThreadCaches this_thread_caches;

}  // namespace
}  // namespace detail

TokenBucket::TokenBucket(std::int64_t per_minute) : id_(detail::next_bucket_id.fetch_add(1)) {
  // Beyond one token per nanosecond the interval cannot shrink; capping there also keeps
  // `now + burst` far from overflow for any per_minute.
  const std::int64_t n = std::clamp<std::int64_t>(per_minute, 1, std::int64_t{60'000'000'000});
  const std::int64_t interval = std::max<std::int64_t>(1, std::int64_t{60'000'000'000} / n);
  // At most 1/64 of the capacity sits in any one cache, and at most 64 tokens.
  const std::int64_t batch = std::clamp<std::int64_t>(n / 64, 1, 64);
  core_ = std::make_shared<detail::BucketCore>(interval, interval * n, batch);
}

TokenBucket::~TokenBucket() = default;

std::int64_t TokenBucket::per_minute() const noexcept { return core_->burst_ns / core_->interval_ns; }

std::int64_t TokenBucket::batch() const noexcept { return core_->batch; }

bool TokenBucket::try_acquire(std::chrono::nanoseconds now) noexcept {
  // The hot path: one compare-and-swap on this thread's own cache line.
  if (detail::BucketCache* cache = detail::this_thread_caches.find(id_)) {
    std::int64_t tokens = cache->tokens.load(std::memory_order_relaxed);
    while (tokens > 0) {
      if (cache->tokens.compare_exchange_weak(tokens, tokens - 1, std::memory_order_relaxed)) return true;
    }
  }
  return acquire_slow(now);
}

bool TokenBucket::acquire_slow(std::chrono::nanoseconds now) noexcept {
  detail::BucketCore& core = *core_;
  const std::int64_t t = now.count();
  const std::scoped_lock lock{core.mutex};
  core.materialize(t);
  core.drop_orphans();
  detail::BucketCache* cache = detail::this_thread_caches.find(id_);
  if (cache != nullptr) core.settle(*cache);
  std::int64_t available = core.available(t);
  if (available < 1) {
    core.settle_all();  // reclaim every cache before refusing
    available = core.available(t);
    if (available < 1) return false;
  }
  if (cache == nullptr && core.batch > 1) {
    try {
      cache = detail::this_thread_caches.add(id_, core_);
    } catch (const std::bad_alloc&) {
      cache = nullptr;  // no cache: this call takes its one token straight from the bucket
    }
  }
  // Lend less as the bucket runs low, so that threads do not take the last tokens from each other.
  const std::int64_t take =
      cache == nullptr ? 1 : std::min(core.batch, std::max<std::int64_t>(1, available / 2));
  core.tat += take * core.interval_ns;
  if (cache != nullptr) {
    core.lent += take;
    cache->lent += take;
    cache->tokens.store(take - 1, std::memory_order_relaxed);  // one is spent by this call
  }
  return true;
}

}  // namespace jwtservice
