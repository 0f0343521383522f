/* ACPI table layouts (ACPI 6.5) that argon reads from the firmware and
 * builds for its guests. All little-endian and byte-packed: firmware puts
 * tables at any byte address, so every struct here has alignment 1 and is
 * safe to overlay on a mapped table. Numbers in comments are byte offsets. */
#ifndef ARGON_VMM_ACPI_TABLES_H
#define ARGON_VMM_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "lib/bits.h"

#define ACPI_PACKED __attribute__((packed))

#define ACPI_RSDP_SIG "RSD PTR " /* 8 bytes, no terminator in the table */
#define ACPI_SIG_XSDT "XSDT"
#define ACPI_SIG_RSDT "RSDT"
#define ACPI_SIG_FADT "FACP"
#define ACPI_SIG_DSDT "DSDT"
#define ACPI_SIG_MADT "APIC"
#define ACPI_SIG_MCFG "MCFG"
#define ACPI_SIG_DMAR "DMAR"

/* Root System Description Pointer. ACPI 1.0 ends at offset 20 (revision
 * 0); revision 2 adds the XSDT and a checksum over the whole length. */
struct acpi_rsdp {
	char signature[8];    /*  0 "RSD PTR " */
	uint8_t checksum;     /*  8 over bytes 0..19 */
	char oem_id[6];	      /*  9 */
	uint8_t revision;     /* 15 0: ACPI 1.0, 2: ACPI 2.0+ */
	uint32_t rsdt_addr;   /* 16 */
	uint32_t length;      /* 20 whole structure, revision >= 2 */
	uint64_t xsdt_addr;   /* 24 */
	uint8_t ext_checksum; /* 32 over the whole length */
	uint8_t reserved[3];  /* 33 */
} ACPI_PACKED;
#define ACPI_RSDP_V1_LEN 20u
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP v2 is 36 bytes");
_Static_assert(offsetof(struct acpi_rsdp, revision) == 15, "RSDP revision");
_Static_assert(offsetof(struct acpi_rsdp, rsdt_addr) == 16, "RSDP rsdt");
_Static_assert(offsetof(struct acpi_rsdp, length) == ACPI_RSDP_V1_LEN, "RSDP v1 end");
_Static_assert(offsetof(struct acpi_rsdp, xsdt_addr) == 24, "RSDP xsdt");
_Static_assert(offsetof(struct acpi_rsdp, ext_checksum) == 32, "RSDP ext checksum");

/* Header shared by every System Description Table. */
struct acpi_sdt_hdr {
	char signature[4];	   /*  0 */
	uint32_t length;	   /*  4 whole table, header included */
	uint8_t revision;	   /*  8 */
	uint8_t checksum;	   /*  9 all bytes of the table sum to 0 */
	char oem_id[6];		   /* 10 */
	char oem_table_id[8];	   /* 16 */
	uint32_t oem_revision;	   /* 24 */
	uint32_t creator_id;	   /* 28 */
	uint32_t creator_revision; /* 32 */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_sdt_hdr) == 36, "SDT header is 36 bytes");
_Static_assert(offsetof(struct acpi_sdt_hdr, length) == 4, "SDT length");
_Static_assert(offsetof(struct acpi_sdt_hdr, checksum) == 9, "SDT checksum");
_Static_assert(offsetof(struct acpi_sdt_hdr, oem_table_id) == 16, "SDT oem table id");

/* XSDT: 64-bit table addresses from offset 36 (so only 4-byte aligned at
 * best); the RSDT is the same with 32-bit addresses. */
struct acpi_xsdt {
	struct acpi_sdt_hdr hdr; /*  0 */
	uint64_t entry[];	 /* 36 */
} ACPI_PACKED;
_Static_assert(offsetof(struct acpi_xsdt, entry) == 36, "XSDT entries");

struct acpi_rsdt {
	struct acpi_sdt_hdr hdr; /*  0 */
	uint32_t entry[];	 /* 36 */
} ACPI_PACKED;
_Static_assert(offsetof(struct acpi_rsdt, entry) == 36, "RSDT entries");

