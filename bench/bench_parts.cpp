// The pieces of jwtservice's validate and create, timed alone, to attribute its cost. Uses
// jwtservice's detail:: headers (internal: drop a benchmark here if the lead renames one).
#include <openssl/rand.h>

#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "bench_common.hpp"
#include "jwtservice/clock.hpp"
#include "jwtservice/detail/base64url.hpp"
#include "jwtservice/detail/hs256.hpp"
#include "support/json_strict.hpp"
#if __has_include("jwtservice/detail/claims.hpp")
#include "jwtservice/detail/claims.hpp"
#define JWTSERVICE_BENCH_HAVE_CLAIMS_READER 1
#endif
#include "jwtservice/detail/random.hpp"
#include "jwtservice/memory_store.hpp"

namespace bench {
namespace {

namespace d = jwtservice::detail;

std::string_view signing_input() {
  const std::string& t = the_token();
  return std::string_view{t}.substr(0, t.rfind('.'));
}
std::string_view segment(int i) {
  std::string_view t = the_token();
  for (int k = 0; k < i; ++k)
    t.remove_prefix(t.find('.') + 1);
  return t.substr(0, t.find('.'));
}
std::string decoded(int i) {
  std::string out;
  if (!d::base64url_decode(segment(i), out)) throw std::runtime_error("bad token");
  return out;
}

void BM_hs256_sign(benchmark::State& state) {
  const d::Hs256Key key{kSecret};
  const auto input = signing_input();
  for (auto _ : state) {
    auto mac = key.sign(input);
    benchmark::DoNotOptimize(mac);
  }
}

void BM_b64_decode_payload(benchmark::State& state) {
  const auto in = segment(1);
  for (auto _ : state) {
    std::string s;  // as validate does: a fresh string per call
    if (!d::base64url_decode(in, s)) state.SkipWithError("decode");
    benchmark::DoNotOptimize(s.data());
  }
}

void BM_json_strict(benchmark::State& state, int seg) {
  const std::string text = decoded(seg);
  for (auto _ : state) {
    nlohmann::json j;
    if (!d::parse_json_strict(text, j)) state.SkipWithError("parse");
    benchmark::DoNotOptimize(j);
  }
}

#ifdef JWTSERVICE_BENCH_HAVE_CLAIMS_READER
/// jwtservice's DOM-less claim reader (detail/claims.hpp) on the payload and the header.
void BM_read_claims(benchmark::State& state) {
  const std::string text = decoded(1);
  for (auto _ : state) {
    d::ClaimSpans spans;
    if (!d::read_claims(text, spans)) state.SkipWithError("read_claims");
    benchmark::DoNotOptimize(spans);
  }
}

void BM_read_header(benchmark::State& state) {
  const std::string text = decoded(0);
  for (auto _ : state) {
    d::HeaderSpans spans;
    if (!d::read_header(text, spans)) state.SkipWithError("read_header");
    benchmark::DoNotOptimize(spans);
  }
}
#endif

void BM_json_parse_payload(benchmark::State& state) {
  const std::string text = decoded(1);
  for (auto _ : state) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    benchmark::DoNotOptimize(j);
  }
}

/// nlohmann's lexer alone: a SAX handler that keeps nothing.
struct NoopSax final : nlohmann::json_sax<nlohmann::json> {
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }
};

void BM_json_sax_noop_payload(benchmark::State& state) {
  const std::string text = decoded(1);
  for (auto _ : state) {
    NoopSax sax;
    bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &sax);
    benchmark::DoNotOptimize(ok);
  }
}

void BM_uuid4(benchmark::State& state) {
  for (auto _ : state) {
    std::string u;
    u.reserve(36);
    d::append_uuid4(u);
    benchmark::DoNotOptimize(u.data());
  }
}

void BM_rand_bytes16(benchmark::State& state) {
  unsigned char b[16];
  for (auto _ : state) {
    if (RAND_bytes(b, sizeof b) != 1) state.SkipWithError("RAND_bytes");
    benchmark::DoNotOptimize(b);
  }
}

