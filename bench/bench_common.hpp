// Shared fixtures of jwtservice_bench: the secret, the claims, the one token every contender
// validates, and a UUID v4 helper for the peers' fresh jti.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

// 38 bytes, above RFC 7518's 32-byte minimum for HS256.
inline constexpr std::string_view kSecret = "bench-secret-0123456789-abcdefghijklmn";
inline constexpr std::string_view kIssuer = "JWTService";
inline constexpr std::string_view kAudience = "mobile-app";
inline constexpr std::string_view kSub = "user@example.com";
inline constexpr std::string_view kAction = "VALIDAR_EMAIL";
inline constexpr std::int64_t kExpiresIn = 3600;
/// The extra_data claim, as JSON text: {"flow":"signup"}.
inline constexpr std::string_view kExtraDataJson = R"({"flow":"signup"})";

/// The token jwtservice issues (valid now, for an hour): HS256, claims
/// sub iat nbf exp iss aud action jti extra_data. Created once, on first use.
const std::string& the_token();
/// The same token with one signature character changed (still canonical base64url).
const std::string& bad_signature_token();
/// the_token with a binding (`bnd`), for the lifecycle options.
const std::string& bound_token();
/// Three segments of base64url that decode to bytes that are not JSON.
const std::string& garbage_token();
/// 256 valid tokens with the_token's claims and distinct jtis (the thread-scaling benchmarks:
/// a real server validates many tokens, and a store looks each jti up).
const std::vector<std::string>& distinct_tokens();

/// Unix seconds from the system clock (every contender reads the real clock).
std::int64_t unix_now() noexcept;

/// A random UUID v4 from RAND_bytes (for the floor and the peers; jwtservice uses its own).
std::string uuid4();

/// A contender of the paired benchmarks (bench_paired.cpp): one complete operation (e.g. a
/// validation with its checks and outputs) returning whether it gave the expected verdict.
struct Contender {
  std::string name;
  std::function<bool()> run;
};

/// The contenders of one operation ("validate", "create"), registered by each file at start-up.
std::vector<Contender>& contenders(const std::string& op);

inline bool add_contender(const std::string& op, std::string name, std::function<bool()> run) {
  contenders(op).push_back({std::move(name), std::move(run)});
  return true;
}

/// Marks the benchmark as failed: a contender that stops accepting the token (or starts
/// accepting a bad one) must not produce a number.
inline void fail(benchmark::State& state, const char* what) { state.SkipWithError(what); }

/// Adds a `min` over the repetitions next to Google Benchmark's mean/median/stddev/cv: on a
/// shared machine the least disturbed repetition is a second, robust estimate.
template <class B>
B* with_min(B* b) {
  return b->ComputeStatistics("min", [](const std::vector<double>& v) {
    return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end());
  });
}

/// Every multi-thread comparison: 1 and 2 threads, wall-clock time (so that time per op
/// falls when throughput rises), one item per iteration.
template <class B>
B* threads_1_2(B* b) {
  return with_min(b->Threads(1)->Threads(2)->UseRealTime());
}

/// The thread-scaling table (`scaling/*`): 1, 2 and 4 threads, wall-clock time, one item per
/// iteration. bench/report.py divides each contender's scaling by the floor's in the same run.
template <class B>
B* threads_1_2_4(B* b) {
  return with_min(b->Threads(1)->Threads(2)->Threads(4)->UseRealTime());
}

}  // namespace bench
