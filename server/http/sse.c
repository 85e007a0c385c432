/*
 * sse.c — the event hub (see sse.h).
 *
 * Locking: `hub.lock` guards the client list and every client's buffer and
 * `suspended` flag.  libmicrohttpd's resume is only called on a connection
 * this code suspended (resuming one that is not suspended is undefined),
 * and both happen under the lock.
 *
 * A client that goes away: libmicrohttpd takes a suspended connection out of
 * its epoll set, so it would notice the close only when the next heartbeat
 * is written.  The watcher thread watches every stream's socket itself
 * (EPOLLRDHUP: the client closed or shut down its side) and ends the stream
 * at once, freeing its slot.  It watches a dup() of the socket, registered
 * with the stream's id rather than its address: the dup cannot be closed and
 * reused under it, and an event that comes for a stream already freed finds
 * no stream with that id (ids are never reused).
 */
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "db/event_kinds.h"
#include "db/events.h"
#include "http/sse.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/db.h"
#include "shiplog/log.h"
#include "shiplog/xalloc.h"

#define REPLAY_WINDOW 200     /* ids re-sent before Last-Event-ID */
#define RECENT_IDS 4096       /* ids already broadcast, to skip on re-reads */
#define CLIENT_BUFFER_MAX (4u << 20) /* a client this far behind is cut off */

struct sse_client {
	struct MHD_Connection *conn;
	uint64_t id;  /* the watcher's key (never 0) */
	int watch_fd; /* a dup of the connection's socket, in hub.watch_ep; or -1 */
	char *buf;
	size_t len, cap, off;
	bool suspended;
	bool closed;
	unsigned scopes; /* what it may read: events of other kinds are not sent */
	int64_t token_id; /* the token it was opened with (or its session's); 0: none */
	struct sse_client *next;
};

static struct {
	pthread_mutex_t lock;
	struct sse_client *clients;
	unsigned count;
	unsigned max_streams;
	unsigned heartbeat_ms;
	struct app *app;
	pthread_t listener;
	atomic_bool running;
	bool started;
	/* NOTIFYs asked for by committed transactions (db_set_notify_hook):
	 * the listener sends one for all that came since its last one */
	int wake_fd; /* eventfd: wakes the listener's poll */
	/* the watcher: notices clients that close their streams */
	int watch_ep;   /* epoll set of the streams' sockets, and of watch_stop */
	int watch_stop; /* eventfd: ends the watcher */
	pthread_t watcher;
	bool watching;
	uint64_t next_id;
	atomic_bool notify_wanted;
	/* the listener's view */
	int64_t max_seen;
	int64_t recent[RECENT_IDS];
	size_t recent_next;
} hub = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake_fd = -1, .watch_ep = -1, .watch_stop = -1};

/* Appends text to one client; caller holds the lock. */
static void client_append(struct sse_client *c, const char *text, size_t n)
{
	if (c->closed)
		return;
	if (c->len - c->off + n > CLIENT_BUFFER_MAX) {
		c->closed = true; /* too slow: end the stream, it will reconnect */
		return;
	}
	if (c->off && c->off == c->len)
		c->off = c->len = 0;
	if (c->len + n > c->cap) {
		if (c->off) {
			memmove(c->buf, c->buf + c->off, c->len - c->off);
			c->len -= c->off;
			c->off = 0;
		}
		size_t cap = c->cap ? c->cap : 4096;
		while (cap < c->len + n)
			cap *= 2;
		c->buf = xrealloc(c->buf, cap);
		c->cap = cap;
	}
	memcpy(c->buf + c->len, text, n);
	c->len += n;
}

static void client_wake(struct sse_client *c)
{
	if (c->suspended) {
		c->suspended = false;
		MHD_resume_connection(c->conn);
	}
}

