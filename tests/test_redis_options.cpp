// RedisUrl and RedisOptions: what a URL may be, what it reads as, and that no error or log line
// ever shows its password. No server needed.
#include "jwtservice/redis_options.hpp"

// The Redis headers take a Config only by reference: none of them may pull in nlohmann/json.
#include "jwtservice/redis_rate_limiter.hpp"
#include "jwtservice/redis_store.hpp"
#ifdef INCLUDE_NLOHMANN_JSON_HPP_
#error "a Redis header includes nlohmann/json.hpp (config.hpp?): forward-declare Config instead"
#endif

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "jwtservice/errors.hpp"

namespace {

using jwtservice::ConfigError;
using jwtservice::RedisOptions;
using jwtservice::RedisUrl;
using namespace std::chrono_literals;

TEST(RedisUrl, HostPortAndDatabaseAreRead) {
  const auto url = RedisUrl::parse("redis://cache.internal:6380/3");
  EXPECT_EQ(url.host, "cache.internal");
  EXPECT_EQ(url.port, 6380);
  EXPECT_EQ(url.db, 3);
  EXPECT_FALSE(url.password.has_value());
  EXPECT_FALSE(url.username.has_value());
}

TEST(RedisUrl, PortDefaultsTo6379AndDatabaseTo0) {
  for (const char* text : {"redis://localhost", "redis://localhost/", "REDIS://localhost"}) {
    const auto url = RedisUrl::parse(text);
    EXPECT_EQ(url.host, "localhost") << text;
    EXPECT_EQ(url.port, 6379) << text;
    EXPECT_EQ(url.db, 0) << text;
  }
}

TEST(RedisUrl, PasswordAndUserAreReadAndPercentDecoded) {
  const auto a = RedisUrl::parse("redis://:p%40ss:w0rd@h:1/0");
  EXPECT_FALSE(a.username.has_value());
  EXPECT_EQ(a.password, "p@ss:w0rd");
  const auto b = RedisUrl::parse("redis://app:secret@h:1");
  EXPECT_EQ(b.username, "app");
  EXPECT_EQ(b.password, "secret");
}

TEST(RedisUrl, Ipv6LiteralsAreBracketed) {
  const auto url = RedisUrl::parse("redis://[::1]:6380/1");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 6380);
  EXPECT_EQ(url.redacted(), "redis://[::1]:6380/1");
}

TEST(RedisUrl, MalformedUrlsAreConfigErrorsThatNeverShowThePassword) {
  for (const char* text : {"",
                           "http://h:1",
                           "redis+sentinel://:hunter2@h:1",
                           "redis+sentinel://:hunter2@h:1/",
                           "redis+sentinel://:hunter2@h,/s",
                           "redis+sentinel://:hunter2@h/s$",
                           "redis+sentinel://:hunter2@h/s/x",
                           "redis://:hunter2@h1,h2:6379",
                           "rediss://:hunter2@",
                           "redis://",
                           "redis://:hunter2@",
                           "redis://h:0",
                           "redis://h:65536",
                           "redis://h:12x",
                           "redis://h:",
                           "redis://h:1/x",
                           "redis://h:1/-1",
                           "redis://h:1/0?timeout=1",
                           "redis://hunter2@h:1",
                           "redis://:@h:1",
                           "redis://h 1",
                           "redis://[::1",
                           "redis://:hunter2%zz@h:1",
                           "redis://a:b:c"}) {
    try {
      (void)RedisUrl::parse(text);
      ADD_FAILURE() << "accepted " << text;
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string{e.what()}.find("hunter2"), std::string::npos) << e.what();
      EXPECT_NE(std::string{e.what()}.find("Redis URL"), std::string::npos) << e.what();
    }
  }
}

TEST(RedisUrl, RedissMeansTls) {
  const auto plain = RedisUrl::parse("redis://h:1/2");
  EXPECT_FALSE(plain.tls);
  const auto tls = RedisUrl::parse("REDISS://:hunter2@cache.example:6380/3");
  EXPECT_TRUE(tls.tls);
  EXPECT_EQ(tls.host, "cache.example");
  EXPECT_EQ(tls.port, 6380);
  EXPECT_EQ(tls.db, 3);
  EXPECT_EQ(tls.redacted(), "rediss://:***@cache.example:6380/3");
}

TEST(RedisUrl, SentinelUrlsListTheSentinelsAndTheService) {
  const auto url = RedisUrl::parse("redis+sentinel://:hunter2@10.0.0.1,10.0.0.2:26380,[::1]/mymaster/3");
  EXPECT_FALSE(url.tls);
  ASSERT_EQ(url.sentinels.size(), 3U);
  EXPECT_EQ(url.sentinels[0], (jwtservice::RedisEndpoint{"10.0.0.1", 26379})) << "26379 by default";
  EXPECT_EQ(url.sentinels[1], (jwtservice::RedisEndpoint{"10.0.0.2", 26380}));
  EXPECT_EQ(url.sentinels[2], (jwtservice::RedisEndpoint{"::1", 26379}));
  EXPECT_EQ(url.service, "mymaster");
  EXPECT_EQ(url.db, 3);
  EXPECT_EQ(url.password, "hunter2") << "the URL's credentials are the primary's";
  EXPECT_EQ(url.redacted(), "redis+sentinel://:***@10.0.0.1:26379,10.0.0.2:26380,[::1]:26379/mymaster/3");
  const auto tls = RedisUrl::parse("rediss+sentinel://s1/cache");
  EXPECT_TRUE(tls.tls);
  EXPECT_EQ(tls.db, 0);
  EXPECT_EQ(tls.redacted(), "rediss+sentinel://s1:26379/cache/0");
  EXPECT_TRUE(RedisUrl::parse("redis://h:1").sentinels.empty());
}

TEST(RedisUrl, RedactedHidesThePassword) {
  EXPECT_EQ(RedisUrl::parse("redis://:hunter2@h:7/2").redacted(), "redis://:***@h:7/2");
  EXPECT_EQ(RedisUrl::parse("redis://app:hunter2@h").redacted(), "redis://app:***@h:6379/0");
}

TEST(RedisOptions, DefaultsAreDocumented) {
  const RedisOptions options;
  EXPECT_EQ(options.prefix, "jwtservice:");
  EXPECT_EQ(options.connect_timeout, 500ms);
  EXPECT_EQ(options.command_timeout, 500ms);
  EXPECT_EQ(options.reconnect_backoff, 200ms);
  EXPECT_EQ(options.pool_size, 4U);
}

TEST(RedisOptions, DesignatedInitializersWork) {
  const RedisOptions options{.prefix = "app1:", .pool_size = 2};
  EXPECT_EQ(options.prefix, "app1:");
  EXPECT_EQ(options.pool_size, 2U);
  EXPECT_EQ(options.command_timeout, 500ms);
}

}  // namespace
