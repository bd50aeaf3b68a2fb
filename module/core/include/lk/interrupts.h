/* SPDX-License-Identifier: GPL-2.0 */
/*
 * LK's interrupt API (platform/interrupts.h in LK) for other kernel
 * modules, on lkport's handler table. Plain C; implemented by the Linux
 * glue (module/linux/irq.c), not by the core: a vector is a Linux IRQ
 * number (as /proc/interrupts numbers it, or pci_irq_vector() returns).
 *
 *   lk_register_int_handler(vector, handler, arg)
 *       handler(arg) runs in hard-IRQ context (IRQF_NO_THREAD: on
 *       PREEMPT_RT too, so it may take raw spinlocks only) for every
 *       interrupt on the line, dispatched through a HandlerTable slot.
 *       The line is requested unshared (LK has no shared lines) and
 *       starts unmasked. Thread context (sleeps). LK returns nothing;
 *       here 0, or LK_ERR_ALREADY_EXISTS (the vector has a handler),
 *       LK_ERR_NO_RESOURCES (no free slot or entry), LK_ERR_INVALID_ARGS
 *       (request_irq refused the line: in use, or no such IRQ).
 *   lk_unregister_int_handler(vector)
 *       Not in LK, which never removes one: frees the line, then the
 *       slot after its grace period. When it returns, handler no longer
 *       runs. LK_ERR_NOT_FOUND if none. Thread context.
 *   lk_mask_interrupt(vector), lk_unmask_interrupt(vector)
 *       disable_irq_nosync() / enable_irq() on a line registered here
 *       (nesting as Linux's do); any context, the handler's own included.
 *       LK_ERR_NOT_FOUND for another line. Interrupts while masked are
 *       not delivered; at the unmask genirq may resend the one left
 *       pending, from hardware, or on a chip that cannot retrigger from
 *       a tasklet (softirq context, the one exception to hard IRQ).
 *
 * The handler's return value (LK's INT_RESCHEDULE or INT_NO_RESCHEDULE)
 * is ignored: Linux reschedules on its own after a wake-up.
 */
#ifndef LK_INTERRUPTS_H
#define LK_INTERRUPTS_H

#ifdef __cplusplus
extern "C" {
#endif

enum lk_handler_return {
	LK_INT_NO_RESCHEDULE = 0,
	LK_INT_RESCHEDULE,
};

typedef enum lk_handler_return (*lk_int_handler)(void *arg);

int lk_register_int_handler(unsigned int vector, lk_int_handler handler, void *arg);
int lk_unregister_int_handler(unsigned int vector);
int lk_mask_interrupt(unsigned int vector);
int lk_unmask_interrupt(unsigned int vector);

#ifdef __cplusplus
}
#endif

#endif /* LK_INTERRUPTS_H */