/* To every client whose scopes allow `need` (AUTH_SCOPE_NONE: to all). */
static void broadcast(const char *text, size_t n, enum auth_scope need)
{
	pthread_mutex_lock(&hub.lock);
	for (struct sse_client *c = hub.clients; c; c = c->next) {
		if (!auth_allows(c->scopes, need))
			continue;
		client_append(c, text, n);
		client_wake(c);
	}
	pthread_mutex_unlock(&hub.lock);
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct sse_client *c = cls;
	pthread_mutex_lock(&hub.lock);
	ssize_t n;
	if (c->len > c->off) {
		size_t avail = c->len - c->off;
		size_t take = avail < max ? avail : max;
		memcpy(buf, c->buf + c->off, take);
		c->off += take;
		n = (ssize_t)take;
	} else if (c->closed) {
		n = MHD_CONTENT_READER_END_OF_STREAM;
	} else {
		/* nothing to send: park the connection until the hub has news */
		c->suspended = true;
		MHD_suspend_connection(c->conn);
		n = 0;
	}
	pthread_mutex_unlock(&hub.lock);
	return n;
}

static void sse_free(void *cls)
{
	struct sse_client *c = cls;
	pthread_mutex_lock(&hub.lock);
	for (struct sse_client **p = &hub.clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			hub.count--;
			break;
		}
	}
	pthread_mutex_unlock(&hub.lock);
	if (c->watch_fd >= 0) {
		/* out of the set before the close: a registration outlives a
		 * closed fd while the socket is still open elsewhere */
		epoll_ctl(hub.watch_ep, EPOLL_CTL_DEL, c->watch_fd, NULL);
		close(c->watch_fd);
	}
	free(c->buf);
	free(c);
}

unsigned sse_stream_count(void)
{
	pthread_mutex_lock(&hub.lock);
	unsigned n = hub.count;
	pthread_mutex_unlock(&hub.lock);
	return n;
}

/* Formats one event (a row of db_events_after) as an SSE message (caller
 * frees). */
static char *format_event(const json_t *ev, size_t *len)
{
	char *js = json_dumps(ev, JSON_COMPACT);
	if (!js)
		return NULL;
	const char *kind = json_string_value(json_object_get(ev, "kind"));
	size_t n = strlen(js) + strlen(kind) + 64;
	char *msg = xmalloc(n);
	int w = snprintf(msg, n, "id: %lld\nevent: %s\ndata: %s\n\n",
			 (long long)json_integer_value(json_object_get(ev, "id")), kind, js);
	free(js);
	*len = (size_t)w;
	return msg;
}

/* At most one NOTIFY per this many ms: under load, the commits of that
 * interval share it (and every listener's re-read of the events). */
#define NOTIFY_GAP_MS 10

static bool recently_sent(int64_t id)
{
	for (size_t i = 0; i < RECENT_IDS; i++)
		if (hub.recent[i] == id)
			return true;
	return false;
}

/* A revoked token's streams end (their sessions ended with it). */
static void end_token_streams(int64_t token_id)
{
	if (token_id <= 0) /* 0: streams without a database token */
		return;
	pthread_mutex_lock(&hub.lock);
	for (struct sse_client *c = hub.clients; c; c = c->next) {
		if (c->token_id == token_id) {
			c->closed = true;
			c->off = c->len;
			client_wake(c);
		}
	}
	pthread_mutex_unlock(&hub.lock);
}

/* Reads events the hub has not broadcast yet; re-reads a window below the
 * highest id seen, since ids are taken at insert and transactions commit in
 * another order. */
