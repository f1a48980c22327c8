#include "clock.h"
#include "unit.h"

#include <stdlib.h>

int main(void)
{
    char buf[CLOCK_RFC3339_SIZE];
    clock_format_rfc3339(0, buf);
    CHECK_STR(buf, "1970-01-01T00:00:00.000Z", "the epoch formats as RFC 3339 UTC");
    clock_format_rfc3339(1796500360123, buf);
    CHECK_STR(buf, "2026-12-05T19:52:40.123Z", "milliseconds are kept");
    clock_format_rfc3339(-1, buf);
    CHECK_STR(buf, "1969-12-31T23:59:59.999Z", "negative times round toward the past");

    int64_t ms;
    CHECK(clock_parse_rfc3339("2026-12-05T19:52:40.123Z", &ms) == 0 && ms == 1796500360123,
          "a formatted time parses back to the same ms");
    CHECK(clock_parse_rfc3339("2026-12-05 21:52:40+02:00", &ms) == 0 && ms == 1796500360000,
          "an offset is applied");
    CHECK(clock_parse_rfc3339("2026-12-05T19:52:40", &ms) == -1, "a time without zone is refused");
    CHECK(clock_parse_rfc3339("2026-13-05T20:32:40Z", &ms) == -1, "month 13 is refused");
    CHECK(clock_parse_rfc3339("2026-12-05T19:52:40Zjunk", &ms) == -1, "trailing text is refused");

    setenv("HEAL_NOW", "1000.5", 1);
    CHECK(clock_now_ms() == 1000500, "HEAL_NOW in seconds freezes the wall clock");
    setenv("HEAL_NOW", "2026-12-05T19:52:40.123Z", 1);
    CHECK(clock_now_ms() == 1796500360123, "HEAL_NOW also takes RFC 3339");
    unsetenv("HEAL_NOW");
    CHECK(clock_now_ms() > 1700000000000, "without HEAL_NOW the real clock is used");
    int64_t a = clock_mono_ms(), b = clock_mono_ms();
    CHECK(b >= a, "the monotonic clock does not go backwards");
    return unit_done();
}
