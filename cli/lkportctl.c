// SPDX-License-Identifier: GPL-2.0
/*
 * lkportctl: lkport from the shell.
 *
 *   lkportctl version        ABI version and features of the loaded module
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <lkport/lkport.h>

static const struct {
	unsigned long long bit;
	const char *name;
} features[] = {
	{ LKPORT_FEATURE_VERSION, "version" },
};

static int cmd_version(int argc, char **argv)
{
	struct lkport_version v;
	unsigned int i;
	int dev, err;

	(void)argc;
	(void)argv;
	dev = lkport_open();
	if (dev < 0) {
		fprintf(stderr, "lkportctl: %s: %s\n", LKPORT_DEVICE, strerror(-dev));
		return 1;
	}
	err = lkport_query_version(dev, &v);
	close(dev);
	if (err) {
		fprintf(stderr, "lkportctl: version query: %s\n", strerror(-err));
		return 1;
	}
	printf("module   %s\n", v.module_version);
	printf("abi      %u.%u (library %u.%u, %s)\n", v.abi_major, v.abi_minor,
	       LKPORT_ABI_MAJOR, LKPORT_ABI_MINOR,
	       lkport_version_compatible(&v) ? "compatible" : "INCOMPATIBLE");
	printf("features");
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (v.features & features[i].bit)
			printf(" %s", features[i].name);
	printf("\n");
	return lkport_version_compatible(&v) ? 0 : 1;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "version", cmd_version, "show the module's ABI version and features" },
};

static void usage(FILE *out)
{
	unsigned int i;

	fprintf(out, "usage: lkportctl COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
	unsigned int i;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "lkportctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