/* Generic Address Structure: where a fixed-hardware register lives. */
struct acpi_gas {
	uint8_t space_id;    /* 0 ACPI_GAS_SPACE_* */
	uint8_t bit_width;   /* 1 */
	uint8_t bit_offset;  /* 2 */
	uint8_t access_size; /* 3 0 undefined, 1 byte, 2 word, 3 dword, 4 qword */
	uint64_t address;    /* 4 */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS is 12 bytes");
_Static_assert(offsetof(struct acpi_gas, address) == 4, "GAS address");

#define ACPI_GAS_SPACE_MEM 0u
#define ACPI_GAS_SPACE_IO 1u
#define ACPI_GAS_SPACE_PCI_CFG 2u

/* GAS access_size: how wide each access to the register must be. */
#define ACPI_GAS_ACCESS_UNDEF 0u
#define ACPI_GAS_ACCESS_BYTE 1u
#define ACPI_GAS_ACCESS_WORD 2u
#define ACPI_GAS_ACCESS_DWORD 3u
#define ACPI_GAS_ACCESS_QWORD 4u

/* Fixed ACPI Description Table, signature "FACP". Revision 1 tables end
 * at 116 and revision 3 at 244 (QEMU's q35); readers must only look at
 * fields below hdr.length. Each X_ field supersedes its 32-bit twin when
 * its address is non-zero. */
struct acpi_fadt {
	struct acpi_sdt_hdr hdr;	/*   0 */
	uint32_t firmware_ctrl;		/*  36 FACS */
	uint32_t dsdt;			/*  40 */
	uint8_t reserved0;		/*  44 INT_MODEL in ACPI 1.0 */
	uint8_t preferred_pm_profile;	/*  45 */
	uint16_t sci_int;		/*  46 */
	uint32_t smi_cmd;		/*  48 */
	uint8_t acpi_enable;		/*  52 */
	uint8_t acpi_disable;		/*  53 */
	uint8_t s4bios_req;		/*  54 */
	uint8_t pstate_cnt;		/*  55 */
	uint32_t pm1a_evt_blk;		/*  56 I/O port */
	uint32_t pm1b_evt_blk;		/*  60 */
	uint32_t pm1a_cnt_blk;		/*  64 */
	uint32_t pm1b_cnt_blk;		/*  68 */
	uint32_t pm2_cnt_blk;		/*  72 */
	uint32_t pm_tmr_blk;		/*  76 */
	uint32_t gpe0_blk;		/*  80 */
	uint32_t gpe1_blk;		/*  84 */
	uint8_t pm1_evt_len;		/*  88 bytes */
	uint8_t pm1_cnt_len;		/*  89 bytes */
	uint8_t pm2_cnt_len;		/*  90 */
	uint8_t pm_tmr_len;		/*  91 */
	uint8_t gpe0_blk_len;		/*  92 */
	uint8_t gpe1_blk_len;		/*  93 */
	uint8_t gpe1_base;		/*  94 */
	uint8_t cst_cnt;		/*  95 */
	uint16_t p_lvl2_lat;		/*  96 */
	uint16_t p_lvl3_lat;		/*  98 */
	uint16_t flush_size;		/* 100 */
	uint16_t flush_stride;		/* 102 */
	uint8_t duty_offset;		/* 104 */
	uint8_t duty_width;		/* 105 */
	uint8_t day_alrm;		/* 106 */
	uint8_t mon_alrm;		/* 107 */
	uint8_t century;		/* 108 */
	uint16_t iapc_boot_arch;	/* 109 ACPI_FADT_BOOT_* */
	uint8_t reserved1;		/* 111 */
	uint32_t flags;			/* 112 ACPI_FADT_F_* */
	struct acpi_gas reset_reg;	/* 116 valid if ACPI_FADT_F_RESET_REG_SUP */
	uint8_t reset_value;		/* 128 */
	uint16_t arm_boot_arch;		/* 129 */
	uint8_t minor_version;		/* 131 */
	uint64_t x_firmware_ctrl;	/* 132 */
	uint64_t x_dsdt;		/* 140 */
	struct acpi_gas x_pm1a_evt_blk; /* 148 */
	struct acpi_gas x_pm1b_evt_blk; /* 160 */
	struct acpi_gas x_pm1a_cnt_blk; /* 172 */
	struct acpi_gas x_pm1b_cnt_blk; /* 184 */
	struct acpi_gas x_pm2_cnt_blk;	/* 196 */
	struct acpi_gas x_pm_tmr_blk;	/* 208 */
	struct acpi_gas x_gpe0_blk;	/* 220 */
	struct acpi_gas x_gpe1_blk;	/* 232 */
	struct acpi_gas sleep_ctl_reg;	/* 244 hardware-reduced ACPI (rev 5+) */
	struct acpi_gas sleep_sts_reg;	/* 256 */
	uint64_t hypervisor_vendor_id;	/* 268 rev 6+ */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT rev 6 is 276 bytes");
_Static_assert(offsetof(struct acpi_fadt, dsdt) == 40, "FADT dsdt");
_Static_assert(offsetof(struct acpi_fadt, pm1a_cnt_blk) == 64, "FADT pm1a_cnt");
_Static_assert(offsetof(struct acpi_fadt, pm1b_cnt_blk) == 68, "FADT pm1b_cnt");
_Static_assert(offsetof(struct acpi_fadt, pm1_cnt_len) == 89, "FADT pm1_cnt_len");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT boot arch");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT flags");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "FADT reset_reg");
_Static_assert(offsetof(struct acpi_fadt, reset_value) == 128, "FADT reset_value");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT x_dsdt");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_cnt_blk) == 172, "FADT x_pm1a_cnt");
_Static_assert(offsetof(struct acpi_fadt, x_pm1b_cnt_blk) == 184, "FADT x_pm1b_cnt");
_Static_assert(offsetof(struct acpi_fadt, sleep_ctl_reg) == 244, "FADT sleep_ctl");
_Static_assert(offsetof(struct acpi_fadt, hypervisor_vendor_id) == 268, "FADT hv vendor");

