/*
 * spool.c — the outage spool (see spool.h).
 *
 * One file per delivery: a JSON header line (source, event, delivery id,
 * hook id, content type, signature verdict, signing repository, receive
 * time, kept headers), a newline, then the raw body bytes.  Written to a
 * temporary name, fsync'd, renamed into place, and the folder fsync'd, so a
 * crash leaves either no file or a complete one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/crypto.h"
#include "shiplog/db.h"
#include "shiplog/log.h"
#include "shiplog/metrics.h"
#include "shiplog/xalloc.h"
#include "webhooks/spool.h"

#define SPOOL_SUBDIR "spool"

static bool spool_dir(const char *data_dir, char *out, size_t size, char *why, size_t why_size)
{
	snprintf(out, size, "%s/" SPOOL_SUBDIR, data_dir);
	if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
		snprintf(why, why_size, "cannot create %s: %s", data_dir, strerror(errno));
		return false;
	}
	if (mkdir(out, 0700) != 0 && errno != EEXIST) {
		snprintf(why, why_size, "cannot create %s: %s", out, strerror(errno));
		return false;
	}
	return true;
}

static bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

bool spool_write(const char *data_dir, const struct webhook_delivery *d, char *why,
		 size_t why_size)
{
	char dir[1024];
	if (!spool_dir(data_dir, dir, sizeof dir, why, why_size))
		return false;
	json_t *h = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "source", d->source, "event",
			      d->event, "delivery_id", d->delivery_id, "content_type",
			      d->content_type ? d->content_type : "application/json", "signature",
			      d->signature, "received_us", (json_int_t)d->received_us);
	if (d->hook_id)
		json_object_set_new(h, "hook_id", json_string(d->hook_id));
	if (d->signed_repo)
		json_object_set_new(h, "signed_repo", json_string(d->signed_repo));
	if (d->headers)
		json_object_set(h, "headers", (json_t *)(uintptr_t)d->headers);
	char *line = json_dumps(h, JSON_COMPACT);
	json_decref(h);
	if (!line) {
		snprintf(why, why_size, "cannot encode the spool header");
		return false;
	}
	/* name: receive time + random, so files sort by arrival */
	unsigned char rnd[6];
	char rhex[13], tmp[1200], final[1200];
	crypto_random(rnd, sizeof rnd);
	crypto_hex(rnd, sizeof rnd, rhex);
	snprintf(final, sizeof final, "%s/%020lld-%s.delivery", dir, (long long)d->received_us, rhex);
	snprintf(tmp, sizeof tmp, "%s/.%020lld-%s.tmp", dir, (long long)d->received_us, rhex);
	bool ok = false;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(why, why_size, "cannot create %s: %s", tmp, strerror(errno));
		free(line);
		return false;
	}
	if (write_all(fd, line, strlen(line)) && write_all(fd, "\n", 1) &&
	    write_all(fd, d->body, d->body_len) && fsync(fd) == 0)
		ok = true;
	else
		snprintf(why, why_size, "cannot write %s: %s", tmp, strerror(errno));
	free(line);
	if (close(fd) != 0 && ok) {
		snprintf(why, why_size, "cannot close %s: %s", tmp, strerror(errno));
		ok = false;
	}
	if (ok && rename(tmp, final) != 0) {
		snprintf(why, why_size, "cannot rename into %s: %s", final, strerror(errno));
		ok = false;
	}
	if (ok) {
		/* the rename is durable only once the folder is */
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || fsync(dfd) != 0) {
			snprintf(why, why_size, "cannot sync %s: %s", dir, strerror(errno));
			ok = false;
		}
		if (dfd >= 0)
			close(dfd);
	}
	if (!ok)
		unlink(tmp);
	return ok;
}

