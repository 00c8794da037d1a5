/* The fill path's code prefetched on a wake from idle (hotcode.h). */
#define _GNU_SOURCE /* dlinfo */
#include "hotcode.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <opensqt/plugin.h>

#define HOT_SECTION "sqt_hot"
#define LINE 64
#define MAX_SECTIONS 4096          /* far above any plugin; more is a damaged file */
#define MAX_NAMES ((size_t)1 << 20)

/* The linker defines these when the executable has the section (weak: a build without
 * SQT_HOT has none, and then they are NULL). */
extern const char __start_sqt_hot[] __attribute__((weak));
extern const char __stop_sqt_hot[] __attribute__((weak));

static void add_range(sqt_hotcode *hc, const char *lo, size_t len)
{
    if (lo == NULL || len == 0 || hc->n == SQT_HOTCODE_RANGES)
        return;
    if (len > SQT_HOTCODE_MAX_BYTES - hc->bytes)
        len = SQT_HOTCODE_MAX_BYTES - hc->bytes;
    if (len == 0)
        return;
    hc->r[hc->n].lo = lo;
    hc->r[hc->n].len = len;
    hc->n++;
    hc->bytes += len;
}

void sqt_hotcode_init(sqt_hotcode *hc)
{
    uintptr_t lo = (uintptr_t)__start_sqt_hot, hi = (uintptr_t)__stop_sqt_hot;
    memset(hc, 0, sizeof(*hc));
    if (lo != 0 && hi > lo)
        add_range(hc, __start_sqt_hot, (size_t)(hi - lo));
}

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

/* The section's address (relative to the object's base) and size from the file's
 * section headers; 0 when it has none or the headers do not make sense. */
static size_t find_section(int fd, uint64_t *addr)
{
    ElfW(Ehdr) eh;
    ElfW(Shdr) *sh = NULL, *names;
    char *strtab = NULL;
    size_t found = 0, i;
    if (read_at(fd, &eh, sizeof(eh), 0) != 0 || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
        eh.e_shentsize != sizeof(ElfW(Shdr)) || eh.e_shnum == 0 || eh.e_shnum > MAX_SECTIONS ||
        eh.e_shstrndx >= eh.e_shnum)
        return 0;
    sh = calloc(eh.e_shnum, sizeof(*sh));
    if (sh == NULL || read_at(fd, sh, eh.e_shnum * sizeof(*sh), eh.e_shoff) != 0)
        goto out;
    names = &sh[eh.e_shstrndx];
    if (names->sh_type != SHT_STRTAB || names->sh_size == 0 || names->sh_size > MAX_NAMES)
        goto out;
    strtab = malloc(names->sh_size + 1);
    if (strtab == NULL || read_at(fd, strtab, names->sh_size, names->sh_offset) != 0)
        goto out;
    strtab[names->sh_size] = '\0';
    for (i = 0; i < eh.e_shnum; i++) {
        if (sh[i].sh_name >= names->sh_size || strcmp(strtab + sh[i].sh_name, HOT_SECTION) != 0)
            continue;
        if (sh[i].sh_type == SHT_PROGBITS && (sh[i].sh_flags & SHF_ALLOC) &&
            (sh[i].sh_flags & SHF_EXECINSTR) && sh[i].sh_size > 0) {
            *addr = sh[i].sh_addr;
            found = (size_t)sh[i].sh_size;
        }
        break;
    }
out:
    free(strtab);
    free(sh);
    return found;
}

size_t sqt_hotcode_add_object(sqt_hotcode *hc, void *dl)
{
    struct link_map *lm = NULL;
    uint64_t addr = 0;
    size_t len;
    Dl_info info;
    void *base;
    int fd;
    if (dl == NULL || dlinfo(dl, RTLD_DI_LINKMAP, &lm) != 0 || lm == NULL || lm->l_name == NULL ||
        lm->l_name[0] == '\0')
        return 0;
    fd = open(lm->l_name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    len = find_section(fd, &addr);
    close(fd);
    if (len == 0)
        return 0;
    /* the file read may not be the one mapped (replaced since): the range must lie in
     * the loaded object, its first and last byte both, as its dynamic section does */
    if (dladdr(lm->l_ld, &info) == 0)
        return 0;
    base = info.dli_fbase;
    if (dladdr((const char *)lm->l_addr + addr, &info) == 0 || info.dli_fbase != base ||
        dladdr((const char *)lm->l_addr + addr + len - 1, &info) == 0 || info.dli_fbase != base)
        return 0;
    add_range(hc, (const char *)lm->l_addr + addr, len);
    return len;
}

SQT_HOT void sqt_hotcode_prefetch(const sqt_hotcode *hc)
{
    int i;
    for (i = 0; i < hc->n; i++) {
        const char *p = hc->r[i].lo, *end = p + hc->r[i].len;
        for (; p < end; p += LINE)
            __builtin_prefetch(p, 0, 2); /* read, into L2 (prefetcht1 on x86) */
    }
}