static void listener_poll_events(struct db_listener *l)
{
	/* nobody listening: only keep up with where the events are */
	if (sse_stream_count() == 0) {
		db_listener_max_id(l, &hub.max_seen);
		return;
	}
	/* a page at a time, until one is not full: one NOTIFY may stand for
	 * many commits */
	for (int page = 0; page < 64; page++) {
		int64_t from = hub.max_seen > REPLAY_WINDOW ? hub.max_seen - REPLAY_WINDOW : 0;
		json_t *rows = NULL;
		int count = db_listener_events_after(l, from, &rows);
		if (count < 0)
			return;
		int64_t before = hub.max_seen;
		size_t i;
		json_t *ev;
		json_array_foreach(rows, i, ev) {
			int64_t id = json_integer_value(json_object_get(ev, "id"));
			if (recently_sent(id))
				continue;
			hub.recent[hub.recent_next] = id;
			hub.recent_next = (hub.recent_next + 1) % RECENT_IDS;
			if (id > hub.max_seen)
				hub.max_seen = id;
			const char *kind = json_string_value(json_object_get(ev, "kind"));
			size_t n;
			char *msg = format_event(ev, &n);
			if (msg) {
				broadcast(msg, n, event_kind_scope(kind));
				free(msg);
			}
			if (!strcmp(kind, "token.revoked"))
				end_token_streams(
					strtoll(json_string_value(json_object_get(ev, "entity_id")),
						NULL, 10));
		}
		json_decref(rows);
		if (count < DB_EVENTS_PAGE || hub.max_seen == before)
			return;
	}
}

static struct db_listener *listener_connect(const char *url)
{
	struct db_listener *l = db_listener_open(url);
	/* start from now: streams replay older events themselves */
	if (l && hub.max_seen == 0)
		db_listener_max_id(l, &hub.max_seen);
	return l;
}

/* The notify hook: runs on the committing request's thread, so it only
 * flags and wakes (an eventfd write never blocks: the counter is far from
 * its limit, and a full one would still wake). */
static void listener_wake(void)
{
	uint64_t one = 1;
	ssize_t w = write(hub.wake_fd, &one, sizeof one);
	(void)w;
}

static void listener_poke(void)
{
	atomic_store(&hub.notify_wanted, true);
	listener_wake();
}

/* Sends one NOTIFY for every commit that asked since the last one.  Its own
 * notification comes back on this connection, and the loop then reads the
 * new events for the local streams.  false: the connection failed (the
 * NOTIFY is sent again once reconnected). */
static bool listener_send_notify(struct db_listener *l)
{
	if (!atomic_exchange(&hub.notify_wanted, false))
		return true;
	bool ok = db_listener_notify(l) >= 0;
	if (!ok)
		atomic_store(&hub.notify_wanted, true);
	return ok;
}

static void *listener_main(void *arg)
{
	(void)arg;
	struct db_listener *l = NULL;
	int64_t next_beat = clock_monotonic_ms() + hub.heartbeat_ms, last_notify = 0;
	while (atomic_load(&hub.running)) {
		if (!l) {
			l = listener_connect(hub.app->cfg->database_url);
			if (!l) {
				struct timespec ts = {0, 200 * 1000000L};
				nanosleep(&ts, NULL);
			} else {
				/* whatever happened while we were away */
				listener_poll_events(l);
			}
		}
		if (l) {
			/* a NOTIFY wanted waits for NOTIFY_GAP_MS after the last one
			 * (the wake-ups meanwhile are not needed: it is wanted) */
			struct pollfd pfd[2] = {{db_listener_socket(l), POLLIN, 0},
						{hub.wake_fd, POLLIN, 0}};
			bool wanted = atomic_load(&hub.notify_wanted);
			int64_t now = clock_monotonic_ms(), due = last_notify + NOTIFY_GAP_MS;
			int timeout = !wanted ? (hub.heartbeat_ms < 250 ? (int)hub.heartbeat_ms : 250)
				      : due > now ? (int)(due - now)
						  : 0;
			int rc = timeout ? poll(pfd, wanted ? 1 : 2, timeout) : 0;
			if (rc > 0 && (pfd[1].revents & POLLIN)) {
				uint64_t count;
				ssize_t r = read(hub.wake_fd, &count, sizeof count);
				(void)r;
			}
			bool send = clock_monotonic_ms() >= due;
			if (send && atomic_load(&hub.notify_wanted))
				last_notify = clock_monotonic_ms();
			if ((rc > 0 && (pfd[0].revents & (POLLIN | POLLERR | POLLHUP)) &&
			     !db_listener_consume(l)) ||
			    (send && !listener_send_notify(l))) {
				db_listener_close(l);
				l = NULL;
				continue;
			}
			if (db_listener_drain(l))
				listener_poll_events(l);
			if (!db_listener_ok(l)) {
				db_listener_close(l);
				l = NULL;
			}
		}
		if (clock_monotonic_ms() >= next_beat) {
			static const char beat[] = ": heartbeat\n\n";
			broadcast(beat, sizeof beat - 1, AUTH_SCOPE_NONE);
			next_beat = clock_monotonic_ms() + hub.heartbeat_ms;
		}
	}
	if (l) {
		listener_send_notify(l); /* what the last requests committed */
		db_listener_close(l);
	}
	return NULL;
}

