// SPDX-License-Identifier: GPL-2.0
//
// Global set-up and tear-down of the core, called explicitly by the module
// (no global constructors run in a module).
#include <lk/capi.h>
#include <lk/err.h>

extern "C" int lk_core_init(void) { return lk::NO_ERROR; }

extern "C" void lk_core_exit(void) {}
