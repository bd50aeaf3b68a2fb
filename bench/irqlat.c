// SPDX-License-Identifier: GPL-2.0
/*
 * lkport-bench-irqlat: interrupt to user space, raise to the reader running,
 * for one QEMU edu device at a time, with lkport or with UIO.
 *
 *   -m fd      lkport interrupt source, read with LKPORT_IOC_IRQ_WAIT
 *   -m port    the source bound to a port, read from a read port
 *   -m group   the same port read through a group (with an idle member)
 *   -m uio     uio_pci_generic: read(2) of /dev/uioN; the edu device's ack
 *              and the INTx unmask from user space (uio_pci_generic has no
 *              irqcontrol: clear PCI_COMMAND's INTx Disable through the
 *              device's sysfs config file, as its documentation says)
 *   -d DEV     PCI address ("0000:00:04.0"), bound to lkport, or for uio to
 *              uio_pci_generic
 *   -M intx|msi (lkport modes; uio is INTx only)
 *   -n N       interrupts (10000), -T S time cap (20 s)
 *
 * Two threads: the raiser on the first CPU takes t0 and raises (lkport:
 * LKPORT_IOC_IRQ_TRIGGER, which writes edu's raise register; uio: the same
 * register written through the sysfs mapping of BAR0); the reader, blocked
 * on the second CPU, takes t1 as soon as its wait returns, acks, and lets
 * the raiser go on. raise->user is t1 - t0. For lkport, irq->user is t1
 * minus the record's hard-IRQ timestamp, which UIO cannot tell.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64

enum mode { M_FD, M_PORT, M_GROUP, M_UIO };
static const char *const mode_names[] = { "fd", "port", "group", "uio" };

struct run {
	enum mode mode;
	const char *dev;
	__u32 irq_mode;
	int irq;			/* lkport source */
	int rport, group, wport;	/* port / group modes */
	int uio;			/* /dev/uioN */
	int config;			/* uio: the device's sysfs config */
	volatile uint32_t *bar;		/* uio: edu's BAR0 */
	atomic_int go;			/* raiser -> reader: a raise is coming */
	atomic_int done;		/* reader -> raiser: woken, acked */
	atomic_bool stop;
	uint64_t t1, stamp;		/* written by the reader before done */
};

static void reader_wait(struct run *r)
{
	struct lkport_irq_record rec;
	struct lkport_irq_wait w = { .deadline_ns = LKPORT_FOREVER };
	struct lkport_result res;
	struct lkport_port_read rd = { .deadline_ns = LKPORT_FOREVER, .results = (uintptr_t)&res,
				       .max = 1 };
	uint32_t count;
	uint16_t cmd;

	switch (r->mode) {
	case M_FD:
		if (ioctl(r->irq, LKPORT_IOC_IRQ_WAIT, &w))
			fail_errno("IRQ_WAIT");
		r->t1 = now_ns();
		r->stamp = w.record.timestamp_ns;
		break;
	case M_PORT:
	case M_GROUP:
		if (ioctl(r->mode == M_PORT ? r->rport : r->group, LKPORT_IOC_READ, &rd) || rd.count != 1)
			fail_errno("READ");
		r->t1 = now_ns();
		memcpy(&rec.timestamp_ns, res.data, sizeof(rec.timestamp_ns));
		r->stamp = rec.timestamp_ns;
		break;
	case M_UIO:
		if (read(r->uio, &count, sizeof(count)) != sizeof(count))
			fail_errno("read /dev/uio");
		r->t1 = now_ns();
		r->stamp = 0;
		/* The device first, then the line: unmasked while edu still
		 * asserts, it would interrupt again at once. */
		r->bar[EDU_IRQ_ACK / 4] = r->bar[EDU_IRQ_STATUS / 4];
		if (pread(r->config, &cmd, sizeof(cmd), 4) != sizeof(cmd))
			fail_errno("read PCI_COMMAND");
		cmd &= ~0x400;	/* PCI_COMMAND_INTX_DISABLE */
		if (pwrite(r->config, &cmd, sizeof(cmd), 4) != sizeof(cmd))
			fail_errno("write PCI_COMMAND (unmask)");
		return;
	}
	if (ioctl(r->irq, LKPORT_IOC_IRQ_ACK))
		fail_errno("IRQ_ACK");
}

static void *reader(void *p)
{
	struct run *r = p;

	pin_self(cpu_nth(cpu_count() > 1 ? 1 : 0));
	for (;;) {
		while (!atomic_load(&r->go))
			if (atomic_load(&r->stop))
				return NULL;
		atomic_store(&r->go, 0);
		reader_wait(r);
		atomic_store(&r->done, 1);
	}
}

static void raise_irq(struct run *r)
{
	if (r->mode == M_UIO) {
		r->bar[EDU_IRQ_RAISE / 4] = 1;
		return;
	}
	if (ioctl(r->irq, LKPORT_IOC_IRQ_TRIGGER))
		fail_errno("IRQ_TRIGGER");
}

