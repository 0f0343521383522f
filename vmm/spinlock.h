#ifndef ARGON_VMM_SPINLOCK_H
#define ARGON_VMM_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/x86.h"

struct spinlock {
	volatile int locked;
};

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (l->locked)
			cpu_relax();
}

static inline bool spin_trylock(struct spinlock *l)
{
	return !l->locked && !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* A ticket lock: waiters take it in the order they came, so that one CPU
 * calling in a loop (a guest driving its device's interrupt routing)
 * cannot keep another waiting indefinitely, as with the plain lock above,
 * where whoever sees it free first wins. For locks that many CPUs of
 * different guests share. Zeroed: free. */
struct ticket_lock {
	uint32_t next;	/* the ticket the next comer takes */
	uint32_t owner; /* the ticket that holds the lock */
};

static inline void ticket_lock(struct ticket_lock *l)
{
	uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		cpu_relax();
}

static inline bool ticket_trylock(struct ticket_lock *l)
{
	uint32_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED), next = owner;

	/* Free when no ticket is out beyond the owner's: take the next. */
	return __atomic_compare_exchange_n(&l->next, &next, owner + 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

static inline void ticket_unlock(struct ticket_lock *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

#endif
