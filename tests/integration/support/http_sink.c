/*
 * http_sink.c — the local HTTP test server of http_sink.h.
 */
#include "http_sink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SCRIPTS	 32
#define MAX_ANSWERS	 32
#define MAX_CONNECTIONS	 512
#define MAX_HEADER_BYTES (64 * 1024)
#define MAX_BODY_BYTES	 (8 * 1024 * 1024)

struct script {
	char path[256];
	int answers[MAX_ANSWERS];
	size_t n, used;
	int then;
	int delay_ms;
};

struct http_sink {
	int fd;
	int wake[2]; /* a pipe: stopping wakes the acceptor and hanging answers */
	unsigned port;
	pthread_t acceptor;
	pthread_mutex_t lock;
	pthread_cond_t arrived;
	bool stopping;
	struct script scripts[MAX_SCRIPTS];
	size_t n_scripts;
	struct http_sink_request *reqs;
	size_t n_reqs, cap_reqs;
	pthread_t conns[MAX_CONNECTIONS];
	int conn_fds[MAX_CONNECTIONS];
	size_t n_conns;
};

struct conn_arg {
	struct http_sink *s;
	int fd;
};

static struct script *find_script(struct http_sink *s, const char *path, bool create)
{
	for (size_t i = 0; i < s->n_scripts; i++)
		if (!strcmp(s->scripts[i].path, path))
			return &s->scripts[i];
	if (!create || s->n_scripts >= MAX_SCRIPTS)
		return NULL;
	struct script *sc = &s->scripts[s->n_scripts++];
	memset(sc, 0, sizeof *sc);
	snprintf(sc->path, sizeof sc->path, "%s", path);
	sc->then = 200;
	return sc;
}

