/* ga_dldep.c — the plugin's dependency (tests/progs/plug/ga_dlplug.c): its own ga_who(). */
const char *ga_who(void);

const char *ga_who(void)
{
    return "dependency";
}
