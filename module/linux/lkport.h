/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations shared by the Linux glue's files. */
#ifndef LKPORT_GLUE_H
#define LKPORT_GLUE_H

#define LKPORT_MODULE_VERSION "0.1.0"

int lkport_dev_init(void);
void lkport_dev_exit(void);

#endif /* LKPORT_GLUE_H */
