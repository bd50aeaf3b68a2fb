// SPDX-License-Identifier: GPL-2.0
/* Instantiates lkport's tracepoints (see trace.h). */
#define CREATE_TRACE_POINTS
#include "trace.h"