/* Length of a FADT that reaches the end of field f: the table has f only
 * if hdr.length is at least this. */
#define ACPI_FADT_HAS(len, f) \
	((len) >= offsetof(struct acpi_fadt, f) + sizeof(((struct acpi_fadt *)0)->f))

#define ACPI_FADT_F_WBINVD BIT(0)
#define ACPI_FADT_F_RESET_REG_SUP BIT(10)
#define ACPI_FADT_F_HW_REDUCED BIT(20)
#define ACPI_FADT_F_PROC_C1 BIT(2)	  /* HLT works on every processor */
#define ACPI_FADT_F_PWR_BUTTON BIT(4)	  /* 1: no fixed-hardware power button */
#define ACPI_FADT_F_SLP_BUTTON BIT(5)	  /* 1: no fixed-hardware sleep button */
#define ACPI_FADT_F_FIX_RTC BIT(6)	  /* 1: no RTC wake status in PM1 */
#define ACPI_FADT_F_TMR_VAL_EXT BIT(8)	  /* PM timer is 32 bits, not 24 */
#define ACPI_FADT_F_HEADLESS BIT(12)	  /* no local input or output devices */
#define ACPI_FADT_F_APIC_PHYSICAL BIT(19) /* force xAPIC/x2APIC physical destinations */

/* FADT preferred_pm_profile, and the P_LVLx latencies that mean "C2/C3
 * not supported". */
#define ACPI_FADT_PM_UNSPECIFIED 0u
#define ACPI_FADT_C2_NONE 101u
#define ACPI_FADT_C3_NONE 1001u

/* IA-PC boot architecture flags: what a guest's FADT says is absent. */
#define ACPI_FADT_BOOT_LEGACY_DEVICES BIT(0)
#define ACPI_FADT_BOOT_8042 BIT(1)
#define ACPI_FADT_BOOT_NO_VGA BIT(2)
#define ACPI_FADT_BOOT_NO_MSI BIT(3)
#define ACPI_FADT_BOOT_NO_ASPM BIT(4)
#define ACPI_FADT_BOOT_NO_CMOS_RTC BIT(5)

/* PM1 control register: writing SLP_TYP with SLP_EN set enters a sleep
 * state; SLP_TYP values for S5 come from the DSDT's \_S5 package. */
#define ACPI_PM1_CNT_SCI_EN BIT(0)
#define ACPI_PM1_CNT_SLP_TYP_OFF 10
#define ACPI_PM1_CNT_SLP_TYP_LEN 3
#define ACPI_PM1_CNT_SLP_EN BIT(13)

