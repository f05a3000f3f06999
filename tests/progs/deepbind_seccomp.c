/* deepbind_seccomp.c — loads libcurl with RTLD_DEEPBIND after forbidding itself any mprotect()
 * that adds PROT_WRITE (a seccomp filter answering EPERM), so that an LD_PRELOAD library cannot
 * open libcurl's read-only relocation pages to redirect them: the library must say so once and
 * change nothing else. The loader itself never needs such an mprotect.
 *
 * usage: deepbind_seccomp [LIBCURL]     prints "loaded" (x86_64 only; elsewhere "unsupported") */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

int main(int argc, char **argv)
{
#if defined(__x86_64__)
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_WRITE, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { .len = sizeof f / sizeof f[0], .filter = f };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        perror("seccomp");
        return 1;
    }
    if (dlopen(argc > 1 ? argv[1] : "libcurl.so.4", RTLD_NOW | RTLD_DEEPBIND) == NULL) {
        printf("%s\n", dlerror());
        return 1;
    }
    printf("loaded\n");
    return 0;
#else
    (void)argc; (void)argv;
    printf("unsupported\n");
    return 0;
#endif
}
