/*
 * crt0.S - start of every user program: the kernel enters _start in
 * U-mode with sp = top of the stack and every other register 0.
 * Sets gp (for gp-relative accesses the linker may relax to), calls
 * main() and passes its return value to exit().
 */
    .text
    .globl  _start
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    call    main
    call    exit
1:  j       1b