/* Sleep control and status registers (FADT rev 5+, hardware-reduced
 * platforms): 8 bits each, the same fields as the high bytes of PM1
 * control and PM1 status. */
#define ACPI_SLEEP_CTL_SLP_TYP_OFF 2
#define ACPI_SLEEP_CTL_SLP_TYP_LEN 3
#define ACPI_SLEEP_CTL_SLP_EN BIT(5)
#define ACPI_SLEEP_STS_WAK BIT(7)

/* Multiple APIC Description Table, signature "APIC": a header, then
 * variable-length entries up to hdr.length, each starting with type and
 * length. */
struct acpi_madt {
	struct acpi_sdt_hdr hdr; /*  0 */
	uint32_t lapic_addr;	 /* 36 */
	uint32_t flags;		 /* 40 ACPI_MADT_F_* */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT header is 44 bytes");
_Static_assert(offsetof(struct acpi_madt, flags) == 40, "MADT flags");

#define ACPI_MADT_F_PCAT_COMPAT BIT(0) /* dual 8259s present */

struct acpi_madt_entry {
	uint8_t type;	/* 0 ACPI_MADT_TYPE_* */
	uint8_t length; /* 1 whole entry */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_entry) == 2, "MADT entry header");

#define ACPI_MADT_TYPE_LAPIC 0u
#define ACPI_MADT_TYPE_IOAPIC 1u
#define ACPI_MADT_TYPE_ISO 2u
#define ACPI_MADT_TYPE_LAPIC_NMI 4u
#define ACPI_MADT_TYPE_X2APIC 9u
#define ACPI_MADT_TYPE_X2APIC_NMI 10u

/* Processor Local APIC and x2APIC flags. */
#define ACPI_MADT_CPU_ENABLED BIT(0)
#define ACPI_MADT_CPU_ONLINE_CAPABLE BIT(1) /* MADT rev >= 5, only if !ENABLED */

/* NMI entries (types 4 and 10): this uid means every processor; flags 0
 * means the bus's default polarity and trigger mode. */
#define ACPI_MADT_NMI_ALL_LAPIC 0xFFu
#define ACPI_MADT_NMI_ALL_X2APIC 0xFFFFFFFFu
#define ACPI_MADT_NMI_LINT1 1u

struct acpi_madt_lapic {
	struct acpi_madt_entry h; /* 0 type 0, length 8 */
	uint8_t uid;		  /* 2 ACPI processor UID */
	uint8_t apic_id;	  /* 3 */
	uint32_t flags;		  /* 4 ACPI_MADT_CPU_* */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT LAPIC");
_Static_assert(offsetof(struct acpi_madt_lapic, flags) == 4, "MADT LAPIC flags");

struct acpi_madt_ioapic {
	struct acpi_madt_entry h; /* 0 type 1, length 12 */
	uint8_t ioapic_id;	  /* 2 */
	uint8_t reserved;	  /* 3 */
	uint32_t addr;		  /* 4 */
	uint32_t gsi_base;	  /* 8 */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT IOAPIC");
_Static_assert(offsetof(struct acpi_madt_ioapic, gsi_base) == 8, "MADT IOAPIC gsi");

struct acpi_madt_iso {
	struct acpi_madt_entry h; /* 0 type 2, length 10 */
	uint8_t bus;		  /* 2 0: ISA */
	uint8_t source;		  /* 3 ISA IRQ */
	uint32_t gsi;		  /* 4 */
	uint16_t flags;		  /* 8 polarity, trigger mode */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "MADT ISO");

struct acpi_madt_lapic_nmi {
	struct acpi_madt_entry h; /* 0 type 4, length 6 */
	uint8_t uid;		  /* 2 0xff: all processors */
	uint16_t flags;		  /* 3 */
	uint8_t lint;		  /* 5 LINT0 or LINT1 */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "MADT LAPIC NMI");
_Static_assert(offsetof(struct acpi_madt_lapic_nmi, lint) == 5, "MADT LAPIC NMI lint");

struct acpi_madt_x2apic {
	struct acpi_madt_entry h; /*  0 type 9, length 16 */
	uint16_t reserved;	  /*  2 */
	uint32_t x2apic_id;	  /*  4 */
	uint32_t flags;		  /*  8 ACPI_MADT_CPU_* */
	uint32_t uid;		  /* 12 */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "MADT x2APIC");
_Static_assert(offsetof(struct acpi_madt_x2apic, x2apic_id) == 4, "MADT x2APIC id");
_Static_assert(offsetof(struct acpi_madt_x2apic, uid) == 12, "MADT x2APIC uid");

struct acpi_madt_x2apic_nmi {
	struct acpi_madt_entry h; /*  0 type 10, length 12 */
	uint16_t flags;		  /*  2 */
	uint32_t uid;		  /*  4 0xffffffff: all processors */
	uint8_t lint;		  /*  8 */
	uint8_t reserved[3];	  /*  9 */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_x2apic_nmi) == 12, "MADT x2APIC NMI");
_Static_assert(offsetof(struct acpi_madt_x2apic_nmi, lint) == 8, "MADT x2APIC NMI lint");

/* PCI Express memory-mapped configuration (ECAM) table, signature "MCFG":
 * a header, 8 reserved bytes, then 16-byte allocation entries. */
struct acpi_mcfg {
	struct acpi_sdt_hdr hdr; /*  0 */
	uint8_t reserved[8];	 /* 36 */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_mcfg) == 44, "MCFG header is 44 bytes");

