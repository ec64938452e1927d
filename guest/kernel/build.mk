# guest/kernel/build.mk - included by guest/Makefile: the demo kernel and
# its user programs.
#
#   build/kernel/kernel.elf    the kernel (guest/kernel/*.c, entry.S)
#   build/user/NAME.elf        the user programs (guest/user/NAME.c with
#                              crt0.S and ulib.c), each run as disk 0
#
# Two-step compile and link, no debug info, no build-id: reproducible, as
# the rest of guest/.  The objects are intermediate files.

KERNEL_CFLAGS := -march=rv64imac_zicsr_zifencei -mabi=lp64 -O2 \
                 -ffreestanding -nostdlib -nostartfiles -static \
                 -mcmodel=medany -fno-pic \
                 -fno-tree-loop-distribute-patterns \
                 -fno-asynchronous-unwind-tables -fno-unwind-tables \
                 -Wall -Wextra
KERNEL_LDFLAGS := -T kernel/kernel.ld -Wl,--build-id=none
KERNEL_HDRS    := $(wildcard kernel/*.h)
KERNEL_ELF     := build/kernel/kernel.elf
KERNEL_OBJS    := $(patsubst %,build/obj/kernel/%.o,entry main trap vm virtio fdt console)

# User programs: the linker's default script (text at 0x10000, data on the
# next page at the same page offset as in the file: a segment that does
# not start on a page boundary, as real programs have).
# -fno-optimize-sibling-calls keeps the recursion in stack/bad_stack real.
USER_CFLAGS  := -march=rv64gc -mabi=lp64d -O2 -ffp-contract=off \
                -ffreestanding -nostdlib -nostartfiles -static \
                -mcmodel=medany -fno-pic -fno-optimize-sibling-calls \
                -fno-tree-loop-distribute-patterns \
                -fno-asynchronous-unwind-tables -fno-unwind-tables \
                -Wall -Wextra
USER_LDFLAGS := -Wl,--build-id=none
USER_NAMES   := hello sort stack segments seqscan random matmul qsort ptrchase \
                hashtable bad_null bad_text bad_exec bad_stack \
                bad_kernel
USER_ELFS    := $(patsubst %,build/user/%.elf,$(USER_NAMES))
USER_LIB     := build/obj/user/crt0.o build/obj/user/ulib.o
USER_OBJS    := $(USER_LIB) $(patsubst %,build/obj/user/%.o,$(USER_NAMES))

all: $(KERNEL_ELF) $(USER_ELFS)

.INTERMEDIATE: $(KERNEL_OBJS) $(USER_OBJS)
build/obj/kernel/%.o: kernel/%.c $(KERNEL_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c -o $@ $<

build/obj/kernel/%.o: kernel/%.S
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c -o $@ $<

$(KERNEL_ELF): $(KERNEL_OBJS) kernel/kernel.ld
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) $(KERNEL_LDFLAGS) -o $@ $(filter %.o,$^)

build/obj/user/%.o: user/%.c user/ulib.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c -o $@ $<

build/obj/user/%.o: user/%.S
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c -o $@ $<

build/user/%.elf: $(USER_LIB) build/obj/user/%.o
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(USER_LDFLAGS) -o $@ $(filter %.o,$^)

# segments: two PT_LOAD segments that share a page (user/packed.ld).
build/user/segments.elf: user/packed.ld
build/user/segments.elf: USER_LDFLAGS += -T user/packed.ld

# The kernel on QEMU's virt board: make -C guest qemu-kernel PROG=hello
PROG   ?= hello
APPEND ?= frames=32 policy=clock
.PHONY: qemu-kernel kernel-clean
qemu-kernel: $(KERNEL_ELF) build/user/$(PROG).elf
	@rm -f build/swap.img && truncate -s 4M build/swap.img
	$(QEMU) -machine virt -bios none -nographic -m 128M -kernel $(KERNEL_ELF) \
	  -global virtio-mmio.force-legacy=false \
	  -drive file=build/user/$(PROG).elf,if=none,format=raw,id=d0,readonly=on \
	  -device virtio-blk-device,drive=d0,bus=virtio-mmio-bus.0 \
	  -drive file=build/swap.img,if=none,format=raw,id=d1 \
	  -device virtio-blk-device,drive=d1,bus=virtio-mmio-bus.1 \
	  -append "$(APPEND)"; rc=$$?; rm -f build/swap.img; exit $$rc

kernel-clean:
	rm -rf build/kernel build/user build/obj/kernel build/obj/user build/swap.img
