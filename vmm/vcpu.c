#include "vmm/vcpu.h"

#include "lib/err.h"
#include "vmm/guest.h"
#include "vmm/exit.h"
#include "vmm/log.h"
#include "vmm/svm/svm.h"
#include "vmm/vmx/vmx.h"
#include "vmm/x86.h"

const struct vcpu_ops *vcpu_ops;

int vcpu_backend_select(void)
{
	if (svm_probe() == 0) {
		vcpu_ops = &svm_vcpu_ops;
		return 0;
	}
	if (vmx_probe() == 0) {
		vcpu_ops = &vmx_vcpu_ops;
		return 0;
	}
	return -ERR_NODEV;
}

void vcpu_run_loop(struct vcpu *v)
{
	struct vm_exit e;

	while (!v->stop) {
		vcpu_ops->vcpu_run(v, &e);
		exit_handle(v, &e);
	}
}
