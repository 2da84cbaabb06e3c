/* vring.c - a ring buffer mapped twice in a row (see vring.h). */
#include "util/vring.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

bool vring_enabled(void)
{
	const char *v = getenv("MPTCPANALYZER_VRING");
	return !(v && strcmp(v, "0") == 0);
}

#if defined(__linux__) && defined(MFD_CLOEXEC)
bool vring_map(struct vring *v, size_t min_bytes, bool populate)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t bytes = (min_bytes + page - 1) / page * page;
	v->base = NULL;
	v->bytes = 0;
	if (bytes == 0 || bytes > SIZE_MAX / 4)
		return false;
	int fd = memfd_create("mptcpa-ring", MFD_CLOEXEC);
	if (fd < 0)
		return false;
	/* the address range first, so that both copies land where they must */
	char *area = MAP_FAILED;
	if (ftruncate(fd, (off_t)bytes) == 0)
		area = mmap(NULL, 2 * bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	bool ok = area != MAP_FAILED;
	int flags = MAP_SHARED | MAP_FIXED | (populate ? MAP_POPULATE : 0);
	for (int k = 0; ok && k < 2; k++)
		ok = mmap(area + k * bytes, bytes, PROT_READ | PROT_WRITE, flags, fd, 0) != MAP_FAILED;
	close(fd); /* the mappings hold the memory */
	if (!ok) {
		if (area != MAP_FAILED)
			munmap(area, 2 * bytes);
		return false;
	}
	v->base = area;
	v->bytes = bytes;
	return true;
}
#else
bool vring_map(struct vring *v, size_t min_bytes, bool populate)
{
	(void)min_bytes;
	(void)populate;
	v->base = NULL;
	v->bytes = 0;
	return false;
}
#endif

void vring_unmap(struct vring *v)
{
	if (v->base)
		munmap(v->base, 2 * v->bytes);
	v->base = NULL;
	v->bytes = 0;
}
