/*
 * notify/sender.c — the sender thread: claim due messages, send them in
 * parallel with libcurl (bounded by the configured timeout, no database
 * connection held meanwhile), record the outcomes; and, between rounds,
 * let the readiness watcher look at the open release candidates.
 * See shiplog/notify.h.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "db/events.h"
#include "notify/notify_internal.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/log.h"
#include "shiplog/notify.h"
#include "shiplog/xalloc.h"

/* The watcher looks again at least this often (soak times pass without any
 * domain event). */
#define WATCH_EVERY_MS 30000
/* How much of an answer's body is kept for the error message. */
#define ANSWER_KEEP 600

static pthread_t sender_thread;
static atomic_bool sender_running;
static pthread_mutex_t sender_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sender_wake = PTHREAD_COND_INITIALIZER;
static bool sender_woken; /* under sender_lock */

void notify_wake(void)
{
	pthread_mutex_lock(&sender_lock);
	sender_woken = true;
	pthread_cond_broadcast(&sender_wake);
	pthread_mutex_unlock(&sender_lock);
}

/* Waits up to ms, or until woken or stopped. */
static void sender_sleep(int64_t ms)
{
	pthread_mutex_lock(&sender_lock);
	if (!sender_woken && atomic_load(&sender_running)) {
		struct timespec ts;
		clock_deadline_after_ms(&ts, ms);
		pthread_cond_timedwait(&sender_wake, &sender_lock, &ts);
	}
	sender_woken = false;
	pthread_mutex_unlock(&sender_lock);
}

/* Wall-clock time (not clock_now_us: SHIPLOG_NOW may pin that) as RFC 3339
 * with milliseconds, for the attempt's started_at. */
static void wall_time(char *out, size_t size)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	gmtime_r(&tv.tv_sec, &tm);
	char day[24];
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%.19s.%03dZ", day, (int)(tv.tv_usec / 1000) % 1000);
}

/* ---- one transfer ---- */

struct transfer {
	struct notify_msg *m;
	CURL *easy;
	struct curl_slist *headers;
	char errbuf[CURL_ERROR_SIZE];
	char answer[ANSWER_KEEP + 1];
	size_t answer_len;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * nmemb, room = ANSWER_KEEP - t->answer_len;
	if (room) {
		size_t take = len < room ? len : room;
		memcpy(t->answer + t->answer_len, ptr, take);
		t->answer_len += take;
		t->answer[t->answer_len] = '\0';
	}
	return len;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * nmemb;
	if (len > 12 && !strncasecmp(ptr, "Retry-After:", 12)) {
		char v[32];
		size_t n = len - 12 < sizeof v - 1 ? len - 12 : sizeof v - 1;
		memcpy(v, ptr + 12, n);
		v[n] = '\0';
		char *end;
		double s = strtod(v, &end); /* seconds; an HTTP date is ignored */
		if (end != v && s > 0)
			t->m->retry_after = s;
	}
	return len;
}

static bool transfer_init(struct transfer *t, struct notify_msg *m, unsigned timeout_s)
{
	memset(t, 0, sizeof *t);
	t->m = m;
	t->easy = curl_easy_init();
	if (!t->easy)
		return false;
	for (size_t i = 0; i < m->n_headers; i++)
		t->headers = curl_slist_append(t->headers, m->headers[i]);
	CURL *e = t->easy;
	curl_easy_setopt(e, CURLOPT_URL, m->url);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, m->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(m->body));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)timeout_s);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)timeout_s);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	return true;
}

static void transfer_done(struct transfer *t, CURLcode code)
{
	struct notify_msg *m = t->m;
	m->done = true;
	m->duration_ms = clock_monotonic_ms() - m->started_ms;
	if (code != CURLE_OK) {
		snprintf(m->error, sizeof m->error, "%s%s%s", curl_easy_strerror(code),
			 t->errbuf[0] ? ": " : "", t->errbuf);
		return;
	}
	long status = 0;
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	m->status_code = status;
	if (status < 200 || status >= 300) {
		/* keep the answer's start: Slack says "no_service", GitHub a message */
		for (size_t i = 0; i < t->answer_len; i++)
			if ((unsigned char)t->answer[i] < 0x20)
				t->answer[i] = ' ';
		snprintf(m->error, sizeof m->error, "HTTP %ld%s%.400s", status,
			 t->answer_len ? ": " : "", t->answer);
	}
}

