// InMemoryRevocationStore: flat per-shard tables read under a seqlock, written under a mutex.
//
// Layout of a shard (all of it reachable by readers is atomic, so a reader racing a writer
// reads stale or mixed values, never undefined ones, and the seqlock discards them):
// - cells: 56-byte records in chunks of 4096 that never move or get freed while the store
//   lives (freed cells are reused), reached through a chunk directory. A head cell holds the
//   expiry, the jti's length, the index of its next cell and the first 40 bytes of the jti;
//   a continuation cell holds the next index and 48 more bytes.
// - slots: a power-of-two open-addressing index (linear probing, backward-shift deletion) of
//   32-bit values: 6 bits of the jti's hash (to skip most foreign cells without reading them)
//   and the head cell's index + 1 (0 = empty).
// - heap: the head cells by expiry, for the sweeps (writer-only).
// When the index or the directory grows, the old one is kept until the store is destroyed, as
// a reader may still be walking it; both double, so the retired ones hold less than the live.
//
// Seqlock: a writer makes `seq` odd, changes the shard with release stores, and makes it even
// again (release); a reader reads `seq` (acquire), walks the shard with acquire loads (plain
// loads on x86) and retries unless `seq` is then unchanged and even. A reader that saw any
// store of a change therefore sees `seq` moved. No standalone fences: TSan does not model them.
// A revoke that returned true has made `seq` even after its insert; any is_revoked that starts
// later reads that value or a newer one, so it sees the insert. Readers never write, so lookups
// in different threads share the lines they read.
#include "jwtservice/memory_store.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "jwtservice/detail/saturating.hpp"

