#include <stdio.h>

int main(void) {
    puts("hello from a C program built in a build stage");
    return 0;
}
