/* The ticket lock of state many CPUs share (the IOMMU's): mutual
 * exclusion, trylock, and waiters served in the order they came. */
#include <pthread.h>

#include "check.h"
#include "vmm/spinlock.h"

static struct ticket_lock tl;
static unsigned order[2], served;
static uint64_t counter;

static void *waiter(void *arg)
{
	ticket_lock(&tl);
	order[served++] = (unsigned)(uintptr_t)arg;
	ticket_unlock(&tl);
	return NULL;
}

static void wait_tickets(uint32_t n)
{
	while (__atomic_load_n(&tl.next, __ATOMIC_ACQUIRE) != n)
		sched_yield();
}

static void test_fifo(void)
{
	pthread_t a, b;

	ticket_lock(&tl);
	CHECK(!ticket_trylock(&tl));
	pthread_create(&a, NULL, waiter, (void *)1);
	wait_tickets(2); /* the first waiter is queued */
	pthread_create(&b, NULL, waiter, (void *)2);
	wait_tickets(3);
	CHECK(!ticket_trylock(&tl));
	ticket_unlock(&tl);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	CHECK_EQ(served, 2);
	CHECK_EQ(order[0], 1);
	CHECK_EQ(order[1], 2);
	CHECK(ticket_trylock(&tl));
	ticket_unlock(&tl);
}

static void *adder(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < 2000; i++) {
		ticket_lock(&tl);
		counter++;
		ticket_unlock(&tl);
	}
	return NULL;
}

static void test_exclusion(void)
{
	pthread_t t[2];

	for (unsigned i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, adder, NULL);
	for (unsigned i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(counter, 4000);
}

CHECK_MAIN(test_fifo, test_exclusion)