/// RAND_bytes drawn 4 KiB at a time and handed out 16 bytes per UUID: what batching would cost
/// per jti (a real implementation must also drop the batch in a forked child).
void BM_rand_bytes16_batched(benchmark::State& state) {
  unsigned char pool[4096];
  std::size_t used = sizeof pool;
  unsigned char b[16];
  for (auto _ : state) {
    if (used == sizeof pool) {
      if (RAND_bytes(pool, sizeof pool) != 1) state.SkipWithError("RAND_bytes");
      used = 0;
    }
    std::memcpy(b, pool + used, 16);
    used += 16;
    benchmark::DoNotOptimize(b);
  }
}

/// One claim string written the way create writes it today: json(value).dump().
void BM_json_string_dump(benchmark::State& state) {
  const std::string sub{kSub};
  for (auto _ : state) {
    auto s = nlohmann::json(sub).dump();
    benchmark::DoNotOptimize(s.data());
  }
}

/// extra_data rebuilt as nlohmann::json from its text (what a scanner-based validate would do).
void BM_json_parse_extra_data(benchmark::State& state) {
  const std::string text{kExtraDataJson};
  for (auto _ : state) {
    nlohmann::json j;
    if (!d::parse_json_strict(text, j)) state.SkipWithError("parse");
    benchmark::DoNotOptimize(j);
  }
}

void BM_extra_data_dump(benchmark::State& state) {
  const auto extra = nlohmann::json::parse(kExtraDataJson);
  for (auto _ : state) {
    auto s = extra.dump();
    benchmark::DoNotOptimize(s.data());
  }
}

void BM_extra_data_copy(benchmark::State& state) {
  const auto extra = nlohmann::json::parse(kExtraDataJson);
  for (auto _ : state) {
    nlohmann::json copy = extra;
    benchmark::DoNotOptimize(copy);
  }
}

/// The revocation stores' lookup alone (a jti not revoked, among others that are).
void BM_memstore_is_revoked(benchmark::State& state) {
  jwtservice::InMemoryRevocationStore store;
  for (int i = 0; i < 10'000; ++i)
    (void)store.revoke("other-" + std::to_string(i), 3600, {});
  const std::string jti = "3ae15a46-2a61-4a9e-b30c-f5b274a083c7";
  for (auto _ : state) {
    bool revoked = store.is_revoked(jti);
    benchmark::DoNotOptimize(revoked);
  }
}

void BM_clock(benchmark::State& state) {
  const jwtservice::Clock clock{&jwtservice::system_now};
  for (auto _ : state) {
    auto t = clock();
    benchmark::DoNotOptimize(t);
  }
}

template <class B>
void part(B* b) {
  with_min(b->UseRealTime());
}

const bool registered = [] {
  part(benchmark::RegisterBenchmark("parts/jwtservice_hs256_sign", BM_hs256_sign));
  part(benchmark::RegisterBenchmark("parts/b64_decode_payload", BM_b64_decode_payload));
  part(benchmark::RegisterBenchmark("parts/json_strict_header", BM_json_strict, 0));
  part(benchmark::RegisterBenchmark("parts/json_strict_payload", BM_json_strict, 1));
  part(benchmark::RegisterBenchmark("parts/json_parse_payload", BM_json_parse_payload));
  part(benchmark::RegisterBenchmark("parts/json_sax_noop_payload", BM_json_sax_noop_payload));
  part(benchmark::RegisterBenchmark("parts/uuid4", BM_uuid4));
  part(benchmark::RegisterBenchmark("parts/rand_bytes16", BM_rand_bytes16));
  part(benchmark::RegisterBenchmark("parts/rand_bytes16_batched", BM_rand_bytes16_batched));
  part(benchmark::RegisterBenchmark("parts/json_string_dump", BM_json_string_dump));
  part(benchmark::RegisterBenchmark("parts/json_strict_extra_data", BM_json_parse_extra_data));
  part(benchmark::RegisterBenchmark("parts/extra_data_dump", BM_extra_data_dump));
  part(benchmark::RegisterBenchmark("parts/extra_data_copy", BM_extra_data_copy));
  part(benchmark::RegisterBenchmark("parts/clock", BM_clock));
  part(benchmark::RegisterBenchmark("parts/memstore_is_revoked", BM_memstore_is_revoked));
#ifdef JWTSERVICE_BENCH_HAVE_CLAIMS_READER
  part(benchmark::RegisterBenchmark("parts/read_claims_payload", BM_read_claims));
  part(benchmark::RegisterBenchmark("parts/read_header", BM_read_header));
#endif
  return true;
}();

}  // namespace
}  // namespace bench
