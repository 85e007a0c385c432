/*
 * fuzz_form — application/x-www-form-urlencoded decoding (http_form_value,
 * server/http/form.h) and URL encoding (http_url_encode,
 * server/http/internal.h).
 *
 * Input: a form body ("payload=%7B...%7D&token=abc").  It is searched for
 * the names shiplog reads (GitHub's form-encoded deliveries: payload; the
 * sign-in form: token, csrf_token) and for a few edge-case names; then its
 * text is URL-encoded and decoded back, which must give it again.
 */
#include "fuzz.h"

#include "http/form.h"
#include "http/internal.h"

static const char *const names[] = {"payload", "token", "csrf_token", "a", "", "pay"};

static void lookup(const char *body, size_t len, const char *name)
{
	char *value = (char *)1;
	size_t value_len = 12345;
	int rc = http_form_value(body, len, name, &value, &value_len);
	FUZZ_CHECK(rc == -1 || rc == 0 || rc == 1);
	if (rc != 1) {
		FUZZ_CHECK(value == NULL && value_len == 0);
		return;
	}
	FUZZ_CHECK(value != NULL);
	/* decoding never grows a value, and the result is NUL-terminated */
	FUZZ_CHECK(value_len <= len);
	FUZZ_CHECK(value[value_len] == '\0');
	free(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy: ASan sees a read past the body's end */
	char *body = malloc(size ? size : 1);
	if (!body)
		abort();
	if (size)
		memcpy(body, data, size);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		lookup(body, size, names[i]);
	free(body);

	/* http_url_encode takes C strings (query values from libmicrohttpd) */
	char *text = fuzz_cstr(data, size);
	size_t tl = strlen(text);
	char *enc = http_url_encode(text);
	size_t el = strlen(enc);
	FUZZ_CHECK(el >= tl && el <= 3 * tl);
	for (size_t i = 0; i < el; i++) {
		char c = enc[i];
		bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				  (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
				  c == '~' || c == '%';
		FUZZ_CHECK(unreserved);
	}
	/* round trip: x=<encoded> decodes to the text again */
	char *form = malloc(el + 2);
	if (!form)
		abort();
	form[0] = 'x';
	form[1] = '=';
	memcpy(form + 2, enc, el);
	char *back = NULL;
	size_t bl = 0;
	FUZZ_CHECK(http_form_value(form, el + 2, "x", &back, &bl) == 1);
	FUZZ_CHECK(bl == tl && memcmp(back, text, tl) == 0);
	free(back);
	free(form);
	free(enc);
	free(text);
	return 0;
}