/* Ends the streams whose clients closed their side (see the top). */
static void *watcher_main(void *arg)
{
	(void)arg;
	struct epoll_event ev[64];
	for (;;) {
		int n = epoll_wait(hub.watch_ep, ev, 64, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		bool stop = false;
		pthread_mutex_lock(&hub.lock);
		for (int i = 0; i < n; i++) {
			stop = stop || ev[i].data.u64 == 0;
			for (struct sse_client *c = hub.clients; c; c = c->next) {
				if (c->id == ev[i].data.u64) {
					/* nobody to send the rest to: end now
					 * (quietly; an error would be logged) */
					c->closed = true;
					c->off = c->len;
					client_wake(c);
					break;
				}
			}
		}
		pthread_mutex_unlock(&hub.lock);
		if (stop)
			return NULL;
	}
}

/* Starts the watcher; without it a vanished client is noticed only at the
 * next heartbeat. */
static bool watcher_start(void)
{
	hub.watch_ep = epoll_create1(EPOLL_CLOEXEC);
	hub.watch_stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0};
	if (hub.watch_ep < 0 || hub.watch_stop < 0 ||
	    epoll_ctl(hub.watch_ep, EPOLL_CTL_ADD, hub.watch_stop, &ev) < 0 ||
	    pthread_create(&hub.watcher, NULL, watcher_main, NULL) != 0) {
		if (hub.watch_ep >= 0)
			close(hub.watch_ep);
		if (hub.watch_stop >= 0)
			close(hub.watch_stop);
		hub.watch_ep = hub.watch_stop = -1;
		return false;
	}
	hub.watching = true;
	return true;
}

static void watcher_stop(void)
{
	if (!hub.watching)
		return;
	uint64_t one = 1;
	ssize_t w = write(hub.watch_stop, &one, sizeof one);
	(void)w;
	pthread_join(hub.watcher, NULL);
	close(hub.watch_stop);
	close(hub.watch_ep);
	hub.watch_ep = hub.watch_stop = -1;
	hub.watching = false;
}

/* Watches the stream's socket for the client's close; caller holds the
 * lock.  Without it the stream ends at the heartbeat after the close. */
static void watch(struct sse_client *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!hub.watching || !ci)
		return;
	c->watch_fd = fcntl(ci->connect_fd, F_DUPFD_CLOEXEC, 0);
	if (c->watch_fd < 0)
		return;
	/* one report is enough: the stream ends */
	struct epoll_event ev = {.events = EPOLLRDHUP | EPOLLONESHOT, .data.u64 = c->id};
	if (epoll_ctl(hub.watch_ep, EPOLL_CTL_ADD, c->watch_fd, &ev) < 0) {
		close(c->watch_fd);
		c->watch_fd = -1;
	}
}