static void setup_lkport(struct run *r)
{
	struct lkport_irq_create c = { .source = LKPORT_IRQ_PCI, .mode = r->irq_mode,
				       .fd_flags = O_CLOEXEC };
	struct lkport_irq_bind b = { 0 };
	struct lkport_group_create g = { .fd_flags = O_CLOEXEC };
	char name[LKPORT_NAME_LEN], idle[LKPORT_NAME_LEN];
	int members[2];

	snprintf(c.device, sizeof(c.device), "%s", r->dev);
	r->irq = ioctl(lkp_dev(), LKPORT_IOC_IRQ_CREATE, &c);
	if (r->irq < 0)
		fail_errno("IRQ_CREATE %s", r->dev);
	if (r->mode == M_FD)
		return;
	lkp_name(name, "irq");
	r->wport = lkp_port_create(name, LKPORT_PORT_BROADCAST, 8);
	r->rport = lkp_port_open(name, 1);
	b.fd = r->wport;
	if (ioctl(r->irq, LKPORT_IOC_IRQ_BIND, &b))
		fail_errno("IRQ_BIND");
	if (r->mode == M_GROUP) {
		lkp_name(idle, "idle");
		lkp_port_create(idle, LKPORT_PORT_BROADCAST, 8);
		members[0] = lkp_port_open(idle, 2);
		members[1] = r->rport;
		g.fds = (uintptr_t)members;
		g.count = 2;
		r->group = ioctl(lkp_dev(), LKPORT_IOC_GROUP_CREATE, &g);
		if (r->group < 0)
			fail_errno("GROUP_CREATE");
	}
}

static void setup_uio(struct run *r)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", r->dev);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		fail_errno("open %s", path);
	r->bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->bar == MAP_FAILED)
		fail_errno("mmap %s", path);
	close(fd);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", r->dev);
	r->config = open(path, O_RDWR | O_CLOEXEC);
	if (r->config < 0)
		fail_errno("open %s", path);
	if ((r->bar[0] & 0xff) != 0xed)
		fail("%s: not an edu device (id %#x)", r->dev, r->bar[0]);
}

static void result_us(const char *key, const char *what, double v)
{
	char k[96];

	snprintf(k, sizeof(k), "%s.%s", key, what);
	result(k, "%.1f", v);
}

static void usage(void)
{
	fprintf(stderr, "usage: lkport-bench-irqlat -m fd|port|group|uio -d DEV [-u /dev/uioN] "
			"[-M intx|msi] [-n N] [-T S]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct run r = { .irq = -1, .uio = -1, .irq_mode = LKPORT_IRQ_MODE_INTX };
	const char *uio_path = NULL, *m = NULL;
	unsigned long n = 10000, cap = 20;
	uint64_t *lat, *irqlat, end;
	struct stats s, si;
	unsigned long i;
	pthread_t t;
	char key[64];
	int opt;

	bench_init("lkport-bench-irqlat");
	while ((opt = getopt(argc, argv, "m:d:u:M:n:T:")) != -1) {
		switch (opt) {
		case 'm': m = optarg; break;
		case 'd': r.dev = optarg; break;
		case 'u': uio_path = optarg; break;
		case 'M': r.irq_mode = !strcmp(optarg, "msi") ? LKPORT_IRQ_MODE_MSI : LKPORT_IRQ_MODE_INTX; break;
		case 'n': n = strtoul(optarg, NULL, 0); break;
		case 'T': cap = strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (!m || !r.dev || !n)
		usage();
	for (r.mode = M_FD; r.mode <= M_UIO; r.mode++)
		if (!strcmp(m, mode_names[r.mode]))
			break;
	if (r.mode > M_UIO || (r.mode == M_UIO && !uio_path))
		usage();
	if (r.mode == M_UIO) {
		r.uio = open(uio_path, O_RDWR | O_CLOEXEC);
		if (r.uio < 0)
			fail_errno("open %s", uio_path);
		setup_uio(&r);
	} else {
		setup_lkport(&r);
	}
	lat = calloc(n, sizeof(*lat));
	irqlat = calloc(n, sizeof(*irqlat));
	if (!lat || !irqlat)
		fail("out of memory");
	watchdog(cap + 60, "irqlat");
	pin_self(cpu_nth(0));
	if (pthread_create(&t, NULL, reader, &r))
		fail("pthread_create");
	end = now_ns() + cap * NS_PER_SEC;
	for (i = 0; i < n && now_ns() < end; i++) {
		uint64_t t0;

		atomic_store(&r.done, 0);
		atomic_store(&r.go, 1);
		/* Let the reader block first: a wake from a real sleep. */
		usleep(200);
		t0 = now_ns();
		raise_irq(&r);
		while (!atomic_load(&r.done))
			;
		lat[i] = r.t1 - t0;
		irqlat[i] = r.stamp ? r.t1 - r.stamp : 0;
	}
	atomic_store(&r.stop, true);
	pthread_join(t, NULL);
	n = i;
	stats_compute(lat, n, &s);
	snprintf(key, sizeof(key), "irqlat.%s.%s", mode_names[r.mode],
		 r.mode == M_UIO || r.irq_mode == LKPORT_IRQ_MODE_INTX ? "intx" : "msi");
	printf("   %-12s %6lu irqs  raise->user p50 %7.1f  p99 %7.1f  max %8.1f", key + 7, n,
	       s.median_us, s.p99_us, s.max_us);
	if (r.mode != M_UIO) {
		stats_compute(irqlat, n, &si);
		printf("   irq->user p50 %7.1f  p99 %7.1f", si.median_us, si.p99_us);
	}
	printf("  (us)\n");
	result_us(key, "n", n);
	result_us(key, "p50_us", s.median_us);
	result_us(key, "p99_us", s.p99_us);
	result_us(key, "max_us", s.max_us);
	if (r.mode != M_UIO) {
		result_us(key, "irq_p50_us", si.median_us);
		result_us(key, "irq_p99_us", si.p99_us);
	}
	return 0;
}