long spool_pending(const char *data_dir)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/" SPOOL_SUBDIR, data_dir);
	DIR *dp = opendir(dir);
	if (!dp)
		return 0;
	long n = 0;
	struct dirent *e;
	while ((e = readdir(dp)))
		if (strstr(e->d_name, ".delivery") && e->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Applies one file; true when it is done with (applied or unusable). */
static bool apply_file(struct app *app, struct db_conn *c, const char *path, bool *db_down)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT; /* another process took it */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return false;
	}
	struct stat st;
	bool done = false;
	char *buf = NULL;
	if (fstat(fd, &st) != 0 || st.st_size == 0) {
		/* drained and unlinked by another process meanwhile */
		close(fd);
		return true;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	char *nl = memchr(buf, '\n', got);
	json_t *h = nl ? json_loadb(buf, (size_t)(nl - buf), 0, NULL) : NULL;
	if (!h) {
		log_msg(LOG_ERROR, "spool: %s is not a spooled delivery; moving it aside", path);
		char bad[1500];
		snprintf(bad, sizeof bad, "%s.bad", path);
		rename(path, bad);
		goto out;
	}
	struct webhook_delivery d = {
		.source = json_string_value(json_object_get(h, "source")),
		.event = json_string_value(json_object_get(h, "event")),
		.delivery_id = json_string_value(json_object_get(h, "delivery_id")),
		.hook_id = json_string_value(json_object_get(h, "hook_id")),
		.content_type = json_string_value(json_object_get(h, "content_type")),
		.signature = json_string_value(json_object_get(h, "signature")),
		.signed_repo = json_string_value(json_object_get(h, "signed_repo")),
		.headers = json_object_get(h, "headers"),
		.received_us = (int64_t)json_integer_value(json_object_get(h, "received_us")),
		.body = nl + 1,
		.body_len = got - (size_t)(nl + 1 - buf),
	};
	if (!d.source || !d.event || !d.delivery_id || !d.signature) {
		log_msg(LOG_ERROR, "spool: %s lacks header fields; moving it aside", path);
		char bad[1500];
		snprintf(bad, sizeof bad, "%s.bad", path);
		rename(path, bad);
		json_decref(h);
		goto out;
	}
	struct webhook_result res;
	webhook_ingest(c, app->cfg, &d, &res);
	if (res.outcome == WEBHOOK_DB_ERROR && db_conn_usable(c)) {
		/* the connection is healthy: one more try before judging the file */
		webhook_ingest(c, app->cfg, &d, &res);
	}
	if (res.outcome == WEBHOOK_DB_ERROR) {
		if (!db_conn_usable(c)) {
			/* our connection died (the database restarted, or is away
			 * again): keep the file; the next round reconnects */
			json_decref(h);
			*db_down = true;
			goto out;
		}
		/* a healthy connection refuses this one twice: keep it aside */
		log_msg(LOG_ERROR, "spool: %s could not be stored (%s); moved aside as .failed", path,
			res.error);
		char failed[1500];
		snprintf(failed, sizeof failed, "%s.failed", path);
		rename(path, failed);
		json_decref(h);
		done = true;
		goto out;
	}
	json_decref(h);
	/* committed (or a recorded duplicate/failure): the file has served */
	unlink(path);
	done = true;
out:
	free(buf);
	close(fd);
	return done;
}

int spool_drain(struct app *app)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/" SPOOL_SUBDIR, app->cfg->data_dir);
	DIR *dp = opendir(dir);
	if (!dp)
		return 0;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(dp))) {
		size_t l = strlen(e->d_name);
		if (e->d_name[0] == '.' || l < 9 || strcmp(e->d_name + l - 9, ".delivery"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof *names);
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(dp);
	if (!n) {
		free(names);
		return 0;
	}
	qsort(names, n, sizeof *names, name_cmp);
	int applied = 0;
	struct db_conn *c = db_acquire(app->db);
	if (c && !db_conn_usable(c)) {
		/* a connection from before a database restart: take a fresh one */
		db_release(c);
		c = db_acquire(app->db);
	}
	bool db_down = c == NULL || !db_conn_usable(c);
	for (size_t i = 0; i < n; i++) {
		if (!db_down) {
			char path[1400];
			snprintf(path, sizeof path, "%s/%s", dir, names[i]);
			if (apply_file(app, c, path, &db_down))
				applied++;
		}
		free(names[i]);
	}
	free(names);
	if (c)
		db_release(c);
	if (applied)
		log_msg(LOG_INFO, "spool: applied %d deliveries received during an outage", applied);
	return applied;
}

static pthread_t spool_thread;
static atomic_bool spool_running;
static pthread_mutex_t spool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t spool_wake = PTHREAD_COND_INITIALIZER;

static void *spool_main(void *arg)
{
	struct app *app = arg;
	while (atomic_load(&spool_running)) {
		long pending = spool_pending(app->cfg->data_dir);
		if (pending > 0) {
			spool_drain(app);
			pending = spool_pending(app->cfg->data_dir);
		}
		metrics_set_spool_pending(pending);
		pthread_mutex_lock(&spool_lock);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		if (atomic_load(&spool_running))
			pthread_cond_timedwait(&spool_wake, &spool_lock, &ts);
		pthread_mutex_unlock(&spool_lock);
	}
	return NULL;
}

bool spool_start(struct app *app)
{
	atomic_store(&spool_running, true);
	if (pthread_create(&spool_thread, NULL, spool_main, app) != 0) {
		atomic_store(&spool_running, false);
		return false;
	}
	return true;
}

void spool_stop(void)
{
	if (!atomic_load(&spool_running))
		return;
	pthread_mutex_lock(&spool_lock);
	atomic_store(&spool_running, false);
	pthread_cond_broadcast(&spool_wake);
	pthread_mutex_unlock(&spool_lock);
	pthread_join(spool_thread, NULL);
}
