// Host code only: nothing to translate.
// expect: TM001
#include <cstdio>
int main() {
    printf("no kernels here\n");
    return 0;
}