bool sse_start(struct app *app, unsigned max_streams, unsigned heartbeat_ms)
{
	hub.app = app;
	hub.max_streams = max_streams ? max_streams : 256;
	hub.heartbeat_ms = heartbeat_ms ? heartbeat_ms : 15000;
	if (hub.wake_fd < 0)
		hub.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (hub.wake_fd < 0)
		return false;
	if (!watcher_start())
		log_msg(LOG_WARN, "cannot watch event streams; a closed one ends at the next heartbeat");
	atomic_store(&hub.running, true);
	if (pthread_create(&hub.listener, NULL, listener_main, NULL) != 0) {
		atomic_store(&hub.running, false);
		watcher_stop();
		return false;
	}
	hub.started = true;
	db_set_notify_hook(listener_poke);
	return true;
}

void sse_close_all(void)
{
	pthread_mutex_lock(&hub.lock);
	for (struct sse_client *c = hub.clients; c; c = c->next) {
		c->closed = true;
		client_wake(c);
	}
	pthread_mutex_unlock(&hub.lock);
}

void sse_stop(void)
{
	if (!hub.started)
		return;
	/* commits from now on send their own NOTIFY; the listener sends the
	 * one still wanted before it ends */
	db_set_notify_hook(NULL);
	atomic_store(&hub.running, false);
	listener_wake();
	pthread_join(hub.listener, NULL);
	watcher_stop();
	hub.started = false;
}

/* Replays what a (re)connecting client may have missed into its buffer. */
static void replay(struct http_request *r, struct sse_client *c, int64_t last_event_id)
{
	struct db_conn *db = http_db(r);
	if (!db)
		return;
	int64_t from = last_event_id > REPLAY_WINDOW ? last_event_id - REPLAY_WINDOW : 0;
	json_t *rows = NULL;
	if (db_events_after(db, from, &rows) < 0)
		return;
	size_t i;
	json_t *ev;
	json_array_foreach(rows, i, ev) {
		const char *kind = json_string_value(json_object_get(ev, "kind"));
		if (!auth_allows(c->scopes, event_kind_scope(kind)))
			continue;
		size_t n;
		char *msg = format_event(ev, &n);
		if (msg) {
			client_append(c, msg, n);
			free(msg);
		}
	}
	json_decref(rows);
}

void sse_open(struct http_request *r, int64_t last_event_id)
{
	if (!hub.started) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "live events are not running");
		return;
	}
	struct sse_client *c = xcalloc(1, sizeof *c);
	c->conn = r->connection;
	c->watch_fd = -1;
	/* each event goes to those who may read its subject (event_kinds.c);
	 * public_read lets anyone read what the read scope may */
	c->scopes = r->who.scopes | (r->app->cfg->public_read ? AUTH_SCOPE_READ : 0u);
	c->token_id = r->who.token_id;
	/* the reconnection delay, then anything missed */
	static const char hello[] = "retry: 3000\n: connected\n\n";
	client_append(c, hello, sizeof hello - 1);
	if (last_event_id > 0)
		replay(r, c, last_event_id);
	pthread_mutex_lock(&hub.lock);
	if (hub.count >= hub.max_streams || atomic_load(&r->app->shutting_down)) {
		pthread_mutex_unlock(&hub.lock);
		free(c->buf);
		free(c);
		http_reply_problem(r, PROBLEM_RATE_LIMITED,
				   "too many open event streams (%u); try again later",
				   hub.max_streams);
		http_reply_header(r, "Retry-After", "10");
		return;
	}
	c->next = hub.clients;
	hub.clients = c;
	hub.count++;
	c->id = ++hub.next_id;
	watch(c);
	pthread_mutex_unlock(&hub.lock);

	r->reply.status = 200;
	r->reply.content_type = "text/event-stream";
	r->reply.stream_read = sse_read;
	r->reply.stream_free = sse_free;
	r->reply.stream_cls = c;
	http_reply_header(r, "Cache-Control", "no-cache");
	http_reply_header(r, "X-Accel-Buffering", "no");
}
