/*
 * static.c — the web folder at "/".
 *
 * No way out of the folder: libmicrohttpd hands us the path already
 * percent-decoded, so "%2e%2e" arrives as ".." and is refused like a literal
 * one; hidden files are refused; and the resolved real path (symlinks
 * followed) must still lie inside the folder.  Responses carry an ETag and
 * answer If-None-Match with 304.  http_static_check() says at start-up whether
 * there is a dashboard to serve at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/internal.h"
#include "shiplog/app.h"
#include "shiplog/http.h"

static const struct {
	const char *ext;
	const char *type;
} content_types[] = {
	{".html", "text/html"},        {".css", "text/css"},
	{".js", "text/javascript"},    {".mjs", "text/javascript"},
	{".json", "application/json"}, {".svg", "image/svg+xml"},
	{".png", "image/png"},         {".ico", "image/x-icon"},
	{".txt", "text/plain"},        {".woff2", "font/woff2"},
	{".webmanifest", "application/manifest+json"},
};

static const char *content_type_for(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (dot)
		for (size_t i = 0; i < sizeof content_types / sizeof content_types[0]; i++)
			if (strcasecmp(dot, content_types[i].ext) == 0)
				return content_types[i].type;
	return "application/octet-stream";
}

/* Refuses "..", ".", hidden names, backslashes and empty segments. */
static bool path_is_clean(const char *path)
{
	if (path[0] != '/')
		return false;
	const char *seg = path + 1;
	for (;;) {
		const char *end = strchr(seg, '/');
		size_t n = end ? (size_t)(end - seg) : strlen(seg);
		if (n > 0 && seg[0] == '.')
			return false;
		if (n == 0 && end)
			return false; /* "//" */
		for (size_t i = 0; i < n; i++)
			if (seg[i] == '\\' || (unsigned char)seg[i] < 0x20)
				return false;
		if (!end)
			return true;
		seg = end + 1;
	}
}

static bool read_file(int fd, size_t size, char **out)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return false;
	size_t got = 0;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n <= 0) {
			free(buf);
			return false;
		}
		got += (size_t)n;
	}
	*out = buf;
	return true;
}

enum serve_result { SERVED, MISSING, REFUSED };

/* root (a real path) + rel, symlinks followed, into real (PATH_MAX bytes): MISSING when
 * nothing is there, REFUSED when the name is too long or leads out of the folder. */
static enum serve_result resolve_in_folder(const char *root, const char *rel, char *real)
{
	char candidate[PATH_MAX];
	int n = snprintf(candidate, sizeof candidate, "%s%s", root, rel);
	if (n < 0 || (size_t)n >= sizeof candidate)
		return REFUSED;
	if (!realpath(candidate, real))
		return MISSING;
	size_t rl = strlen(root);
	if (strncmp(real, root, rl) != 0 || real[rl] != '/')
		return REFUSED; /* a link that leads out of the folder */
	return SERVED;
}

static enum serve_result serve_file(struct http_request *r, const char *root, const char *rel,
				    unsigned status)
{
	char real[PATH_MAX];
	enum serve_result where = resolve_in_folder(root, rel, real);
	if (where != SERVED)
		return where;
	int fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return MISSING;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 16 * 1024 * 1024) {
		close(fd);
		return MISSING;
	}
	char etag[96];
	snprintf(etag, sizeof etag, "\"%lx-%lx-%lx\"", (unsigned long)st.st_size,
		 (unsigned long)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec);
	const char *inm = http_header(r, "If-None-Match");
	if (status == 200 && inm && (strstr(inm, etag) || strcmp(inm, "*") == 0)) {
		close(fd);
		http_reply_bytes(r, 304, NULL, "", 0);
		http_reply_header(r, "ETag", etag);
		http_reply_header(r, "Cache-Control", "no-cache");
		return SERVED;
	}
	char *body = NULL;
	bool ok = read_file(fd, (size_t)st.st_size, &body);
	close(fd);
	if (!ok)
		return MISSING;
	http_reply_bytes(r, status, content_type_for(real), body, (size_t)st.st_size);
	free(body);
	http_reply_header(r, "ETag", etag);
	http_reply_header(r, "Cache-Control", "no-cache");
	return SERVED;
}

static bool serve_not_found(struct http_request *r, const char *root)
{
	return serve_file(r, root, "/404.html", 404) == SERVED;
}

bool http_static_serve(struct http_request *r)
{
	char root[PATH_MAX];
	if (!realpath(r->app->cfg->web_dir, root))
		return false;
	if (!path_is_clean(r->path))
		return serve_not_found(r, root);
	char rel[PATH_MAX];
	size_t pl = strlen(r->path);
	if (pl + 16 >= sizeof rel)
		return false;
	snprintf(rel, sizeof rel, "%s%s", r->path, r->path[pl - 1] == '/' ? "index.html" : "");
	enum serve_result res = serve_file(r, root, rel, 200);
	if (res == SERVED)
		return true;
	/* the dashboard routes in the browser (/runs/42, /feedback): a missing
	 * path whose last segment has no extension gets the app, which shows its
	 * own "not found" for routes it does not know */
	const char *last = strrchr(r->path, '/');
	if (res == MISSING && last && !strchr(last, '.') &&
	    serve_file(r, root, "/index.html", 200) == SERVED)
		return true;
	return serve_not_found(r, root);
}

bool http_static_check(const char *web_dir, char *why, size_t why_size)
{
	char root[PATH_MAX], index[PATH_MAX];
	struct stat st;
	if (!web_dir || !*web_dir) {
		snprintf(why, why_size, "no web folder is configured");
		return false;
	}
	if (!realpath(web_dir, root) || stat(root, &st) != 0) {
		snprintf(why, why_size, "web folder %s: %s", web_dir, strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, why_size, "web folder %s is not a folder", web_dir);
		return false;
	}
	/* what GET / serves, checked the way it is served */
	enum serve_result where = resolve_in_folder(root, "/index.html", index);
	int fd = where == SERVED ? open(index, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0) {
		snprintf(why, why_size, "web folder %s has no readable index.html (%s)", web_dir,
			 where == REFUSED ? "it leads out of the folder" : strerror(errno));
		return false;
	}
	bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	close(fd);
	if (!regular) {
		snprintf(why, why_size, "web folder %s: index.html is not a file", web_dir);
		return false;
	}
	return true;
}
