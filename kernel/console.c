/* kernel/console.c: the PL011 serial console, polled. Output waits for room in
 * the transmit FIFO; input is read from the receive FIFO only when asked, so
 * QEMU holds piped stdin back until the guest wants it (flow control). Lines
 * from different cpus are kept whole by a spinlock; console_panic_mode() drops
 * the lock for the crash path. */
#include "kernel/console.h"
#include "kernel/fdt.h"
#include "kernel/boot.h"
#include "kernel/spinlock.h"
#include "arch/aarch64/arch.h"
#include "lib/printf.h"
#include <stdint.h>

#define UART_DR     0x00
#define UART_FR     0x18
#define UART_LCRH   0x2c
#define UART_CR     0x30
#define UART_IMSC   0x38
#define FR_RXFE     (1u << 4)
#define FR_TXFF     (1u << 5)
#define LCRH_FEN    (1u << 4)
#define LCRH_WLEN8  (3u << 5)
#define CR_UARTEN   (1u << 0)
#define CR_TXE      (1u << 8)
#define CR_RXE      (1u << 9)

static uintptr_t uart = 0x09000000;      /* QEMU virt, until the DTB says otherwise */
static spinlock_t console_lock;
static bool panic_mode;

static inline uint32_t reg_read(uint32_t off) { return *(volatile uint32_t *)(uart + off); }
static inline void reg_write(uint32_t off, uint32_t v) { *(volatile uint32_t *)(uart + off) = v; }

void console_init(void)
{
    if (fdt.uart_base)
        uart = (uintptr_t)fdt.uart_base;
    /* Keep the FIFO setting as found: toggling LCRH.FEN empties the FIFO, and
     * QEMU may already have delivered input. Baud rate is the firmware's. */
    uint32_t lcrh = reg_read(UART_LCRH);
    if ((lcrh & ~LCRH_FEN) != LCRH_WLEN8)
        reg_write(UART_LCRH, (lcrh & LCRH_FEN) | LCRH_WLEN8);
    reg_write(UART_IMSC, 0);
    uint32_t cr = CR_UARTEN | CR_TXE | CR_RXE;
    if ((reg_read(UART_CR) & cr) != cr)
        reg_write(UART_CR, reg_read(UART_CR) | cr);
}

static void lock(void)
{
    if (!panic_mode)
        spin_lock(&console_lock);
}

static void unlock(void)
{
    if (!panic_mode)
        spin_unlock(&console_lock);
}

void console_panic_mode(void)
{
    panic_mode = true;
}

static void putc_raw(char c)
{
    while (reg_read(UART_FR) & FR_TXFF)
        ;
    reg_write(UART_DR, (uint8_t)c);
}

static void write_unlocked(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            putc_raw('\r');
        putc_raw(s[i]);
    }
}

void console_putc(char c)
{
    lock();
    write_unlocked(&c, 1);
    unlock();
}

void console_write(const char *s, size_t n)
{
    lock();
    write_unlocked(s, n);
    unlock();
}

/* Bytes console_poll_for() read past while looking for its byte, oldest
 * first; console_trygetc() hands them out before reading the UART again. */
static char held[256];
static unsigned held_head, held_tail;   /* free-running; head - tail = bytes held */

static int uart_trygetc(void)
{
    if (reg_read(UART_FR) & FR_RXFE)
        return -1;
    return (int)(reg_read(UART_DR) & 0xff);
}

/* Input read before the console existed (UEFI's key buffer) is held too. */
void console_preload(const char *s, size_t n)
{
    for (size_t i = 0; i < n && held_head - held_tail < sizeof held; i++)
        held[held_head++ % sizeof held] = s[i];
}

int console_trygetc(void)
{
    if (held_head != held_tail)
        return (uint8_t)held[held_tail++ % sizeof held];
    return uart_trygetc();
}

bool console_poll_for(char want)
{
    int c;
    while (held_head - held_tail < sizeof held && (c = uart_trygetc()) >= 0) {
        if (c == (uint8_t)want)
            return true;
        held[held_head++ % sizeof held] = (char)c;
    }
    return false;
}

/* Poll briefly (piped input arrives back to back), then sleep a millisecond
 * at a time so an idle prompt costs the host nothing. */
int console_getc(void)
{
    for (;;) {
        uint64_t spin_end = time_ns() + 200000;
        do {
            int c = console_trygetc();
            if (c >= 0)
                return c;
        } while (time_ns() < spin_end);
        cpu_idle_ns(1000000);
    }
}

int kprintf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
    console_write(buf, len);
    return n;
}