/* Sends every prepared message of the batch at once; returns when all are
 * done or the sender is stopping (the unfinished ones are marked aborted). */
static void send_all(struct notify_msg *msgs, int n, unsigned timeout_s)
{
	struct transfer *t = xcalloc((size_t)n, sizeof *t);
	CURLM *multi = curl_multi_init();
	if (!multi)
		abort();
	int active = 0;
	for (int i = 0; i < n; i++) {
		struct notify_msg *m = &msgs[i];
		wall_time(m->started_at, sizeof m->started_at);
		m->started_ms = clock_monotonic_ms();
		if (m->prep_error[0] || m->superseded[0]) {
			m->done = true;
			continue;
		}
		if (!transfer_init(&t[i], m, timeout_s)) {
			snprintf(m->error, sizeof m->error, "could not start an HTTP transfer");
			m->done = true;
			continue;
		}
		curl_multi_add_handle(multi, t[i].easy);
		active++;
	}
	while (active > 0) {
		if (!atomic_load(&sender_running))
			break;
		int running = 0;
		curl_multi_perform(multi, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct transfer *tr = NULL;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&tr);
			if (tr && !tr->m->done) {
				transfer_done(tr, msg->data.result);
				active--;
			}
		}
		if (active > 0)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
	for (int i = 0; i < n; i++) {
		if (!t[i].easy)
			continue;
		if (!msgs[i].done)
			msgs[i].aborted = true; /* stopping: put back */
		curl_multi_remove_handle(multi, t[i].easy);
		curl_easy_cleanup(t[i].easy);
		curl_slist_free_all(t[i].headers);
	}
	curl_multi_cleanup(multi);
	free(t);
}

/* ---- one round ---- */

struct sender {
	struct app *app;
	char replica[300];
	int64_t last_watch_ms;
	long long seen_max, seen_sum; /* the newest events when the watcher last looked */
};

/* Has anything happened since the watcher last looked?  The newest ids and
 * their sum: an id that commits late (ids are taken at insert) changes the
 * sum even when it is not the highest. */
static bool events_moved(struct sender *s, struct db_conn *c, long long *max, long long *sum)
{
	if (db_events_newest(c, max, sum) != 1)
		return false;
	return *max != s->seen_max || *sum != s->seen_sum;
}

static void maybe_watch(struct sender *s, struct db_conn *c)
{
	const struct config *cfg = s->app->cfg;
	bool want_ready = notify_cfg_wants(cfg, "rc.ready"), want_status = notify_cfg_github(cfg);
	if (!want_ready && !want_status)
		return;
	long long max = 0, sum = 0;
	bool moved = events_moved(s, c, &max, &sum);
	if (!moved && clock_monotonic_ms() - s->last_watch_ms < WATCH_EVERY_MS)
		return;
	int n = notify_watch(c, cfg, want_ready, want_status);
	if (n > 0) { /* 0: another replica was at it; look again next round */
		s->seen_max = max;
		s->seen_sum = sum;
		s->last_watch_ms = clock_monotonic_ms();
	} else if (n < 0) {
		log_msg(LOG_WARN, "notify: could not evaluate release candidates: %s",
			db_last_error(c));
	}
}

