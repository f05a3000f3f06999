/* resource.c — resource attributes: service, process, host, SDK (see resource.h).
 * OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES, which wins over
 * the default `unknown_service:<exe>`; the process and SDK attributes cannot be overridden
 * except by OTEL_RESOURCE_ATTRIBUTES, which is merged last for keys we do not set. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include "exporter/resource.h"
#include "preload/config.h"
#include "preload/context.h"

ga_resource ga_res;

static const char *ga__keep(ga_resource *res, const char *s, size_t n)
{
    if (res->used + n + 1 > sizeof res->strings)
        return "";
    char *p = res->strings + res->used;
    memcpy(p, s, n);
    p[n] = '\0';
    res->used += n + 1;
    return p;
}

static void ga__add_str(ga_resource *res, const char *key, const char *val)
{
    if (res->n >= (int)GA_ARRAY_LEN(res->attrs))
        return;
    const char *v = ga__keep(res, val, strlen(val));
    res->attrs[res->n++] = (ga_attr){ .key = key, .type = GA_V_STR, .s = v, .slen = strlen(v) };
}

static int ga__has(const ga_resource *res, const char *key)
{
    for (int i = 0; i < res->n; i++)
        if (strcmp(res->attrs[i].key, key) == 0)
            return 1;
    return 0;
}

void ga_uuid4(char out[37])
{
    uint8_t u[16];
    ga_random_trace_id(u);
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
    char hex[33];
    ga_hex(u, 16, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/* Read the first NUL-terminated string of /proc/self/cmdline (argv[0]). */
static void ga__argv0(char *buf, size_t cap)
{
    buf[0] = '\0';
    int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = syscall(SYS_read, fd, buf, cap - 1);
    syscall(SYS_close, fd);
    buf[n > 0 ? (size_t)n : 0] = '\0';
}

void ga_resource_build(ga_resource *res)
{
    int saved = errno;
    memset(res, 0, sizeof *res);
    char exe[512] = "", base[512] = "", tmp[600];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? (size_t)n : 0] = '\0';
    const char *slash = strrchr(exe, '/');
    snprintf(base, sizeof base, "%s", slash ? slash + 1 : exe);

    const char *svc = ga_cfg.service_name;
    for (int i = 0; !*svc && i < ga_cfg.n_resource_attrs; i++)
        if (strcmp(ga_cfg.resource_attrs[i].key, "service.name") == 0)
            svc = ga_cfg.resource_attrs[i].value;
    if (*svc) {
        ga__add_str(res, "service.name", svc);
    } else {
        snprintf(tmp, sizeof tmp, base[0] ? "unknown_service:%s" : "unknown_service", base);
        ga__add_str(res, "service.name", tmp);
    }
    ga_uuid4(res->instance_id);
    ga__add_str(res, "service.instance.id", res->instance_id);
    if (gethostname(tmp, sizeof tmp) == 0) {
        tmp[sizeof tmp - 1] = '\0';
        ga__add_str(res, "host.name", tmp);
    }
    res->attrs[res->n++] = (ga_attr){ .key = "process.pid", .type = GA_V_INT, .i = getpid() };
    if (base[0])
        ga__add_str(res, "process.executable.name", base);
    if (exe[0])
        ga__add_str(res, "process.executable.path", exe);
    ga__argv0(tmp, sizeof tmp);
    if (tmp[0])
        ga__add_str(res, "process.command", tmp);
    ga__add_str(res, "telemetry.sdk.name", GA_SDK_NAME);
    ga__add_str(res, "telemetry.sdk.language", "c");
    ga__add_str(res, "telemetry.sdk.version", GA_VERSION);
    for (int i = 0; i < ga_cfg.n_resource_attrs; i++)
        if (!ga__has(res, ga_cfg.resource_attrs[i].key))
            ga__add_str(res, ga_cfg.resource_attrs[i].key, ga_cfg.resource_attrs[i].value);
    errno = saved;
}
