/* stdio_demo.c — a program that writes through stdio (built -O2 -D_FORTIFY_SOURCE=2: printf is
 * __printf_chk) to stdout, then points its `stdout` variable at stderr for a while, as a
 * program may: the library's printf, puts and putchar hooks must write to and capture the
 * stream the program's own `stdout` names at the time of the call. */
#include <stdio.h>

int main(void)
{
    printf("printf to out %d\n", 1);
    puts("puts to out");
    fflush(stdout);
    FILE *out = stdout;
    stdout = stderr;
    printf("printf to err %d\n", 2);
    puts("puts to err");
    putchar('e');
    putchar('\n');
    fflush(stderr);
    stdout = out;
    printf("printf to out %d\n", 3);
    return 0;
}
