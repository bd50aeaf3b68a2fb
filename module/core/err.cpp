// SPDX-License-Identifier: GPL-2.0
#include <lk/capi.h>
#include <lk/err.h>

namespace lk {

const char* status_name(int status) {
    // A switch: two statuses of one value would not compile.
    switch (status) {
#define LK_STATUS_NAME(name, value, err, inverse, text) \
    case name: return #name;
        LKPORT_STATUS_LIST(LK_STATUS_NAME)
#undef LK_STATUS_NAME
    }
    return "ERR_?";
}

}  // namespace lk

extern "C" const char* lk_status_name(int status) { return lk::status_name(status); }
