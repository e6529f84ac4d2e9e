/* SPDX-License-Identifier: MIT */
#include "probes/host_env.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

static bool nm_running(const char *proc_root)
{
	DIR *d = opendir(proc_root);
	struct dirent *e;
	bool found = false;
	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		char path[512], comm[64] = "";
		snprintf(path, sizeof(path), "%s/%s/comm", proc_root, e->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f))
			found = !strcmp(comm, "NetworkManager\n");
		fclose(f);
	}
	closedir(d);
	return found;
}

/* an unmanaged-devices line that covers cali interfaces */
static int file_has_unmanaged(const char *path)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	int ok = -1;
	if (!f)
		return -1;
	ok = 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "unmanaged-devices") && strstr(line, "cali"))
			ok = 1;
	fclose(f);
	return ok;
}

void ct_host_env_probe(struct ct_host_env *env, const char *proc_root, const char *etc_root)
{
	char path[512];
	memset(env, 0, sizeof(*env));
	env->nm_running = nm_running(proc_root) ? 1 : 0;
	env->nm_unmanaged_ok = 0;
	snprintf(path, sizeof(path), "%s/NetworkManager/NetworkManager.conf", etc_root);
	snprintf(env->nm_conf, sizeof(env->nm_conf), "%s/NetworkManager", etc_root);
	if (file_has_unmanaged(path) == 1)
		env->nm_unmanaged_ok = 1;
	snprintf(path, sizeof(path), "%s/NetworkManager/conf.d", etc_root);
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d)) && !env->nm_unmanaged_ok) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".conf"))
			continue;
		char p2[1024];
		snprintf(p2, sizeof(p2), "%s/%s", path, e->d_name);
		if (file_has_unmanaged(p2) == 1)
			env->nm_unmanaged_ok = 1;
	}
	if (d)
		closedir(d);
}