struct acpi_mcfg_entry {
	uint64_t base;	   /*  0 ECAM address of bus 0 of this segment */
	uint16_t segment;  /*  8 PCI segment group */
	uint8_t bus_start; /* 10 */
	uint8_t bus_end;   /* 11 */
	uint32_t reserved; /* 12 */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_mcfg_entry) == 16, "MCFG entry is 16 bytes");
_Static_assert(offsetof(struct acpi_mcfg_entry, segment) == 8, "MCFG segment");
_Static_assert(offsetof(struct acpi_mcfg_entry, bus_end) == 11, "MCFG bus end");

/* MCFG: bus b of a segment has its 4 KiB functions from base + (b << 20). */
#define ACPI_ECAM_BUS_SHIFT 20

/* ---- Resource descriptors (ACPI 6.4 section 6.4), the bytes of a _CRS
 * buffer. Small ones start with one tag byte (type << 3 | length); large
 * ones with the tag byte (0x80 | type) and a 16-bit length of what follows
 * the first 3 bytes. A template ends with the small End Tag. ---- */

#define ACPI_RD_SMALL_TAG(type, len) ((uint8_t)((type) << 3 | (len)))
#define ACPI_RD_SMALL_TYPE(tag) (((uint8_t)(tag) >> 3) & 0x0Fu)
#define ACPI_RD_SMALL_LEN(tag) ((uint8_t)(tag)&0x07u)
#define ACPI_RD_TYPE_IRQ 0x04u /* small */
#define ACPI_RD_TYPE_IO 0x08u  /* small */
#define ACPI_RD_TYPE_END 0x0Fu /* small */
#define ACPI_RD_LARGE 0x80u
#define ACPI_RD_TAG_FIXED_MEM32 0x86u
#define ACPI_RD_TAG_DWORD_ADDR 0x87u
#define ACPI_RD_TAG_WORD_ADDR 0x88u
#define ACPI_RD_TAG_EXT_IRQ 0x89u
#define ACPI_RD_TAG_QWORD_ADDR 0x8Au

/* I/O port range, small type 8, 7 bytes of data. */
/* IRQ descriptor, 3-byte form (ACPI 6.4, 6.4.2.1). */
struct acpi_rd_irq {
	uint8_t tag;   /* 0 ACPI_RD_SMALL_TAG(ACPI_RD_TYPE_IRQ, 3) */
	uint16_t mask; /* 1 bit n: IRQ n */
	uint8_t info;  /* 3 ACPI_RD_IRQ_* */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_rd_irq) == 4, "IRQ descriptor");

#define ACPI_RD_IRQ_EDGE BIT(0)	      /* _HE: 1 edge, 0 level */
#define ACPI_RD_IRQ_ACTIVE_LOW BIT(3) /* _LL */
#define ACPI_RD_IRQ_SHARED BIT(4)     /* _SHR */

