/* Second-level table building for VT-d domains. */
#include "iommu/vtd/vtd_sl.h"

#include "iommu/vtd/vtd_hw.h"
#include "lib/err.h"

int vtd_sl_init(struct paging *pt, const struct pt_mem_ops *mem, unsigned aw, uint64_t sllps)
{
	int err;

	if (aw != VTD_AW_39 && aw != VTD_AW_48)
		return -ERR_INVAL;
	err = pt_init(pt, PT_FMT_VTD_SL, mem, sllps & VTD_SLLPS_1G);
	if (err)
		return err;
	/* 1 GiB leaves without 2 MiB ones do not occur; take 2M as the floor. */
	pt->allow_2m = sllps & VTD_SLLPS_2M;
	if (!pt->allow_2m)
		pt->allow_1g = false;
	err = pt_set_levels(pt, aw == VTD_AW_39 ? 3 : 4);
	if (err)
		pt_destroy(pt);
	return err;
}

static int check(const struct paging *pt, uint64_t gpa, uint64_t size)
{
	uint64_t span = 1ULL << (12 + 9 * pt->levels);

	if (!size || !IS_ALIGNED(gpa | size, PAGE_SIZE) || gpa >= span || size > span - gpa)
		return -ERR_INVAL;
	return 0;
}

int vtd_sl_map(struct paging *pt, uint64_t gpa, uint64_t hpa, uint64_t size)
{
	uint64_t end = gpa + size, wend = VTD_INTR_WINDOW_BASE + VTD_INTR_WINDOW_SIZE;
	int err = check(pt, gpa, size);

	if (err)
		return err;
	if (!IS_ALIGNED(hpa, PAGE_SIZE))
		return -ERR_INVAL;
	if (gpa < VTD_INTR_WINDOW_BASE) {
		uint64_t n = (end < VTD_INTR_WINDOW_BASE ? end : VTD_INTR_WINDOW_BASE) - gpa;

		err = pt_map(pt, gpa, hpa, n, PT_RW, PT_MT_WB);
		if (err)
			return err;
	}
	if (end > wend) {
		uint64_t from = gpa > wend ? gpa : wend;

		err = pt_map(pt, from, hpa + (from - gpa), end - from, PT_RW, PT_MT_WB);
	}
	return err;
}

int vtd_sl_unmap(struct paging *pt, uint64_t gpa, uint64_t size)
{
	int err = check(pt, gpa, size);

	return err ? err : pt_unmap(pt, gpa, size);
}
