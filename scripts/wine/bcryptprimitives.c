/* bcryptprimitives.dll for Wine 8, which lacks it: Go (>= 1.21 on Windows)
   gets its random bytes from ProcessPrng here.  Forward to advapi32's
   RtlGenRandom (exported as SystemFunction036), which Wine has.
   Build: x86_64-w64-mingw32-gcc -shared -o bcryptprimitives.dll this.c -ladvapi32 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
    while (size > 0) {  /* RtlGenRandom takes a 32-bit length */
        ULONG chunk = size > 0x10000000 ? 0x10000000 : (ULONG)size;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}