/* Claims, sends and records one batch; returns how many were claimed. */
static int round_once(struct sender *s)
{
	const struct config *cfg = s->app->cfg;
	struct db_conn *c = db_acquire(s->app->db);
	if (!c)
		return 0;
	maybe_watch(s, c);
	struct notify_msg msgs[NOTIFY_BATCH];
	unsigned timeout =
		cfg->notifications.timeout_seconds ? cfg->notifications.timeout_seconds : 10;
	int n = notify_claim(c, s->replica, 2.0 * timeout + 5, msgs, NOTIFY_BATCH);
	if (n <= 0) {
		db_release(c);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (notify_prepare(c, cfg, &msgs[i]) < 0)
			snprintf(msgs[i].prep_error, sizeof msgs[i].prep_error,
				 "could not read the release candidate: %s", db_last_error(c));
		else if (!msgs[i].prep_error[0] && !msgs[i].body)
			snprintf(msgs[i].prep_error, sizeof msgs[i].prep_error,
				 "nothing to send for a %s message", msgs[i].sink_type);
		/* two messages of this batch that would post the same to the same URL:
		 * the later one is not needed (sent at once, they could land in either
		 * order, and they say the same) */
		for (int k = 0; k < i && !msgs[i].superseded[0] && msgs[i].body; k++)
			if (!msgs[k].prep_error[0] && !msgs[k].superseded[0] && msgs[k].body &&
			    !strcmp(msgs[k].sink_type, "github_status") &&
			    !strcmp(msgs[i].sink_type, "github_status") &&
			    !strcmp(msgs[k].url, msgs[i].url) &&
			    !strcmp(msgs[k].body, msgs[i].body))
				snprintf(msgs[i].superseded, sizeof msgs[i].superseded,
					 "not posted: notification %lld of the same batch posts "
					 "this status",
					 (long long)msgs[k].id);
	}
	db_release(c); /* never held while waiting on a sink */

	send_all(msgs, n, timeout);

	c = db_acquire(s->app->db);
	for (int i = 0; i < n; i++) {
		struct notify_msg *m = &msgs[i];
		int rc = !c	      ? DB_HARD_ERROR
			 : m->aborted ? notify_put_back(c, m)
				      : notify_record(c, cfg, s->replica, m);
		if (rc < 0)
			log_msg(LOG_ERROR,
				"notify: could not record the outcome of message %lld; it is sent "
				"again once its lease ends",
				(long long)m->id);
		notify_msg_clear(m);
	}
	if (c)
		db_release(c);
	return n;
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	const struct config *cfg = s->app->cfg;
	/* poll often enough for the shortest backoff, at most once a second */
	int64_t poll_ms = (int64_t)(cfg->notifications.base_backoff_seconds * 1000 / 4);
	if (poll_ms < 50)
		poll_ms = 50;
	if (poll_ms > 1000)
		poll_ms = 1000;
	while (atomic_load(&sender_running)) {
		int n = round_once(s);
		if (n == NOTIFY_BATCH)
			continue; /* more may be due */
		sender_sleep(poll_ms);
	}
	free(s);
	return NULL;
}

bool notify_sync(struct app *app)
{
	struct db_conn *c = db_acquire(app->db);
	if (!c) {
		log_msg(LOG_ERROR, "could not reach the database to declare notification sinks");
		return false;
	}
	int rc = notify_sync_sinks(c, app->cfg);
	if (rc < 0)
		log_msg(LOG_ERROR, "could not declare the configuration's notification sinks: %s",
			db_last_error(c));
	db_release(c);
	return rc >= 0;
}

bool notify_start(struct app *app)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return false;
	struct sender *s = xcalloc(1, sizeof *s);
	s->app = app;
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	snprintf(s->replica, sizeof s->replica, "%s:%ld", host[0] ? host : "shiplogd",
		 (long)getpid());
	atomic_store(&sender_running, true);
	if (pthread_create(&sender_thread, NULL, sender_main, s) != 0) {
		atomic_store(&sender_running, false);
		free(s);
		return false;
	}
	return true;
}

void notify_stop(void)
{
	if (!atomic_load(&sender_running))
		return;
	pthread_mutex_lock(&sender_lock);
	atomic_store(&sender_running, false);
	pthread_cond_broadcast(&sender_wake);
	pthread_mutex_unlock(&sender_lock);
	pthread_join(sender_thread, NULL);
}
