// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal module on lkport's kernel API (lk/capi.h): LK's calls with an
 * lk_ prefix, exported GPL by lkport.ko. At load it makes a port and a
 * reader of it, writes one packet, reads it back, and passes an event it
 * signalled; it prints what it got and keeps nothing.
 *
 * Built against lkport's Module.symvers (KBUILD_EXTRA_SYMBOLS), so modpost
 * knows the lk_ symbols; lkport.ko must be loaded first.
 */
#include <linux/module.h>
#include <linux/printk.h>

#include <lk/capi.h>

static int __init lkport_example_init(void)
{
	lk_port_packet_t pk = { .value = "kernel hello" };
	lk_port_result_t res;
	lk_port_t writer, reader;
	lk_event_t ev;
	int st;

	st = lk_port_create("example", LK_PORT_MODE_BROADCAST, &writer);
	if (st != LK_NO_ERROR)
		goto fail;
	st = lk_port_open("example", (void *)7, &reader);	/* ctx 7 */
	if (st != LK_NO_ERROR)
		goto destroy;
	st = lk_port_write(writer, &pk, 1);
	if (st == LK_NO_ERROR)
		st = lk_port_read(reader, 100, &res);		/* wait at most 100 ms */
	lk_port_close(reader);
	if (st != LK_NO_ERROR)
		goto destroy;
	pr_info("lkport_example: read \"%.16s\" ctx=%lu\n", res.packet.value,
		(unsigned long)res.ctx);

	lk_event_init(&ev, 0, 0);
	lk_event_signal(&ev);
	st = lk_event_wait_timeout(&ev, 0);			/* signalled: passes */
	lk_event_destroy(&ev);
	pr_info("lkport_example: event wait: %s\n", lk_status_name(st));

destroy:
	lk_port_close(writer);
	lk_port_destroy(writer);
	if (st == LK_NO_ERROR)
		return 0;
fail:
	pr_err("lkport_example: %s\n", lk_status_name(st));
	return -EINVAL;
}

static void __exit lkport_example_exit(void)
{
	pr_info("lkport_example: unloaded\n");
}

module_init(lkport_example_init);
module_exit(lkport_example_exit);
MODULE_DESCRIPTION("lkport's kernel API: a port, a reader and an event");
MODULE_LICENSE("GPL");