struct acpi_rd_io {
	uint8_t tag;	/* 0 ACPI_RD_SMALL_TAG(ACPI_RD_TYPE_IO, 7) */
	uint8_t info;	/* 1 bit 0: decodes 16 address bits */
	uint16_t min;	/* 2 */
	uint16_t max;	/* 4 */
	uint8_t align;	/* 6 */
	uint8_t length; /* 7 number of ports */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_rd_io) == 8, "IO descriptor");
#define ACPI_RD_IO_DECODE16 BIT(0)

/* Fixed 32-bit memory range. */
struct acpi_rd_fixed_mem32 {
	uint8_t tag;	 /* 0 ACPI_RD_TAG_FIXED_MEM32 */
	uint16_t length; /* 1 9 */
	uint8_t info;	 /* 3 bit 0: read-write */
	uint32_t base;	 /* 4 */
	uint32_t size;	 /* 8 */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_rd_fixed_mem32) == 12, "Memory32Fixed descriptor");

/* Address space descriptors: the same fields at 16, 32 and 64 bits. */
#define ACPI_RD_ADDR_MEM 0u
#define ACPI_RD_ADDR_IO 1u
#define ACPI_RD_ADDR_BUS 2u
/* General flags: bit 0 set means consumer only; clear, the device (a bridge)
 * produces the range for its children. */
#define ACPI_RD_ADDR_CONSUMER BIT(0)
#define ACPI_RD_ADDR_SUB_DECODE BIT(1)
#define ACPI_RD_ADDR_MIN_FIXED BIT(2)
#define ACPI_RD_ADDR_MAX_FIXED BIT(3)
/* Memory type-specific flags: read-write, and caching in bits 2:1. */
#define ACPI_RD_MEM_RW BIT(0)
#define ACPI_RD_MEM_CACHE_OFF 1
#define ACPI_RD_MEM_CACHE_LEN 2
#define ACPI_RD_MEM_NONCACHEABLE 0u
#define ACPI_RD_MEM_PREFETCHABLE 3u

struct acpi_rd_word_addr {
	uint8_t tag;	      /*  0 ACPI_RD_TAG_WORD_ADDR */
	uint16_t length;      /*  1 13 */
	uint8_t type;	      /*  3 ACPI_RD_ADDR_* */
	uint8_t flags;	      /*  4 general flags */
	uint8_t type_flags;   /*  5 */
	uint16_t granularity; /*  6 */
	uint16_t min;	      /*  8 */
	uint16_t max;	      /* 10 */
	uint16_t translation; /* 12 */
	uint16_t size;	      /* 14 */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_rd_word_addr) == 16, "WordSpace descriptor");

struct acpi_rd_dword_addr {
	uint8_t tag;	      /*  0 ACPI_RD_TAG_DWORD_ADDR */
	uint16_t length;      /*  1 23 */
	uint8_t type;	      /*  3 */
	uint8_t flags;	      /*  4 */
	uint8_t type_flags;   /*  5 */
	uint32_t granularity; /*  6 */
	uint32_t min;	      /* 10 */
	uint32_t max;	      /* 14 */
	uint32_t translation; /* 18 */
	uint32_t size;	      /* 22 */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_rd_dword_addr) == 26, "DWordSpace descriptor");

struct acpi_rd_qword_addr {
	uint8_t tag;	      /*  0 ACPI_RD_TAG_QWORD_ADDR */
	uint16_t length;      /*  1 43 */
	uint8_t type;	      /*  3 */
	uint8_t flags;	      /*  4 */
	uint8_t type_flags;   /*  5 */
	uint64_t granularity; /*  6 */
	uint64_t min;	      /* 14 */
	uint64_t max;	      /* 22 */
	uint64_t translation; /* 30 */
	uint64_t size;	      /* 38 */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_rd_qword_addr) == 46, "QWordSpace descriptor");

/* Length field of a large descriptor: the bytes after tag and length. */
#define ACPI_RD_LARGE_LEN(type) ((uint16_t)(sizeof(type) - 3))

struct acpi_rd_end {
	uint8_t tag;	  /* 0 ACPI_RD_SMALL_TAG(ACPI_RD_TYPE_END, 1) = 0x79 */
	uint8_t checksum; /* 1 0: not checked */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_rd_end) == 2, "End Tag");

#endif
