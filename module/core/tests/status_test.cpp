// SPDX-License-Identifier: GPL-2.0
#include <cerrno>

#include <gtest/gtest.h>

#include <lk/capi.h>
#include <lk/err.h>

TEST(status, lk_numeric_values) {
    // The values LK code compares against; they are ABI for ported code.
    EXPECT_EQ(0, lk::NO_ERROR);
    EXPECT_EQ(-2, lk::ERR_NOT_FOUND);
    EXPECT_EQ(-3, lk::ERR_NOT_READY);
    EXPECT_EQ(-9, lk::ERR_NOT_ENOUGH_BUFFER);
    EXPECT_EQ(-11, lk::ERR_OBJECT_DESTROYED);
    EXPECT_EQ(-12, lk::ERR_NOT_BLOCKED);
    EXPECT_EQ(-13, lk::ERR_TIMED_OUT);
    EXPECT_EQ(-14, lk::ERR_ALREADY_EXISTS);
    EXPECT_EQ(-17, lk::ERR_NOT_ALLOWED);
    EXPECT_EQ(-25, lk::ERR_TOO_BIG);
    EXPECT_EQ(-26, lk::ERR_CANCELLED);
    EXPECT_EQ(-33, lk::ERR_BUSY);
    EXPECT_EQ(-42, lk::ERR_BAD_HANDLE);
    EXPECT_EQ(-44, lk::ERR_PARTIAL_WRITE);
}

TEST(status, names) {
    EXPECT_STREQ("ERR_TIMED_OUT", lk_status_name(lk::ERR_TIMED_OUT));
    EXPECT_STREQ("NO_ERROR", lk_status_name(0));
    EXPECT_STREQ("ERR_INTERRUPTED", lk_status_name(lk::ERR_INTERRUPTED));
    EXPECT_STREQ("ERR_?", lk_status_name(-12345));
}

// ---- the one list (uapi/linux/lkport_status.h) ----------------------------------

namespace {

struct ListEntry {
    const char* name;
    int value;
    int err;
    int inverse;
    const char* text;
};

constexpr ListEntry kList[] = {
#define LIST_ENTRY(name, value, err, inverse, text) {#name, value, err, inverse, text},
    LKPORT_STATUS_LIST(LIST_ENTRY)
#undef LIST_ENTRY
};
constexpr int kListSize = sizeof(kList) / sizeof(kList[0]);

constexpr bool str_eq(const char* a, const char* b) {
    while (*a && *a == *b) a++, b++;
    return *a == *b;
}

// Values and names are unique.
constexpr bool values_unique() {
    for (int i = 0; i < kListSize; i++)
        for (int j = i + 1; j < kListSize; j++)
            if (kList[i].value == kList[j].value || str_eq(kList[i].name, kList[j].name)) return false;
    return true;
}

// Every errno has exactly one entry marked inverse; a many-to-one entry
// (inverse 0) shares its errno with one that is.
constexpr bool errnos_invertible() {
    for (int i = 0; i < kListSize; i++) {
        if (kList[i].inverse != 0 && kList[i].inverse != 1) return false;
        int owners = 0;
        for (int j = 0; j < kListSize; j++) owners += kList[j].err == kList[i].err && kList[j].inverse == 1;
        if (owners != 1) return false;
    }
    return true;
}

// Every entry has a description and a name that says whether it is an error.
constexpr bool entries_well_formed() {
    for (int i = 0; i < kListSize; i++) {
        const ListEntry& e = kList[i];
        if (!e.text[0]) return false;
        if ((e.value == 0) != str_eq(e.name, "NO_ERROR")) return false;
        if (e.value > 0 || (e.value == 0) != (e.err == 0)) return false;
    }
    return true;
}

// The per-call exceptions name statuses of the list and change the errno
// only to one the list already gives some status, so nothing new is read
// back by liblkport for other calls.
struct CallEntry {
    int value;
    int err;
};
constexpr CallEntry kCalls[] = {
#define CALL_ENTRY(cmd, name, err) {lk::name, err},
    LKPORT_STATUS_CALLS(CALL_ENTRY)
#undef CALL_ENTRY
};
constexpr bool calls_known_errnos() {
    for (const CallEntry& c : kCalls) {
        bool known = false;
        for (const ListEntry& e : kList) known = known || (e.err == c.err && e.inverse == 1);
        if (!known || c.err == 0) return false;
    }
    return true;
}

static_assert(kListSize == lk::kStatusCount);
static_assert(values_unique(), "two statuses share a value or a name");
static_assert(errnos_invertible(), "an errno has no status, or two, marked inverse");
static_assert(entries_well_formed());
static_assert(calls_known_errnos());

}  // namespace

TEST(status, every_listed_status_has_its_name) {
    for (const ListEntry& e : kList) {
        EXPECT_STREQ(e.name, lk::status_name(e.value)) << e.value;
        EXPECT_STREQ(e.name, lk_status_name(e.value)) << e.value;
    }
}

TEST(status, capi_values_are_the_list) {
#define SAME(name, value, err, inverse, text) EXPECT_EQ(value, static_cast<int>(LK_##name)) << #name;
    LKPORT_STATUS_LIST(SAME)
#undef SAME
}

int listed_errno(const char* name) {
    for (const ListEntry& e : kList)
        if (str_eq(e.name, name)) return e.err;
    return -1;
}

TEST(status, errnos_of_the_list) {
    // A few errnos user space sees (ABI; the selftests assert them call by
    // call).
    EXPECT_EQ(ETIMEDOUT, listed_errno("ERR_TIMED_OUT"));
    EXPECT_EQ(EINTR, listed_errno("ERR_INTERRUPTED"));
    EXPECT_EQ(EBUSY, listed_errno("ERR_BUSY"));
    EXPECT_EQ(EPERM, listed_errno("ERR_NOT_ALLOWED"));
    EXPECT_EQ(EBADF, listed_errno("ERR_BAD_HANDLE"));
    EXPECT_EQ(EIO, listed_errno("ERR_GENERIC"));
}