static bool write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Reads until the headers are complete and the body (Content-Length) is in. */
static char *read_request(int fd, size_t *total, size_t *header_len)
{
	size_t cap = 8192, len = 0, need = 0;
	char *buf = malloc(cap + 1);
	bool continued = false;
	if (!buf)
		abort();
	*header_len = 0;
	for (;;) {
		if (*header_len && len >= *header_len + need)
			break;
		if (len == cap) {
			if (cap >= MAX_HEADER_BYTES + MAX_BODY_BYTES)
				goto fail;
			cap *= 2;
			char *b = realloc(buf, cap + 1);
			if (!b)
				abort();
			buf = b;
		}
		struct pollfd pfd = {fd, POLLIN, 0};
		if (poll(&pfd, 1, 15000) <= 0)
			goto fail;
		ssize_t n = recv(fd, buf + len, cap - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		len += (size_t)n;
		buf[len] = '\0';
		if (!*header_len) {
			char *end = strstr(buf, "\r\n\r\n");
			if (!end) {
				if (len > MAX_HEADER_BYTES)
					goto fail;
				continue;
			}
			*header_len = (size_t)(end - buf) + 4;
			for (char *line = strstr(buf, "\r\n"); line && line < end;
			     line = strstr(line + 2, "\r\n")) {
				if (!strncasecmp(line + 2, "Content-Length:", 15))
					need = strtoul(line + 17, NULL, 10);
				if (!strncasecmp(line + 2, "Expect: 100-continue", 20) &&
				    !continued) {
					continued = true;
					write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
				}
			}
			if (need > MAX_BODY_BYTES)
				goto fail;
		}
	}
	*total = *header_len + need;
	return buf;
fail:
	free(buf);
	return NULL;
}

static void *serve(void *arg)
{
	struct conn_arg *a = arg;
	struct http_sink *s = a->s;
	int fd = a->fd;
	free(a);
	size_t total = 0, header_len = 0;
	char *buf = read_request(fd, &total, &header_len);
	if (!buf)
		return NULL;
	struct http_sink_request r;
	memset(&r, 0, sizeof r);
	char target[1024] = "";
	sscanf(buf, "%15s %1023s", r.method, target);
	char *q = strchr(target, '?');
	if (q)
		*q = '\0';
	snprintf(r.path, sizeof r.path, "%s", target);
	r.headers = strndup(buf, header_len);
	r.body_len = total - header_len;
	r.body = malloc(r.body_len + 1);
	if (!r.headers || !r.body)
		abort();
	memcpy(r.body, buf + header_len, r.body_len);
	r.body[r.body_len] = '\0';
	free(buf);
	r.json = json_loadb(r.body, r.body_len, 0, NULL);

	pthread_mutex_lock(&s->lock);
	struct script *sc = find_script(s, r.path, false);
	int answer = 200, delay = 0;
	if (sc) {
		answer = sc->used < sc->n ? sc->answers[sc->used++] : sc->then;
		delay = sc->delay_ms;
	}
	r.answered = answer;
	if (s->n_reqs == s->cap_reqs) {
		s->cap_reqs = s->cap_reqs ? s->cap_reqs * 2 : 64;
		s->reqs = realloc(s->reqs, s->cap_reqs * sizeof *s->reqs);
		if (!s->reqs)
			abort();
	}
	s->reqs[s->n_reqs++] = r;
	pthread_cond_broadcast(&s->arrived);
	pthread_mutex_unlock(&s->lock);

	if (delay > 0) {
		struct pollfd pfd = {s->wake[0], POLLIN, 0};
		poll(&pfd, 1, delay);
	}
	if (answer == HTTP_SINK_HANG) {
		/* until the sink stops or the client goes away */
		struct pollfd pfd[2] = {{s->wake[0], POLLIN, 0}, {fd, POLLIN, 0}};
		for (;;) {
			if (poll(pfd, 2, 60000) <= 0 || pfd[0].revents)
				break;
			char tmp[256];
			if (pfd[1].revents && recv(fd, tmp, sizeof tmp, 0) <= 0)
				break;
		}
		return NULL;
	}
	if (answer == HTTP_SINK_CLOSE)
		return NULL;
	char body[128], head[512];
	int bl = snprintf(body, sizeof body,
			  answer >= 200 && answer < 300 ? "{\"ok\":true}"
							: "{\"message\":\"scripted answer %d\"}",
			  answer);
	int hl = snprintf(head, sizeof head,
			  "HTTP/1.1 %d Scripted\r\nContent-Type: application/json\r\n"
			  "Content-Length: %d\r\nConnection: close\r\n\r\n",
			  answer, bl);
	write_all(fd, head, (size_t)hl);
	write_all(fd, body, (size_t)bl);
	shutdown(fd, SHUT_WR);
	return NULL;
}

static void *accept_loop(void *arg)
{
	struct http_sink *s = arg;
	for (;;) {
		struct pollfd pfd[2] = {{s->fd, POLLIN, 0}, {s->wake[0], POLLIN, 0}};
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		int fd = accept(s->fd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&s->lock);
		if (s->n_conns >= MAX_CONNECTIONS) {
			pthread_mutex_unlock(&s->lock);
			close(fd);
			continue;
		}
		struct conn_arg *a = malloc(sizeof *a);
		if (!a)
			abort();
		a->s = s;
		a->fd = fd;
		s->conn_fds[s->n_conns] = fd;
		if (pthread_create(&s->conns[s->n_conns], NULL, serve, a) == 0)
			s->n_conns++;
		else {
			free(a);
			close(fd);
		}
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

struct http_sink *http_sink_start(void)
{
	struct http_sink *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->arrived, NULL);
	if (pipe(s->wake) != 0)
		abort();
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in addr = {0};
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = 0;
	socklen_t alen = sizeof addr;
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
	    listen(s->fd, 128) != 0 || getsockname(s->fd, (struct sockaddr *)&addr, &alen) != 0) {
		fprintf(stderr, "http_sink: cannot listen on 127.0.0.1: %s\n", strerror(errno));
		abort();
	}
	s->port = ntohs(addr.sin_port);
	if (pthread_create(&s->acceptor, NULL, accept_loop, s) != 0)
		abort();
	return s;
}

void http_sink_stop(struct http_sink *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_mutex_unlock(&s->lock);
	if (write(s->wake[1], "x", 1) != 1)
		abort();
	pthread_join(s->acceptor, NULL);
	for (size_t i = 0; i < s->n_conns; i++) {
		pthread_join(s->conns[i], NULL);
		close(s->conn_fds[i]);
	}
	close(s->fd);
	close(s->wake[0]);
	close(s->wake[1]);
	for (size_t i = 0; i < s->n_reqs; i++)
		http_sink_request_free(&s->reqs[i]);
	free(s->reqs);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->arrived);
	free(s);
}

