/* privs.c - see privs.h. Capabilities through the capget/capset system
 * calls and prctl rather than libcap: clearing every set is all that is
 * needed, and it takes no extra library. */
#include "capture/privs.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool started_as_root(void)
{
	return getuid() == 0 || geteuid() == 0;
}

int privs_plan_make(const char *user, struct privs_plan *plan)
{
	memset(plan, 0, sizeof *plan);
	bool root = started_as_root();
	if (!user && !root)
		return 0; /* stays itself; only its capabilities go */
	const char *name = user ? user : PRIVS_DEFAULT_USER;
	errno = 0;
	const struct passwd *pw = getpwnam(name);
	if (!pw) {
		if (user)
			fprintf(stderr, "mtlsdiag: -Z %s: no such user%s%s\n", name, errno ? ": " : "",
				errno ? strerror(errno) : "");
		else
			fprintf(stderr,
				"mtlsdiag: -i: no user '%s' to run the capture as once the interface is open; "
				"name one with -Z USER, or keep root with -Z %s\n",
				name, PRIVS_KEEP_ROOT_USER);
		return -1;
	}
	if (!root) {
		if (pw->pw_uid == getuid())
			return 0;
		fprintf(stderr,
			"mtlsdiag: -Z %s: only a capture started as root can switch users (running as uid %lu); "
			"leave -Z out\n",
			name, (unsigned long)getuid());
		return -1;
	}
	if (pw->pw_uid == 0) {
		plan->keep_root = true;
		return 0;
	}
	size_t n = strlen(pw->pw_name);
	if (n >= sizeof plan->user) {
		fprintf(stderr, "mtlsdiag: -Z: the user name is too long\n");
		return -1;
	}
	memcpy(plan->user, pw->pw_name, n + 1);
	plan->change_user = true;
	plan->uid = pw->pw_uid;
	plan->gid = pw->pw_gid;
	return 0;
}

static int drop_failed(const char *what, int err)
{
	fprintf(stderr, "mtlsdiag: cannot drop privileges: %s%s%s\n", what, err ? ": " : "", err ? strerror(err) : "");
	return -1;
}

static int become_user(const struct privs_plan *plan)
{
	char what[320];
	snprintf(what, sizeof what, "cannot take the groups of %s", plan->user);
	if (initgroups(plan->user, plan->gid) != 0)
		return drop_failed(what, errno);
	snprintf(what, sizeof what, "cannot become group %lu", (unsigned long)plan->gid);
	if (setresgid(plan->gid, plan->gid, plan->gid) != 0)
		return drop_failed(what, errno);
	snprintf(what, sizeof what, "cannot become user %s (uid %lu)", plan->user, (unsigned long)plan->uid);
	if (setresuid(plan->uid, plan->uid, plan->uid) != 0)
		return drop_failed(what, errno);

	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
		return drop_failed("cannot read back the user and group ids", errno);
	if (ru != plan->uid || eu != plan->uid || su != plan->uid || rg != plan->gid || eg != plan->gid ||
	    sg != plan->gid)
		return drop_failed("the user or group ids did not all change", 0);
	/* What this is all for: root must not come back. */
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 || setegid(0) == 0)
		return drop_failed("root can still be regained", 0);
	return 0;
}

/* Every capability out of the effective, permitted and inheritable sets
 * (and so the ambient set). A file-capability capture (CAP_NET_RAW,
 * CAP_NET_ADMIN) needs none once its socket is open; a former root has
 * none left after setresuid, and this makes sure. */
static int clear_capabilities(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	/* Before Linux 4.3 there is no ambient set: EINVAL, nothing to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
		return drop_failed("cannot clear the ambient capabilities", errno);
	memset(data, 0, sizeof data);
	if (syscall(SYS_capset, &hdr, data) != 0)
		return drop_failed("cannot clear the capabilities", errno);
	memset(data, 0xff, sizeof data);
	if (syscall(SYS_capget, &hdr, data) != 0)
		return drop_failed("cannot read back the capabilities", errno);
	for (size_t i = 0; i < sizeof data / sizeof data[0]; i++)
		if (data[i].effective || data[i].permitted || data[i].inheritable)
			return drop_failed("capabilities remain", 0);
	return 0;
}

int privs_drop(const struct privs_plan *plan)
{
	if (plan->change_user && become_user(plan) != 0)
		return -1;
	if (!plan->keep_root && clear_capabilities() != 0)
		return -1;
	/* Nothing executed from here on gains privileges (setuid or file
	 * capabilities): mtlsdiag executes nothing, so this costs nothing. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return drop_failed("cannot set no_new_privs", errno);
	return 0;
}

int privs_open_nofollow(const char *path, int flags, mode_t mode)
{
	return open(path, flags | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
}

void privs_open_error(const char *opt, const char *path, int err)
{
	struct stat st;
	/* ELOOP also means too many links on the way there: ask the path. */
	if (err == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		fprintf(stderr, "mtlsdiag: %s %s: is a symbolic link; not following it\n", opt, path);
	else
		fprintf(stderr, "mtlsdiag: %s %s: %s\n", opt, path, strerror(err));
}

FILE *privs_fopen_report(const char *opt, const char *path, mode_t mode)
{
	int fd = privs_open_nofollow(path, O_CREAT | O_TRUNC, mode);
	FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!fp) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		privs_open_error(opt, path, err);
	}
	return fp;
}
