/* An exception in argon itself is a bug: dump everything and stop. */
#include "vmm/cpu_tables.h"
#include "vmm/console.h"
#include "vmm/log.h"
#include "vmm/panic.h"
#include "vmm/x86.h"

static const char *const exc_names[32] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM device not available",
	"#DF double fault",
	"coprocessor overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved",
	"#MF x87 error",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD error",
	"#VE virtualization",
	"#CP control protection",
};

void exception_dispatch(struct exc_frame *f)
{
	const char *name =
		f->vector < 32 && exc_names[f->vector] ? exc_names[f->vector] : "reserved";

	/* The dump goes out from this CPU, whatever the console CPU does. */
	console_sync();
	log_raw("argon: PANIC: exception %llu (%s) in argon, error code 0x%llx\n",
		(unsigned long long)f->vector, name, (unsigned long long)f->error);
	log_raw("  rip %016llx cs %04llx rflags %016llx rsp %016llx ss %04llx\n",
		(unsigned long long)f->rip, (unsigned long long)f->cs,
		(unsigned long long)f->rflags, (unsigned long long)f->rsp,
		(unsigned long long)f->ss);
	log_raw("  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", (unsigned long long)f->rax,
		(unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	log_raw("  rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n", (unsigned long long)f->rsi,
		(unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->r8);
	log_raw("  r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n", (unsigned long long)f->r9,
		(unsigned long long)f->r10, (unsigned long long)f->r11, (unsigned long long)f->r12);
	log_raw("  r13 %016llx r14 %016llx r15 %016llx\n", (unsigned long long)f->r13,
		(unsigned long long)f->r14, (unsigned long long)f->r15);
	log_raw("  cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx\n",
		(unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
		(unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	panic("halting after an exception in argon\n");
}