unsigned http_sink_port(const struct http_sink *s)
{
	return s->port;
}

const char *http_sink_url(const struct http_sink *s, const char *path, char *buf, size_t size)
{
	snprintf(buf, size, "http://127.0.0.1:%u%s", s->port, path);
	return buf;
}

void http_sink_script(struct http_sink *s, const char *path, const int *answers, size_t n, int then)
{
	pthread_mutex_lock(&s->lock);
	struct script *sc = find_script(s, path, true);
	if (sc) {
		sc->n = n < MAX_ANSWERS ? n : MAX_ANSWERS;
		if (sc->n)
			memcpy(sc->answers, answers, sc->n * sizeof *answers);
		sc->used = 0;
		sc->then = then;
	}
	pthread_mutex_unlock(&s->lock);
}

void http_sink_delay(struct http_sink *s, const char *path, int ms)
{
	pthread_mutex_lock(&s->lock);
	struct script *sc = find_script(s, path, true);
	if (sc)
		sc->delay_ms = ms;
	pthread_mutex_unlock(&s->lock);
}

static size_t count_locked(struct http_sink *s, const char *path)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n_reqs; i++)
		if (!path || !strcmp(s->reqs[i].path, path))
			n++;
	return n;
}

size_t http_sink_count(struct http_sink *s, const char *path)
{
	pthread_mutex_lock(&s->lock);
	size_t n = count_locked(s, path);
	pthread_mutex_unlock(&s->lock);
	return n;
}

bool http_sink_wait(struct http_sink *s, const char *path, size_t n, int timeout_ms)
{
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->lock);
	bool ok;
	while (!(ok = count_locked(s, path) >= n))
		if (pthread_cond_timedwait(&s->arrived, &s->lock, &deadline) == ETIMEDOUT) {
			ok = count_locked(s, path) >= n;
			break;
		}
	pthread_mutex_unlock(&s->lock);
	return ok;
}

bool http_sink_get(struct http_sink *s, const char *path, size_t i, struct http_sink_request *out)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&s->lock);
	bool found = false;
	for (size_t k = 0, seen = 0; k < s->n_reqs; k++) {
		const struct http_sink_request *r = &s->reqs[k];
		if (path && strcmp(r->path, path))
			continue;
		if (seen++ != i)
			continue;
		*out = *r;
		out->headers = strdup(r->headers);
		out->body = malloc(r->body_len + 1);
		if (!out->headers || !out->body)
			abort();
		memcpy(out->body, r->body, r->body_len + 1);
		out->json = r->json ? json_deep_copy(r->json) : NULL;
		found = true;
		break;
	}
	pthread_mutex_unlock(&s->lock);
	return found;
}

void http_sink_request_free(struct http_sink_request *r)
{
	free(r->headers);
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof *r);
}

bool http_sink_header(const struct http_sink_request *r, const char *name, char *buf, size_t size)
{
	size_t nl = strlen(name);
	for (const char *line = strstr(r->headers, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
		const char *h = line + 2;
		if (!strncasecmp(h, name, nl) && h[nl] == ':') {
			const char *v = h + nl + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			const char *end = strstr(v, "\r\n");
			size_t len = end ? (size_t)(end - v) : strlen(v);
			if (len >= size)
				len = size - 1;
			memcpy(buf, v, len);
			buf[len] = '\0';
			return true;
		}
	}
	buf[0] = '\0';
	return false;
}
