/* privs.h - what a capture started with privileges does with them: the
 * files it writes never follow a symbolic link at their last component,
 * and once the interface and every file are open it becomes an ordinary
 * user with no capability, before the first hostile packet is parsed. */
#ifndef MTLS_PRIVS_H
#define MTLS_PRIVS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* Who a capture started as root becomes when -Z names nobody else (the
 * --help text and the man page name both users). */
#define PRIVS_DEFAULT_USER "nobody"
/* -Z root: a capture started as root stays root. */
#define PRIVS_KEEP_ROOT_USER "root"

struct privs_plan {
	bool keep_root;   /* started as root and told to stay root (-Z root) */
	bool change_user; /* started as root: become uid/gid (with user's groups) */
	uid_t uid;
	gid_t gid;
	char user[256];
};

/* Decides, before anything is opened, what the capture becomes: started
 * as root, `user` (NULL: PRIVS_DEFAULT_USER), or stays root when that is
 * a user with uid 0; started as anyone else, itself, without capabilities
 * (`user`, when given, must be that user: only root can switch). 0, or -1
 * with the reason on stderr. */
int privs_plan_make(const char *user, struct privs_plan *plan);

/* Carries out the plan: groups, gid, uid, then every capability dropped
 * and no_new_privs set; then checks that root cannot be regained. 0, or
 * -1 with the reason on stderr (the process must then stop: it may have
 * changed only part of its identity). */
int privs_drop(const struct privs_plan *plan);

/* open(2) of a file to write, with flags plus O_WRONLY, O_NOFOLLOW and
 * O_CLOEXEC, so that a symbolic link put where the file goes is refused
 * (errno ELOOP) instead of followed. */
int privs_open_nofollow(const char *path, int flags, mode_t mode);

/* The message for a failed privs_open_nofollow: "mtlsdiag: OPT PATH:
 * REASON", where a symbolic link is named as such. */
void privs_open_error(const char *opt, const char *path, int err);

/* The -o report file: created with `mode` or truncated, never through a
 * symbolic link. NULL with the reason on stderr. */
FILE *privs_fopen_report(const char *opt, const char *path, mode_t mode);

#endif