namespace jwtservice {
namespace {

constexpr std::size_t kShards = 16;
constexpr std::size_t kShardBits = 4;
constexpr std::size_t kHeadBytes = 40;  // jti bytes in a head cell
constexpr std::size_t kMoreBytes = 48;  // jti bytes in a continuation cell
constexpr std::uint32_t kChunkBits = 12;
constexpr std::uint32_t kChunkCells = std::uint32_t{1} << kChunkBits;
constexpr std::uint32_t kIndexBits = 26;  // a slot holds the cell index + 1 in its low bits
constexpr std::uint32_t kIndexMask = (std::uint32_t{1} << kIndexBits) - 1;
constexpr std::uint32_t kMaxCells = kIndexMask - 1;  // per shard: about a billion in the store
constexpr std::size_t kMinSlots = 64;
constexpr int kSweepBatch = 256;  // removals per write section, so readers never wait long

struct Cell {
  std::array<std::atomic<std::uint64_t>, 7> w;
};
static_assert(sizeof(Cell) == 56);

/// An immutable-size array of atomics that readers may walk after it is retired.
template <class T>
struct AtomicArray {
  explicit AtomicArray(std::size_t n) : size(n), at(new std::atomic<T>[n]) {}  // value-initialised (C++20)
  const std::size_t size;
  const std::unique_ptr<std::atomic<T>[]> at;
};
using Slots = AtomicArray<std::uint32_t>;
using Directory = AtomicArray<Cell*>;

/// Bytes [offset, offset + 8) of `key`, zero-padded: the form the cells store.
std::uint64_t key_word(std::string_view key, std::size_t offset) noexcept {
  std::uint64_t word = 0;
  if (offset < key.size())
    std::memcpy(&word, key.data() + offset, std::min<std::size_t>(8, key.size() - offset));
  return word;
}

std::uint64_t hash_of(std::string_view key) noexcept { return std::hash<std::string_view>{}(key); }
std::uint32_t tag_of(std::uint64_t hash) noexcept {
  return static_cast<std::uint32_t>(hash >> 58) << kIndexBits;
}
std::size_t home_of(std::uint64_t hash, std::size_t mask) noexcept { return (hash >> kShardBits) & mask; }

const Cell* cell_at(const Directory& dir, std::uint32_t index) noexcept {
  const std::size_t chunk = index >> kChunkBits;
  if (chunk >= dir.size) return nullptr;
  const Cell* cells = dir.at[chunk].load(std::memory_order_acquire);
  return cells == nullptr ? nullptr : cells + (index & (kChunkCells - 1));
}

/// Whether the head cell `index` holds `key`; its expiry in `expires_at`. Atomic loads only:
/// safe on data a writer is changing (the caller's seqlock check discards such a result).
bool holds(const Directory& dir, std::uint32_t index, std::string_view key,
           std::int64_t& expires_at) noexcept {
  const Cell* head = cell_at(dir, index);
  if (head == nullptr) return false;
  const std::uint64_t meta = head->w[1].load(std::memory_order_acquire);
  if ((meta & 0xffff'ffffU) != key.size()) return false;
  for (std::size_t j = 0; j * 8 < std::min(key.size(), kHeadBytes); ++j)
    if (head->w[2 + j].load(std::memory_order_acquire) != key_word(key, j * 8)) return false;
  auto next = static_cast<std::uint32_t>(meta >> 32);
  for (std::size_t offset = kHeadBytes; offset < key.size(); offset += kMoreBytes) {  // bounded by the key
    const Cell* more = next == 0 ? nullptr : cell_at(dir, next - 1);
    if (more == nullptr) return false;
    for (std::size_t j = 0; j * 8 < std::min(key.size() - offset, kMoreBytes); ++j)
      if (more->w[1 + j].load(std::memory_order_acquire) != key_word(key, offset + j * 8)) return false;
    next = static_cast<std::uint32_t>(more->w[0].load(std::memory_order_acquire));
  }
  expires_at = static_cast<std::int64_t>(head->w[0].load(std::memory_order_acquire));
  return true;
}

// The padding keeps the readers' line apart from the writers' mutex.
struct Shard {  // NOLINT(clang-analyzer-optin.performance.Padding)
  // Read by every lookup, written by writers only: a line of their own.
  alignas(64) std::atomic<std::uint64_t> seq{0};  // odd while a writer changes the shard
  std::atomic<const Slots*> slots{nullptr};
  std::atomic<const Directory*> dir{nullptr};

  // Everything below is the writers', under `mutex`.
  alignas(64) std::mutex mutex;
  std::vector<std::unique_ptr<Slots>> slot_tables;  // the last is current; the others retired
  std::vector<std::unique_ptr<Directory>> dirs;     // likewise
  std::vector<std::unique_ptr<Cell[]>> chunks;
  std::uint32_t cells_used = 0;  // cells ever handed out of the chunks
  std::uint32_t free_cells = 0;  // head of the free list (index + 1), linked through w[0]
  std::size_t entries = 0;
  std::vector<std::uint32_t> heap;  // head cells, min-heap by expiry
  std::string scratch;              // key_of's buffer

  Shard() {
    slot_tables.push_back(std::make_unique<Slots>(kMinSlots));
    slots.store(slot_tables.back().get(), std::memory_order_release);
    dirs.push_back(std::make_unique<Directory>(4));
    dir.store(dirs.back().get(), std::memory_order_release);
  }

  /// Marks a change in progress for as long as it lives.
  class WriteSection {
   public:
    explicit WriteSection(Shard& shard) : shard_(shard) {
      // Odd first: every store a reader can see below is a release, so a reader that sees one
      // of them also sees this odd value when it reads `seq` again (no fences: TSan models none).
      shard_.seq.store(shard_.seq.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    ~WriteSection() {
      shard_.seq.store(shard_.seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
    WriteSection(const WriteSection&) = delete;
    WriteSection& operator=(const WriteSection&) = delete;
    WriteSection(WriteSection&&) = delete;
    WriteSection& operator=(WriteSection&&) = delete;

   private:
    Shard& shard_;
  };

  // ---- the lock-free read ----

  /// The head cell holding `key` and its expiry, as of one consistent moment.
  bool find(std::uint64_t hash, std::string_view key, std::int64_t& expires_at) const noexcept {
    for (int attempt = 0;; ++attempt) {
      const std::uint64_t before = seq.load(std::memory_order_acquire);
      if ((before & 1U) != 0) {
        if (attempt > 64) std::this_thread::yield();
        continue;
      }
      const bool found = probe(hash, key, expires_at);  // acquire loads: the check below stays after them
      if (seq.load(std::memory_order_relaxed) == before) return found;
    }
  }

  bool probe(std::uint64_t hash, std::string_view key, std::int64_t& expires_at) const noexcept {
    const Slots& table = *slots.load(std::memory_order_acquire);
    const Directory& cells = *dir.load(std::memory_order_acquire);
    const std::size_t mask = table.size - 1;
    const std::uint32_t tag = tag_of(hash);
    for (std::size_t i = home_of(hash, mask), n = 0; n <= mask; i = (i + 1) & mask, ++n) {
      const std::uint32_t slot = table.at[i].load(std::memory_order_acquire);
      if (slot == 0) return false;
      if ((slot & ~kIndexMask) == tag && holds(cells, (slot & kIndexMask) - 1, key, expires_at)) return true;
    }
    return false;
  }

  // ---- the writers' side (mutex held) ----

  Cell& cell(std::uint32_t index) const { return *const_cast<Cell*>(cell_at(*dirs.back(), index)); }

  [[nodiscard]] std::int64_t expiry(std::uint32_t head) const {
    return static_cast<std::int64_t>(cell(head).w[0].load(std::memory_order_relaxed));
  }

  /// The jti a head cell holds, rebuilt in `scratch` (to rehash it); valid until the next call.
  /// Never allocates: insert() keeps scratch's capacity at the longest jti stored.
  [[nodiscard]] std::string_view key_of(std::uint32_t head) {
    const Cell& h = cell(head);
    const std::uint64_t meta = h.w[1].load(std::memory_order_relaxed);
    scratch.resize(meta & 0xffff'ffffU);
    std::string& key = scratch;
    auto copy = [&key](std::size_t offset, std::uint64_t word) {
      if (offset < key.size())
        std::memcpy(key.data() + offset, &word, std::min<std::size_t>(8, key.size() - offset));
    };
    for (std::size_t j = 0; j < kHeadBytes / 8; ++j)
      copy(j * 8, h.w[2 + j].load(std::memory_order_relaxed));
    auto next = static_cast<std::uint32_t>(meta >> 32);
    for (std::size_t offset = kHeadBytes; offset < key.size(); offset += kMoreBytes) {
      const Cell& more = cell(next - 1);
      for (std::size_t j = 0; j < kMoreBytes / 8; ++j)
        copy(offset + j * 8, more.w[1 + j].load(std::memory_order_relaxed));
      next = static_cast<std::uint32_t>(more.w[0].load(std::memory_order_relaxed));
    }
    return key;
  }

  [[nodiscard]] std::size_t slot_of(std::uint32_t head) {
    const Slots& table = *slot_tables.back();
    const std::size_t mask = table.size - 1;
    for (std::size_t i = home_of(hash_of(key_of(head)), mask);; i = (i + 1) & mask)
      if ((table.at[i].load(std::memory_order_relaxed) & kIndexMask) == head + 1) return i;
  }

  static std::size_t cells_for(std::size_t length) {
    return length <= kHeadBytes ? 1 : 1 + (length - kHeadBytes + kMoreBytes - 1) / kMoreBytes;
  }

  /// Takes `count` cells (free ones first), allocating chunks as needed. Called before the
  /// write section: it may throw, and changes nothing a reader can reach.
  std::vector<std::uint32_t> take_cells(std::size_t count) {
    std::vector<std::uint32_t> taken;
    taken.reserve(count);
    while (taken.size() < count && free_cells != 0) {
      taken.push_back(free_cells - 1);
      free_cells = static_cast<std::uint32_t>(cell(free_cells - 1).w[0].load(std::memory_order_relaxed));
    }
    try {
      while (taken.size() < count) {
        if (cells_used >= kMaxCells) throw std::length_error("InMemoryRevocationStore: too many revocations");
        if ((cells_used >> kChunkBits) >= chunks.size()) add_chunk();
        taken.push_back(cells_used++);
      }
    } catch (...) {
      for (const std::uint32_t index : taken)
        release_cell(index);
      throw;
    }
    return taken;
  }

  void add_chunk() {
    const Directory& old_dir = *dirs.back();
    if (chunks.size() == old_dir.size) {  // a bigger directory first, published before use
      auto bigger = std::make_unique<Directory>(old_dir.size * 2);
      for (std::size_t i = 0; i < old_dir.size; ++i)
        bigger->at[i].store(old_dir.at[i].load(std::memory_order_relaxed), std::memory_order_relaxed);
      dirs.reserve(dirs.size() + 1);
      dirs.push_back(std::move(bigger));
      dir.store(dirs.back().get(), std::memory_order_release);
    }
    chunks.reserve(chunks.size() + 1);
    chunks.push_back(std::make_unique<Cell[]>(kChunkCells));
    dirs.back()->at[chunks.size() - 1].store(chunks.back().get(), std::memory_order_release);
  }

  void release_cell(std::uint32_t index) {
    cell(index).w[0].store(free_cells, std::memory_order_release);
    free_cells = index + 1;
  }

  /// A bigger index, built aside and published in one store (the old one stays readable).
  void grow_slots() {
    const Slots& old_table = *slot_tables.back();
    auto bigger = std::make_unique<Slots>(old_table.size * 2);
    const std::size_t mask = bigger->size - 1;
    for (std::size_t i = 0; i < old_table.size; ++i) {
      const std::uint32_t slot = old_table.at[i].load(std::memory_order_relaxed);
      if (slot == 0) continue;
      std::size_t j = home_of(hash_of(key_of((slot & kIndexMask) - 1)), mask);
      while (bigger->at[j].load(std::memory_order_relaxed) != 0)
        j = (j + 1) & mask;
      bigger->at[j].store(slot, std::memory_order_relaxed);
    }
    slot_tables.reserve(slot_tables.size() + 1);
    slot_tables.push_back(std::move(bigger));
    slots.store(slot_tables.back().get(), std::memory_order_release);
  }

  void insert(std::uint64_t hash, std::string_view key, std::int64_t expires_at) {
    if ((entries + 1) * 4 > slot_tables.back()->size * 3) grow_slots();  // load factor <= 3/4
    if (heap.size() == heap.capacity()) heap.reserve(std::max<std::size_t>(64, heap.capacity() * 2));
    if (scratch.capacity() < key.size()) scratch.reserve(key.size());  // so erase() never allocates
    const std::vector<std::uint32_t> taken = take_cells(cells_for(key.size()));
    // Nothing below throws: the change is whole or absent.
    const WriteSection section{*this};
    for (std::size_t c = 0; c < taken.size(); ++c) {
      Cell& cl = cell(taken[c]);
      const std::uint64_t next = c + 1 < taken.size() ? taken[c + 1] + 1 : 0;
      if (c == 0) {
        cl.w[0].store(static_cast<std::uint64_t>(expires_at), std::memory_order_release);
        cl.w[1].store(key.size() | (next << 32), std::memory_order_release);
        for (std::size_t j = 0; j < kHeadBytes / 8; ++j)
          cl.w[2 + j].store(key_word(key, j * 8), std::memory_order_release);
      } else {
        const std::size_t offset = kHeadBytes + (c - 1) * kMoreBytes;
        cl.w[0].store(next, std::memory_order_release);
        for (std::size_t j = 0; j < kMoreBytes / 8; ++j)
          cl.w[1 + j].store(key_word(key, offset + j * 8), std::memory_order_release);
      }
    }
    const Slots& table = *slot_tables.back();
    const std::size_t mask = table.size - 1;
    std::size_t i = home_of(hash, mask);
    while (table.at[i].load(std::memory_order_relaxed) != 0)
      i = (i + 1) & mask;
    table.at[i].store(tag_of(hash) | (taken[0] + 1), std::memory_order_release);
    ++entries;
    heap.push_back(taken[0]);
    std::push_heap(heap.begin(), heap.end(),
                   [this](std::uint32_t a, std::uint32_t b) { return expiry(a) > expiry(b); });
  }

  /// Removes the entry of head cell `head` (inside a write section).
  void erase(std::uint32_t head) {
    const Slots& table = *slot_tables.back();
    const std::size_t mask = table.size - 1;
    std::size_t hole = slot_of(head);
    for (std::size_t j = (hole + 1) & mask;; j = (j + 1) & mask) {  // backward-shift deletion
      const std::uint32_t slot = table.at[j].load(std::memory_order_relaxed);
      if (slot == 0) break;
      const std::size_t home = home_of(hash_of(key_of((slot & kIndexMask) - 1)), mask);
      if (((j - home) & mask) >= ((j - hole) & mask)) {  // its home is not in (hole, j]: it may move
        table.at[hole].store(slot, std::memory_order_release);
        hole = j;
      }
    }
    table.at[hole].store(0, std::memory_order_release);
    const std::size_t count = cells_for(cell(head).w[1].load(std::memory_order_relaxed) & 0xffff'ffffU);
    std::uint32_t index = head;
    for (std::size_t c = 0; c < count; ++c) {
      const auto next = static_cast<std::uint32_t>(
          cell(index).w[c == 0 ? 1 : 0].load(std::memory_order_relaxed) >> (c == 0 ? 32 : 0));
      release_cell(index);
      index = next - 1;
    }
    --entries;
  }

  /// Drops every entry expired at `now`, a bounded batch per write section.
  void purge(std::int64_t now) {
    const auto later = [this](std::uint32_t a, std::uint32_t b) { return expiry(a) > expiry(b); };
    while (!heap.empty() && expiry(heap.front()) <= now) {
      const WriteSection section{*this};
      for (int n = 0; n < kSweepBatch && !heap.empty() && expiry(heap.front()) <= now; ++n) {
        std::pop_heap(heap.begin(), heap.end(), later);
        erase(heap.back());
        heap.pop_back();
      }
    }
  }
};

}  // namespace

struct InMemoryRevocationStore::Impl {
  explicit Impl(Clock c) : clock(c ? std::move(c) : Clock{&system_now}) {}
  std::array<Shard, kShards> shards;
  Clock clock;
  std::atomic<std::size_t> sweep_cursor{0};

  Shard& shard_for(std::uint64_t hash) { return shards[hash & (kShards - 1)]; }

  void sweep(std::size_t index, std::int64_t now) {
    Shard& shard = shards[index];
    const std::scoped_lock lock{shard.mutex};
    shard.purge(now);
  }
};

InMemoryRevocationStore::InMemoryRevocationStore(Clock clock)
    : impl_(std::make_unique<Impl>(std::move(clock))) {}

InMemoryRevocationStore::~InMemoryRevocationStore() = default;

bool InMemoryRevocationStore::is_revoked(std::string_view jti) const {
  const std::uint64_t hash = hash_of(jti);
  std::int64_t expires_at = 0;
  if (!impl_->shard_for(hash).find(hash, jti, expires_at)) return false;  // the common case needs no clock
  return expires_at > impl_->clock();
}

bool InMemoryRevocationStore::revoke(std::string_view jti, std::int64_t ttl_seconds,
                                     const RevocationMetadata&) {
  if (ttl_seconds <= 0) return false;
  if (jti.size() > 0xffff'ffffU) throw std::length_error("InMemoryRevocationStore: jti longer than 4 GiB");
  const std::int64_t now = impl_->clock();
  const std::int64_t expires_at = detail::sat_add(now, ttl_seconds);
  impl_->sweep(impl_->sweep_cursor.fetch_add(1, std::memory_order_relaxed) % kShards, now);
  const std::uint64_t hash = hash_of(jti);
  Shard& shard = impl_->shard_for(hash);
  const std::scoped_lock lock{shard.mutex};
  shard.purge(now);  // so an entry still found is live
  std::int64_t existing = 0;
  if (shard.probe(hash, jti, existing)) return false;  // the writer's own view needs no seqlock
  shard.insert(hash, jti, expires_at);
  return true;
}

void InMemoryRevocationStore::purge_expired() {
  const std::int64_t now = impl_->clock();
  for (std::size_t i = 0; i < kShards; ++i)
    impl_->sweep(i, now);
}

std::size_t InMemoryRevocationStore::size() const {
  std::size_t n = 0;
  for (auto& shard : impl_->shards) {
    const std::scoped_lock lock{shard.mutex};
    n += shard.entries;
  }
  return n;
}

}  // namespace jwtservice
